"""Sentence boundaries, as character spans, for chunking and for answers."""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st no nos vs etc e.g i.e cllr prof rt hon approx fig para paras ref cf".split()
)
_END = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+[\"“‘(\[]?[A-Z0-9£•])")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences in ``text[start:end]``; every line break also ends one."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start = start + line.start()
        spans.extend(_line_sentences(text, line_start, start + line.end()))
    return spans


def _line_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _END.finditer(text, start, end):
        if _is_abbreviation(text, cursor, match.start()):
            continue
        spans.append(_strip(text, cursor, match.end()))
        cursor = match.end()
    if cursor < end:
        spans.append(_strip(text, cursor, end))
    return [span for span in spans if span[1] > span[0]]


def _is_abbreviation(text: str, sentence_start: int, stop: int) -> bool:
    if text[stop] != ".":
        return False
    word = re.search(r"(?:^|\s)([A-Za-z.]+)$", text[sentence_start:stop])
    if not word:
        return False
    token = word.group(1)
    return token.lower() in _ABBREVIATIONS or (len(token) == 1 and token.isupper())


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end

