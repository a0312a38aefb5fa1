"""Retrieval filters as the app takes them: checked, and described for the user."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from retrieval.errors import InvalidFilter
from retrieval.models import Chunk, DocumentInfo, long_date
from retrieval.store import StoredDocument
from retrieval.filters import Filters
from ui.highlight import escape_markdown


def _iso_date(value: str | None, name: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidFilter(f"the {name} date {value!r} is not a date like 2023-01-31") from None


def make_filters(
    types: Sequence[str] | None = None,
    doc_ids: Sequence[str] | None = None,
    date_from: str | None = "",
    date_to: str | None = "",
    committees: Sequence[str] | None = None,
    meetings: Sequence[str] | None = None,
) -> Filters:
    since = _iso_date(date_from, "from")
    until = _iso_date(date_to, "to")
    if since and until and since > until:
        raise InvalidFilter(f"the date range {since} to {until} is empty")
    return Filters(tuple(types or ()), tuple(doc_ids or ()), since, until,
                   tuple(" ".join(c.split()) for c in committees or () if c.strip()),
                   tuple(m.strip() for m in meetings or () if m.strip()))


def check_known(filters: Filters, documents: Sequence[DocumentInfo]) -> None:
    """Refuse document ids and types the index does not hold, naming those it does.

    A misspelt id would otherwise filter everything out, and the question would
    look unanswered rather than mistyped.
    """
    ids = sorted(d.doc_id for d in documents)
    unknown = [d for d in filters.doc_ids if d not in set(ids)]
    if unknown:
        raise InvalidFilter(f"no document {_listed(unknown)} in the index; it holds {_listed(ids)}")
    types = sorted({d.type for d in documents if d.type})
    unknown = [t for t in filters.types if t not in set(types)]
    if unknown:
        raise InvalidFilter(f"no document of type {_listed(unknown)} in the index; its types are {_listed(types)}")
    committees = sorted({d.committee for d in documents if d.committee})
    unknown = [c for c in filters.committees if c not in set(committees)]
    if unknown:
        raise InvalidFilter(f"no committee {_listed(unknown)} in the index; it holds {_listed(committees)}")
    meetings = sorted({d.meeting_id for d in documents if d.meeting_id})
    unknown = [m for m in filters.meetings if m not in set(meetings)]
    if unknown:
        raise InvalidFilter(f"no meeting {_listed(unknown)} in the index (`quorum meetings` lists them)")


def _listed(names: Sequence[str], most: int = 8) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return f"{shown} and {len(names) - most} more" if len(names) > most else shown or "none"


def describe(filters: Filters, documents: dict[str, StoredDocument]) -> str:
    """One line naming the active filters, or "" when none is set."""
    parts = []
    if filters.types:
        parts.append("type " + " or ".join(filters.types))
    if filters.date_from and filters.date_to:
        parts.append(f"dated {filters.date_from} to {filters.date_to}")
    elif filters.date_from:
        parts.append(f"dated from {filters.date_from}")
    elif filters.date_to:
        parts.append(f"dated up to {filters.date_to}")
    if filters.doc_ids:
        titles = [documents[d].info.title if d in documents else d for d in filters.doc_ids]
        parts.append("only " + "; ".join(titles))
    if filters.committees:
        parts.append("committee " + " or ".join(filters.committees))
    if filters.meetings:
        held = {d.info.meeting_id: d.info for d in documents.values() if d.info.meeting_id}
        parts.append("meeting " + " or ".join(_meeting_name(held[m]) if m in held else m for m in filters.meetings))
    return "filters: " + " · ".join(parts) if parts else ""


def matching_documents(filters: Filters, documents: dict[str, StoredDocument]) -> list[StoredDocument]:
    """The documents the filters leave in the search."""
    # Filters.allows judges a chunk by its document alone, so an empty chunk stands in.
    return [d for d in documents.values() if filters.allows(Chunk("", d.info, "", 0, 0, 0))]


def status_line(filters: Filters, documents: dict[str, StoredDocument]) -> str:
    """Markdown shown above the chat: what the next question will search."""
    if not filters:
        return f"Searching all {len(documents)} documents."
    left = len(matching_documents(filters, documents))
    active = escape_markdown(describe(filters, documents).removeprefix("filters: "))
    return f"**Filters on:** {active} → searching {left} of {len(documents)} documents."


def _meeting_name(doc: DocumentInfo) -> str:
    """ "Cabinet, 4 March 2025" """
    return f"{doc.committee}, {long_date(doc.meeting_date)}" if doc.meeting_date else doc.committee
