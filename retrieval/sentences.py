"""Sentence boundaries, as character spans, for chunking and for answers."""

from __future__ import annotations

import hashlib
import re

from retrieval.models import Chunk, Sentence

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


def content_hash(text: str) -> str:
    """The short hash that ends chunk and sentence ids: a change of text is a change of id."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def chunk_sentences(chunk: Chunk) -> list[Sentence]:
    """The sentences of a chunk worth matching on their own (four words or more), with their stored ids."""
    return [
        Sentence(f"{chunk.chunk_id}#{start}:{content_hash(chunk.text[start:end])}", chunk.chunk_id, start, end,
                 chunk.text[start:end])
        for start, end in sentence_spans(chunk.text)
        if len(chunk.text[start:end].split()) >= 4
    ]


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

