"""Abbreviations the documents define themselves, e.g. "Victim Service Assessment (VSA)"."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from retrieval.vocabulary import phrase_pattern

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


_USED = re.compile(r"\b([A-Z]{2,6})s?\b")
# A run of capitalised words, joined by small words: a name as the text writes it, whole.
_NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+(?:(?:of|and|&|for|the)\s+)?[A-Z][\w'’-]+)+")
_LEADING = re.compile(r"^(?:The|A|An|This|That|These|Those|Its|Our|Their)\s+")


def spelled_out(documents: Iterable[str], known: Iterable[str] = ()) -> dict[str, str]:
    """Abbreviations a document uses without defining, with a name in the same document they abbreviate.

    The A&A minutes write "mapped OCGs" and, elsewhere, "mapped Organised Crime
    Groups": a whole name (a run of capitalised words, not part of a longer one,
    as "Crime Commissioner" is of "Police and Crime Commissioner") whose words'
    initials spell the abbreviation defines it; the most frequent wins.
    """
    found: dict[str, str] = {}
    known = set(known)
    for text in documents:
        wanted = {a for a in _USED.findall(text) if a not in known and a not in found}
        if not wanted:
            continue
        names: dict[str, dict[str, int]] = {}
        for match in _NAME.finditer(text):
            name = _LEADING.sub("", " ".join(match.group(0).split()))
            words = [w for w in name.split() if w.lower() not in _SMALL]
            if len(words) < 2 or any(w.isupper() for w in words):
                continue
            initials = "".join(w[0] for w in words).upper()
            if initials in wanted:
                names.setdefault(initials, {})[name] = names.get(initials, {}).get(name, 0) + 1
        for abbreviation, counts in names.items():
            found[abbreviation] = max(counts, key=counts.__getitem__)
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


def expand(query: str, glossary: dict[str, str], one_way: Collection[str] = ()) -> str:
    """The query with each abbreviation's other form: "DVPNs" gains "Domestic Violence ...", "most similar group" "MSG".

    Abbreviations in ``one_way`` (inferred, not defined in the text) only gain their long form.
    """
    extra = []
    for abbreviation, long_form in glossary.items():
        if re.search(rf"\b{re.escape(abbreviation)}s?\b", query):
            extra.append(long_form)
        elif (
            abbreviation not in one_way
            and len(long_form.split()) > 1
            and phrase_pattern(long_form).search(query)
        ):
            extra.append(abbreviation)
    return f"{query} {' '.join(extra)}" if extra else query

