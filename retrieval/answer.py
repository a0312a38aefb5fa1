"""Extractive answers, orchestrated: profile, search, score, quote.

A question flows down once: its profile (``retrieval.profile``) is read once
per part; each part is searched (``retrieval.search``), which hands down the
``Evidence`` (passages, their sentence vectors, the snapshot they came from);
the sentences are scored against the profile from that evidence alone, and
the answer model reads the best of them (``retrieval.scoring``); whether any
is good enough is decided in one place (``scoring.answers_well``); the chosen
ones are quoted verbatim with their context (``retrieval.quoting``), and one
``Answer`` is built. No model writes anything here.

Quorum abstains rather than guess when the question names something no
document mentions, when it asks for a kind of fact (a sum, a count, a date) or
a period (2024/25) that no good sentence supplies, when no figure is of the
thing measured, when it asks how a named party responded and no sentence has
that party respond, or when no sentence is close enough to the question.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from retrieval.conflicts import MIN_COVERAGE, Side, disagreement, stated_values
from retrieval.errors import InvalidQuestion
from retrieval.tokens import question_terms
from retrieval.models import Answer, Citation, Conflict, Passage, long_date
from retrieval.profile import QuestionProfile, profile_question, question_parts
from retrieval.quoting import quotations
from retrieval.scoring import Candidate, candidates, choose, judged, unknown_names
from retrieval.search import Evidence, Searcher
from retrieval.settings import Settings
from retrieval.filters import Filters

NO_ANSWER = "The documents do not answer this question."
CANDIDATE_PASSAGES = 10


def check_question(question: str, limit: int) -> str:
    """The question with control characters and runs of spaces removed; refused when empty or over ``limit``."""
    cleaned = " ".join("".join(ch for ch in question if ch.isprintable() or ch.isspace()).split())
    if not cleaned:
        raise InvalidQuestion("please type a question")
    if len(cleaned) > limit:
        raise InvalidQuestion(f"questions are limited to {limit:,} characters")
    return cleaned


def answer_question(
    question: str,
    searcher: Searcher,
    *,
    k: int | None = None,
    filters: Filters | None = None,
    query: str | None = None,
    near: Sequence[str] = (),
) -> Answer:
    """Answer ``question`` by searching ``query`` (a condensed follow-up) or the question itself.

    ``near``: the passages a follow-up's previous answer cited (see ``Searcher.retrieve``).

    A question with several parts is answered part by part; the answer joins
    the parts' sentences, each cited to its own passage.
    """
    began = time.perf_counter()
    limit = searcher.settings.max_question_chars
    question = check_question(question, limit)
    query = check_question(query, max(limit, len(query))) if query else question  # ours: the question + borrowed words
    settings = searcher.settings
    k = k or settings.top_k
    gathered = _gather(question, query, searcher, k, filters, near)
    passages, chosen, missing = gathered.passages, gathered.chosen, gathered.missing
    if missing or not chosen:
        notice = f"No document mentions {', '.join(missing)}." if missing else ""
        timing = {"total": (time.perf_counter() - began) * 1000}
        return Answer(question, NO_ANSWER, True, [], passages[:k], query, timing, notice)
    pair = _disagreement(gathered.profile, gathered.considered, settings)
    if pair is not None:
        chosen = list(pair)

    numbers: dict[str, int] = {}
    cited: dict[str, tuple[Passage, list[str]]] = {}
    text_parts: list[str] = []
    for quotation in quotations([(p, c.span) for p, c in chosen], settings.quote_context):
        passage = quotation.passage
        n = numbers.setdefault(passage.chunk.chunk_id, len(numbers) + 1)
        text_parts.append(f"{quotation.text} [{n}]")
        cited.setdefault(passage.chunk.chunk_id, (passage, []))[1].extend(quotation.sentences)
    citations = [Citation(numbers[i], p, tuple(texts)) for i, (p, texts) in cited.items()]
    shown = _passages_to_show(passages, [c.passage for c in citations], k)
    conflicts = [
        Conflict(candidate.text, (numbers[passage.chunk.chunk_id],), passage.chunk.doc.title, passage.chunk.doc.date)
        for passage, candidate in pair or ()
    ]
    notice = _disagreement_notice(conflicts, pair) if pair is not None else ""
    timing = {"total": (time.perf_counter() - began) * 1000}
    return Answer(question, " ".join(text_parts), False, citations, shown, query, timing, notice, conflicts=conflicts)


def _disagreement(
    profile: QuestionProfile, considered: list[tuple[Passage, Candidate]], settings: Settings
) -> tuple[tuple[Passage, Candidate], tuple[Passage, Candidate]] | None:
    """Two good answers from different passages that state different values, if there are.

    A question asking which way something moved is answered by a direction; its
    own words ("go up or down", the quarter) are not its subject, so a side needs
    a smaller share of them.
    """
    kind = "direction" if profile.direction else profile.kind
    subject = frozenset(profile.terms)
    scored = [
        (Side(c.text, p.chunk.chunk_id, stated_values(c.text, kind, subject), (p, c), p.chunk.doc.doc_id),
         c.score(settings.sentence_scoring),
         c.coverage)
        for p, c in considered
    ]
    pair = disagreement(kind, scored, min_coverage=0.2 if profile.direction else MIN_COVERAGE)
    return (pair[0].key, pair[1].key) if pair else None


def _disagreement_notice(conflicts: list[Conflict], pair: Sequence[tuple[Passage, Candidate]]) -> str:
    """ "The documents disagree: the report of ... [1] and the letter of ... [2] give different answers." """
    def name(passage: Passage) -> str:
        doc = passage.chunk.doc
        return f"the {doc.type or 'document'} of {long_date(doc.date)}" if doc.date else f"“{doc.title}”"

    (first, _), (second, _) = pair
    marks = [f"[{c.citations[0]}]" for c in conflicts]
    if first.chunk.doc.doc_id == second.chunk.doc.doc_id:
        return f"The document disagrees with itself: {name(first)} gives different answers at {marks[0]} and {marks[1]}."
    return f"The documents disagree: {name(first)} {marks[0]} and {name(second)} {marks[1]} give different answers."


@dataclass
class Gathered:
    """What searching and scoring a question's parts found."""

    profile: QuestionProfile  # of the (first) part searched
    passages: list[Passage]
    chosen: list[tuple[Passage, Candidate]]
    missing: list[str]  # names and years no document contains
    considered: list[tuple[Passage, Candidate]]  # a one-part question's usable sentences, for disagreements


def _gather(
    question: str, query: str, searcher: Searcher, k: int, filters: Filters | None, near: Sequence[str]
) -> Gathered:
    """Search and score each part of the question, each part's profile read once."""
    # A condensed follow-up is the question plus borrowed words: split the question, keep the words for each part.
    borrowed = query[len(question):] if query.startswith(question) else ""
    parts = [f"{part}{borrowed}" for part in question_parts(query[: len(query) - len(borrowed)])]
    subject = _key_terms_of(question_parts(question)[0]) if len(parts) > 1 else ""
    passages: list[Passage] = []
    chosen: list[tuple[Passage, Candidate]] = []
    missing: list[str] = []
    considered: list[tuple[Passage, Candidate]] = []
    profiles = [profile_question(part if n == 0 else f"{part} {subject}".strip()) for n, part in enumerate(parts)]
    for asked, profile in zip(parts, profiles, strict=True):
        part_query = profile.text
        found = searcher.retrieve(part_query, max(k, CANDIDATE_PASSAGES), filters, near)
        seen = {p.chunk.chunk_id for p in passages}
        passages.extend(p for p in found.passages if p.chunk.chunk_id not in seen)
        evidence = searcher.evidence(found, CANDIDATE_PASSAGES)
        pool = evidence.passages
        taken = {c.text for _, c in chosen}
        fresh = [c for c in _scored(profile, evidence, searcher.settings) if c.text not in taken]
        chosen.extend((pool[c.passage_index], c) for c in choose(fresh, searcher.settings, len(parts)))
        # Names are read in the part as asked, not across the subject words added to it.
        missing.extend(w for w in unknown_names(asked, evidence.lexical) if w not in missing)
        if len(parts) == 1:
            considered = [(pool[c.passage_index], c) for c in fresh if c.fits_kind and c.fits_period]
    if len(parts) == 1 and chosen:
        for year in profiles[0].compared_years:
            best = _best_of_year(year, profiles[0], searcher, filters, near)
            if best is not None and best[1].text not in {c.text for _, c in chosen}:
                chosen.append(best)
                if best[0].chunk.chunk_id not in {p.chunk.chunk_id for p in passages}:
                    passages.append(best[0])
    return Gathered(profiles[0], passages, chosen, missing, considered)


def _best_of_year(
    year: int, profile: QuestionProfile, searcher: Searcher, filters: Filters | None, near: Sequence[str]
) -> tuple[Passage, Candidate] | None:
    """The best sentence from the documents dated ``year``, if one is good enough.

    A question comparing two years wants each year's own word; the best
    sentences overall may all come from one of them.
    """
    given = filters or Filters()
    within = replace(
        given, date_from=max(given.date_from, f"{year}-01-01"), date_to=min(given.date_to or "9999", f"{year}-12-31")
    )
    if within.date_from > within.date_to:
        return None
    evidence = searcher.evidence(searcher.retrieve(profile.text, CANDIDATE_PASSAGES, within, near), CANDIDATE_PASSAGES)
    best = choose(_scored(profile, evidence, searcher.settings), searcher.settings)
    return (evidence.passages[best[0].passage_index], best[0]) if best else None


def _scored(profile: QuestionProfile, evidence: Evidence, settings: Settings) -> list[Candidate]:
    """The evidence's sentences with their signals, the best of them read by the answer model when one is in use."""
    return judged(profile.text, candidates(profile, evidence), evidence.passages, settings)


def _key_terms_of(part: str) -> str:
    """The subject words of a question's first part, for its later parts ("it", "they")."""
    return " ".join(w for w in re.findall(r"[\w£/.&'’-]+", part) if question_terms(w))


def _passages_to_show(candidates: list[Passage], cited: list[Passage], k: int) -> list[Passage]:
    """The cited passages first, then the best of the rest, k in all."""
    ids = {p.chunk.chunk_id for p in cited}
    return cited + [p for p in candidates if p.chunk.chunk_id not in ids][: max(0, k - len(cited))]
