"""When documents disagree: two good answers that state different values for the same subject.

A question that asks for a value (a date, an amount, a count, a grade, or
whether something went up or down) can be answered differently by two
documents, or by two parts of one. Two sentences disagree when both answer the
question well (each holds a good share of the question's terms, and scores
not far below the best or holds most of the question), they come from different passages, and the values of
the asked kind they state have nothing in common: "conducted in July 2022"
against "a revisit … between 3 and 8 July 2023", "vehicle crime has decreased"
against "the small increase in vehicle crime". Nothing here knows a phrasing
of any document: the values are read from the sentences themselves.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.tokens import tokenize
from retrieval.periods import periods

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTH_YEAR = re.compile(rf"\b({_MONTHS})\s+((?:19|20)\d{{2}})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})\b")
_MONEY = re.compile(r"£\s?\d[\d,.]*\s?(?:m|bn|k|million|billion)?\b", re.I)
_NUMBER = re.compile(r"\b\d[\d,.]*%?")
# The inspectorate's graded judgements, from best to worst.
GRADE = re.compile(r"\b(outstanding|good|adequate|requir(?:es|ing|e) improvement|inadequate)\b", re.I)

# Which way a sentence says something moved.
_UP = re.compile(r"\b(?:increase[sd]?|increasing|rise|rises|rising|risen|rose|grew|grown|growth|higher|up)\b", re.I)
_DOWN = re.compile(r"\b(?:decrease[sd]?|decreasing|reduc(?:ed|tion|ing)|fall|falls|falling|fallen|fell|drop(?:ped|s)?|lower|down)\b", re.I)

MIN_COVERAGE = 0.35  # each side must hold a good share of the question's weighted terms
CLOSE_TO_BEST = 0.8  # and score not far below the best sentence,
SAME_SUBJECT = 0.6  # or hold this much of the question: "It would start in July", its subject named just before
KINDS = ("date", "money", "figure", "grade", "direction")


@dataclass(frozen=True)
class Side:
    """One side of a disagreement: a sentence, its passage and the values it states."""

    text: str
    passage: str  # the passage it comes from: two sides come from two passages
    values: frozenset[str]
    key: object  # whatever the caller uses to cite it
    document: str = ""  # a document states many related figures and dates; only a direction it contradicts


_DATE = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?)?({_MONTHS})\b(?:,?\s+((?:19|20)\d{{2}})\b)?"
)


def _dates(sentence: str) -> list[str]:
    """The dates a sentence states, as "day-month-year" with "?" for what it leaves out
    ("8 July 2023" -> "8-7-2023", "in October" -> "?-10-?"), and its years and financial years
    not part of a date ("2021" -> "?-?-2021", "2021/22" -> "?-?-2021/22")."""
    found = []
    for match in _DATE.finditer(sentence):
        day, month, year = match.groups()
        found.append(f"{day or '?'}-{_MONTHS.split('|').index(month) + 1}-{year or '?'}")
    rest = _DATE.sub(" ", sentence)
    found += [f"?-?-{period.label}" for period in periods(rest)]
    return found


def _years(label: str) -> set[str]:
    """The calendar years a year field allows: "2021" -> {2021}, "2021/22" -> {2021, 2022}."""
    if "/" in label:
        start = int(label[:4])
        return {str(start), str(start + 1)}
    return {label}


def _dates_agree(a: str, b: str) -> bool:
    """Can two dates be the same day? Each field either is missing from one of them or matches."""
    (day_a, month_a, year_a), (day_b, month_b, year_b) = a.split("-", 2), b.split("-", 2)
    return (
        ("?" in (day_a, day_b) or day_a == day_b)
        and ("?" in (month_a, month_b) or month_a == month_b)
        and ("?" in (year_a, year_b) or bool(_years(year_a) & _years(year_b)))
    )


def compatible(kind: str, first: frozenset[str], second: frozenset[str]) -> bool:
    """Could both sentences be right? Dates when some pair can be the same day; other values when one is shared."""
    if kind == "date":
        return any(_dates_agree(a, b) for a in first for b in second)
    return not first.isdisjoint(second)


_CLAUSE = re.compile(r"[,;:]|\s(?:and|but|while|whereas|although)\s", re.I)


@functools.cache
def _direction_stems() -> frozenset[str]:
    words = "increase increased increasing rise rises rising risen rose grew grown growth higher up decrease decreased "
    words += "decreasing reduced reduction reducing fall falls falling fallen fell drop dropped drops lower down go gone went"
    return frozenset(tokenize([words])[0])


def direction_of(sentence: str, subject: frozenset[str]) -> frozenset[str]:
    """Which way the sentence says its subject moved, read in the clauses that name the subject
    ("vehicle crime has decreased by 4% and detection rates have improved ... an increase" -> down)."""
    subject = subject - _direction_stems()  # "has it increased or decreased": the words of the asking are no subject
    clauses = [c for c in _CLAUSE.split(sentence) if subject & set(tokenize([c])[0])] or [sentence]
    return frozenset(
        word for word, pattern in (("up", _UP), ("down", _DOWN)) if any(pattern.search(c) for c in clauses)
    )


def stated_values(sentence: str, kind: str, subject: frozenset[str] = frozenset()) -> frozenset[str]:
    """The values of ``kind`` ("date", "money", "figure", "grade", "direction") a sentence states, normalised.

    ``subject``: the question's subject stems, for a direction (which way *it* moved).
    """
    if kind == "date":
        return frozenset(_dates(sentence))
    if kind == "money":
        return frozenset(re.sub(r"\s|,", "", m).lower() for m in _MONEY.findall(sentence))
    if kind == "figure":
        return frozenset(n.rstrip(".,") for n in _NUMBER.findall(sentence))
    if kind == "direction":
        return direction_of(sentence, subject)
    if kind == "grade":
        return frozenset(re.sub(r"^requir\w*", "requires", g.lower()) for g in GRADE.findall(sentence))
    return frozenset()


def disagreement(
    kind: str, scored: Sequence[tuple[Side, float, float]], min_coverage: float = MIN_COVERAGE
) -> tuple[Side, Side] | None:
    """The best answer and the other passage's answer that contradicts it, if one does.

    The other side comes from another document, except for a direction: one
    document may give the date of a meeting and of its deadline, or several
    figures of one thing, but not say that the same thing rose and fell.

    ``scored`` holds (side, score, coverage) for the candidate sentences, any
    order. The first side is the best-scoring sentence that states a value; the
    second, of the sentences from other passages that score within
    ``CLOSE_TO_BEST`` of it (or hold ``SAME_SUBJECT`` of the question, however
    few their own words) and state no value of the first, the one that holds
    most of the question (the same subject, not merely a date nearby). A passage
    that states the first side's value in a sentence holding as much of the
    question does not contradict it: its other values are of something else
    (the precept for "Band E" beside the one for "Band D").
    """
    if kind not in KINDS or not scored:
        return None
    eligible = [(side, score, coverage) for side, score, coverage in scored if side.values and coverage >= min_coverage]
    if not eligible:
        return None
    first, best, _ = max(eligible, key=lambda item: item[1])
    others = [
        (coverage, score, side) for side, score, coverage in eligible
        if side.passage != first.passage and (side.document != first.document or kind == "direction")
        and (score >= CLOSE_TO_BEST * best or coverage >= SAME_SUBJECT)
        and not compatible(kind, first.values, side.values)
    ]
    agreeing: dict[str, float] = {}  # passage -> the most of the question a sentence stating the first value holds
    for side, _, coverage in eligible:
        if compatible(kind, first.values, side.values):
            agreeing[side.passage] = max(coverage, agreeing.get(side.passage, -1.0))
    others = [item for item in others if agreeing.get(item[2].passage, -1.0) < item[0]]
    if not others:
        return None
    return first, max(others, key=lambda item: (item[0], item[1]))[2]
