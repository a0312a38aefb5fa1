"""PDF loading speed: Quorum's loader against the bare extractors under it, on the same files.

    HF_HUB_OFFLINE=1 .venv/bin/python -m evals.bench_pdf [--pages 200] [--scanned 10] [--out DIR]

Writes a text agenda pack (``evals/pdf_pack.py``, a ruled table every 10 pages) and a scanned pack
(image-only pages) to a temporary folder and times, three runs each, median reported: pdfplumber's
``page.extract_text()`` over every page of the text pack, the limit for a loader built on it, against
``ingest.loaders.load_file``; and raw OCR of the scanned pack (pypdfium2 renders each page at the
loader's OCR dpi, ``pytesseract.image_to_string`` reads it; rendering is timed, the loader renders too)
against ``load_file``. Without the ``tesseract`` command the scanned rows say so. Results also go to
``evals/results/bench-pdf-<date>-<commit>-<pages>p-<scanned>s.json`` (``--out``: another folder), page
counts in the name as ``evals/bench.py`` puts sizes in its, so a small run never overwrites a full one.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from evals.bench import rounded, timed, work_folder
from evals.metrics import percentile
from ingest.loaders import load_file
from ingest.ocr import DPI as OCR_DPI  # raw OCR reads the pixels the loader reads
from retrieval.errors import QuorumError

RESULTS_DIR = Path(__file__).parent / "results"
REPEATS = 3
TABLE_EVERY = 10
NO_TESSERACT = "tesseract not installed"


@dataclass(frozen=True)
class Timing:
    """One measurement on one pack: the seconds of each run, or why there are none."""

    pack: str  # "text" | "scanned"
    what: str  # "raw" | "load_file"
    pages: int
    runs: tuple[float, ...] = ()
    note: str = ""
    ratio: float | None = None  # a loader's pages per second over the raw extractor's on its pack

    @property
    def seconds(self) -> float | None:
        return percentile(self.runs, 50)

    @property
    def pages_per_s(self) -> float | None:
        return self.pages / self.seconds if self.seconds else None

    def to_json(self) -> dict[str, Any]:
        return {"pack": self.pack, "what": self.what, "pages": self.pages, "median_s": rounded(self.seconds),
                "pages_per_s": rounded(self.pages_per_s), "ratio": rounded(self.ratio),
                "runs_s": rounded(self.runs), "note": self.note}


def raw_text(path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()


def raw_ocr(path: Path, dpi: int) -> None:
    import pypdfium2
    import pytesseract

    document = pypdfium2.PdfDocument(path)
    try:
        for page in document:
            pytesseract.image_to_string(page.render(scale=dpi / 72).to_pil())
    finally:
        document.close()


def tesseract_version() -> str | None:
    """Tesseract's version, or None when it or its Python binding is not installed."""
    if shutil.which("tesseract") is None:
        return None
    try:
        import pytesseract
    except ImportError:
        return None
    return str(pytesseract.get_tesseract_version())


def measure(pack: str, what: str, pages: int, run: Callable[[], None]) -> Timing:
    """``REPEATS`` timed runs; a loader that refuses the file is reported, not raised."""
    try:
        runs = tuple(timed(run)[0] for _ in range(REPEATS))
    except QuorumError as error:
        return Timing(pack, what, pages, note=f"load_file refused it: {error}")
    return Timing(pack, what, pages, runs)


def with_ratio(raw: Timing, loaded: Timing) -> Timing:
    if raw.pages_per_s and loaded.pages_per_s:
        return replace(loaded, ratio=loaded.pages_per_s / raw.pages_per_s)
    return loaded


def run_bench(pages: int, scanned: int, work: Path, step: Callable[[str], None]) -> list[Timing]:
    from evals.pdf_pack import agenda_pack, scanned_pack

    step(f"writing a {pages}-page agenda pack and a {scanned}-page scanned pack")
    text = agenda_pack(work / "agenda-pack.pdf", pages, table_every=TABLE_EVERY)
    scans = scanned_pack(work / "scanned-pack.pdf", scanned)
    step("text pack: raw pdfplumber, then load_file")
    raw = measure("text", "raw", pages, lambda: raw_text(text))
    found = [raw, with_ratio(raw, measure("text", "load_file", pages, lambda: load_file(text)))]
    if tesseract_version() is None:
        return found + [Timing("scanned", what, scanned, note=NO_TESSERACT) for what in ("raw", "load_file")]
    step(f"scanned pack: raw Tesseract at {OCR_DPI} dpi, then load_file")
    raw = measure("scanned", "raw", scanned, lambda: raw_ocr(scans, OCR_DPI))
    return found + [raw, with_ratio(raw, measure("scanned", "load_file", scanned, lambda: load_file(scans)))]


def print_results(timings: list[Timing], console: Any) -> None:
    from rich.table import Table

    table = Table(title=f"PDF loading (median of {REPEATS} runs)", title_justify="left")
    for name in ("pack", "measured", "pages", "median", "pages/s", "× raw", "runs", "note"):
        table.add_column(name, justify="left" if name in ("pack", "measured", "note") else "right")
    for t in timings:
        what = "pdfplumber extract_text" if t.pack == "text" else "pypdfium2 + pytesseract"
        table.add_row(t.pack, what if t.what == "raw" else "load_file", str(t.pages),
                      f"{t.seconds:.2f} s" if t.seconds else "-",
                      f"{t.pages_per_s:.1f}" if t.pages_per_s else "-", f"{t.ratio:.2f}" if t.ratio else "-",
                      " ".join(f"{r:.2f}" for r in t.runs), t.note)
    console.print(table)
    console.print("× raw: load_file's pages per second over the raw extractor's on the same file "
                  "(1.0: it costs nothing beyond the extractor).", style="dim")


def write_results(path: Path, commit: str, started: str, pages: int, scanned: int, timings: list[Timing],
                  load_average: tuple[float, float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"commit": commit, "date": started, "pages": pages, "scanned": scanned, "repeats": REPEATS,
            "table_every": TABLE_EVERY, "ocr_dpi": OCR_DPI, "tesseract": tesseract_version(),
            "cpus": os.cpu_count(), "load_average": rounded(load_average),
            "results": [t.to_json() for t in timings]}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def bench_pdf_command(
    pages: Annotated[int, typer.Option("--pages", min=1, help="Pages of the text agenda pack.")] = 200,
    scanned: Annotated[int, typer.Option("--scanned", min=1, help="Pages of the scanned pack.")] = 10,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the results file (default "
                                                          "evals/results).")] = None,
) -> None:
    """PDF benchmark: load_file's pages per second against raw pdfplumber and raw Tesseract."""
    from rich.console import Console

    from evals.runner import current_commit

    errors = Console(stderr=True)
    console = Console() if sys.stdout.isatty() else Console(width=180)
    commit, started = current_commit(), datetime.now().astimezone()
    path = (out or RESULTS_DIR) / f"bench-pdf-{started.date().isoformat()}-{commit}-{pages}p-{scanned}s.json"
    before = os.getloadavg()[0]
    try:
        with work_folder(None) as work:
            timings = run_bench(pages, scanned, work, lambda what: errors.print(f"[dim]{what}[/dim]"))
        load_average = (before, os.getloadavg()[0])
        write_results(path, commit, started.isoformat(timespec="seconds"), pages, scanned, timings,
                      load_average)
    except QuorumError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    print_results(timings, console)
    console.print(f"OCR at {OCR_DPI} dpi; {os.cpu_count()} CPUs, load average {load_average[0]:.1f} → "
                  f"{load_average[1]:.1f}. Written to {path}.", style="dim", highlight=False)


if __name__ == "__main__":
    typer.run(bench_pdf_command)
