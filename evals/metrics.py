"""Evaluation metrics, as pure functions over plain values.

Evidence is matched by its quote, never by file name: a passage is relevant
to a quote when it contains the normalised quote, or shares with it a
contiguous stretch at least half the quote's length (a quote may straddle two
chunks). Ranks are 1-based; ``None`` means "not found in the top k".
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation

# --------------------------------------------------------------------------
# Normalisation

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


def normalise(text: str) -> str:
    """Case-folded, straight quotes and hyphens, whitespace collapsed to single spaces."""
    return " ".join(text.translate(_QUOTES).casefold().split())


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_PER_CENT = re.compile(r"\s*\bper\s?cent\b|\s+%")
_SCALED = re.compile(r"(\d+(?:\.\d+)?)(?:\s*(million|billion|thousand|bn)\b|(m|bn|k)\b)")
_CURRENCY = re.compile(r"[£$€](?=\d)")
_SCALE = {"m": 6, "million": 6, "bn": 9, "billion": 9, "k": 3, "thousand": 3}


def normalise_figures(text: str) -> str:
    """``normalise``, then one spelling per amount: "£273m", "£273 million" and
    "273,000,000" all become "273000000"; "18 per cent" becomes "18%"."""
    text = normalise(text)
    text = _THOUSANDS.sub("", text)
    text = _PER_CENT.sub("%", text)
    text = _SCALED.sub(_expand, text)
    return _CURRENCY.sub("", text)


def _expand(match: re.Match[str]) -> str:
    unit = match.group(2) or match.group(3)
    try:
        value = Decimal(match.group(1)).scaleb(_SCALE[unit])
    except (InvalidOperation, KeyError):
        return match.group(0)
    return format(value.normalize(), "f")


# --------------------------------------------------------------------------
# Relevance and ranking


@functools.lru_cache(maxsize=200_000)
def is_relevant(passage: str, quote: str) -> bool:
    """Does the passage hold the quote, or a contiguous half of it or more?"""
    p, q = normalise(passage), normalise(quote)
    if not q:
        return False
    return q in p or shares_stretch(q, p, math.ceil(len(q) / 2))


def shares_stretch(a: str, b: str, n: int) -> bool:
    """Does some contiguous stretch of ``a``, ``n`` characters long, occur in ``b``?"""
    return n <= min(len(a), len(b)) and any(a[i : i + n] in b for i in range(len(a) - n + 1))


def longest_common_substring(a: str, b: str) -> int:
    """Length of the longest string that occurs in both ``a`` and ``b``."""
    if not a or not b:
        return 0
    low, high = 0, min(len(a), len(b))
    while low < high:  # "some substring of a of length n occurs in b" is monotone in n
        n = (low + high + 1) // 2
        if shares_stretch(a, b, n):
            low = n
        else:
            high = n - 1
    return low


def quote_ranks(passages: Sequence[str], quotes: Sequence[str], k: int = 10) -> list[int | None]:
    """For each quote, the rank of the first passage in the top k that holds it."""
    ranks: list[int | None] = []
    for quote in quotes:
        found = next((r for r, text in enumerate(passages[:k], start=1) if is_relevant(text, quote)), None)
        ranks.append(found)
    return ranks


def hit_at(ranks: Sequence[int | None], k: int) -> float:
    """1.0 when at least one quote is found in the top k."""
    return 1.0 if any(r is not None and r <= k for r in ranks) else 0.0


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of the quotes found in the top k."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr_at(ranks: Sequence[int | None], k: int) -> float:
    """Reciprocal rank of the first passage holding any quote (0 if none in the top k)."""
    found = [r for r in ranks if r is not None and r <= k]
    return 1.0 / min(found) if found else 0.0


def ndcg_at(ranks: Sequence[int | None], k: int) -> float:
    """nDCG with each quote as one relevant item, credited at the first passage holding it.

    The ideal ranking finds one quote per rank from rank 1. A passage holding
    several quotes can beat that ideal; the score is capped at 1.
    """
    if not ranks:
        return 0.0
    dcg = sum(1.0 / math.log2(r + 1) for r in ranks if r is not None and r <= k)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(ranks), k) + 1))
    return min(1.0, dcg / ideal)


# --------------------------------------------------------------------------
# Answers and citations


def contains_fact(answer: str, fact: str) -> bool:
    """Is ``fact`` in ``answer``, after normalising case, quotes, whitespace and figures?

    A fact that starts or ends with a digit must not be part of a longer
    number: "85" is not found in "1985" or "0.85".
    """
    needle, hay = normalise_figures(fact), normalise_figures(answer)
    if not needle:
        return True
    start = hay.find(needle)
    while start != -1:
        end = start + len(needle)
        if not (needle[0].isdigit() and _digit_before(hay, start)) and not (
            needle[-1].isdigit() and _digit_after(hay, end)
        ):
            return True
        start = hay.find(needle, start + 1)
    return False


def _digit_before(text: str, i: int) -> bool:
    return i > 0 and (text[i - 1].isdigit() or (text[i - 1] in ".," and i > 1 and text[i - 2].isdigit()))


def _digit_after(text: str, i: int) -> bool:
    """A digit follows, making a longer number; zero pence or decimals ("£46,100.00") do not."""
    if re.match(r"\.0+(?![\d.,]*\d)", text[i:]):
        return False
    return i < len(text) and (
        text[i].isdigit() or (text[i] in ".," and i + 1 < len(text) and text[i + 1].isdigit())
    )


def answer_correct(answer: str, must_contain: Iterable[str]) -> bool:
    """Every key fact is in the answer."""
    return all(contains_fact(answer, fact) for fact in must_contain)


_WORD = re.compile(r"[\w£$€%]+(?:[.,/'-][\w%]+)*")
_STOPWORDS = frozenset(
    """a an and are as at be been but by for from had has have he her his i in into is it its
    of on or our she so than that the their them then there these they this those to was we were
    which who will with would you""".split()  # noqa: SIM905
)


def sentence_supported(sentence: str, passage: str) -> bool:
    """Does the passage support the sentence?

    It does when the sentence occurs in it verbatim (after normalisation), or
    when the passage holds every figure of the sentence and at least 80% of
    its other content words.
    """
    s, p = normalise(sentence), normalise(passage)
    if not s:
        return False
    if s in p:
        return True
    words = [w for w in _WORD.findall(s) if w not in _STOPWORDS]
    if not words:
        return False
    present = set(_WORD.findall(p))
    figures = [w for w in words if any(ch.isdigit() for ch in w)]
    if any(w not in present for w in figures):
        return False
    return sum(1 for w in words if w in present) / len(words) >= 0.8


def citation_supported(passage: str, sentences: Sequence[str], quotes: Sequence[str]) -> bool:
    """A citation is sound when its passage holds a supporting quote, or supports
    every sentence that cites it."""
    if any(is_relevant(passage, quote) for quote in quotes):
        return True
    return bool(sentences) and all(sentence_supported(s, passage) for s in sentences)


# --------------------------------------------------------------------------
# Per-item scores and their aggregation

LOWER_IS_BETTER = frozenset({"false_abstention", "latency_p50_ms", "latency_p95_ms"})


@dataclass(frozen=True)
class RetrievalScore:
    hit_at_1: float
    hit_at_5: float
    recall_at_10: float
    mrr_at_10: float
    ndcg_at_10: float


def first_rank(passages: Sequence[str], quotes: Sequence[str], k: int = 10) -> int | None:
    """The rank (from 1) of the first of ``passages`` that holds one of the quotes, if any does."""
    return min((r for r in quote_ranks(passages, quotes, k) if r is not None), default=None)


def retrieval_score(passages: Sequence[str], quotes: Sequence[str]) -> RetrievalScore:
    ranks = quote_ranks(passages, quotes, 10)
    return RetrievalScore(
        hit_at(ranks, 1), hit_at(ranks, 5), recall_at(ranks, 10), mrr_at(ranks, 10), ndcg_at(ranks, 10)
    )


@dataclass(frozen=True)
class ItemScore:
    """How one system did on one question."""

    item_id: str
    type: str
    split: str | None
    answerable: bool
    abstained: bool
    latency_ms: float
    retrieval: RetrievalScore | None = None  # None for unanswerable items
    correct: bool | None = None  # None for unanswerable items
    citations: int = 0
    supported_citations: int = 0
    cited_quote: bool | None = None  # a cited passage holds a quote; None if unanswerable
    both_cited: bool | None = None  # conflict items only: passages for two sides are cited
    flagged: bool = False  # the answer said the documents disagree
    written: int = 0  # sentences drafted by a language model
    removed: int = 0  # of those, removed by verification
    fell_back: bool = False
    first_token_ms: float | None = None
    question: str = ""
    answer: str = ""
    rank: int | None = None  # rank of the first passage holding a quote, in the top 10
    missing: tuple[str, ...] = ()  # key facts the answer lacks

    @property
    def outcome(self) -> tuple[bool, str]:
        """Passed or not, and why not, in a few words."""
        if not self.answerable:
            return (True, "") if self.abstained else (False, "answered a question the documents do not answer")
        if self.abstained:
            return False, "abstained" + ("" if self.rank else "; no supporting passage in the top 10")
        if self.correct is False:
            return False, "the answer lacks " + ", ".join(repr(m) for m in self.missing)
        if not self.cited_quote:
            where = f"the supporting passage ranked {self.rank}" if self.rank else "no supporting passage in the top 10"
            return False, f"cites no supporting passage ({where})"
        return True, ""


@dataclass(frozen=True)
class Metrics:
    """A system's scores over a set of items; ``None`` where a metric does not apply."""

    n: int
    hit_at_1: float | None = None
    hit_at_5: float | None = None
    recall_at_10: float | None = None
    mrr_at_10: float | None = None
    ndcg_at_10: float | None = None
    answer_correct: float | None = None
    citation_precision: float | None = None
    citation_recall: float | None = None
    abstention_accuracy: float | None = None
    false_abstention: float | None = None
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    # Only for a system whose answers a language model writes (not in METRIC_KEYS):
    generation: dict[str, float | None] | None = None
    conflict_both_cited: float | None = None  # only when the set has conflict items
    conflict_flagged: float | None = None  # of the conflict items, the share whose answer says they disagree
    false_conflict: float | None = None  # of the other answerable items (any set), the share whose answer says so

    def get(self, key: str) -> float | None:
        """A metric by its report key, e.g. ``"hit@5"``."""
        return getattr(self, KEY_FIELDS[key])

    def as_dict(self) -> dict[str, float | int | None]:
        out: dict[str, float | int | None] = {"n": self.n}
        for key, field_name in KEY_FIELDS.items():
            value = getattr(self, field_name)
            out[key] = None if value is None else round(value, 2 if key.endswith("_ms") else 4)
        for key in ("conflict_both_cited", "conflict_flagged", "false_conflict"):
            if getattr(self, key) is not None:
                out[key] = round(getattr(self, key), 4)
        for key, value in (self.generation or {}).items():
            out[key] = None if value is None else round(value, 2 if key.endswith("_ms") else 4)
        return out


# Report keys, in table order, and the Metrics field behind each.
KEY_FIELDS: dict[str, str] = {
    "hit@1": "hit_at_1",
    "hit@5": "hit_at_5",
    "recall@10": "recall_at_10",
    "mrr@10": "mrr_at_10",
    "ndcg@10": "ndcg_at_10",
    "answer_correct": "answer_correct",
    "citation_precision": "citation_precision",
    "citation_recall": "citation_recall",
    "abstention_accuracy": "abstention_accuracy",
    "false_abstention": "false_abstention",
    "latency_p50_ms": "latency_p50_ms",
    "latency_p95_ms": "latency_p95_ms",
}
METRIC_KEYS: tuple[str, ...] = tuple(KEY_FIELDS)
assert set(KEY_FIELDS.values()) == {f.name for f in fields(Metrics)} - {
    "n", "generation", "conflict_both_cited", "conflict_flagged", "false_conflict"
}
GENERATION_KEYS: tuple[str, ...] = ("removed_by_verification", "fallback_rate", "first_token_p50_ms")


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100), interpolating linearly between ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def aggregate(scores: Sequence[ItemScore]) -> Metrics:
    """Means over the items each metric applies to; citation precision over all citations."""
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    retrieved = [s.retrieval for s in answerable if s.retrieval is not None]
    citations = sum(s.citations for s in scores)
    return Metrics(
        n=len(scores),
        hit_at_1=mean(r.hit_at_1 for r in retrieved),
        hit_at_5=mean(r.hit_at_5 for r in retrieved),
        recall_at_10=mean(r.recall_at_10 for r in retrieved),
        mrr_at_10=mean(r.mrr_at_10 for r in retrieved),
        ndcg_at_10=mean(r.ndcg_at_10 for r in retrieved),
        answer_correct=mean(float(s.correct) for s in answerable if s.correct is not None),
        citation_precision=sum(s.supported_citations for s in scores) / citations if citations else None,
        citation_recall=mean(float(bool(s.cited_quote)) for s in answerable),
        abstention_accuracy=mean(float(s.abstained) for s in unanswerable),
        false_abstention=mean(float(s.abstained) for s in answerable),
        latency_p50_ms=percentile([s.latency_ms for s in scores], 50),
        latency_p95_ms=percentile([s.latency_ms for s in scores], 95),
        generation=_generation(scores),
        conflict_both_cited=mean(float(s.both_cited) for s in scores if s.both_cited is not None),
        conflict_flagged=mean(float(s.flagged) for s in scores if s.both_cited is not None),
        # On every set: a notice that documents disagree where they do not misleads on any corpus.
        false_conflict=mean(float(s.flagged) for s in answerable if s.both_cited is None),
    )


def _generation(scores: Sequence[ItemScore]) -> dict[str, float | None] | None:
    """Share of drafted sentences removed, share of answers that fell back, first-token latency."""
    written = [s for s in scores if s.first_token_ms is not None or s.fell_back or s.written]
    if not written:
        return None
    drafted = sum(s.written for s in scores)
    return {
        "removed_by_verification": sum(s.removed for s in scores) / drafted if drafted else None,
        "fallback_rate": mean(float(s.fell_back) for s in written),
        "first_token_p50_ms": percentile([s.first_token_ms for s in written if s.first_token_ms is not None], 50),
    }
