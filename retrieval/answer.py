"""Extractive answers: sentences quoted verbatim from the passages, each cited.

No model writes anything here. Candidate passages from hybrid search are split
into sentences, and each sentence is scored by its own embedding's similarity
to the question, by how much of the question's weight (IDF of its terms) it
covers, and by whether it holds the kind of thing asked for (a sum of money, a
figure, a date). The best sentences become the answer.

Quorum abstains rather than guess when the question names something no
document mentions, when it asks for a kind of fact (a sum, a count, a date) or
a period (2024/25) that no good sentence supplies, or when no sentence is
close enough to the question.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np

from retrieval.errors import InvalidQuestion
from retrieval.lexical import question_terms, tokenize
from retrieval.models import Answer, Citation, Passage
from retrieval.search import Searcher
from retrieval.sentences import sentence_spans
from retrieval.store import Filters

NO_ANSWER = "The documents do not answer this question."
MAX_QUESTION_CHARS = 1000
CANDIDATE_PASSAGES = 8

_MARKER = re.compile(r"^(?:\d{1,3}\.\s+|•\s*)")
_NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand|million|half"
_KIND_NEEDS = {
    "money": re.compile(r"£\s?\d"),
    "figure": re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.I),
    "date": re.compile(
        r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
        r"|\b(?:19|20)\d{2}\b|\bQ[1-4]\b|\b\d+\s+(?:days?|weeks?|months?|years?)\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"
    ),
}
_PERIOD = re.compile(r"\b(?:19|20)\d{2}(?:/\d{2})?\b")


@dataclass(frozen=True)
class ScoredSentence:
    passage_index: int
    text: str
    score: float
    fits_kind: bool
    fits_period: bool


def answer_kind(question: str) -> str:
    """What sort of fact the question asks for: money, figure, date, or any."""
    q = question.lower()
    if re.search(r"\b(?:cost|costs|budget|funding|funded|spend|spent|precept|money|worth|price|pounds|£)\b", q):
        return "money"
    if re.search(r"\bhow (?:many|much)\b|\bwhat (?:percentage|proportion|share|rate|number|figure)\b|\bper ?cent\b", q):
        return "figure"
    if re.search(r"\bwhen\b|\bwhat (?:date|year|month|day)\b|\bhow long\b|\bby what date\b", q):
        return "date"
    return "any"


def unknown_names(question: str, searcher: Searcher) -> list[str]:
    """Proper names and years in the question that no document contains."""
    words = re.findall(r"[A-Za-z0-9£][\w'’/.-]*", question)
    candidates = [
        w.strip(".") for i, w in enumerate(words)
        if (i > 0 and w[0].isupper() and not w.isupper() and len(w) > 2) or re.fullmatch(r"(?:19|20)\d{2}", w)
    ]
    return [w for w in candidates if not searcher.lexical.knows(w)]


def _financial_year(iso_date: str) -> set[str]:
    """The periods a dated document speaks for: its year and its April-to-March year."""
    if len(iso_date) < 7:
        return set()
    year, month = int(iso_date[:4]), int(iso_date[5:7])
    start = year if month >= 4 else year - 1
    return {str(year), f"{start}/{(start + 1) % 100:02d}"}


def _fits_period(periods: list[str], passage: Passage) -> bool:
    if not periods:
        return True
    haystack = f"{passage.chunk.context}\n{passage.text}"
    own = _financial_year(passage.chunk.doc.date)
    found = [p in haystack or p in own for p in periods]
    return any(found) if len(periods) > 1 else all(found)


def score_sentences(
    query: str, passages: list[Passage], query_vector: np.ndarray, searcher: Searcher
) -> list[ScoredSentence]:
    terms = question_terms(query)
    idf = searcher.lexical.idf(terms)
    total = sum(idf.values()) or 1.0
    kind = answer_kind(query)
    periods = _PERIOD.findall(query)
    stored = searcher.store.sentence_vectors([p.chunk.chunk_id for p in passages])
    scored: list[ScoredSentence] = []
    for index, passage in enumerate(passages):
        context = set(tokenize([passage.chunk.context])[0])
        body = set(tokenize([passage.text])[0])
        vectors = {(a, b): v for a, b, v in stored.get(passage.chunk.chunk_id, [])}
        fits_period = _fits_period(periods, passage)
        for start, end in sentence_spans(passage.text):
            raw = passage.text[start:end]
            text = _MARKER.sub("", raw).strip()
            if len(text.split()) < 4 or (start, end) not in vectors or _is_heading(raw):
                continue
            present = set(tokenize([text])[0])
            coverage = sum(
                weight * (1.0 if t in present else 0.5 if t in context else 0.3 if t in body else 0.0)
                for t, weight in idf.items()
            ) / total
            similarity = float(np.dot(query_vector, vectors[(start, end)]))
            fits_kind = kind == "any" or bool(_KIND_NEEDS[kind].search(_without_periods(text, periods)))
            score = 0.45 * coverage + 0.45 * similarity + 0.1 / (1 + index) + (0.08 if fits_kind else 0.0)
            scored.append(ScoredSentence(index, text, score, fits_kind, fits_period))
    return sorted(scored, key=lambda s: s.score, reverse=True)


def _is_heading(line: str) -> bool:
    return not line.startswith("•") and line.rstrip()[-1:] not in ".!?”\"’)" and len(line.split()) < 12


def _without_periods(text: str, periods: list[str]) -> str:
    for period in periods:
        text = text.replace(period, " ")
    return text


def check_question(question: str) -> str:
    cleaned = " ".join("".join(ch for ch in question if ch.isprintable() or ch.isspace()).split())
    if not cleaned:
        raise InvalidQuestion("please type a question")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"questions are limited to {MAX_QUESTION_CHARS} characters")
    return cleaned


def answer_question(
    question: str,
    searcher: Searcher,
    *,
    k: int | None = None,
    filters: Filters | None = None,
    query: str | None = None,
) -> Answer:
    """Answer ``question`` by searching ``query`` (a condensed follow-up) or the question itself."""
    began = time.perf_counter()
    question = check_question(question)
    query = check_question(query) if query else question
    settings = searcher.settings
    k = k or settings.top_k
    found = searcher.retrieve(query, max(k, CANDIDATE_PASSAGES), filters)
    candidates = found.passages
    timing = {"retrieve": (time.perf_counter() - began) * 1000}
    ranked = score_sentences(query, candidates[:CANDIDATE_PASSAGES], found.query_vector, searcher)
    usable = [s for s in ranked if s.fits_kind and s.fits_period]

    missing = unknown_names(query, searcher)
    if missing or not usable or usable[0].score < settings.abstain_below:
        notice = f"No document mentions {', '.join(missing)}." if missing else ""
        timing["total"] = (time.perf_counter() - began) * 1000
        return Answer(question, NO_ANSWER, True, [], candidates[:k], query, timing, notice)

    best = usable[0]
    chosen = [best]
    for sentence in usable[1:]:
        if len(chosen) >= settings.max_answer_sentences:
            break
        if sentence.score >= settings.keep_ratio * best.score and sentence.text not in {c.text for c in chosen}:
            chosen.append(sentence)

    numbers: dict[int, int] = {}
    parts: list[str] = []
    cited: dict[int, list[str]] = {}
    for sentence in chosen:
        n = numbers.setdefault(sentence.passage_index, len(numbers) + 1)
        parts.append(f"{sentence.text} [{n}]")
        cited.setdefault(sentence.passage_index, []).append(sentence.text)
    citations = [Citation(n, candidates[index], tuple(cited[index])) for index, n in numbers.items()]
    shown = _passages_to_show(candidates, [c.passage for c in citations], k)
    timing["total"] = (time.perf_counter() - began) * 1000
    return Answer(question, " ".join(parts), False, citations, shown, query, timing)


def _passages_to_show(candidates: list[Passage], cited: list[Passage], k: int) -> list[Passage]:
    """The cited passages first, then the best of the rest, k in all."""
    ids = {p.chunk.chunk_id for p in cited}
    return cited + [p for p in candidates if p.chunk.chunk_id not in ids][: max(0, k - len(cited))]
