"""Split a cleaned document along its own structure.

A document is read as blocks (paragraphs between blank lines, and numbered
paragraphs, which may sit on consecutive lines). Runs of short heading-like
blocks open sections. Inside a section, a numbered paragraph ("47. ...") and
the unnumbered blocks that follow it (its bullets) form one unit; other blocks
are packed together. A unit stays whole when it fits the token limit;
otherwise it is split between blocks, then between sentences. Every chunk is
an exact slice ``text[start:end]`` of the cleaned text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from llama_index.core.node_parser import NodeParser
from llama_index.core.schema import BaseNode, TextNode
from pydantic import PrivateAttr

from retrieval.sentences import sentence_spans
from retrieval.speakers import speaker_of

TokenCounter = Callable[[str], int]

# "47. The force ...", and the decimal numbering of minutes and reports: "5.1 Members asked ...", "3.2.1 The ...".
_NUMBER = r"\d{1,3}(?:\.\d{1,2}){1,2}(?=\.?\s+[A-Z(“\"‘'])|\d{1,3}(?=\.\s+\S)"
_NUMBERED = re.compile(rf"^({_NUMBER})\.?\s+\S")
_NUMBERED_LINE = re.compile(rf"\n(?=(?:{_NUMBER})\.?\s+\S)")
_HEADING_MAX_WORDS = 14


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    paragraph: str = ""
    section: str = ""
    header: str = ""  # a table's header row, for a chunk of its later rows
    speaker: str = ""  # in a transcript, who is speaking where the span begins


@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    kind: str  # "heading", "numbered", "turn", "table" or "text"
    number: str = ""
    speaker: str = ""  # a turn's speaker, without the role in brackets


def split_structure(text: str, count_tokens: TokenCounter, max_tokens: int) -> list[Span]:
    """Chunk spans of ``text``; ``count_tokens`` counts word pieces without specials."""
    blocks = _speaker_turns(text, [_classify(text, start, end) for start, end in _block_spans(text)])
    spans: list[Span] = []
    for headings, body in _sections(blocks):
        section = _section_name(text, headings)
        spans.extend(_section_spans(text, headings, body, section, count_tokens, max_tokens))
    return spans


def _block_spans(text: str) -> list[tuple[int, int]]:
    """Paragraphs between blank lines; a line opening a numbered paragraph starts a new one."""
    spans = []
    cursor = 0
    for gap in [*re.finditer(r"\n[ \t]*\n\s*", text), None]:
        stop = gap.start() if gap else len(text)
        start = cursor
        for line in _NUMBERED_LINE.finditer(text[cursor:stop]):
            spans.append((start, cursor + line.start()))
            start = cursor + line.end()
        spans.append((start, stop))
        cursor = gap.end() if gap else stop
    return [_trim(text, a, b) for a, b in spans if text[a:b].strip()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while text[start].isspace():
        start += 1
    while text[end - 1].isspace():
        end -= 1
    return start, end


def _classify(text: str, start: int, end: int) -> _Block:
    body = text[start:end]
    if is_table(body):
        return _Block(start, end, "table")
    numbered = _NUMBERED.match(body)
    if numbered:
        rest = body[numbered.end() - 1 :]
        kind = "heading" if _looks_like_heading(rest) else "numbered"
        return _Block(start, end, kind, numbered.group(1))
    return _Block(start, end, "heading" if _looks_like_heading(body) else "text")


def is_table(block: str) -> bool:
    """Rows on their own lines, cells split by " | ": how loaders write a table."""
    rows = block.split("\n")
    return len(rows) >= 2 and all(" | " in row for row in rows)


def _speaker_turns(text: str, blocks: list[_Block]) -> list[_Block]:
    """In a transcript, the blocks that open a speaker's turn, marked as turns.

    A document is read as a transcript when at least three people speak and
    turns make up a quarter of its text blocks: a lone "Note: ..." in a report
    is no turn.
    """
    speakers = [speaker_of(text[b.start : b.end]) if b.kind == "text" else "" for b in blocks]
    texts = sum(1 for b in blocks if b.kind == "text")
    turns = sum(1 for s in speakers if s)
    if len(set(speakers) - {""}) < 3 or turns < 0.25 * texts:
        return blocks
    return [
        _Block(b.start, b.end, "turn", b.number, speaker) if speaker else b
        for b, speaker in zip(blocks, speakers, strict=True)
    ]


def _looks_like_heading(body: str) -> bool:
    if "\n" in body or body.startswith(("•", "¹", "²", "³")):
        return False
    words = body.split()
    last = body.rstrip()[-1] if words else ""
    most_words = _HEADING_MAX_WORDS + (6 if last == "?" else 0)
    if not words or len(words) > most_words or len(body) > 150 or body.strip() == "None":
        return False
    if last in ".,;”\"’)":
        return False
    return last != ":"


def _sections(blocks: list[_Block]) -> list[tuple[list[_Block], list[_Block]]]:
    sections: list[tuple[list[_Block], list[_Block]]] = []
    headings: list[_Block] = []
    body: list[_Block] = []
    for block in blocks:
        if block.kind == "heading":
            if body or (headings and headings[-1].number and block.number):
                sections.append((headings, body))
                headings, body = [], []
            headings.append(block)
        else:
            body.append(block)
    if headings or body:
        sections.append((headings, body))
    return sections


def _section_name(text: str, headings: list[_Block]) -> str:
    names = [text[h.start : h.end].strip() for h in headings[-2:]]
    return " — ".join(names)


def _units(body: list[_Block]) -> list[list[_Block]]:
    """A numbered paragraph with what follows it, or a single unnumbered block."""
    units: list[list[_Block]] = []
    for block in body:
        if block.kind == "text" and units and units[-1][0].kind == "numbered":
            units[-1].append(block)
        else:
            units.append([block])
    return units


def _section_spans(
    text: str,
    headings: list[_Block],
    body: list[_Block],
    section: str,
    count: TokenCounter,
    limit: int,
) -> list[Span]:
    agenda_number = next((h.number for h in reversed(headings) if h.number), "")
    spans: list[Span] = []
    pending_start = headings[0].start if headings else None
    packed: list[_Block] = []

    def emit(
        pieces: list[tuple[int, int]],
        paragraph: str,
        where: str = section,
        header: str = "",
        speaker: str = "",
    ) -> None:
        nonlocal pending_start
        for n, (start, end) in enumerate(pieces):
            if pending_start is not None:
                joined = (pending_start, end)
                if count(text[joined[0] : joined[1]]) <= limit:
                    start = pending_start
                else:
                    spans.append(Span(pending_start, headings[-1].end, paragraph, section))
                pending_start = None
            spans.append(Span(start, end, paragraph, where, header if n else "", speaker))

    def flush_packed() -> None:
        if not packed:
            return
        turns = [b for b in packed if b.kind == "turn"]
        if not turns:
            emit(_pack(text, packed, count, limit), agenda_number)
        for start, end in _pack(text, packed, count, limit) if turns else []:
            # A piece of a transcript says who is speaking where it begins (a long turn's later pieces too).
            speaker = next((b.speaker for b in reversed(turns) if b.start <= start), "")
            where = " — ".join(part for part in (section, speaker) if part)
            emit([(start, end)], agenda_number, where, speaker=speaker)
        packed.clear()

    for unit in _units(body):
        if unit[0].kind == "table":
            flush_packed()
            table = unit[0]
            header = text[table.start : text.index("\n", table.start)]
            emit(_rows(text, table, count, limit - count(header)), agenda_number, header=header)
        elif unit[0].kind == "numbered":
            flush_packed()
            emit(_pack(text, unit, count, limit), unit[0].number)
        else:
            packed.extend(unit)
    flush_packed()
    if pending_start is not None:  # a section with headings only
        spans.append(Span(pending_start, headings[-1].end, agenda_number, section))
    return spans


def _pack(text: str, blocks: list[_Block], count: TokenCounter, limit: int) -> list[tuple[int, int]]:
    """Greedy: consecutive blocks together while they fit; long blocks by sentence."""
    pieces: list[tuple[int, int]] = []
    for block in blocks:
        pieces.extend(_fit(text, block.start, block.end, count, limit))
    merged: list[tuple[int, int]] = []
    size = 0
    for start, end in pieces:
        tokens = count(text[start:end])
        if merged and size + tokens <= limit:
            merged[-1] = (merged[-1][0], end)
            size += tokens
        else:
            merged.append((start, end))
            size = tokens
    return merged


def _rows(text: str, table: _Block, count: TokenCounter, limit: int) -> list[tuple[int, int]]:
    """A table whole if it fits, else blocks of whole rows (each within ``limit``, the header's room left)."""
    if count(text[table.start : table.end]) <= limit:
        return [(table.start, table.end)]
    rows = []
    start = table.start
    for newline in [m.start() for m in re.finditer("\n", text[table.start : table.end])] + [table.end - table.start]:
        rows.append((start, table.start + newline))
        start = table.start + newline + 1
    pieces: list[tuple[int, int]] = []
    for row_start, row_end in rows:
        if pieces and count(text[pieces[-1][0] : row_end]) <= limit:
            pieces[-1] = (pieces[-1][0], row_end)
        else:
            pieces.extend(_fit(text, row_start, row_end, count, limit))
    return pieces


def _fit(text: str, start: int, end: int, count: TokenCounter, limit: int) -> list[tuple[int, int]]:
    if count(text[start:end]) <= limit:
        return [(start, end)]
    pieces = []
    for s_start, s_end in sentence_spans(text, start, end):
        if count(text[s_start:s_end]) <= limit:
            pieces.append((s_start, s_end))
        else:
            pieces.extend(_split_words(text, s_start, s_end, count, limit))
    return pieces


def _split_words(text: str, start: int, end: int, count: TokenCounter, limit: int) -> list[tuple[int, int]]:
    """Last resort for a sentence longer than the limit: cut between words."""
    pieces: list[tuple[int, int]] = []
    piece_start = start
    last_fit = start
    for word in re.finditer(r"\S+", text[start:end]):
        word_end = start + word.end()
        if count(text[piece_start:word_end]) > limit and last_fit > piece_start:
            pieces.append((piece_start, last_fit))
            piece_start = start + word.start()
        last_fit = word_end
    pieces.append((piece_start, end))
    return pieces


class StructureNodeParser(NodeParser):
    """llama-index node parser over :func:`split_structure`.

    Nodes carry ``paragraph`` and ``section`` metadata and exact
    ``start_char_idx``/``end_char_idx`` offsets into the document text.
    """

    max_tokens: int = 200
    _count: TokenCounter = PrivateAttr()

    def __init__(self, count_tokens: TokenCounter, max_tokens: int = 200, **kwargs: Any) -> None:
        super().__init__(max_tokens=max_tokens, include_prev_next_rel=False, **kwargs)
        self._count = count_tokens

    def _parse_nodes(self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any) -> list[BaseNode]:
        parsed: list[BaseNode] = []
        for node in nodes:
            text = node.get_content()
            for index, span in enumerate(split_structure(text, self._count, self.max_tokens)):
                parsed.append(
                    TextNode(
                        text=text[span.start : span.end],
                        start_char_idx=span.start,
                        end_char_idx=span.end,
                        metadata={
                            "chunk_index": index,
                            "paragraph": span.paragraph,
                            "section": span.section,
                            "header": span.header,
                            "speaker": span.speaker,
                        },
                        relationships={"1": node.as_related_node_info()},  # SOURCE
                    )
                )
        return parsed
