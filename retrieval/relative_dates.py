"""Relative dates in a document ("last month", "this quarter"), read against its own date.

A panel report dated 17 November 2023 that says "last month" means October 2023;
the 2016 inspection's "last year's assessment" is 2015's. Quorum never rewrites a
quote: it says beside the answer what each such phrase meant when it was written.

Quarters are financial (Quarter 1 is April to June), as in UK public-sector
reporting. A report often says "this quarter" of the quarter it reports on, not the
one it was published in, so a quarter named in the same passage ("During Quarter 2")
wins over the document's date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta

from retrieval.periods import financial_year_of, financial_years, names_quarter

if TYPE_CHECKING:
    from retrieval.models import Citation

_STEP = {"last": -1, "previous": -1, "past": -1, "this": 0, "current": 0, "next": 1, "coming": 1}
_COUNTS = {word: n for n, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split()
)} | {"eighteen": 18, "twenty-four": 24}
RELATIVE = re.compile(
    r"\b(last|previous|past|this|current|next|coming)\s+(financial year|week|month|quarter|year)(?:['’]s)?\b"
    r"|\b(yesterday|today|tomorrow)\b"
    rf"|\b(?:last|previous|past)\s+(\d{{1,2}}|{'|'.join(_COUNTS)})\s+(weeks|months|years)\b",
    re.I,
)
_QUARTER_MONTHS = ("April to June", "July to September", "October to December", "January to March")


@dataclass(frozen=True)
class RelativeDate:
    """A relative phrase in a cited passage and what it meant on the document's date."""

    phrase: str  # as written: "last month"
    n: int  # the citation it appears in
    meaning: str  # "October 2023"
    written: str  # the document's date: "17 November 2023"

    def describe(self) -> str:
        return f"“{self.phrase}” in [{self.n}] means {self.meaning} (the document is dated {self.written})."

    def to_json(self) -> dict[str, object]:
        return {"phrase": self.phrase, "n": self.n, "meaning": self.meaning, "written": self.written}


def meaning(phrase: str, written: date, passage: str = "") -> str | None:
    """What ``phrase`` meant in a document dated ``written``; None when it is not a relative date."""
    match = RELATIVE.fullmatch(phrase.strip())
    if not match:
        return None
    if match.group(3):
        day = written + timedelta(days={"yesterday": -1, "today": 0, "tomorrow": 1}[match.group(3).lower()])
        return _long(day)
    if match.group(4):
        return _span_before(written, match.group(4).lower(), match.group(5).lower())
    step, unit = _STEP[match.group(1).lower()], match.group(2).lower()
    if unit == "week":
        monday = written - timedelta(days=written.weekday()) + timedelta(weeks=step)
        return f"the week beginning {_long(monday)}"
    if unit == "month":
        return (written + relativedelta(months=step)).strftime("%B %Y")
    if unit == "year":
        if financial_years(passage):
            return None  # a passage that reckons in 2024/25s may mean either kind of year: say nothing
        return str(written.year + step)
    if unit == "financial year":
        start = financial_year_of(written) + step
        return f"{start}/{(start + 1) % 100:02d} (April {start} to March {start + 1})"
    return _quarter(written, step, passage)


def relative_dates(citations: Iterable[Citation]) -> list[RelativeDate]:
    """Every relative phrase in the cited sentences, read against its document's date, once each."""
    found: list[RelativeDate] = []
    for citation in citations:
        chunk = citation.passage.chunk
        try:
            written = date.fromisoformat(chunk.doc.date)
        except ValueError:
            continue  # an undated document: nothing to read the phrase against
        for sentence in citation.sentences:
            for match in RELATIVE.finditer(sentence):
                phrase = re.sub(r"['’]s$", "", match.group(0))
                meant = meaning(phrase, written, chunk.text)
                entry = RelativeDate(phrase, citation.n, meant or "", _long(written))
                if meant and entry not in found:
                    found.append(entry)
    return found


def _span_before(written: date, count: str, unit: str) -> str | None:
    """ "the last 6 months" of a letter of 18 December 2023: June to December 2023."""
    n = int(count) if count.isdigit() else _COUNTS[count]
    if n == 0:
        return None
    if unit == "weeks":
        return f"{_long(written - timedelta(weeks=n))} to {_long(written)}"
    start = written - relativedelta(months=n if unit == "months" else 12 * n)
    return f"{start:%B %Y} to {written:%B %Y}"


def _quarter(written: date, step: int, passage: str) -> str:
    year = financial_year_of(written)
    index = (written.month - 4) % 12 // 3  # 0 for April to June
    named = {n for n in range(1, 5) if names_quarter(passage, n)}
    if step == 0 and len(named) == 1:
        index = named.pop() - 1  # "During Quarter 2 ... closed this quarter"
    index += step
    year += index // 4
    index %= 4
    calendar = year + 1 if index == 3 else year
    return f"Quarter {index + 1} of {year}/{(year + 1) % 100:02d} ({_QUARTER_MONTHS[index]} {calendar})"


def _long(day: date) -> str:
    return day.strftime("%-d %B %Y")
