"""Links to an answer: the question and filters in the URL, and the index's stamp when it was given.

A link holds nothing about the person who made it. Opened by anyone, the app
asks the question again with the same filters; when the documents changed
since (the stamp differs), it says so above the answer.

A link is passed around and can be edited, so what it asks for is checked, not
trusted: each value is held against what this site has, and one that does not
fit is dropped with a plain sentence saying so (``Shared.ignored``). No value a
link carries ever reaches a component that would refuse it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from retrieval.filters import Filters

STAMP_CHARS = 12  # enough to tell two versions of the index apart
MOST_VALUES = 50  # of one parameter; a link with more was not made by this site

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_STAMP = re.compile(r"[0-9a-f]{1,64}")
# Bidirectional overrides and isolates can make shown text read otherwise than it is.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class Shared:
    """What a link asks for, once checked; ``ignored``: a sentence for each kind of value dropped."""

    question: str
    types: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""
    stamp: str = ""
    ignored: tuple[str, ...] = ()
    committees: tuple[str, ...] = ()

    def changed_since(self, stamp: str) -> bool:
        return bool(self.stamp) and self.stamp != stamp[:STAMP_CHARS]


def share_link(question: str, filters: Filters | None, stamp: str) -> str:
    """The query string of a link to ``question`` answered with ``filters`` ("?q=...&type=...&v=...")."""
    filters = filters or Filters()
    params: list[tuple[str, str]] = [("q", question)]
    params += [("type", t) for t in filters.types]
    params += [("doc", d) for d in filters.doc_ids]
    params += [("committee", c) for c in filters.committees]
    if filters.date_from:
        params.append(("from", filters.date_from))
    if filters.date_to:
        params.append(("to", filters.date_to))
    params.append(("v", stamp[:STAMP_CHARS]))
    return "?" + urlencode(params)


def read_link(
    params: Mapping[str, str] | object,
    max_chars: int,
    types: Collection[str] = (),
    doc_ids: Collection[str] = (),
    committees: Collection[str] = (),
) -> Shared | None:
    """What a page's query parameters ask for, checked against the site's ``types``, ``doc_ids`` and ``committees``;
    None when they ask no question.

    ``params`` is Starlette's ``QueryParams`` (repeated keys read with ``getlist``) or a plain mapping.
    Parameters this site does not make (``utm_source`` and the like) are left alone.
    """
    values = _Values(params)
    raw = values.first("q")
    if not raw:
        return None
    ignored: list[str] = []
    question = plain_text(raw)
    if question != " ".join(raw.split()):
        ignored.append("Invisible control characters in this link's question were removed.")
    if len(question) > max_chars:
        ignored.append(
            f"This link's question is longer than the {max_chars:,} characters a question may have, "
            "so it was not asked."
        )
        question = ""
    kept_types = _known(values.every("type"), types, ignored,
                        "This link asked for a document type this site does not have; it was ignored.")
    kept_docs = _known(values.every("doc"), doc_ids, ignored,
                       "This link named a document this site does not hold; it was ignored.")
    kept_committees = _known(values.every("committee"), committees, ignored,
                             "This link named a committee this site does not hold; it was ignored.")
    since = _date(values.first("from"), "from", ignored)
    until = _date(values.first("to"), "to", ignored)
    if since and until and since > until:
        ignored.append("This link's dates leave no day between them; they were ignored.")
        since = until = ""
    stamp = values.first("v").lower()
    if stamp and not _STAMP.fullmatch(stamp):
        ignored.append("This link's version mark is not one this site makes; it was ignored.")
        stamp = ""
    return Shared(question, kept_types, kept_docs, since, until, stamp[:STAMP_CHARS], tuple(ignored), kept_committees)


def plain_text(text: str) -> str:
    """``text`` without control or bidirectional formatting characters, its white space folded.

    Such characters cannot be seen, so a question shown with them would not read as it is asked.
    """
    kept = (
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or (unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS)
    )
    return " ".join("".join(kept).split())


class _Values:
    def __init__(self, params: Mapping[str, str] | object) -> None:
        self._params = params
        self._getlist = getattr(params, "getlist", None)

    def every(self, key: str) -> tuple[str, ...]:
        if self._getlist is not None:
            found = self._getlist(key)
        else:
            mapping = self._params if isinstance(self._params, Mapping) else {}
            found = [mapping[key]] if key in mapping else []
        return tuple(v.strip() for v in found if isinstance(v, str) and v.strip())

    def first(self, key: str) -> str:
        found = self.every(key)
        return found[0] if found else ""


def _known(given: tuple[str, ...], known: Collection[str], ignored: list[str], sentence: str) -> tuple[str, ...]:
    kept = tuple(dict.fromkeys(v for v in given if v in known))[:MOST_VALUES]
    if len(kept) < len(set(given)):
        ignored.append(sentence)
    return kept


def _date(value: str, name: str, ignored: list[str]) -> str:
    if not value:
        return ""
    if _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    ignored.append(f"This link's “{name}” date is not a date like 2023-01-31; it was ignored.")
    return ""
