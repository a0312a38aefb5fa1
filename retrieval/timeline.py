"""What the documents say about a topic, in date order, each entry quoted and cited."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.answer import check_question
from retrieval.profile import profile_question
from retrieval.scoring import answers_well, candidates, unknown_names
from retrieval.models import Passage, long_date
from retrieval.search import Searcher
from retrieval.filters import Filters

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


@dataclass(frozen=True)
class Timeline:
    topic: str
    entries: list[Entry]
    missing: list[str]  # names and years in the topic that no document contains

    def silence(self) -> str:
        """What to say when there is no entry: the names no document holds, if that is why."""
        if self.missing:
            return f"No document mentions {', '.join(self.missing)}."
        return f"The documents say nothing clear about “{self.topic}”."

    def to_json(self) -> dict[str, object]:
        return {
            "topic": self.topic,
            "entries": [e.to_json(n) for n, e in enumerate(self.entries, start=1)],
            "notice": "" if self.entries else self.silence(),
        }


def timeline(topic: str, searcher: Searcher, filters: Filters | None = None) -> Timeline:
    """The best sentences about ``topic`` from each document, oldest document first.

    Silent, as an answer would be, when the topic names something no document
    mentions or no sentence holds any of its words.
    """
    topic = check_question(topic, searcher.settings.max_question_chars)
    missing = unknown_names(topic, searcher.lexical)
    if missing:
        return Timeline(topic, [], missing)
    found = searcher.evidence(searcher.retrieve(topic, TIMELINE_PASSAGES, filters), TIMELINE_PASSAGES)
    scored = candidates(profile_question(topic), found)
    weights = searcher.settings.sentence_scoring
    by_document: dict[str, list[tuple[float, Entry]]] = {}
    for candidate in scored:
        if not answers_well(candidate, searcher.settings):
            continue
        score = candidate.score(weights)
        passage = found.passages[candidate.passage_index]
        entry = Entry(passage.chunk.doc.date, candidate.text, passage)
        by_document.setdefault(passage.chunk.doc.doc_id, []).append((score, entry))
    entries = []
    for scored_entries in by_document.values():
        best = sorted(scored_entries, key=lambda item: item[0], reverse=True)[:PER_DOCUMENT]
        entries += sorted((e for _, e in best), key=lambda e: (e.passage.chunk.start, e.sentence))
    dated = sorted((e for e in entries if e.date), key=lambda e: (e.date, e.passage.chunk.doc.doc_id))
    return Timeline(topic, dated + [e for e in entries if not e.date], [])
