"""harness.jsoncodec decodes exactly as the standard library does, edges included."""

from __future__ import annotations

import json
import math

import pytest

from harness.jsoncodec import dumps, loads

SAME = [
    '{"a":1,"b":[1.5,-0.0,1e-400,"x"],"c":null,"d":true}',
    '{"a":1,"a":2}',  # the later key wins in both
    '"\\u00e9\\u0000"',
    '{"n":123456789012345678901234567890}',  # past 64 bits: an integer, not a float
    '{"n":-9223372036854775809}',
    '{"n":1234567890123456789}',
    '"\\ud800 lone"',  # a lone surrogate escape
    '{"x":1e400}',  # infinity, as the standard library reads it
    "  [1, 2]\n",
    '{"text":"naïve ελληνικά 中文"}',
]


@pytest.mark.parametrize("document", SAME)
def test_loads_gives_the_standard_librarys_value(document: str) -> None:
    ours, theirs = loads(document.encode("utf-8", "surrogatepass")), json.loads(document)
    assert repr(ours) == repr(theirs)
    assert type(ours) is type(theirs)


@pytest.mark.parametrize(
    "document", ['{"a":NaN}', "[1,]", '\ufeff{"a":1}', '{"a":"\x01"}', '{"a":', ""]
)
def test_a_document_the_standard_library_refuses_fails_with_its_message(document: str) -> None:
    def refuse(name: str) -> float:
        raise ValueError(f"{name} refused")

    with pytest.raises(ValueError) as ours:
        loads(document.encode("utf-8"), document, parse_constant=refuse)
    with pytest.raises(ValueError) as theirs:
        json.loads(document, parse_constant=refuse)
    assert str(ours.value) == str(theirs.value)


def test_nan_reaches_parse_constant_as_in_the_standard_library() -> None:
    assert math.isnan(loads(b'{"a":NaN}')["a"])


@pytest.mark.parametrize(
    "value",
    [
        ["text", None, [1, 2, 3, 4], [["name", "Scholz", True]], [1.5, 2.0], None],
        {"k": "lone \ud800 surrogate", "n": [0.1, 1e16, -3]},
        "ελληνικά",
    ],
)
def test_dumps_round_trips(value: object) -> None:
    assert loads(dumps(value)) == json.loads(json.dumps(value))
