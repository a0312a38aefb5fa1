"""What the documents say about a topic, in date order, each entry quoted and cited."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.answer import check_question
from retrieval.profile import profile_question
from retrieval.scoring import candidates
from retrieval.models import Passage, long_date
from retrieval.search import Searcher
from retrieval.store import Filters

TIMELINE_PASSAGES = 30
PER_DOCUMENT = 2


@dataclass(frozen=True)
class Entry:
    date: str  # ISO date of the document, "" when undated
    sentence: str  # quoted exactly from the passage
    passage: Passage

    def to_json(self, n: int) -> dict[str, object]:
        doc = self.passage.chunk.doc
        return {
            "n": n,
            "date": self.date or None,
            "when": long_date(self.date) or "undated",
            "statement": self.sentence,
            "doc_id": doc.doc_id,
            "title": doc.title,
            "type": doc.type,
            "organisation": doc.organisation,
            "paragraph": self.passage.chunk.paragraph or None,
            "url": doc.url or None,
        }


def timeline(topic: str, searcher: Searcher, filters: Filters | None = None) -> list[Entry]:
    """The best sentences about ``topic`` from each document, oldest document first."""
    topic = check_question(topic, searcher.settings.max_question_chars)
    found = searcher.retrieve(topic, TIMELINE_PASSAGES, filters)
    scored = candidates(profile_question(topic), found.passages, found.query_vector, searcher)
    weights = searcher.settings.sentence_scoring
    floor = searcher.settings.abstain_below
    by_document: dict[str, list[tuple[float, Entry]]] = {}
    for candidate in scored:
        score = candidate.score(weights)
        if score < floor:
            continue
        passage = found.passages[candidate.passage_index]
        entry = Entry(passage.chunk.doc.date, candidate.text, passage)
        by_document.setdefault(passage.chunk.doc.doc_id, []).append((score, entry))
    entries = []
    for scored_entries in by_document.values():
        best = sorted(scored_entries, key=lambda item: item[0], reverse=True)[:PER_DOCUMENT]
        entries += sorted((e for _, e in best), key=lambda e: (e.passage.chunk.start, e.sentence))
    dated = sorted((e for e in entries if e.date), key=lambda e: (e.date, e.passage.chunk.doc.doc_id))
    return dated + [e for e in entries if not e.date]
