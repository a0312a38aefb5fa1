"""Check a file an admin uploads before it is ingested.

An upload arrives as a temporary file with a meaningless name, plus the name
the user gave it. ``check_upload`` decides whether Quorum will take it: the
name must carry a supported extension, the content must agree with that
extension, and the file must be small and simple enough to read safely
(no zip bombs, no PDF that keeps the reader busy forever). Every rejection is
a ``QuorumError`` with a one-line reason that names the file by its safe name
and never shows a server path.
"""

from __future__ import annotations

import codecs
import logging
import time
import math
import multiprocessing
import re
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.loaders import SUPPORTED_SUFFIXES, _looks_like_text, load_file, remember_pdf_read
from ingest.pdf import PdfText, open_pdf
from retrieval.errors import QuorumError, UnreadableDocument, UnsupportedFormat

_MB = 1024 * 1024
_HEAD_BYTES = 64 * 1024  # how much of a file the content checks look at
_MAX_NAME_CHARS = 120
_BOMB_ENTRY_MIN_BYTES = 1 * _MB  # small entries may compress very well legitimately
_DOCX_REQUIRED_PARTS = ("[Content_Types].xml", "word/document.xml")
# Starting a fresh interpreter is not the PDF's fault; it gets its own allowance.
_WORKER_START_SECONDS = 60.0

_HTML_SUFFIXES = frozenset({".html", ".htm"})


def _starts_like_pdf(head: bytes) -> bool:
    return head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"%PDF-")


def _starts_with(*magic: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(magic)


# (what the content is, a test on the first bytes of a file)
_KNOWN_FORMATS: tuple[tuple[str, Callable[[bytes], bool]], ...] = (
    ("a PDF", _starts_like_pdf),
    ("a ZIP", _starts_with(b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")),
    ("an old-style Office (.doc, .xls, .ppt)", _starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")),
    ("a PNG image", _starts_with(b"\x89PNG\r\n\x1a\n")),
    ("a JPEG image", _starts_with(b"\xff\xd8\xff")),
    ("a GIF image", _starts_with(b"GIF87a", b"GIF89a")),
    ("a TIFF image", _starts_with(b"II*\x00", b"MM\x00*")),
    ("a WebP image", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    ("an ELF executable", _starts_with(b"\x7fELF")),
    ("a gzip archive", _starts_with(b"\x1f\x8b")),
    ("a 7-Zip archive", _starts_with(b"7z\xbc\xaf\x27\x1c")),
    ("a RAR archive", _starts_with(b"Rar!\x1a\x07")),
    ("an XZ archive", _starts_with(b"\xfd7zXZ\x00")),
)

_HTML_TAG = re.compile(r"<\s*(?:!doctype\b|!--|/?[a-z][a-z0-9-]*(?:\s|/?>))", re.IGNORECASE)


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 25 * _MB  # whole file
    max_docx_uncompressed: int = 100 * _MB  # total uncompressed size of all zip entries
    max_docx_entries: int = 2000
    max_docx_ratio: float = 200.0  # per-entry compression ratio guard
    pdf_seconds: float = 20.0  # longest one page of a PDF may take to read (OCR included)
    pdf_total_seconds: float = 1800.0  # and the whole PDF
    max_pdf_pages: int = 2000


# --------------------------------------------------------------------------
# File names


def safe_filename(name: str) -> str:
    """A file name safe to store: the base name only (no directories, no '..',
    no NUL/control chars, no leading dots), spaces/odd characters replaced by
    '-', at most 120 chars, keeping the (lower-cased) extension.

    Raises ``UnsupportedFormat`` for a name with no supported extension.
    """
    base = _base_name(name)
    stem, dot, extension = base.rpartition(".")
    suffix = f".{extension.lower()}"
    if not dot or suffix not in SUPPORTED_SUFFIXES:
        shown = _clean_part(base) or "the file"
        accepted = ", ".join(sorted(SUPPORTED_SUFFIXES))
        kind = f"'.{_clean_part(extension)}' files" if dot else "files without an extension"
        raise UnsupportedFormat(f"{shown}: {kind} are not supported (Quorum reads {accepted})")
    stem = _clean_part(stem)[: _MAX_NAME_CHARS - len(suffix)].rstrip(".-_") or "document"
    return stem + suffix


def _base_name(name: str) -> str:
    """The last path component, without control characters or trailing dots/spaces."""
    # NFKC first: it turns look-alikes such as a full-width solidus into '/'.
    name = unicodedata.normalize("NFKC", name)
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith(("C", "Zl", "Zp")))
    base = re.split(r"[/\\]", name)[-1]
    return base.strip().rstrip(".").strip()


def _clean_part(text: str) -> str:
    text = "".join(ch if ch.isalnum() or ch in "._-" else "-" for ch in text)
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"-{2,}", "-", text)
    return text.strip(".-_")


# --------------------------------------------------------------------------
# The whole check


def check_upload(path: Path, original_name: str, limits: UploadLimits = UploadLimits()) -> str:
    """Validate an uploaded file (stored at `path`, a temp file whose own name
    is meaningless) whose user-given name is `original_name`. Returns the safe
    file name.

    Raises ``UnsupportedFormat`` or ``UnreadableDocument`` with a one-line
    reason that names the file by its safe name and never a server path.
    """
    name = safe_filename(original_name)
    suffix = Path(name).suffix
    _check_size(path, name, limits)
    head = _read_head(path, name)
    if suffix == ".pdf":
        _check_pdf_head(head, name)
    elif suffix == ".docx":
        _check_docx_head(head, name)
        _check_docx_package(path, name, limits)
    elif suffix in _HTML_SUFFIXES:
        _check_html_head(head, name, complete=len(head) < _HEAD_BYTES)
    else:
        _check_text_head(head, name, suffix, complete=len(head) < _HEAD_BYTES)
    _check_text_comes_out(path, name, limits)
    return name


def _check_size(path: Path, name: str, limits: UploadLimits) -> None:
    try:
        size = Path(path).stat().st_size
    except OSError as error:
        raise UnreadableDocument(f"{name}: the uploaded file could not be read") from error
    if size == 0:
        raise UnreadableDocument(f"{name}: the file is empty")
    if size > limits.max_bytes:
        raise UnreadableDocument(
            f"{name}: the file is too large ({_megabytes(size, up=True)} MB; "
            f"the limit is {_megabytes(limits.max_bytes)} MB)"
        )


def _megabytes(size: int, up: bool = False) -> str:
    tenths = size * 10 / _MB
    value = (math.ceil(tenths) if up else round(tenths)) / 10
    return f"{value:.1f}".removesuffix(".0")


def _read_head(path: Path, name: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read(_HEAD_BYTES)
    except OSError as error:
        raise UnreadableDocument(f"{name}: the uploaded file could not be read") from error


# --------------------------------------------------------------------------
# Content against extension


def _known_format(head: bytes) -> str | None:
    """The label of a binary format recognised by its magic bytes, if any."""
    for label, matches in _KNOWN_FORMATS:
        if matches(head):
            return label
    return None


def _mismatch(name: str, label: str) -> UnsupportedFormat:
    return UnsupportedFormat(f"{name}: the content is {label} file, not {Path(name).suffix}")


def _check_pdf_head(head: bytes, name: str) -> None:
    if _starts_like_pdf(head):
        return
    label = _known_format(head)
    if label is not None:
        raise _mismatch(name, label)
    raise UnsupportedFormat(f"{name}: this is not a PDF file (it does not start with %PDF-)")


def _check_docx_head(head: bytes, name: str) -> None:
    label = _known_format(head)
    if label == "a ZIP":
        return
    if label is not None:
        raise _mismatch(name, label)
    raise UnsupportedFormat(f"{name}: this is not a Word document (.docx)")


def _check_text_head(head: bytes, name: str, suffix: str, complete: bool) -> None:
    label = _known_format(head)
    if label is not None:
        raise _mismatch(name, label)
    text = _decode_head(head, complete)
    if text is None or not _looks_like_text(text):
        raise UnsupportedFormat(f"{name}: this is not a text file (the content is binary)")


def _check_html_head(head: bytes, name: str, complete: bool) -> None:
    label = _known_format(head)
    if label is not None:
        raise _mismatch(name, label)
    markup = _decode_head(head, complete)
    if markup is None:
        raise UnsupportedFormat(f"{name}: this is not a web page (the content is binary)")
    if not _HTML_TAG.search(markup):
        raise UnsupportedFormat(f"{name}: this is not a web page (it has no HTML tags)")


def _decode_head(head: bytes, complete: bool) -> str | None:
    """Decode the start of a text file, or None when it holds binary data.

    UTF-16 needs its byte-order mark; anything else is UTF-8, else cp1252,
    else Latin-1. When ``head`` is only the start of the file, a character
    cut in two at its end is left out rather than failing the decode.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in head:
        return None
    else:
        encodings = ("utf-8-sig", "cp1252", "latin-1")
    for encoding in encodings:
        try:
            return codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except UnicodeDecodeError:
            continue
    return None


# --------------------------------------------------------------------------
# DOCX packages


def _check_docx_package(path: Path, name: str, limits: UploadLimits) -> None:
    """Judge the zip from its central directory alone; nothing is decompressed."""
    try:
        with zipfile.ZipFile(path) as package:
            entries = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise UnreadableDocument(f"{name}: the Word document is damaged (not a valid ZIP file)") from error
    _check_zip_bomb(entries, name, limits)
    if any(_is_unsafe_entry_name(entry.filename) for entry in entries):
        raise UnreadableDocument(f"{name}: the Word document contains an entry with an unsafe path")
    names = {entry.filename for entry in entries}
    missing = [part for part in _DOCX_REQUIRED_PARTS if part not in names]
    if missing:
        raise UnsupportedFormat(
            f"{name}: the ZIP file is not a Word document (it has no {missing[0]})"
        )


def _check_zip_bomb(entries: list[zipfile.ZipInfo], name: str, limits: UploadLimits) -> None:
    if len(entries) > limits.max_docx_entries:
        _reject_bomb(name, f"{len(entries)} entries; the limit is {limits.max_docx_entries}")
    total = sum(entry.file_size for entry in entries)
    if total > limits.max_docx_uncompressed:
        _reject_bomb(
            name,
            f"{_megabytes(total, up=True)} MB uncompressed; "
            f"the limit is {_megabytes(limits.max_docx_uncompressed)} MB",
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > _BOMB_ENTRY_MIN_BYTES and ratio > limits.max_docx_ratio:
            _reject_bomb(
                name,
                f"an entry expands {ratio:.0f} times; the limit is {limits.max_docx_ratio:g}",
            )


def _reject_bomb(name: str, detail: str) -> None:
    raise UnreadableDocument(f"{name}: the file looks like a zip bomb ({detail})")


def _is_unsafe_entry_name(entry_name: str) -> bool:
    parts = re.split(r"[/\\]", entry_name)
    absolute = entry_name.startswith(("/", "\\")) or bool(re.match(r"[A-Za-z]:", entry_name))
    return absolute or ".." in parts or "\x00" in entry_name


# --------------------------------------------------------------------------
# Reading the text


def _check_text_comes_out(path: Path, name: str, limits: UploadLimits) -> None:
    """Run the real loader on the file, under its safe name.

    The loader picks the format by extension and names the file in its
    messages, so it reads a link called by the safe name, never the temp path.
    """
    with tempfile.TemporaryDirectory(prefix="quorum-upload-") as folder:
        link = Path(folder) / name
        link.symlink_to(Path(path).resolve())
        if link.suffix == ".pdf":
            _read_pdf_in_worker(link, limits)
        else:
            load_file(link)


def _read_pdf_in_worker(link: Path, limits: UploadLimits) -> None:
    """Read a PDF in a process of its own, killed if it takes longer than allowed."""
    kind, detail = _PDF_READER.read(link, limits)  # the worker's last word: ("read", its PdfText) or (kind, message)
    if kind != "read":
        raise (UnsupportedFormat if kind == "unsupported" else UnreadableDocument)(detail)
    remember_pdf_read(link.read_bytes(), detail)  # the ingest that follows need not read it again


class _PdfReader:
    """One spawned process that reads PDFs, kept for the next one; replaced when one hangs or kills it.

    "spawn" rather than "fork": the parent may be a threaded web server with the
    embedding model loaded; the child imports only the loaders. Starting it costs
    about a second, which a sync of a committee's papers would otherwise pay per paper.
    """

    RECYCLE_AFTER = 50  # papers read by one process before a fresh one takes over

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._worker: multiprocessing.process.BaseProcess | None = None
        self._line: Connection | None = None
        self._reads = 0

    def read(self, link: Path, limits: UploadLimits) -> tuple[str, object]:
        with self._lock:
            line = self._ready(link.name, limits)
            try:
                line.send((str(link), limits.max_pdf_pages))
                outcome = _wait_for(line, limits.pdf_seconds, link.name, limits)
                deadline = time.monotonic() + limits.pdf_total_seconds
                while isinstance(outcome, tuple) and outcome[0] == "page":  # a page read: the next has its own time
                    if time.monotonic() > deadline:
                        raise UnreadableDocument(
                            f"{link.name}: the PDF took longer than {limits.pdf_total_seconds:g} s to read in all"
                        )
                    outcome = _wait_for(line, limits.pdf_seconds, link.name, limits)
            except (QuorumError, OSError):
                self._stop()  # it may be stuck in that PDF: the next one gets a fresh process
                raise
            self._reads += 1
            if self._reads >= self.RECYCLE_AFTER:
                self._stop()
            return outcome  # type: ignore[return-value]

    def _ready(self, name: str, limits: UploadLimits) -> Connection:
        if self._worker is not None and self._worker.is_alive() and self._line is not None:
            return self._line
        self._stop()
        context = multiprocessing.get_context("spawn")
        mine, theirs = context.Pipe(duplex=True)
        worker = context.Process(target=_pdf_worker, args=(theirs,), daemon=True)
        worker.start()
        theirs.close()  # so a worker that dies shows up as end-of-file here
        self._worker, self._line, self._reads = worker, mine, 0
        try:
            _wait_for(mine, _WORKER_START_SECONDS, name, limits)  # "ready"
        except QuorumError:
            self._stop()
            raise
        return mine

    def _stop(self) -> None:
        if self._line is not None:
            self._line.close()
        if self._worker is not None:
            if self._worker.is_alive():
                self._worker.kill()
            self._worker.join()
        self._worker, self._line = None, None


_PDF_READER = _PdfReader()


def _wait_for(
    receiver: Connection, seconds: float, name: str, limits: UploadLimits
) -> tuple[str, object] | None:
    if not receiver.poll(seconds):
        raise UnreadableDocument(
            f"{name}: a page of the PDF took longer than {limits.pdf_seconds:g} s to read; "
            "it may be damaged or too complex"
        )
    try:
        return receiver.recv()
    except EOFError as error:
        raise UnreadableDocument(f"{name}: the PDF could not be read (the reader stopped)") from error


def _pdf_worker(line: Connection) -> None:
    """In the worker process: read each PDF asked for until the parent hangs up.

    Sends None when ready; then, per PDF, ("page", n) as each page is read (a
    long agenda pack, or one read by OCR, takes a while but goes on), then
    ("read", the pages) on success or (kind, message) on failure.
    """
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # the outcome says what went wrong
    line.send(None)
    while True:
        try:
            link, max_pages = line.recv()
        except (EOFError, OSError):
            return
        line.send(_read_one(Path(link), max_pages, lambda n: line.send(("page", n))))


def _read_one(path: Path, max_pages: int, on_page: Callable[[int], None]) -> tuple[str, object]:
    try:
        pages = len(open_pdf(path, path.read_bytes()).pages)
        if pages > max_pages:
            raise UnreadableDocument(
                f"{path.name}: the PDF has too many pages ({pages}; the limit is {max_pages})"
            )
        loaded = load_file(path, on_page=on_page)
    except UnsupportedFormat as error:
        return ("unsupported", str(error))
    except QuorumError as error:
        return ("unreadable", str(error))
    except Exception:  # pypdf raises many unrelated types on bad input
        return ("unreadable", f"{path.name}: the PDF is damaged or incomplete")
    return ("read", PdfText(list(loaded.pages), loaded.title, list(loaded.unread_pages)))
