"""A cited PDF page as an image, with the cited passage's lines marked.

The page is drawn by pypdfium2 (``ingest.render``); the lines to mark are found from the PDF's own
text layout (the same lines ingest reads, OCR'd for a scan): a line is part of
the passage when its letters and digits run, in order, inside the passage's.
Lines too short to tell apart ("2023/24") are marked only beside a marked line.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, Response
from PIL import Image, ImageDraw

from ingest import ocr
from ingest.pdf import Line, lines_of, reading_order
from ingest.render import render_page
from retrieval.store import Store
from ui.sources import PAGE_ROUTE, PDF_ROUTE

SCALE = 1.5  # 108 dpi: a page about as wide as the sources panel shows it at 2x
_MARK = (255, 214, 0, 96)  # translucent yellow over the text
_EDGE = (176, 120, 0, 255)  # a bar in the margin, so the mark does not rely on colour alone
_SURE_LENGTH = 12  # letters and digits a line needs to be marked on its own


@dataclass(frozen=True)
class Box:
    x0: float
    top: float
    x1: float
    bottom: float


def page_png(path: Path, page_number: int, passage: str) -> bytes:
    """Page ``page_number`` (from 1) of the PDF at ``path``, as PNG, the passage's lines marked."""
    stamp = path.stat().st_mtime_ns
    return _page_png(str(path), stamp, page_number, passage)


@functools.lru_cache(maxsize=64)
def _page_png(path: str, _stamp: int, page_number: int, passage: str) -> bytes:
    image, _ = render_page(Path(path), page_number - 1, SCALE)
    image = image.convert("RGBA")
    boxes = passage_boxes(Path(path), page_number, passage)
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for box in boxes:
        x0, top, x1, bottom = (v * SCALE for v in (box.x0, box.top, box.x1, box.bottom))
        draw.rectangle((x0 - 2, top - 1, x1 + 2, bottom + 1), fill=_MARK)
        draw.rectangle((max(0, x0 - 9), top - 1, max(2, x0 - 6), bottom + 1), fill=_EDGE)
    out = io.BytesIO()
    Image.alpha_composite(image, overlay).convert("RGB").save(out, "PNG", optimize=True)
    return out.getvalue()


def passage_boxes(path: Path, page_number: int, passage: str) -> list[Box]:
    """Where the passage's lines sit on the page, in PDF points from the top left.

    Lines are read both across the page and column by column: a table's row is
    one line across, a column's line is not; each finds its own part of the passage.
    """
    words, width = page_words(path, page_number)
    found = marked_lines(lines_of(words), passage) + marked_lines(reading_order(words, width), passage)
    return list(dict.fromkeys(Box(line.x0, line.top, line.x1, line.bottom) for line in found))


def page_words(path: Path, page_number: int) -> tuple[list[dict], float]:
    """The page's words, tables' cells included, and its width; a scan's as OCR reads them.

    Kept per page while the file is unchanged: every passage cited on a scanned page would OCR it again.
    """
    return _page_words(str(path), path.stat().st_mtime_ns, page_number)


@functools.lru_cache(maxsize=32)
def _page_words(source: str, _stamp: int, page_number: int) -> tuple[list[dict], float]:
    path = Path(source)
    with pdfplumber.open(path) as document:
        page = document.pages[page_number - 1]
        words = page.extract_words()
        width = float(page.width)
    if not words and ocr.available():
        words, width = ocr.read_pages(path.read_bytes(), [page_number - 1])[0]
    return words, width


def marked_lines(lines: list[Line], passage: str) -> list[Line]:
    """The lines whose text runs inside the passage."""
    target = _letters(passage)
    inside = [bool(key) and key in target for key in (_letters(line.text) for line in lines)]
    sure = [hit and len(_letters(line.text)) >= _SURE_LENGTH for hit, line in zip(inside, lines, strict=True)]
    kept = []
    for i, line in enumerate(lines):
        beside = (i > 0 and sure[i - 1]) or (i + 1 < len(lines) and sure[i + 1])
        if sure[i] or (inside[i] and beside):
            kept.append(line)
    return kept


def _letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower().replace("-", ""))


# -- routes ------------------------------------------------------------------


def add_routes(server: FastAPI, store: Store) -> None:
    """GET /pdf/{doc_id}: the original PDF; GET /page.png?doc=&page=&start=&end=: a page, passage marked.

    Only documents in the index are served, and only while their file is the one
    ingested (``Store.original_file``): no path is ever taken from the request.
    Where the app signs users in (admin mode), these routes ask for the same sign-in.
    """

    def signed_in(request: Request) -> bool:
        if not getattr(server, "auth", None):
            return True
        # Gradio keeps its sign-in sessions in the app: the cookie's token must be one of them.
        cookie_id = getattr(server, "cookie_id", "")
        token = request.cookies.get(f"access-token-{cookie_id}") or request.cookies.get(
            f"access-token-unsecure-{cookie_id}"
        )
        return token is not None and token in getattr(server, "tokens", {})

    def original(doc_id: str) -> Path:
        path = store.original_file(doc_id)
        if path is None or path.suffix.lower() != ".pdf":
            raise HTTPException(404, "No such PDF in the index.")
        return path

    def pdf(doc_id: str, request: Request) -> Response:
        if not signed_in(request):
            raise HTTPException(401, "Sign in first.")
        path = original(doc_id)
        name = path.name.replace('"', "")
        return FileResponse(path, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{name}"', "X-Content-Type-Options": "nosniff",
        })

    def page(request: Request, doc: str, page: int, start: int = 0, end: int = 0) -> Response:
        if not signed_in(request):
            raise HTTPException(401, "Sign in first.")
        path = original(doc)
        text = store.document_text(doc) or ""
        passage = text[max(0, start) : max(0, end)] if end > start else ""
        try:
            image = page_png(path, page, passage)
        except ValueError as error:
            raise HTTPException(404, str(error)) from None
        return Response(image, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    server.add_api_route(f"{PDF_ROUTE}/{{doc_id:path}}", pdf, methods=["GET"])
    server.add_api_route(PAGE_ROUTE, page, methods=["GET"])
