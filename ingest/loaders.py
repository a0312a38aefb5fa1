"""Turn a supported file into raw text, one loader per format.

Every loader returns text whose paragraphs are separated by a blank line,
with headings on their own line; tidying the text is left to the cleaning
step. A bad file is always reported as ``UnsupportedFormat`` or
``UnreadableDocument`` with a one-line message naming the file.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import re
import threading
import unicodedata
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest import ocr
from ingest.pdf import Page, PdfText, read_pdf
from retrieval.errors import UnreadableDocument, UnsupportedFormat

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
)

_FORMAT_BY_SUFFIX: dict[str, str] = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}

_BULLET = "• "


@dataclass(frozen=True)
class LoadedFile:
    """The raw text of one file, before cleaning."""

    path: Path
    text: str  # paragraphs separated by a blank line, headings on their own line
    format: str  # "txt" | "md" | "html" | "pdf" | "docx"
    title: str = ""  # the best title the file itself gives, "" if none
    pages: tuple[Page, ...] = ()  # a PDF's pages, as blocks that know their page
    unread_pages: tuple[int, ...] = ()  # a PDF's pages without text that OCR could not read


def is_supported(path: Path) -> bool:
    """True when Quorum has a loader for the file's extension."""
    return Path(path).suffix.lower() in SUPPORTED_SUFFIXES


def load_file(path: Path, on_page: Callable[[int], None] | None = None) -> LoadedFile:
    """Read ``path`` with the loader for its extension.

    ``on_page(n)`` is called as each page of a PDF has been read.

    Raises ``UnsupportedFormat`` for an unknown extension and
    ``UnreadableDocument`` for a file that is missing, empty or cannot be parsed.
    """
    path = Path(path)
    fmt = _FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedFormat(_unsupported_message(path))
    data = _read_bytes(path)
    if not data.strip():
        raise UnreadableDocument(f"{path.name}: the file is empty")
    if fmt == "pdf":
        read = _take_read(data) or read_pdf(path, data, on_page)
        text = _pdf_text(read.pages)
        if not text.strip():
            raise UnreadableDocument(_no_pdf_text_reason(path, read))
        return LoadedFile(path, text, fmt, read.title, tuple(read.pages), tuple(read.unread))
    text, title = _LOADERS[fmt](path, data)
    if not text.strip():
        raise UnreadableDocument(f"{path.name}: {_NO_TEXT_REASON[fmt]}")
    return LoadedFile(path=path, text=text, format=fmt, title=title)


# PDFs read moments ago, by the sha256 of their bytes, each kept until loaded once: an upload is read
# in full to check it (OCR included, minutes for a scanned agenda pack) and is then ingested.
_ALREADY_READ: OrderedDict[str, PdfText] = OrderedDict()
# Reads kept for the ingest that follows a check (an upload, or a sync's papers checked before they are
# indexed together), by their pages: a sync of a committee's meetings checks hundreds of pages first.
_KEEP_PAGES = 3000
_READS_LOCK = threading.Lock()  # the upload handler and the ingest run on different threads


def remember_pdf_read(data: bytes, read: PdfText) -> None:
    """Keep what reading these PDF bytes gave, so that ``load_file`` need not read them again."""
    with _READS_LOCK:
        _ALREADY_READ[hashlib.sha256(data).hexdigest()] = read
        while len(_ALREADY_READ) > 1 and sum(len(r.pages) for r in _ALREADY_READ.values()) > _KEEP_PAGES:
            _ALREADY_READ.popitem(last=False)


def _take_read(data: bytes) -> PdfText | None:
    with _READS_LOCK:
        if not _ALREADY_READ:  # the usual case: no hashing on a plain ingest
            return None
        return _ALREADY_READ.pop(hashlib.sha256(data).hexdigest(), None)


def _unsupported_message(path: Path) -> str:
    kind = f"'{path.suffix}' files" if path.suffix else "files without an extension"
    accepted = ", ".join(sorted(SUPPORTED_SUFFIXES))
    return f"{path.name}: {kind} are not supported (Quorum reads {accepted})"


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        reason = "the file does not exist"
    except IsADirectoryError:
        reason = "this is a folder, not a file"
    except PermissionError:
        reason = "permission to read the file was denied"
    except OSError as error:
        reason = f"the file could not be read ({error.strerror or 'unknown problem'})"
    raise UnreadableDocument(f"{path.name}: {reason}")


def _collapse_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------
# Plain text and Markdown


def _load_text(path: Path, data: bytes) -> tuple[str, str]:
    text = _decode_text(data)
    if text is None or not _looks_like_text(text):
        raise UnreadableDocument(f"{path.name}: this is not a text file")
    return text, ""


def _decode_text(data: bytes) -> str | None:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _looks_like_text(text: str) -> bool:
    # Real text has next to no control characters; binary data decoded as
    # cp1252 has many (bytes 0x01-0x1F alone are an eighth of all values).
    if not text:
        return True
    odd = sum(1 for ch in text if _is_non_printable(ch))
    return odd / len(text) <= 0.05


def _is_non_printable(ch: str) -> bool:
    if ch in "\t\n\r\f\v":
        return False
    return unicodedata.category(ch) in {"Cc", "Cn", "Co", "Cs"}


# --------------------------------------------------------------------------
# HTML

_HTML_DROPPED_TAGS = {
    "script", "style", "noscript", "template", "svg", "nav", "form", "iframe",
    "button", "select", "textarea", "object", "embed", "canvas", "audio", "video",
}
# Page-level header/footer are site furniture; inside an article or section
# they carry the article's own heading or byline, so those stay.
_HTML_PAGE_FURNITURE_TAGS = {"header", "footer"}
_HTML_CONTENT_CONTAINERS = {"article", "main", "section", "aside"}
_HTML_FURNITURE_ROLES = {"navigation", "banner", "contentinfo"}
_HTML_NEVER_DROPPED = {"html", "body", "main", "article"}
_HTML_NAV_TOKEN = re.compile(
    r"^(?:.*[-_])?(?:nav|navbar|navigation|menu|breadcrumbs?|skip-?links?"
    r"|skip-to-(?:main-)?content)$",
    re.IGNORECASE,
)
_HTML_CONSENT_SUBJECTS = ("cookie", "consent", "gdpr")
_HTML_CONSENT_VENDORS = ("cookiebot", "onetrust", "cookieyes", "cookielaw")
# A widget word as well as the subject, so a "cookie-policy" section stays.
_HTML_CONSENT_WIDGET = re.compile(
    r"banner|bar|notice|popup|pop-up|modal|dialog|overlay|message|prompt|alert|law|box"
)
_HTML_SKIP_LINK_TEXT = re.compile(r"^skip (?:to|navigation)\b", re.IGNORECASE)

_HTML_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "aside", "h1", "h2", "h3", "h4",
    "h5", "h6", "li", "ul", "ol", "dl", "dd", "dt", "table", "thead", "tbody",
    "tfoot", "caption", "blockquote", "pre", "figure", "figcaption", "address",
    "details", "summary", "fieldset", "hgroup", "center", "hr", "body",
    "header", "footer",
}


class _TextBuilder:
    """Collects paragraphs of text from a walk over an HTML tree."""

    def __init__(self) -> None:
        self._paragraphs: list[str] = []
        self._current: list[str] = []
        self._prefix = ""

    def add(self, text: str) -> None:
        if not self._current and not text.strip():
            return
        if not self._current and self._prefix:
            text = self._prefix + text.lstrip()
            self._prefix = ""
        self._current.append(text)

    def line_break(self) -> None:
        if self._current:
            self._current.append("\n")

    def paragraph_break(self) -> None:
        if self._current:
            self._paragraphs.append("".join(self._current))
            self._current = []

    def start_item(self, prefix: str) -> None:
        self.paragraph_break()
        self._prefix = prefix

    def end_item(self) -> None:
        self.paragraph_break()
        self._prefix = ""

    def paragraphs(self) -> list[str]:
        self.paragraph_break()
        return self._paragraphs


def _load_html(path: Path, data: bytes) -> tuple[str, str]:
    markup = _decode_html(data)
    if markup is None:
        raise UnreadableDocument(f"{path.name}: this is not a web page")
    try:
        tree = LexborHTMLParser(markup)
        _drop_html_furniture(tree)
        title = _html_title(tree)
        text = _html_text(tree.body) if tree.body is not None else ""
    except Exception as error:  # the parser's error types are not documented
        raise UnreadableDocument(f"{path.name}: the web page could not be read") from error
    return text, title


def _decode_html(data: bytes) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = re.search(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return data.decode("cp1252", errors="replace")


def _drop_html_furniture(tree: LexborHTMLParser) -> None:
    if tree.body is None:
        return
    targets = [node for node in tree.body.traverse() if _is_html_furniture(node)]
    # Remove only outermost targets: a node inside an already removed one
    # would point at freed parser memory.
    target_ids = {node.mem_id for node in targets}
    for node in targets:
        if not _has_ancestor(node, lambda parent: parent.mem_id in target_ids):
            node.decompose()


def _is_html_furniture(node: LexborNode) -> bool:
    tag = node.tag
    if tag in _HTML_DROPPED_TAGS:
        return True
    if tag in _HTML_PAGE_FURNITURE_TAGS:
        return not _has_ancestor(node, lambda parent: parent.tag in _HTML_CONTENT_CONTAINERS)
    if tag == "a" and _HTML_SKIP_LINK_TEXT.match(_collapse_spaces(node.text())):
        return True
    return tag not in _HTML_NEVER_DROPPED and _is_furniture_by_attributes(node)


def _has_ancestor(node: LexborNode, matches: Callable[[LexborNode], bool]) -> bool:
    parent = node.parent
    while parent is not None:
        if matches(parent):
            return True
        parent = parent.parent
    return False


def _is_furniture_by_attributes(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs:
        return True
    if (attrs.get("role") or "").strip().lower() in _HTML_FURNITURE_ROLES:
        return True
    tokens = (attrs.get("class") or "").split() + (attrs.get("id") or "").split()
    return any(_HTML_NAV_TOKEN.match(token) or _is_consent_token(token) for token in tokens)


def _is_consent_token(token: str) -> bool:
    token = token.lower()
    if any(vendor in token for vendor in _HTML_CONSENT_VENDORS):
        return True
    subjects = sum(subject in token for subject in _HTML_CONSENT_SUBJECTS)
    return subjects >= 2 or (subjects == 1 and bool(_HTML_CONSENT_WIDGET.search(token)))


def _html_title(tree: LexborHTMLParser) -> str:
    for selector in ("title", "h1"):
        node = tree.css_first(selector)
        if node is not None:
            title = _collapse_spaces(node.text())
            if title:
                return title
    return ""


def _html_text(root: LexborNode) -> str:
    builder = _TextBuilder()
    _walk_html(root, builder, in_pre=False)
    return _tidy_paragraphs(builder.paragraphs())


def _walk_html(node: LexborNode, builder: _TextBuilder, in_pre: bool) -> None:
    child = node.child
    while child is not None:
        _emit_html_node(child, builder, in_pre)
        child = child.next


def _emit_html_node(node: LexborNode, builder: _TextBuilder, in_pre: bool) -> None:
    tag = node.tag
    if node.is_text_node:
        text = node.text_content or ""
        builder.add(text if in_pre else re.sub(r"\s+", " ", text))
    elif tag == "br":
        builder.line_break()
    elif tag == "li":
        builder.start_item(_BULLET)
        _walk_html(node, builder, in_pre)
        builder.end_item()
    elif tag == "tr":
        builder.paragraph_break()
        builder.add(_html_row(node))
        builder.paragraph_break()
    elif tag in _HTML_BLOCK_TAGS:
        builder.paragraph_break()
        _walk_html(node, builder, in_pre or tag == "pre")
        builder.paragraph_break()
    elif node.is_element_node:
        _walk_html(node, builder, in_pre)


def _html_row(row: LexborNode) -> str:
    cells: list[str] = []
    cell = row.child
    while cell is not None:
        if cell.tag in ("td", "th"):
            cells.append(_html_cell_text(cell))
        cell = cell.next
    return " | ".join(text for text in cells if text)


def _html_cell_text(cell: LexborNode) -> str:
    builder = _TextBuilder()
    _walk_html(cell, builder, in_pre=False)
    return _collapse_spaces(" ".join(builder.paragraphs()))


def _tidy_paragraphs(paragraphs: list[str]) -> str:
    """Collapse spaces within each line and separate paragraphs by one blank line."""
    tidied: list[str] = []
    for paragraph in paragraphs:
        lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in paragraph.split("\n")]
        text = "\n".join(lines).strip()
        text = re.sub(r"\n{3,}", "\n\n", text)
        if text and text != _BULLET.strip():
            tidied.append(text)
    return "\n\n".join(tidied)


# --------------------------------------------------------------------------
# PDF: read page by page in ingest/pdf.py


def _pdf_text(pages: Iterable[Page]) -> str:
    return "\n\n".join(block.text for page in pages for block in page.blocks)


def _no_pdf_text_reason(path: Path, read: PdfText) -> str:
    if read.unread and not ocr.available():
        return f"{path.name}: the PDF has no text layer and OCR is not installed (install tesseract-ocr), {_pages(read.unread)}"
    if read.unread:
        return f"{path.name}: the PDF has no text layer and OCR found no text, {_pages(read.unread)}"
    return f"{path.name}: the PDF has no text layer (scanned image?)"


def _pages(numbers: list[int]) -> str:
    return f"page {numbers[0]}" if len(numbers) == 1 else "pages " + ", ".join(map(str, numbers))


# --------------------------------------------------------------------------
# DOCX

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _load_docx(path: Path, data: bytes) -> tuple[str, str]:
    document = _open_docx(path, data)
    try:
        blocks = list(_docx_blocks(document))
        title = _docx_title(document, blocks)
    except Exception as error:  # malformed XML inside an otherwise valid package
        raise UnreadableDocument(f"{path.name}: the Word document is damaged") from error
    return "\n\n".join(text for text, _style in blocks), title


def _open_docx(path: Path, data: bytes) -> DocxDocument:
    if data.startswith(_OLE_MAGIC):
        raise UnreadableDocument(
            f"{path.name}: this is an old-style Word file (.doc); save it as .docx first"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnreadableDocument(
            f"{path.name}: the file is not a Word document, or it is damaged"
        )
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises several unrelated types
        raise UnreadableDocument(f"{path.name}: the Word document is damaged") from error


def _docx_blocks(document: DocxDocument) -> Iterator[tuple[str, str]]:
    """Yield (text, style name) for each non-empty paragraph or table row, in order."""
    yield from _docx_container_blocks(document.element.body, document)


def _docx_container_blocks(
    element: BaseOxmlElement, document: DocxDocument
) -> Iterator[tuple[str, str]]:
    for child in element.iterchildren():
        if child.tag == f"{_W}p":
            block = _docx_paragraph(Paragraph(child, document))
            if block[0]:
                yield block
        elif child.tag == f"{_W}tbl":
            yield from _docx_table_rows(Table(child, document))
        elif child.tag == f"{_W}sdt":  # content controls wrap ordinary paragraphs
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _docx_container_blocks(content, document)


def _docx_paragraph(paragraph: Paragraph) -> tuple[str, str]:
    text = paragraph.text.strip()
    style = _docx_style_name(paragraph)
    if text and _is_docx_list_item(paragraph, style):
        text = _BULLET + text
    return text, style


def _docx_style_name(paragraph: Paragraph) -> str:
    style = paragraph.style
    return (style.name or "") if style is not None else ""


def _is_docx_list_item(paragraph: Paragraph, style: str) -> bool:
    if style.startswith("List"):
        return True
    p_pr = paragraph._p.pPr
    return p_pr is not None and p_pr.numPr is not None


def _docx_table_rows(table: Table) -> Iterator[tuple[str, str]]:
    for row in table.rows:
        cells: list[str] = []
        for tc in row._tr.tc_lst:
            # A vertically merged cell repeats the text above; show it once.
            if tc.vMerge == "continue":
                continue
            cells.append(_collapse_spaces(_Cell(tc, table).text))
        text = " | ".join(cell for cell in cells if cell)
        if text:
            yield text, "Table"


def _docx_title(document: DocxDocument, blocks: list[tuple[str, str]]) -> str:
    title = _collapse_spaces(document.core_properties.title or "")
    if title:
        return title
    for text, style in blocks:
        if style in ("Title", "Heading 1"):
            return _collapse_spaces(text)
    return ""


_LOADERS: dict[str, Callable[[Path, bytes], tuple[str, str]]] = {
    "txt": _load_text,
    "md": _load_text,
    "html": _load_html,
    "docx": _load_docx,
}

_NO_TEXT_REASON: dict[str, str] = {
    "txt": "the file is empty",
    "md": "the file is empty",
    "html": "the web page contains no readable text",
    "docx": "the Word document contains no text",
}
