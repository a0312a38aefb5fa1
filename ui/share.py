"""Links to an answer: the question and filters in the URL, and the index's stamp when it was given.

A link holds nothing about the person who made it. Opened by anyone, the app
asks the question again with the same filters; when the documents changed
since (the stamp differs), it says so above the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from retrieval.store import Filters

STAMP_CHARS = 12  # enough to tell two versions of the index apart


@dataclass(frozen=True)
class Shared:
    """What a link asks for."""

    question: str
    types: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""
    stamp: str = ""

    def changed_since(self, stamp: str) -> bool:
        return bool(self.stamp) and self.stamp != stamp[:STAMP_CHARS]


def share_link(question: str, filters: Filters | None, stamp: str) -> str:
    """The query string of a link to ``question`` answered with ``filters`` ("?q=...&type=...&v=...")."""
    filters = filters or Filters()
    params: list[tuple[str, str]] = [("q", question)]
    params += [("type", t) for t in filters.types]
    params += [("doc", d) for d in filters.doc_ids]
    if filters.date_from:
        params.append(("from", filters.date_from))
    if filters.date_to:
        params.append(("to", filters.date_to))
    params.append(("v", stamp[:STAMP_CHARS]))
    return "?" + urlencode(params)


def read_link(params: Mapping[str, str] | object, max_chars: int) -> Shared | None:
    """What a page's query parameters ask for, or None when they ask no question.

    ``params`` is Starlette's ``QueryParams`` (repeated keys read with ``getlist``) or a plain mapping.
    """
    getlist = getattr(params, "getlist", None)

    def every(key: str) -> tuple[str, ...]:
        values = getlist(key) if getlist else ([params[key]] if key in params else [])  # type: ignore[index,operator]
        return tuple(v.strip() for v in values if isinstance(v, str) and v.strip())[:50]

    def first(key: str) -> str:
        found = every(key)
        return found[0] if found else ""

    question = first("q")[:max_chars]
    if not question:
        return None
    return Shared(question, every("type"), every("doc"), first("from")[:10], first("to")[:10], first("v")[:STAMP_CHARS])
