"""After an ingest or a sync: what the new and changed papers say of each followed topic.

Each follow is asked as a question of the changed documents alone (and its
committee's, when it names one), by the same answer stage as any question: a
topic nothing new speaks to gives nothing. A quoted sentence is news only once:
one this follow quoted before, or one an older document already holds word for
word (an agenda pack repeating its reports), is left out.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from retrieval.answer import answer_question
from retrieval.filters import Filters
from retrieval.follows.store import Entry, Follow, FollowStore
from retrieval.tokens import query_terms_text
from retrieval.models import Answer, Passage
from retrieval.search import Searcher


@dataclass(frozen=True)
class Checked:
    """What checking every follow found, and how long it took."""

    entries: list[tuple[Follow, Entry]]
    follows: int
    documents: int
    seconds: float


def check_follows(store: FollowStore, searcher: Searcher, changed: Sequence[str]) -> Checked:
    """An entry for each follow that the ``changed`` documents speak to; recorded in ``store``."""
    began = time.perf_counter()
    follows = store.follows()
    searcher.refresh(now=True)
    held = {d.doc_id for d in searcher.lexical.documents()}
    fresh = tuple(d for d in dict.fromkeys(changed) if d in held)
    found: list[tuple[Follow, Entry]] = []
    if fresh:
        for follow in follows:
            quotes = news(follow, searcher, fresh, store.quoted_before(follow.id))
            if quotes:
                found.append((follow, store.add_entry(follow.id, {"topic": follow.topic, "quotes": quotes})))
    return Checked(found, len(follows), len(fresh), time.perf_counter() - began)


def news(follow: Follow, searcher: Searcher, fresh: tuple[str, ...], quoted: set[str]) -> list[dict[str, Any]]:
    """The sentences the fresh documents say of the follow's topic that are news, newest document first."""
    committees = (follow.committee,) if follow.committee else ()
    answer = answer_question(follow.topic, searcher, filters=Filters(doc_ids=fresh, committees=committees))
    if answer.abstained:
        return []
    quotes = [q for q in quotes_of(answer) if q["text"] not in quoted and not _said_before(q, searcher, fresh)]
    return sorted(quotes, key=lambda q: q["date"] or "", reverse=True)


def quotes_of(answer: Answer) -> list[dict[str, Any]]:
    """What the answer quotes of each passage, in the passage's order, with where it comes from
    (document, meeting, item, page, links)."""
    return [_quote(_in_order(c.sentences, c.passage.text), c.passage) for c in answer.citations]


def _in_order(sentences: Sequence[str], text: str) -> str:
    return " ".join(sorted(dict.fromkeys(sentences), key=lambda s: text.find(s)))


def _quote(sentence: str, passage: Passage) -> dict[str, Any]:
    chunk = passage.chunk
    doc = chunk.doc
    return {
        "text": sentence, "doc_id": doc.doc_id, "chunk_id": chunk.chunk_id, "title": doc.title, "type": doc.type,
        "date": doc.date, "meeting": doc.meeting, "page": chunk.page or "", "paragraph": chunk.paragraph,
        "url": doc.url, "meeting_url": doc.item_url or doc.meeting_url, "start": chunk.start, "end": chunk.end,
    }


def _said_before(quote: dict[str, Any], searcher: Searcher, fresh: tuple[str, ...]) -> bool:
    """Does a document outside ``fresh`` hold this sentence word for word?"""
    for chunk, _ in searcher.lexical.search(query_terms_text(quote["text"]), 5):
        if chunk.doc.doc_id not in fresh and quote["text"] in chunk.text:
            return True
    return False
