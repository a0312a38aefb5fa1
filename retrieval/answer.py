"""Extractive answers: sentences quoted verbatim from the passages, each cited.

No model writes anything here. Candidate passages from hybrid search are
split into sentences; each sentence is scored by how much of the question's
weight (IDF of its terms) it covers, by its passage's dense similarity and by
whether it holds the kind of thing asked for (a figure, a date, a name). The
best sentences become the answer. When the question names something the
corpus never mentions, or no sentence covers enough of it, Quorum says the
documents do not answer instead of guessing.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np

from retrieval.errors import InvalidQuestion
from retrieval.lexical import tokenize
from retrieval.models import Answer, Citation, Passage
from retrieval.search import Searcher
from retrieval.sentences import sentence_spans
from retrieval.store import Filters

NO_ANSWER = "The documents do not answer this question."
MAX_QUESTION_CHARS = 1000

# Words that shape a question but say nothing about its subject.
_QUESTION_WORDS = set(
    tokenize(
        [
            "what which who whom whose when where why how many much did does do is are was were "
            "has have had find finding findings say says said tell me about there any give list describe "
            "explain please happen happened mention mentioned according documents document show shows "
            "can could would should will us know latest current currently"
        ]
    )[0]
)
_MARKER = re.compile(r"^(?:\d{1,3}\.\s+|•\s*)")
_FIGURE = re.compile(r"\d")
_DATE = re.compile(
    r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\b|\b(?:19|20)\d{2}\b|\bQ[1-4]\b"
)
_NAME = re.compile(r"\b[A-Z][a-z]+\s+[A-Z][a-z]+\b")


@dataclass(frozen=True)
class ScoredSentence:
    passage_index: int
    text: str
    score: float
    coverage: float


def question_terms(question: str) -> list[str]:
    return [t for t in dict.fromkeys(tokenize([question])[0]) if t not in _QUESTION_WORDS]


def unknown_names(question: str, searcher: Searcher) -> list[str]:
    """Proper names and figures in the question that no document contains."""
    words = re.findall(r"[A-Za-z0-9£][\w'’/.-]*", question)
    candidates = [
        w.strip(".") for i, w in enumerate(words)
        if (i > 0 and w[0].isupper() and not w.isupper() and len(w) > 2) or re.fullmatch(r"(?:19|20)\d{2}", w)
    ]
    return [w for w in candidates if not searcher.lexical.knows(w)]


def _answer_kind(question: str) -> str:
    q = question.lower()
    if re.search(r"\bhow (?:many|much)\b|\bwhat (?:percentage|proportion|number|amount|figure)\b|\bcost\b|\bbudget\b", q):
        return "figure"
    if re.search(r"\bwhen\b|\bwhat (?:date|year|month)\b|\bhow long\b", q):
        return "date"
    if re.search(r"\bwho\b|\bwhich (?:officer|person|member)\b", q):
        return "name"
    return "any"


def _kind_bonus(kind: str, sentence: str) -> float:
    pattern = {"figure": _FIGURE, "date": _DATE, "name": _NAME}.get(kind)
    return 0.1 if pattern is not None and pattern.search(sentence) else 0.0


def score_sentences(question: str, passages: list[Passage], searcher: Searcher) -> list[ScoredSentence]:
    terms = question_terms(question)
    idf = searcher.lexical.idf(terms)
    total = sum(idf.values()) or 1.0
    kind = _answer_kind(question)
    scored: list[ScoredSentence] = []
    for index, passage in enumerate(passages):
        dense = passage.dense_similarity or 0.0
        for start, end in sentence_spans(passage.text):
            text = _MARKER.sub("", passage.text[start:end]).strip()
            if len(text.split()) < 4:
                continue
            present = set(tokenize([text])[0])
            coverage = sum(w for t, w in idf.items() if t in present) / total
            score = 0.65 * coverage + 0.35 * dense + _kind_bonus(kind, text) - 0.01 * index
            scored.append(ScoredSentence(index, text, score, coverage))
    return sorted(scored, key=lambda s: s.score, reverse=True)


def _with_dense_similarity(passages: list[Passage], searcher: Searcher, query: str) -> list[Passage]:
    """Fill in dense similarity for passages found by BM25 alone."""
    missing = [p.chunk.chunk_id for p in passages if p.dense_similarity is None]
    if not missing:
        return passages
    got = searcher.store.chunks.get(ids=missing, include=["embeddings"])
    vector = searcher.embedder.embed_query(query)
    similarity = {i: float(np.dot(vector, v)) for i, v in zip(got["ids"], got["embeddings"], strict=True)}
    return [
        p if p.dense_similarity is not None
        else Passage(p.chunk, p.score, p.lexical_rank, p.dense_rank, similarity.get(p.chunk.chunk_id, 0.0))
        for p in passages
    ]


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
    candidates = searcher.search(query, max(k, 8), filters)
    searched = time.perf_counter()
    candidates = _with_dense_similarity(candidates, searcher, query)
    ranked = score_sentences(query, candidates, searcher)
    timing = {"retrieve": (searched - began) * 1000}

    missing = unknown_names(query, searcher)
    best = ranked[0] if ranked else None
    if missing or best is None or best.score < settings.abstain_below:
        notice = f"No document mentions {', '.join(missing)}." if missing else ""
        timing["total"] = (time.perf_counter() - began) * 1000
        return Answer(question, NO_ANSWER, True, [], candidates[:k], query, timing, notice)

    chosen = [best]
    for sentence in ranked[1:]:
        if len(chosen) >= settings.max_answer_sentences:
            break
        if sentence.score >= 0.8 * best.score and sentence.text not in {c.text for c in chosen}:
            chosen.append(sentence)

    numbers: dict[int, int] = {}
    parts: list[str] = []
    cited: dict[int, list[str]] = {}
    for sentence in chosen:
        n = numbers.setdefault(sentence.passage_index, len(numbers) + 1)
        parts.append(f"{sentence.text} [{n}]")
        cited.setdefault(sentence.passage_index, []).append(sentence.text)
    citations = [
        Citation(n, candidates[index], tuple(cited[index])) for index, n in numbers.items()
    ]
    shown = _passages_to_show(candidates, [c.passage for c in citations], k)
    timing["total"] = (time.perf_counter() - began) * 1000
    return Answer(question, " ".join(parts), False, citations, shown, query, timing)


def _passages_to_show(candidates: list[Passage], cited: list[Passage], k: int) -> list[Passage]:
    """The cited passages first, then the best of the rest, k in all."""
    ids = {p.chunk.chunk_id for p in cited}
    return cited + [p for p in candidates if p.chunk.chunk_id not in ids][: max(0, k - len(cited))]
