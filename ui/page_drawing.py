"""A cited PDF page drawn as an image, with the cited passage's lines marked.

The page is drawn by pypdfium2 (``ingest.render``); the lines to mark are found from the PDF's own
text layout (the same lines ingest reads, OCR'd for a scan): a line is part of
the passage when its letters and digits run, in order, inside the passage's.
Lines too short to tell apart ("2023/24") are marked only beside a marked line.

This module is what the app's drawing process imports (``ui.pages``): it stays
light, and nothing here knows about the app or the store.
"""

from __future__ import annotations

import functools
import io
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from PIL import Image, ImageDraw

from ingest import ocr
from ingest.pdf import Line, lines_of, reading_order
from ingest.render import render_page

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


def draw_page(path: Path, page_number: int, passage: str) -> bytes:
    """Page ``page_number`` (from 1) of the PDF at ``path``, as PNG, the passage's lines marked."""
    image, _ = render_page(path, page_number - 1, SCALE)
    image = image.convert("RGBA")
    boxes = passage_boxes(path, page_number, passage)
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


def start_drawing_process(parent: int) -> None:
    """Set up a drawing process: below the app's priority (drawing yields the cores to answering
    questions), and gone as soon as the app is: an app stopped by a signal runs no clean-up of its own."""
    try:
        os.nice(10)
    except OSError:  # not allowed here: drawing still happens, in its own process
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="quorum-parent-watch", daemon=True).start()


def ready() -> bool:
    """Nothing: asked of a new drawing process so that it has imported this module before it is needed."""
    return True
