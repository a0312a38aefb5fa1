"""Who is speaking: a transcript's turns ("Kirsty Williams AM: Thank you, Chair. ...").

In a transcript a party responds by speaking, not by being named beside a
verb: every sentence of a turn is its speaker's. A turn opens with its
speaker's name and a colon; the paragraphs after it, until the next name, are
the same turn.
"""

from __future__ import annotations

import re

# "Kirsty Williams AM: ...", "Mr. Garnett Genuis (Sherwood Park, CPC): ...": a speaker's turn.
_TURN = re.compile(r"^([A-Z][^\n:]{0,150}?):[ \t]+\S")
_PARENTHESES = re.compile(r"\([^()]*(?:\([^()]*\)[^()]*)*\)")
_NAME_PARTICLES = frozenset("of the and for de du da van von der le la".split())
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_TITLE = re.compile(r"^(?:right|hon|honourable|mr|mrs|ms|miss|dr|sir|dame|prof|professor)\.?\s+", re.I)
_SEAT = re.compile(r"\s+(?:AM|MS|MP|MSP|MLA|MEP)$")


def as_name(text: str) -> str:
    """``text`` as a speaker's name, its role in brackets dropped ("Hon. Bill Blair (Minister)" -> "Hon. Bill
    Blair"), or "" when it is no name: one to eight words, each capitalised or a particle ("of", "the")."""
    name = " ".join(_PARENTHESES.sub(" ", text).split())
    words = name.split()
    if not 1 <= len(words) <= 8 or not words[0][0].isupper():
        return ""
    if any(not (w[0].isupper() or w.lower() in _NAME_PARTICLES) for w in words):
        return ""
    return name


def speaker_of(block: str) -> str:
    """The speaker a block opens with ("Hon. Bill Blair (Minister of Public Safety): ..." -> "Hon. Bill Blair"),
    or "" when it opens no turn."""
    match = _TURN.match(block)
    return as_name(match.group(1)) if match else ""


def speaker_at(text: str, offset: int, opening: str = "") -> str:
    """Who speaks at ``offset`` of ``text``: the speaker of the last paragraph at or before it that opens
    a turn, or ``opening`` (who was speaking where ``text`` begins) when none does."""
    starts = [0, *(m.end() for m in _PARAGRAPH.finditer(text, 0, offset))]
    for start in reversed(starts):
        if name := speaker_of(text[start:]):
            return name
    return opening


def is_party(speaker: str, party: str) -> bool:
    """Is the speaker the party a question names ("Kirsty Williams AM" for "Kirsty Williams")?"""
    words = set(speaker.casefold().split())
    return bool(speaker) and set(party.casefold().split()) <= words


def personal_name(speaker: str) -> str:
    """The speaker's name without title or seat: "Right Hon. Justin Trudeau" -> "Justin Trudeau",
    "Kirsty Williams AM" -> "Kirsty Williams"."""
    name = _SEAT.sub("", speaker)
    while (bare := _TITLE.sub("", name)) != name:
        name = bare
    return name


def introduced_for(speaker: str, party: str, text: str) -> bool:
    """Does ``text`` introduce the speaker as the party's ("I welcome Gareth Pierce, chief executive of the
    WJEC, ...")? The party must follow the name's comma within a few words: the speaker's role in it."""
    name = personal_name(speaker)
    if len(name.split()) < 2:
        return False
    match = re.search(rf"\b{re.escape(name)},\s+((?:[\w'’&-]+,?\s+){{0,6}}?){re.escape(party)}\b", text, re.I)
    # "Kirsty Williams, the WJEC and Estyn": a list of parties, not a role.
    return bool(match) and match.group(1).strip().casefold() not in {"the", "and", "or"}
