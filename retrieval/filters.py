"""Metadata filters: which documents a question searches (type, document, dates, committee, meeting)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from retrieval.models import Chunk, DocumentInfo
from retrieval.records import date_ordinal

NO_DOCUMENT = "\x00none"  # an id no document has: filters that leave nothing match nothing


@dataclass(frozen=True)
class Filters:
    """Metadata filters applied to both retrievers."""

    types: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    date_from: str = ""  # ISO date, inclusive
    date_to: str = ""
    committees: tuple[str, ...] = ()  # committee titles, as the council's site gives them
    meetings: tuple[str, ...] = ()  # meeting ids

    def __bool__(self) -> bool:
        return bool(self.types or self.doc_ids or self.date_from or self.date_to or self.committees or self.meetings)

    def allows(self, chunk: Chunk) -> bool:
        doc = chunk.doc
        if self.types and doc.type not in self.types:
            return False
        if self.doc_ids and doc.doc_id not in self.doc_ids:
            return False
        if self.committees and doc.committee not in self.committees:
            return False
        if self.meetings and doc.meeting_id not in self.meetings:
            return False
        if self.date_from and (not doc.date or doc.date < self.date_from):
            return False
        return not (self.date_to and (not doc.date or doc.date > self.date_to))

    def by_documents(self, documents: Iterable[DocumentInfo]) -> Filters:
        """The same filters with committees and meetings turned into the documents they hold.

        Sentences are stored with their document's id, not its meeting, so every store query filters by id.
        """
        if not (self.committees or self.meetings):
            return self
        ids = tuple(d.doc_id for d in documents if self.allows(Chunk("", d, "", 0, 0, 0)))
        return replace(self, doc_ids=ids or (NO_DOCUMENT,), committees=(), meetings=())

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.types:
            clauses.append({"type": {"$in": list(self.types)}})
        if self.doc_ids:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if self.date_from:
            clauses.append({"date_ord": {"$gte": date_ordinal(self.date_from)}})
        if self.date_to:
            clauses.append({"date_ord": {"$lte": date_ordinal(self.date_to)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}
