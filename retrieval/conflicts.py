"""When documents disagree: two strong answers from different documents giving different values.

Only questions that ask for a value (a date, an amount, a count, a grade) can conflict.
Two sentences conflict when each answers the question well (a large share of
the question's terms, a score close to the best), they come from different
documents, and the values of the asked kind they state have nothing in common:
"conducted in July 2022" against "a revisit … between 3 and 8 July 2023".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.periods import periods

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTH_YEAR = re.compile(rf"\b({_MONTHS})\s+((?:19|20)\d{{2}})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})\b")
_MONEY = re.compile(r"£\s?\d[\d,.]*\s?(?:m|bn|k|million|billion)?\b", re.I)
_NUMBER = re.compile(r"\b\d[\d,.]*%?")
# The inspectorate's graded judgements, from best to worst.
GRADE = re.compile(r"\b(outstanding|good|adequate|requir(?:es|ing|e) improvement|inadequate)\b", re.I)

MIN_COVERAGE = 0.35  # each side must hold a good share of the question's weighted terms
CLOSE_TO_BEST = 0.95  # and score nearly as well as the best sentence


@dataclass(frozen=True)
class Side:
    """One side of a disagreement: a sentence, its document and the values it states."""

    text: str
    doc_id: str
    values: frozenset[str]
    key: object  # whatever the caller uses to cite it


def stated_values(sentence: str, kind: str) -> frozenset[str]:
    """The values of ``kind`` ("date", "money", "figure", "grade") a sentence states, normalised."""
    if kind == "date":
        found = {f"{m} {y}" for m, y in _MONTH_YEAR.findall(sentence)}
        found |= {f"{int(d)} {m}" for d, m in _DAY_MONTH.findall(sentence)}
        if not found:
            found = {period.label for period in periods(sentence)}
        return frozenset(found)
    if kind == "money":
        return frozenset(re.sub(r"\s|,", "", m).lower() for m in _MONEY.findall(sentence))
    if kind == "figure":
        return frozenset(n.rstrip(".,") for n in _NUMBER.findall(sentence))
    if kind == "grade":
        return frozenset(re.sub(r"^requir\w*", "requires", g.lower()) for g in GRADE.findall(sentence))
    return frozenset()


def disagreement(kind: str, scored: Sequence[tuple[Side, float, float]]) -> tuple[Side, Side] | None:
    """The strongest pair of sides from different documents whose values do not meet.

    ``scored`` holds (side, score, coverage) for the candidate sentences, any order.
    """
    if kind not in ("date", "money", "figure", "grade") or not scored:
        return None
    best = max(score for _, score, _ in scored)
    strong = sorted(
        ((side, score) for side, score, coverage in scored
         if side.values and coverage >= MIN_COVERAGE and score >= CLOSE_TO_BEST * best),
        key=lambda item: item[1],
        reverse=True,
    )
    for i, (first, _) in enumerate(strong):
        for second, _ in strong[i + 1 :]:
            if first.doc_id != second.doc_id and first.values.isdisjoint(second.values):
                return first, second
    return None
