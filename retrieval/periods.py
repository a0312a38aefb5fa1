"""Years, financial years, quarters and spans of years, read one way everywhere.

UK public bodies report by financial year (April to March), written "2023/24",
"2023-24", "2023/2024", "FY23/24" or "FY 2023/24"; quarters are the financial
year's ("Quarter 1" is April to June). Search ranks passages by the period a
question names, the answer checks that a sentence speaks for it, conflicts
compare the periods two sentences state: all of them read periods here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_Y = r"(?:19|20)\d{2}"
YEAR = re.compile(rf"\b{_Y}\b")
_FINANCIAL_YEAR = re.compile(
    rf"\bFY\s?((?:19|20)?\d{{2}})[/-]((?:19|20)?\d{{2}})\b|\b({_Y})[/-]((?:19|20)?\d{{2}})\b", re.I
)
_QUARTER = re.compile(r"\b(?:Q|Quarter\s+)([1-4])\b", re.I)
_RANGE = re.compile(
    rf"\b(?:between|from)\s+({_Y})\s+(?:and|to|until)\s+({_Y})\b|\b({_Y})\s*(?:-|–|to)\s*({_Y})\b"
)
_SINCE = re.compile(rf"\b(since|after|before)\s+({_Y})\b", re.I)
_IN_YEAR = re.compile(rf"\b(?:in|during|for|of|from)\s+({_Y})\b", re.I)


@dataclass(frozen=True)
class Period:
    """A year a question asks about: a calendar year, or the financial year starting in ``year``."""

    year: int
    financial: bool = False

    @property
    def label(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d}" if self.financial else str(self.year)

    def named_in(self, text: str) -> bool:
        """Does the text name this period, in any of its spellings?"""
        if not self.financial:
            return bool(re.search(rf"\b{self.year}\b", text))
        return any(start == self.year for start in financial_years(text))

    def covers(self, iso_date: str) -> bool:
        """Was a document of this date written in the period?"""
        if len(iso_date) < 7 or not iso_date[:4].isdigit():
            return False
        if not self.financial:
            return iso_date.startswith(str(self.year))
        return f"{self.year}-04" <= iso_date[:7] <= f"{self.year + 1}-03"

    def speaks_for(self, text: str, iso_date: str) -> bool:
        """A passage speaks for the period when it names it or was written in it."""
        return self.named_in(text) or self.covers(iso_date)


def _financial_start(first: str, second: str) -> int | None:
    start = int(first) if len(first) == 4 else 2000 + int(first)
    return start if int(second) % 100 == (start + 1) % 100 else None


def _financial_matches(text: str) -> list[tuple[re.Match[str], int]]:
    found = []
    for match in _FINANCIAL_YEAR.finditer(text):
        first, second = (g for g in match.groups() if g is not None)
        start = _financial_start(first, second)
        if start is not None:
            found.append((match, start))
    return found


def financial_years(text: str) -> list[int]:
    """The first years of the financial years the text names ("2023/24", "FY23/24" -> 2023), in order."""
    return list(dict.fromkeys(start for _, start in _financial_matches(text)))


def financial_year(text: str) -> int | None:
    """The first financial year the text names, if it names one."""
    found = financial_years(text)
    return found[0] if found else None


def plain_years(text: str) -> list[int]:
    """Calendar years named on their own (not as half of "2023/24"), in order, once each."""
    for match, _ in reversed(_financial_matches(text)):
        text = text[: match.start()] + " " + text[match.end() :]
    return list(dict.fromkeys(int(y) for y in YEAR.findall(text)))


def periods(text: str) -> list[Period]:
    """Every period the text names: its financial years, then its calendar years."""
    return [Period(y, True) for y in financial_years(text)] + [Period(y) for y in plain_years(text)]


def quarter(text: str) -> int | None:
    """The financial quarter a question names ("Q2", "Quarter 2"), if any."""
    match = _QUARTER.search(text)
    return int(match.group(1)) if match else None


def names_quarter(text: str, number: int) -> bool:
    return bool(re.search(rf"\b(?:Q|Quarter\s+){number}\b", text, re.I))


def year_span(text: str) -> tuple[int, int] | None:
    """The span of years a question asks about: "between 2016 and 2018", "2016-2018", "since 2020",
    "after 2020", "before 2020" (open ends as 0 and 9999)."""
    span = _RANGE.search(text)
    if span:
        first, last = sorted(int(g) for g in span.groups() if g is not None)
        return first, last
    since = _SINCE.search(text)
    if since:
        year = int(since.group(2))
        return {"since": (year, 9999), "after": (year + 1, 9999), "before": (0, year - 1)}[since.group(1).lower()]
    return None


def year_asked(text: str) -> int | None:
    """The one year a question asks about with a preposition ("in 2016", "during 2023")."""
    match = _IN_YEAR.search(text)
    return int(match.group(1)) if match else None


def compared_years(text: str) -> list[int]:
    """The calendar years a question compares ("between 2016 and 2025"): two or more, else none."""
    years = plain_years(text)
    return years if len(years) >= 2 else []


def financial_year_of(day: date) -> int:
    """The first year of the financial year ``day`` falls in."""
    return day.year if day.month >= 4 else day.year - 1


def mentions_year_between(text: str, first: int, last: int) -> bool:
    return any(first <= int(y) <= last for y in YEAR.findall(text))
