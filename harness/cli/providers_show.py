"""``harness providers show NAME``: everything a user needs to configure one adapter.

Options (type, default, help, read from the adapter's pydantic model), limits per
request, credentials (which environment variable, required or not, set or not —
never the value) and the languages or pairs the adapter offers.
"""

from __future__ import annotations

import os
import types
from typing import Any

import click
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from harness.provider import Provider
from harness.run.registry import Registry

# Adapters that take any CLDR language list hundreds of codes: show a sample.
LANGUAGE_SAMPLE = 24


def type_name(annotation: Any) -> str:
    """``str``, ``int | None``, ``Literal['a', 'b']``: how a field's type reads to a user."""
    if isinstance(annotation, type) and not isinstance(annotation, types.GenericAlias):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("NoneType", "None")


def default_text(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    if field.default is PydanticUndefined:
        return "computed"
    return f"default {field.default!r}"


def describe_options(cls: type[Provider]) -> list[str]:
    lines = []
    for name, field in cls.Options.model_fields.items():
        line = f"  {name} ({type_name(field.annotation)}, {default_text(field)})"
        if field.description:
            line += f": {field.description}"
        lines.append(line)
    return lines or ["  none"]


def describe_credentials(cls: type[Provider]) -> list[str]:
    lines = []
    for credential in cls.credentials:
        need = "required" if credential.required else "optional"
        state = "set" if os.environ.get(credential.env) else "not set"
        help_text = f" ({credential.help})" if credential.help else ""
        lines.append(f"  {credential.env}: {need}, {state}{help_text}")
    return lines or ["  none"]


def describe_languages(cls: type[Provider]) -> list[str]:
    # Options may have required fields (a model name): the language lists do not depend on
    # them, so build the adapter from unvalidated defaults just to ask.
    provider = cls(cls.Options.model_construct())
    pairs = provider.supported_pairs()
    if pairs is not None:
        return [f"  pairs: {', '.join(sorted(str(p) for p in pairs)) or 'none'}"]
    table = provider.language_table()
    if table is None:
        return ["  any language the backend accepts (not listed by the adapter)"]
    codes = sorted(table)
    if len(codes) > LANGUAGE_SAMPLE:
        return [f"  {len(codes)} languages, e.g. {', '.join(codes[:LANGUAGE_SAMPLE])}, ..."]
    return [f"  {', '.join(codes)}"]


@click.command()
@click.argument("name")
def show(name: str) -> None:
    """Options, limits, credentials and languages of one provider."""
    registry = Registry()
    cls = registry.load(name)
    entry = registry.entry(name)
    lines = [f"{name}: {cls.description}".rstrip(": ")]
    lines.append(f"  from {entry.origin} {entry.version} ({entry.target}), "
                 f"adapter version {cls.version}")
    lines += ["options:", *describe_options(cls)]
    lines += ["limits per request:",
              f"  {cls.limits.max_batch} segment(s), {cls.limits.max_chars} characters"]
    lines += ["credentials (environment variables):", *describe_credentials(cls)]
    lines += ["languages:", *describe_languages(cls)]
    click.echo("\n".join(lines))
