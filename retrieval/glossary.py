"""Abbreviations the documents define themselves, e.g. "Victim Service Assessment (VSA)"."""

from __future__ import annotations

import re
from collections.abc import Iterable

_DEFINED = re.compile(r"\(([A-Z][A-Za-z&/]{1,9}?)s?\)")
_SMALL = frozenset("of and the for in on to & a".split())


def definitions(texts: Iterable[str]) -> dict[str, str]:
    """Abbreviation -> long form, for every "long form (ABBR)" whose initials match."""
    found: dict[str, str] = {}
    for text in texts:
        for match in _DEFINED.finditer(text):
            abbreviation = match.group(1)
            words = re.findall(r"[\w'’&-]+", text[max(0, match.start() - 120) : match.start()])
            long_form = _long_form(abbreviation, words)
            if long_form:
                found.setdefault(abbreviation, long_form)
    return found


def _long_form(abbreviation: str, words: list[str]) -> str:
    letters = re.sub(r"[^a-z]", "", abbreviation.lower())
    for size in range(1, min(len(words), len(letters) + 4) + 1):
        tail = words[-size:]
        every = "".join(w[0].lower() for w in tail)
        content = "".join(w[0].lower() for w in tail if w.lower() not in _SMALL)
        if (every == letters or content == letters) and tail[0].lower() not in _SMALL:
            return " ".join(tail)
    return ""


def expand(query: str, glossary: dict[str, str]) -> str:
    """The query with each abbreviation's other form: "DVPNs" gains "Domestic Violence ...", "most similar group" "MSG"."""
    extra = []
    for abbreviation, long_form in glossary.items():
        if re.search(rf"\b{re.escape(abbreviation)}s?\b", query):
            extra.append(long_form)
        elif len(long_form.split()) > 1 and re.search(_spelled_out(long_form), query, re.I):
            extra.append(abbreviation)
    return f"{query} {' '.join(extra)}" if extra else query


def _spelled_out(long_form: str) -> str:
    """A pattern for the long form in any case, each word singular or plural."""
    words = [re.escape(w.removesuffix("s")) + "s?" for w in long_form.split()]
    return r"\b" + r"\s+".join(words) + r"\b"
