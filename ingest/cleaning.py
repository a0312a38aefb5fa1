"""Turn extracted text into clean, readable text without changing its facts.

Cleaning removes web furniture (skip links, cookie and footer text), markup
(Markdown emphasis and links, stray HTML tags) and layout damage (paragraphs
split by a page break, ragged whitespace). It never rewrites a word, a figure
or a date: every change is a deletion of markup, a whitespace change, or the
joining of two pieces of one paragraph.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.pdf import Page

_SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

_BOILERPLATE_LINE = re.compile(
    r"""^(?:
        (?:accessibility\s+settings\s*)?skip\s+to\s+(?:main\s+)?content
      | accessibility\s+settings
      | (?:accept|reject|manage)\s+(?:all\s+)?cookies.*
      | (?:this\s+(?:web)?site\s+uses\s+cookies|we\s+use\s+cookies).*
      | cookie\s+(?:settings|preferences|policy)
      | copyright\s*(?:©|\(c\))?\s*\d{4}.*
      | ©\s*\d{4}.*
      | all\s+rights\s+reserved\.?
      | back\s+to\s+top
      | print\s+this\s+page
      | share\s+this(?:\s+page|\s+article)?
      | \[?\s*(?:all\s+agendas\s+and\s+minutes\s+are\s+available\s+on\s+the\s+council'?s\s+website)\s*\]?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Everything after one of these, near the end of a page, is site navigation.
_TRAILER_START = re.compile(r"^(?:related\s+(?:news|articles|stories|content)|you\s+may\s+also\s+like)$", re.I)

_MD_HEADING = re.compile(r"^#{1,6}\s+", re.M)
_MD_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", re.M)
_MD_STRONG = re.compile(r"\*\*(.+?)\*\*|__(.+?)__", re.S)
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]*(?:\\\)[^)\s]*)*)\)")
_MD_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_MD_ESCAPE = re.compile(r"\\([()\[\]*_#`>!.-])")
_BULLET = re.compile(r"^(?:[-*+•●▪◦·]|\u2022)\s+", re.M)

_SUP = re.compile(r"<sup>\s*([^<]{1,12}?)\s*</sup>", re.I)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

_FUNCTION_WORDS = frozenset(
    """a an and as at be been by for from has have had her his in into is its
    of on or our per than that the their these this those to via was were which
    who whose will with would could should may must not no nor""".split()
)
_SENTENCE_STARTERS = frozenset(
    """A An The This That These Those It Its In On At I We He She They There
    However Also As For Following Since When While Where Further Despite""".split()
)


def clean_text(text: str, fmt: str = "txt") -> str:
    """Clean extracted text; ``fmt`` is the loader's format name."""
    text = _clean_lines(text, markdown=fmt == "md")
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "\n\n".join(repair_page_breaks(blocks)).strip()


@dataclass(frozen=True)
class PageSpan:
    """Where one page's text sits in the cleaned document: ``text[start:end]`` came from page ``page``."""

    start: int
    end: int
    page: int  # index into the document's pages


def clean_pages(pages: Sequence[Page]) -> tuple[str, list[PageSpan]]:
    """A PDF's pages as one clean text, and the spans of it each page gave.

    Blocks are cleaned one by one, so that every character can be traced to its
    page; a paragraph a page break split is joined (a footnote between stays
    apart, after it), and so is a table that runs on to the next page (its
    repeated header row dropped).
    """
    pieces = [
        _Piece(text, index, block.kind, block.columns)
        for index, page in enumerate(pages)
        for block in page.blocks
        if (text := _clean_lines(block.text).strip())
    ]
    out: list[str] = []
    spans: list[PageSpan] = []
    cursor = 0
    for group in _join_pieces(pieces):
        if out:
            cursor += 2  # the blank line between blocks
        text, placed = _joined(group)
        spans.extend(PageSpan(cursor + start, cursor + end, page) for start, end, page in placed)
        out.append(text)
        cursor += len(text)
    return "\n\n".join(out), spans


_UNHYPHENATE = "\b"  # join two pieces, dropping the hyphen that ends the first


@dataclass(frozen=True)
class _Piece:
    text: str
    page: int
    kind: str = "text"  # "text" | "table" | "footnote"
    columns: int = 0


def _join_pieces(pieces: list[_Piece]) -> list[list[tuple[str, _Piece]]]:
    """Blocks as (separator, piece) runs: the rest of a split paragraph or table joins its start."""
    groups: list[list[tuple[str, _Piece]]] = []
    i = 0
    while i < len(pieces):
        group = [("", pieces[i])]
        moved: list[_Piece] = []
        i += 1
        while True:
            j = i
            while j < len(pieces) and pieces[j].kind == "footnote":
                j += 1
            if j == len(pieces):
                break
            joined = _continuation(group, pieces[j])
            if joined is None:
                break
            moved.extend(pieces[i:j])
            group.append(joined)
            i = j + 1
        groups.append(group)
        groups.extend([("", note)] for note in moved)
    return groups


def _continuation(group: list[tuple[str, _Piece]], nxt: _Piece) -> tuple[str, _Piece] | None:
    """How ``nxt`` joins the block so far, or None when it starts a block of its own."""
    last = group[-1][1]
    if nxt.page == last.page:
        return None  # only a page break splits a block in two
    if last.kind == "table" and nxt.kind == "table" and nxt.columns == last.columns:
        header = group[0][1].text.split("\n", 1)[0]
        rows = nxt.text.split("\n")
        if rows[0] == header:  # the header row repeated at the top of the next page
            rows = rows[1:]
        return ("\n", replace(nxt, text="\n".join(rows))) if rows else None
    current = " ".join(piece.text for _, piece in group)
    if last.kind == nxt.kind == "text" and _continues(current, nxt.text):
        hyphenated = re.search(r"[a-z]-$", last.text) and nxt.text[:1].islower()
        return (_UNHYPHENATE if hyphenated else " "), nxt  # "govern-" + "ance"
    return None


def _clean_lines(text: str, markdown: bool = False) -> str:
    """Line by line: markup, invisible characters, ragged spaces and boilerplate lines removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = _INVISIBLE.sub("", text)
    if markdown:
        text = strip_markdown(text)
    text = strip_html_tags(text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = drop_boilerplate(lines)
    return _BULLET.sub("• ", "\n".join(lines))


def strip_markdown(text: str) -> str:
    text = _MD_RULE.sub("", text)
    text = _MD_HEADING.sub("", text)
    text = _MD_STRONG.sub(lambda m: m.group(1) or m.group(2), text)
    text = _MD_AUTOLINK.sub(r"\1", text)
    text = _MD_LINK.sub(_link_text, text)
    return _MD_ESCAPE.sub(r"\1", text)


def _link_text(match: re.Match[str]) -> str:
    label, target = match.group(1), match.group(2).replace("\\)", ")")
    label = _MD_ESCAPE.sub(r"\1", label)
    if not target or target.startswith(("#", "mailto:")) or target == label:
        return label
    return f"{label} ({target})"


def strip_html_tags(text: str) -> str:
    """Drop tags left in text; ordinals join their number, footnote marks stay visible."""
    text = _SUP.sub(_superscript, text)
    text = _TAG.sub("", text)
    return html.unescape(text) if "&" in text else text


def _superscript(match: re.Match[str]) -> str:
    inner = match.group(1)
    return inner.translate(_SUPERSCRIPT_DIGITS) if inner.isdigit() else inner


def drop_boilerplate(lines: list[str]) -> list[str]:
    kept = [line for line in lines if not _BOILERPLATE_LINE.match(line)]
    non_empty = [i for i, line in enumerate(kept) if line]
    for position, index in enumerate(non_empty):
        if _TRAILER_START.match(kept[index]) and position >= 0.6 * len(non_empty):
            return kept[:index]
    return kept


def repair_page_breaks(blocks: list[str]) -> list[str]:
    """Join a paragraph that a page break split in two (a footnote may sit between)."""
    pieces = [_Piece(b, n, "footnote" if _is_footnote(b) else "text") for n, b in enumerate(blocks)]
    return [_joined(group)[0] for group in _join_pieces(pieces)]


def _joined(group: list[tuple[str, _Piece]]) -> tuple[str, list[tuple[int, int, int]]]:
    """A block's text from its pieces, and where each piece sits in it: (start, end, page)."""
    text = ""
    placed: list[tuple[int, int, int]] = []
    for separator, piece in group:
        if separator == _UNHYPHENATE:
            text = text[:-1]
            start, end, page = placed[-1]
            placed[-1] = (start, end - 1, page)
        else:
            text += separator
        placed.append((len(text), len(text) + len(piece.text), piece.page))
        text += piece.text
    return text, placed


def _is_footnote(block: str) -> bool:
    return block[:1] in "¹²³⁴⁵⁶⁷⁸⁹"


def _words(block: str) -> list[str]:
    return block.split()


def _is_prose(block: str, least_words: int) -> bool:
    words = _words(block.splitlines()[-1]) if block else []
    if len(words) < least_words:
        return False
    lowercase = sum(1 for w in words if w[:1].islower())
    return lowercase / len(words) >= 0.4


def _continues(previous: str, nxt: str) -> bool:
    """Is ``nxt`` the rest of the sentence ``previous`` leaves unfinished?"""
    tail = previous.rstrip()
    if not tail or tail[-1] in ".!?:;)”\"’'|" or not _is_prose(previous, 6):
        return False
    first = nxt.split(maxsplit=1)[0] if nxt.strip() else ""
    if not first or re.match(r"^(?:\d+[.)]|•)", first):
        return False
    if first[0].islower():
        return True
    last = _words(tail)[-1]
    if first in _SENTENCE_STARTERS or not _is_prose(nxt, 4):
        return False
    return last.lower() in _FUNCTION_WORDS or last[:1].isupper()
