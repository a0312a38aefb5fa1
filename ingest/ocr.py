"""Read pages that have no text layer (scans) with Tesseract.

A page is rendered (``ingest.render``) and read by Tesseract (through pytesseract);
its words come back in PDF points with a top-left origin, the shape pdfplumber
gives, so the rest of the PDF reader treats a scan like any other page.
Words Tesseract is unsure of are kept: a figure misread is caught by quoting
exactly and by the "read by OCR" mark beside the citation, a figure dropped
would be lost silently.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Sequence

from ingest.render import POINTS_PER_INCH, render_page

DPI = 300  # Tesseract reads body text best at 300 dpi


@functools.cache
def available() -> bool:
    """Whether Tesseract and its Python binding are installed."""
    if shutil.which("tesseract") is None:
        return False
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    return True


def read_pages(data: bytes, indices: Sequence[int], dpi: int = DPI) -> list[tuple[list[dict], float]]:
    """The words of each page (0-based ``indices``) and the page's width, in PDF points."""
    import pytesseract

    scale = dpi / POINTS_PER_INCH
    found = []
    for index in indices:
        image, width = render_page(data, index, scale)
        table = pytesseract.image_to_data(image, output_type=pytesseract.Output.DICT, config="--psm 3")
        found.append((_words(table, scale), width))
    return found


def _words(table: dict[str, list], scale: float) -> list[dict]:
    """Tesseract's words; each takes its line's top and bottom, so that the words of a line group as one.

    A glyph box's height says little about the type size ("a" and "T"), so no size is given.
    """
    rows = list(zip(
        table["text"], table["left"], table["top"], table["width"], table["height"], table["conf"],
        table["block_num"], table["par_num"], table["line_num"], strict=True,
    ))
    kept = [r for r in rows if str(r[0]).strip() and float(r[5]) >= 0]  # conf -1: a layout row, not a word
    extent: dict[tuple[int, int, int], tuple[float, float]] = {}
    for _text, _left, top, _width, height, _conf, *line in kept:
        low, high = extent.get(tuple(line), (top, top + height))
        extent[tuple(line)] = (min(low, top), max(high, top + height))
    words = []
    for text, left, _top, width, _height, _conf, *line in kept:
        top, bottom = extent[tuple(line)]
        words.append({
            "text": str(text).strip(),
            "x0": left / scale, "x1": (left + width) / scale,
            "top": top / scale, "bottom": bottom / scale,
            "size": 0.0,
        })
    return words
