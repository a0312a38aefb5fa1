import re
from collections import Counter
from pathlib import Path

import pytest

from ingest.cleaning import clean_text
from tests.conftest import CORPUS

FIGURE = re.compile(r"\d[\d,.]*\d|\d")


def figures(text: str) -> Counter[str]:
    return Counter(FIGURE.findall(text))


@pytest.mark.parametrize("path", sorted(p for p in CORPUS.iterdir() if p.suffix in {".txt", ".md"}), ids=lambda p: p.name)
def test_cleaning_keeps_every_figure_of_the_shipped_documents(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    expected = re.sub(r"<sup>\d+</sup>", "", raw)  # footnote marks become superscripts
    expected = re.sub(r"(?m)^Copyright ©.*$", "", expected)  # the one boilerplate line with a year
    assert figures(clean_text(raw, path.suffix.lstrip("."))) == figures(expected)


def test_cleaning_repairs_a_name_split_by_a_page_break() -> None:
    raw = (
        "8. Work is ongoing with partners to reduce the backlog. 13 new circuit judges for the West\n\n"
        "Midlands and Herefordshire have been recruited, and plans are being shaped.\n\n9. Next paragraph."
    )
    cleaned = clean_text(raw)
    assert "judges for the West Midlands and Herefordshire have been recruited" in cleaned
    assert "\n\n9. Next paragraph." in cleaned


def test_cleaning_rejoins_a_sentence_around_a_footnote_at_a_page_break() -> None:
    raw = (
        "• The Chief Constable acknowledged that there was still more work required to improve\n\n"
        "---\n\n<sup>1</sup> Due to changes to Twitter/X it is harder to measure.\n\n"
        "visibility. Over 20 questions were followed up."
    )
    cleaned = clean_text(raw, "md")
    assert "more work required to improve visibility. Over 20 questions" in cleaned
    assert "¹ Due to changes to Twitter/X" in cleaned


def test_cleaning_keeps_a_title_line_apart_from_the_letter_body() -> None:
    raw = "HMICFRS West Mercia Police revisit: service to victims cause of concern\n\nI am writing to you."
    assert clean_text(raw) == raw


def test_cleaning_removes_web_boilerplate_and_markup() -> None:
    raw = (
        "Accessibility Settings Skip to main content\n\n## **Reforming West Mercia**\n\n"
        "47. The PCC has set a Net Budget Requirement of £273m.\n\n"
        "40. Meetings took place on 23<sup>rd</sup> October 2023.\n\n"
        "See [the reports \\(PCC\\)](https://example.org/reports).\n\n"
        "Related News\n\nSelect Vacancies\n\nCopyright © 2025 Police Professional"
    )
    cleaned = clean_text(raw, "md")
    assert cleaned == (
        "Reforming West Mercia\n\n47. The PCC has set a Net Budget Requirement of £273m.\n\n"
        "40. Meetings took place on 23rd October 2023.\n\n"
        "See the reports (PCC) (https://example.org/reports)."
    )


def test_cleaning_collapses_whitespace_and_normalises_bullets() -> None:
    raw = "London  SW1P 4DF\n\n\n\n  • make sure   plans are created\n  - and reviewed"
    assert clean_text(raw) == "London SW1P 4DF\n\n• make sure plans are created\n• and reviewed"
