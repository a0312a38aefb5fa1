"""Read a PDF page by page, as a reader sees it: lines in order, tables whole, scans read by OCR.

Each page becomes a list of blocks (paragraphs, table blocks, footnotes) that
remember the page they came from, so that a passage can be cited "p. 14" and the
page drawn with the passage's lines marked. Text comes from pdfplumber's words
and their positions; a page with no text layer is rendered (pypdfium2) and read
by Tesseract when it is installed. What every PDF of reports and agenda packs
needs, and nothing particular to any one: running headers and footers and page
numbers dropped, two columns read one after the other, words hyphenated at a
line end joined, footnotes kept out of the paragraph they interrupt.
"""

from __future__ import annotations

import io
import logging
import math
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
from pypdf import PasswordType, PdfReader

from ingest import ocr
from ingest.tables import borderless_tables, word_lines
from retrieval.errors import UnreadableDocument

logger = logging.getLogger(__name__)

_PAGE_NUMBER_LINE = re.compile(
    r"^[-–—\s]*(?:page\s*)?\d+(?:\s*(?:of|/)\s*\d+)?[-–—\s]*$", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"[.?!:][\"'”’)\]]*$")
_BULLET_START = re.compile(r"^[•●▪◦‣∙·*]\s*\S")
# A capital, a list number ("3. ") or section number ("2.1 Scope"), or a bullet.
_PARAGRAPH_START = re.compile(
    r"^(?:[A-Z]|\d{1,3}\.(?:\s|$)|\d{1,3}(?:\.\d{1,3})+\.?\s+[A-Z]|[•●▪◦‣∙·*])"
)
_FOOTNOTE_MARK = re.compile(r"^(?:[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\d{1,2}|\*+|†)\s*\S")
_EDGE_LINES = 2
_SHORT_LINE_RATIO = 0.6
_COLUMN_WORDS_PER_LINE = 4
_SMALL_FONT = 0.85  # a footnote's type is smaller than the page's body text by at least this ratio


@dataclass(frozen=True)
class Line:
    """One line of a page: its text and where it sits (PDF points, top-left origin)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float = 0.0
    spans: tuple[tuple[float, float], ...] = ()  # each word's (x0, x1)


@dataclass(frozen=True)
class Block:
    """A paragraph, a table block (rows on their own lines, cells split by " | ") or a footnote."""

    text: str
    kind: str = "text"  # "text" | "table" | "footnote"
    columns: int = 0  # a table's column count


@dataclass(frozen=True)
class Page:
    number: int  # physical, from 1
    label: str  # as printed: the PDF's own page label, or the physical number
    blocks: list[Block]
    ocr: bool = False  # the text was read from the page's image


@dataclass(frozen=True)
class PdfText:
    pages: list[Page]
    title: str = ""
    unread: list[int] = field(default_factory=list)  # pages with no text layer that OCR could not read


def read_pdf(path: Path, data: bytes, on_page: Callable[[int], None] | None = None) -> PdfText:
    """The pages of a PDF as blocks; ``UnreadableDocument`` with a one-line reason when it cannot be read.

    ``on_page(n)`` is called as page ``n`` (from 1) has been read, and again after OCR of a scanned one.
    """
    reader = open_pdf(path, data)
    labels = _page_labels(reader)
    try:
        document = pdfplumber.open(io.BytesIO(data), password="")
    except Exception as error:  # pdfminer raises many unrelated types on bad input
        raise UnreadableDocument(f"{path.name}: the PDF is damaged or incomplete") from error
    with document:
        lines_by_page, tables_by_page, scanned, failures = _read_pages(path, document, on_page)
    if lines_by_page and failures == len(lines_by_page):
        raise UnreadableDocument(f"{path.name}: the PDF is damaged or incomplete")
    ocr_read, unread = _read_scans(path, data, scanned, lines_by_page, on_page)
    drop = furniture(lines_by_page)
    kept_by_page = [[line for n, line in enumerate(lines) if n not in drop[i]] for i, lines in enumerate(lines_by_page)]
    typical = _typical_line_length(kept_by_page)
    pages = []
    for index, kept in enumerate(kept_by_page):
        blocks = _page_blocks(kept, tables_by_page[index], typical)
        pages.append(Page(index + 1, labels[index], blocks, ocr=index in ocr_read))
    return PdfText(pages, _pdf_title(reader), unread)


# -- opening -----------------------------------------------------------------


def open_pdf(path: Path, data: bytes) -> PdfReader:
    if b"%PDF-" not in data[:1024]:  # readers allow a little junk before the header
        raise UnreadableDocument(f"{path.name}: this is not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as error:  # pypdf raises many unrelated types on bad input
        raise UnreadableDocument(f"{path.name}: the PDF is damaged or incomplete") from error
    if encrypted:
        _decrypt_with_empty_password(path, reader)
    try:
        if not len(reader.pages):
            raise UnreadableDocument(f"{path.name}: the PDF has no pages")
    except UnreadableDocument:
        raise
    except Exception as error:
        raise UnreadableDocument(f"{path.name}: the PDF is damaged or incomplete") from error
    return reader


def _decrypt_with_empty_password(path: Path, reader: PdfReader) -> None:
    try:
        result = reader.decrypt("")
    except Exception as error:  # e.g. AES without the optional crypto library
        raise UnreadableDocument(f"{path.name}: the PDF is encrypted and could not be opened") from error
    if result == PasswordType.NOT_DECRYPTED:
        raise UnreadableDocument(f"{path.name}: the PDF is password-protected")


def _page_labels(reader: PdfReader) -> list[str]:
    """The labels printed on the pages ("iv", "12"); the physical numbers when the PDF has none."""
    count = len(reader.pages)
    try:
        labels = [str(label).strip() for label in reader.page_labels]
    except Exception:  # a broken label tree should not stop the text being read
        labels = []
    if len(labels) != count:
        return [str(n) for n in range(1, count + 1)]
    return [label or str(n) for n, label in enumerate(labels, start=1)]


def _pdf_title(reader: PdfReader) -> str:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
    except Exception:  # broken metadata should not stop the text being used
        return ""
    return " ".join(str(title).split()) if title else ""


# -- pages to lines ----------------------------------------------------------


def _read_pages(
    path: Path, document: pdfplumber.PDF, on_page: Callable[[int], None] | None
) -> tuple[list[list[Line]], list[list[tuple[float, Block]]], list[int], int]:
    """Each page's lines and tables (with their top), the pages without text, and how many failed."""
    lines_by_page: list[list[Line]] = []
    tables_by_page: list[list[tuple[float, Block]]] = []
    scanned: list[int] = []
    failures = 0
    for index, page in enumerate(document.pages):
        try:
            lines, tables, has_text = page_layout(page)
        except Exception:  # one bad page should not lose the rest of the document
            logger.warning("%s: could not read text from page %d", path.name, index + 1)
            lines, tables, has_text = [], [], True
            failures += 1
        if not has_text:
            scanned.append(index)
        lines_by_page.append(lines)
        tables_by_page.append(tables)
        if on_page:
            on_page(index + 1)
    return lines_by_page, tables_by_page, scanned, failures


def page_layout(page: pdfplumber.page.Page) -> tuple[list[Line], list[tuple[float, Block]], bool]:
    """A page's lines in reading order (tables left out), its tables, and whether it has a text layer."""
    words = page.extract_words(extra_attrs=["size"], keep_blank_chars=False)
    if not words:
        return [], [], bool(page.chars)
    tables = []
    boxes = []
    for table in page.find_tables() if page.edges else []:
        rows = _table_rows(table.extract())
        if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
            boxes.append(table.bbox)
            tables.append((table.bbox[1], Block("\n".join(" | ".join(r) for r in rows), "table", len(rows[0]))))
    if boxes:
        words = [w for w in words if not any(_inside(w, box) for box in boxes)]
    for found in borderless_tables(page, words):
        rows = found.rows
        tables.append((found.bbox[1], Block("\n".join(" | ".join(r) for r in rows), "table", len(rows[0]))))
        words = [w for w in words if not _inside(w, found.bbox)]
    return reading_order(words, float(page.width)), tables, True


def _table_rows(cells: Iterable[Sequence[str | None]]) -> list[list[str]]:
    rows = []
    for row in cells:
        texts = [" ".join((cell or "").split()) for cell in row]
        if any(texts):
            rows.append(texts)
    return rows


def _inside(word: dict, box: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = box
    middle_x = (word["x0"] + word["x1"]) / 2
    middle_y = (word["top"] + word["bottom"]) / 2
    return x0 <= middle_x <= x1 and top <= middle_y <= bottom


def reading_order(words: list[dict], width: float) -> list[Line]:
    """Lines top to bottom; where the page has two columns, the left column's lines, then the right's.

    A line with text in the gap between the columns (a title, a centred footer)
    is read where it stands, between the column sections above and below it.
    """
    gap = _gutter(words, width)
    if gap is None:
        return lines_of(words)
    start, stop = gap
    ordered: list[Line] = []
    section: list[dict] = []

    def flush() -> None:
        ordered.extend(lines_of([w for w in section if w["x1"] <= start]))
        ordered.extend(lines_of([w for w in section if w["x1"] > start]))
        section.clear()

    for group in word_lines(words):
        line = _line(group)
        if _crosses(line, start, stop):
            flush()
            ordered.append(line)
        else:
            section.extend(group)
    flush()
    return ordered


def _crosses(line: Line, start: float, stop: float) -> bool:
    """Does the line have text inside the gap between the columns (not merely words on both sides)?"""
    return any(start < x1 and x0 < stop for x0, x1 in line.spans)


def _gutter(words: list[dict], width: float) -> tuple[float, float] | None:
    """The clear vertical gap down the middle of the page (from x, to x), if the page has two columns."""
    if len(words) < 40:
        return None
    step = 2.0
    origin, stop = 0.3 * width, 0.7 * width
    bins = int((stop - origin) / step)
    cover = [0] * bins
    for w in words:
        first = max(0, int((w["x0"] - origin) / step))
        last = min(bins - 1, int((w["x1"] - origin) / step))
        for b in range(first, last + 1):
            cover[b] += 1
    allowed = max(1, len(words) // 50)  # a title or a footer line may cross the gap
    best, run, run_start, best_start = 0, 0, 0, 0
    for b, count in enumerate(cover):
        if count <= allowed:
            if run == 0:
                run_start = b
            run += 1
            if run > best:
                best, best_start = run, run_start
        else:
            run = 0
    if best * step < 8:  # narrower than a wide word space: no gutter
        return None
    start, end = origin + best_start * step, origin + (best_start + best) * step
    left = [w for w in words if w["x1"] <= start]
    right = [w for w in words if w["x0"] >= end]
    if min(len(left), len(right)) < 0.25 * len(words):  # a list with figures at the right is one column
        return None
    for side in (left, right):
        lines = len({round(w["top"]) for w in side})
        # Columns of prose: five lines and more, of several words; a borderless table's figures are not.
        if lines < 5 or len(side) < _COLUMN_WORDS_PER_LINE * lines:
            return None
    return start, end


def lines_of(words: list[dict]) -> list[Line]:
    """Words grouped into lines by their tops, each line's words left to right."""
    return [_line(group) for group in word_lines(words)]


def _line(group: list[dict]) -> Line:
    return Line(
        " ".join(w["text"] for w in group),
        min(w["x0"] for w in group), min(w["top"] for w in group),
        max(w["x1"] for w in group), max(w["bottom"] for w in group),
        statistics.median(float(w.get("size", 0.0)) for w in group),
        tuple((w["x0"], w["x1"]) for w in group),
    )


# -- scans -------------------------------------------------------------------


def _read_scans(
    path: Path, data: bytes, scanned: list[int], lines_by_page: list[list[Line]],
    on_page: Callable[[int], None] | None = None,
) -> tuple[set[int], list[int]]:
    """OCR the pages without text, in place; the pages read, and the numbers of those that could not be."""
    if not scanned:
        return set(), []
    if not ocr.available():
        logger.warning("%s: pages %s have no text layer and Tesseract is not installed", path.name,
                       ", ".join(str(i + 1) for i in scanned))
        return set(), [i + 1 for i in scanned]
    read: set[int] = set()
    unread: list[int] = []
    for index in scanned:
        [(words, width)] = ocr.read_pages(data, [index])
        if on_page:
            on_page(index + 1)
        if words:
            lines_by_page[index] = reading_order(words, width)
            read.add(index)
        else:
            unread.append(index + 1)
    return read, unread


# -- furniture ---------------------------------------------------------------


def _edge_indices(lines: Sequence[Line]) -> list[int]:
    """Indices of the first and last two lines of a page."""
    indices = list(range(len(lines)))
    return sorted(set(indices[:_EDGE_LINES] + indices[-_EDGE_LINES:]))


def _furniture_key(line: str) -> str:
    # Digits are dropped so "Page 3 of 10" and "Page 4 of 10" compare equal.
    return " ".join(re.sub(r"\d+", "", line).split()).lower()


def furniture(pages: Sequence[Sequence[Line]]) -> list[set[int]]:
    """For each page, the indices of its running header and footer lines and lone page numbers."""
    repeated = _repeated_edge_keys(pages)
    return [
        {i for i in _edge_indices(lines) if _is_furniture(lines[i].text, repeated)}
        for lines in pages
    ]


def _repeated_edge_keys(pages: Sequence[Sequence[Line]]) -> set[str]:
    """Lines at the top or foot of at least half the pages (and of two at least), digits aside."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        keys = {_furniture_key(lines[i].text) for i in _edge_indices(lines)}
        counts.update(key for key in keys if re.search(r"[^\W\d_]", key))
    needed = max(2, math.ceil(len(pages) / 2))
    return {key for key, count in counts.items() if count >= needed}


def _is_furniture(line: str, repeated: set[str]) -> bool:
    return bool(_PAGE_NUMBER_LINE.match(line)) or _furniture_key(line) in repeated


# -- lines to blocks ---------------------------------------------------------


def _typical_line_length(pages: list[list[Line]]) -> int:
    """A full line's length in characters, over the whole document (a page may hold two lines)."""
    lengths = sorted(len(line.text) for lines in pages for line in lines)
    return lengths[int(0.75 * (len(lengths) - 1))] if lengths else 0


def _page_blocks(lines: list[Line], tables: list[tuple[float, Block]], typical: int) -> list[Block]:
    """The page's paragraphs in reading order, each table before the first paragraph below it, footnotes last."""
    body, notes = _split_footnotes(lines)
    paragraphs = _paragraphs(body, typical)
    tops = [top for top, _ in paragraphs]
    blocks = [Block(text) for _, text in paragraphs]
    for top, table in sorted(tables, key=lambda t: t[0]):
        at = next((n for n, t in enumerate(tops) if t > top), len(tops))
        tops.insert(at, top)
        blocks.insert(at, table)
    return blocks + [Block(text, "footnote") for _, text in _paragraphs(notes, typical)]


def _split_footnotes(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """The lines at the foot of the page set in smaller type and opened by a mark ("¹", "2") are footnotes."""
    sizes = [line.size for line in lines if line.size]
    if len(lines) < 3 or not sizes:
        return lines, []
    body = statistics.median(sizes)
    start = len(lines)
    while start > 0 and 0 < lines[start - 1].size < _SMALL_FONT * body:
        start -= 1
    notes = lines[start:]
    if not notes or not _FOOTNOTE_MARK.match(notes[0].text) or start == 0:
        return lines, []
    return lines[:start], notes


def _paragraphs(lines: list[Line], typical: int) -> list[tuple[float, str]]:
    """Lines joined into paragraphs: a wide vertical gap or the shape of the lines ends one."""
    if not lines:
        return []
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:], strict=False) if b.top > a.top]
    usual = statistics.median(gaps) if gaps else 0.0
    paragraphs: list[tuple[float, str]] = []
    current, top = "", 0.0
    previous: Line | None = None
    for line in lines:
        wide_gap = previous is not None and (
            line.top < previous.top or line.top - previous.bottom > usual + max(2.0, 0.5 * (line.size or 10))
        )
        if not current:
            current, top = line.text, line.top
        elif wide_gap or _breaks_paragraph(previous.text if previous else "", line.text, typical):
            paragraphs.append((top, current))
            current, top = line.text, line.top
        else:
            current = _join_wrapped(current, line.text)
        previous = line
    if current:
        paragraphs.append((top, current))
    return paragraphs


def _breaks_paragraph(previous: str, line: str, typical: int) -> bool:
    """Whether the break between two lines of a page ends a paragraph.

    It does when the previous line ends a sentence and either the next line
    looks like a paragraph start or the previous line stopped well short of
    the margin. A short line without closing punctuation followed by a
    capital is taken as a heading.
    """
    if _BULLET_START.match(line):
        return True
    short = len(previous) < _SHORT_LINE_RATIO * typical
    if _SENTENCE_END.search(previous):
        return short or bool(_PARAGRAPH_START.match(line))
    return short and _looks_like_heading(previous) and bool(_PARAGRAPH_START.match(line))


def _looks_like_heading(line: str) -> bool:
    return bool(_PARAGRAPH_START.match(line)) and not re.search(r"[,;\-–—]$", line)


def _join_wrapped(previous: str, line: str) -> str:
    if previous.endswith("\u00ad"):  # a soft hyphen only ever marks a line-end split
        return previous[:-1] + line
    if re.search(r"[a-z]-$", previous) and line[:1].islower():
        return previous[:-1] + line  # "govern-" + "ance"
    if re.search(r"\S-$", previous):
        return previous + line  # a real hyphen at the line end: "2023-" + "24"
    return f"{previous} {line}"
