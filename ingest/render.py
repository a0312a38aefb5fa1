"""Draw a PDF page as an image (pypdfium2), one page at a time across threads.

PDFium is not thread-safe: two pages drawn at once (the app serves several
page images in parallel; ingest OCRs in the background) crash the process. So
every use of it goes through ``render_page``, under one lock.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PIL import Image

_PDFIUM = threading.Lock()
POINTS_PER_INCH = 72


def render_page(source: Path | bytes, index: int, scale: float) -> tuple[Image.Image, float]:
    """Page ``index`` (from 0) drawn at ``scale`` pixels per point, and the page's width in points.

    Raises ``ValueError`` when the document has no such page.
    """
    import pypdfium2 as pdfium

    with _PDFIUM:
        document = pdfium.PdfDocument(str(source) if isinstance(source, Path) else source)
        try:
            if not 0 <= index < len(document):
                raise ValueError(f"page {index + 1} is not in the document")
            page = document[index]
            width = float(page.get_width())
            image = page.render(scale=scale).to_pil()
            page.close()
        finally:
            document.close()
    return image, width
