"""Affricates across scripts: German z, Greek τσ/τς, Cyrillic ц, Hebrew צ/ץ are one sound.

Each faithful row keeps the name; its twin puts another name in its place, which must
still be reported missing.
"""

from __future__ import annotations

import pytest

from harness.fidelity.scorer import score_pair

SOURCE = "Chancellor Scholz met Tsipras in Berlin on Wednesday."

# (target, faithful translation, the same with another name for Scholz)
ROWS = [
    (
        "el",
        "Ο καγκελάριος Σολτς συναντήθηκε με τον Τσίπρα στο Βερολίνο την Τετάρτη.",
        "Ο καγκελάριος Μέρκελ συναντήθηκε με τον Τσίπρα στο Βερολίνο την Τετάρτη.",
    ),
    (
        "ru",
        "Канцлер Шольц встретился с Ципрасом в Берлине в среду.",
        "Канцлер Меркель встретился с Ципрасом в Берлине в среду.",
    ),
    (
        "uk",
        "Канцлер Шольц зустрівся з Ципрасом у Берліні у середу.",
        "Канцлер Меркель зустрівся з Ципрасом у Берліні у середу.",
    ),
    (
        "he",
        "הקנצלר שולץ נפגש עם ציפראס בברלין ביום רביעי.",
        "הקנצלר מרקל נפגש עם ציפראס בברלין ביום רביעי.",
    ),
]


def _missing(translation: str, target: str) -> list[str]:
    judgement = score_pair(SOURCE, translation, target)
    return [miss.source for miss in judgement.names.missing]


@pytest.mark.parametrize(("target", "faithful", "twin"), ROWS, ids=[r[0] for r in ROWS])
def test_an_affricate_name_is_kept_across_scripts(target: str, faithful: str, twin: str) -> None:
    assert not any("Scholz" in name for name in _missing(faithful, target))
    assert any("Scholz" in name for name in _missing(twin, target))
