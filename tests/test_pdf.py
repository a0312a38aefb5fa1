"""Agenda packs read right: pages and their labels, tables whole, scans read, layout undone, the page shown."""

from __future__ import annotations

import io
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

import tests.pdf_factory as make
from ingest import ocr
from ingest.cleaning import clean_pages
from ingest.library import UploadMetadata, add_upload
from ingest.loaders import load_file
from ingest.pipeline import ingest
from retrieval.answer import answer_question
from retrieval.errors import UnreadableDocument
from retrieval.models import Passage
from retrieval.search import Searcher
from retrieval.settings import Settings
from retrieval.verify import Verifier
from tests.conftest import served
from ui.page_drawing import marked_lines, page_words, passage_boxes
from ui.pages import page_png
from ingest.pdf import lines_of
from ui.sources import place

needs_tesseract = pytest.mark.skipif(not ocr.available(), reason="Tesseract is installed by .ci/run")


@pytest.fixture(scope="module")
def pack(pdf_searcher: Searcher) -> Searcher:
    return pdf_searcher


def _chunks(searcher: Searcher, doc_id: str):
    return [c for c in searcher.lexical.chunks if c.doc.doc_id == doc_id]


# -- pages -----------------------------------------------------------------------


def test_every_pdf_chunk_knows_its_pages_by_their_printed_labels(pack: Searcher) -> None:
    chunks = _chunks(pack, "pack.pdf")
    assert chunks and all(c.pages for c in chunks)
    labels = [label for c in chunks for label in c.pages]
    assert labels[0] == "i" and "ii" in labels and "1" in labels  # the PDF's own labels: i, ii, 1, 2, ...
    by_number = {n: label for c in chunks for n, label in zip(c.page_numbers, c.pages, strict=True)}
    assert by_number[1] == "i" and by_number[3] == "1"  # physical page 3 is printed "1"


def test_a_paragraph_across_a_page_break_is_one_chunk_citing_both_pages(pack: Searcher) -> None:
    crossing = next(c for c in _chunks(pack, "pack.pdf") if "while the charge rate rose to 7.9%" in c.text)
    assert crossing.pages == ("i", "ii")
    assert crossing.page_numbers == (1, 2)
    assert crossing.page_at(crossing.text.index("while the charge")) == 0
    assert crossing.page_at(crossing.text.index("rate rose to 7.9%")) == 1


def test_chunk_offsets_still_slice_the_document_text(pack: Searcher) -> None:
    for doc_id in ("pack.pdf", "budget.pdf", "columns.pdf"):
        text = pack.store.document_text(doc_id)
        for chunk in _chunks(pack, doc_id):
            assert text[chunk.start : chunk.end] == chunk.text


def test_a_citation_says_the_page_in_json_and_text(pack: Searcher) -> None:
    answer = answer_question("How many responses did the public consultation receive?", pack)
    assert not answer.abstained
    cited = answer.to_json()["citations"][0]
    assert cited["page"] and cited["pages"] and cited["page_numbers"]
    assert f"p. {cited['page']}" in place(answer.citations[0].passage)


def test_ingest_reports_progress_page_by_page(tmp_path: Path, embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make.agenda_pack(corpus / "pack.pdf", pages=4)
    steps = []
    ingest([corpus], Settings(home=tmp_path / "home", corpus=corpus), embedder=embedder, on_progress=steps.append)
    reading = [s.status for s in steps if s.name == "pack.pdf"]
    assert reading == ["reading page 1", "reading page 2", "reading page 3", "reading page 4", "added"]


def test_an_uploaded_pdf_is_read_once_not_again_by_the_ingest_that_follows(tmp_path: Path, embedder) -> None:
    settings = Settings(home=tmp_path / "home", corpus=tmp_path / "home" / "uploads")
    kept = add_upload(settings, make.agenda_pack(tmp_path / "upload.bin", pages=3), "pack.pdf", UploadMetadata(), set())
    steps = []
    report = ingest([kept.parent], settings, embedder=embedder, on_progress=steps.append)
    assert [s.status for s in steps if s.name == "pack.pdf"] == ["added"]  # no page read a second time
    assert report.added == ["pack.pdf"]


def test_running_header_footer_and_page_numbers_are_removed(tmp_path: Path) -> None:
    text = load_file(make.agenda_pack(tmp_path / "pack.pdf", pages=6)).text
    assert "Page 3 of 6" not in text
    assert text.count("Police and Crime Panel – 14 January 2025") == 0
    assert "governance agreed with the Chief Constable" in text  # "govern-" / "ance" joined


def test_two_columns_are_read_one_after_the_other(tmp_path: Path) -> None:
    text = load_file(make.two_column_page(tmp_path / "columns.pdf")).text
    left, right = make.LEFT_COLUMN, make.RIGHT_COLUMN
    assert " ".join(left.split()) in " ".join(text.split())
    assert " ".join(right.split()) in " ".join(text.split())
    assert text.index(left[:40]) < text.index(right[:40])


def test_a_footnote_stays_out_of_the_paragraph_it_interrupts(tmp_path: Path) -> None:
    loaded = load_file(make.footnote_page(tmp_path / "footnote.pdf"))
    text, _ = clean_pages(loaded.pages)
    blocks = text.split("\n\n")
    paragraph = next(b for b in blocks if b.startswith("14."))
    assert "each 0.1% change alters precept income by about £151,000." in paragraph
    assert "Figures are provisional" not in paragraph
    assert blocks[blocks.index(paragraph) + 1] == make.FOOTNOTE


# -- tables ----------------------------------------------------------------------


def test_a_table_across_two_pages_is_joined_with_its_repeated_header_dropped(tmp_path: Path) -> None:
    loaded = load_file(make.table_across_pages(tmp_path / "budget.pdf", repeat_header=True))
    text, spans = clean_pages(loaded.pages)
    table = next(b for b in text.split("\n\n") if b.startswith("Measure | 2023/24 | 2024/25"))
    assert table.count("Measure | 2023/24 | 2024/25") == 1
    assert "Band B precept | £208.77 | £219.66\nBand C precept | £238.60 | £251.04" in table
    start = text.index(table)
    assert {s.page for s in spans if start <= s.start < start + len(table)} == {0, 1}


def test_a_long_table_is_split_between_rows_and_later_chunks_keep_the_header(pack: Searcher) -> None:
    tables = [c for c in _chunks(pack, "budget.pdf") if " | " in c.text]
    assert len(tables) >= 2
    rows = [row for c in tables for row in c.text.split("\n") if row and row != make.TABLE_CAPTION]
    assert all(row.count(" | ") == 2 for row in rows)  # whole rows only, the caption opening the first
    assert all(c.header == "Measure | 2023/24 | 2024/25" for c in tables[1:])
    assert all(c.section.endswith("Table 2: Precept and council tax bands") for c in tables)


def test_a_figure_in_a_table_is_quoted_with_its_header_row_and_page(pack: Searcher) -> None:
    answer = answer_question("What is the Band D precept for 2024/25?", pack)
    assert "Measure | 2023/24 | 2024/25 Band D precept | £268.42 | £282.42" in answer.text
    row = next(c for c in answer.citations if any("Band D precept" in s for s in c.sentences))
    assert row.passage.chunk.doc.doc_id == "budget.pdf"
    assert "2" in row.passage.chunk.pages
    assert not answer.conflicts  # Band E's figures beside Band D's are no disagreement


# -- scans -----------------------------------------------------------------------


@needs_tesseract
def test_a_scanned_page_is_read_by_ocr_with_the_figure_exact(pack: Searcher) -> None:
    chunks = _chunks(pack, "scan.pdf")
    assert chunks and all(c.ocr for c in chunks)
    assert any("The Panel approved a precept of £282.42 for 2025/26." in c.text for c in chunks)
    answer = answer_question("What precept did the Panel approve for 2025/26?", pack)
    assert "£282.42" in answer.text
    assert "read by OCR" in place(answer.citations[0].passage)


@needs_tesseract
def test_a_drafted_sentence_citing_ocr_text_keeps_its_figures_exact(pack: Searcher) -> None:
    passage = next(
        Passage(c, 1.0) for c in _chunks(pack, "scan.pdf") if "£282.42" in c.text
    )
    verifier = Verifier(pack.embedder)
    right, wrong = verifier.check(
        "The Panel approved a precept of £282.42 for 2025/26 [1]. The Panel approved a precept of £282.24 for 2025/26 [1].",
        [passage],
    )
    assert right.kept and right.passage == 1
    assert not wrong.kept and wrong.method == "removed: states what no passage says"


@pytest.fixture
def small_pack(tmp_path: Path, embedder) -> tuple[Path, Settings]:
    """A folder holding a three-page agenda pack, ingested: (the folder, its settings)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make.agenda_pack(corpus / "pack.pdf", pages=3)
    settings = Settings(home=tmp_path / "home", corpus=corpus)
    ingest([corpus], settings, embedder=embedder)
    return corpus, settings


def test_without_ocr_a_scan_is_refused_naming_its_pages_and_the_index_is_unchanged(
    small_pack: tuple[Path, Settings], embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    corpus, settings = small_pack
    make.scanned_page(corpus / "scan.pdf")
    report = ingest([corpus], settings, embedder=embedder)
    assert report.unchanged == ["pack.pdf"] and not report.added
    [(_, reason)] = report.failed
    assert reason == "scan.pdf: the PDF has no text layer and OCR is not installed (install tesseract-ocr), page 1"


def test_without_ocr_the_scanned_pages_of_a_mixed_pdf_are_named_in_a_warning(
    tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pypdf import PdfWriter

    monkeypatch.setattr(ocr, "available", lambda: False)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    writer = PdfWriter()
    for part in (make.agenda_pack(tmp_path / "text.pdf", pages=2), make.scanned_page(tmp_path / "scan.pdf")):
        writer.append(str(part))
    writer.write(corpus / "mixed.pdf")
    report = ingest([corpus], Settings(home=tmp_path / "home", corpus=corpus), embedder=embedder)
    assert report.added == ["mixed.pdf"] and not report.failed
    assert report.warnings == [(
        str(corpus / "mixed.pdf"),
        "mixed.pdf: page 3 has no text layer and OCR is not installed (install tesseract-ocr); the rest was read",
    )]
    assert "1 read in part" in report.summary()


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (make.encrypted_pdf, "the PDF is password-protected"),
        (make.damaged_pdf, "the PDF is damaged or incomplete"),
    ],
)
def test_a_locked_or_damaged_pdf_gives_one_line_and_leaves_the_index_unchanged(
    small_pack: tuple[Path, Settings], embedder, build, reason: str
) -> None:
    corpus, settings = small_pack
    build(corpus / "bad.pdf")
    report = ingest([corpus], settings, embedder=embedder)
    assert report.failed == [(str(corpus / "bad.pdf"), f"bad.pdf: {reason}")]
    assert report.unchanged == ["pack.pdf"] and not report.changed
    with pytest.raises(UnreadableDocument, match=f"^bad.pdf: {reason}$"):
        load_file(corpus / "bad.pdf")


# -- the page shown ----------------------------------------------------------------


def test_the_cited_lines_are_found_on_the_page_and_nothing_else(pack: Searcher) -> None:
    chunk = next(c for c in _chunks(pack, "budget.pdf") if "Band D precept" in c.text)
    path = pack.store.original_file("budget.pdf")
    words, _ = page_words(path, 2)
    marked = [line.text for line in marked_lines(lines_of(words), chunk.text)]
    assert "Band D precept £268.42 £282.42" in marked
    assert not any(m.startswith(("Measure", "Police and Crime Panel", "Agenda item")) for m in marked)
    assert passage_boxes(path, 2, chunk.text)


def test_the_page_image_marks_the_passage_in_yellow(pack: Searcher) -> None:
    chunk = next(c for c in _chunks(pack, "budget.pdf") if "Band D precept" in c.text)
    path = pack.store.original_file("budget.pdf")
    image = Image.open(io.BytesIO(page_png(path, 2, chunk.text))).convert("RGB")
    boxes = passage_boxes(path, 2, chunk.text)

    def yellow_share(x0: float, top: float, x1: float, bottom: float) -> float:
        region = image.crop(tuple(int(v * 1.5) for v in (x0, top, x1, bottom)))
        pixels = list(region.getdata())
        return sum(1 for r, g, b in pixels if r > 200 and g > 180 and b < 170) / len(pixels)

    assert all(yellow_share(b.x0, b.top, b.x1, b.bottom) > 0.5 for b in boxes)
    first = min(b.top for b in boxes)
    assert yellow_share(72, first - 40, 300, first - 20) == 0.0  # the header row above is not marked


def test_only_ingested_pdfs_are_served(pack: Searcher, tmp_path: Path) -> None:
    for base in served(pack):
        def status(path: str) -> tuple[int, bytes]:
            try:
                with urllib.request.urlopen(base.rstrip("/") + path) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                return error.code, b""

        code, body = status("/pdf/budget.pdf")
        assert code == 200 and body.startswith(b"%PDF-")
        assert status("/pdf/..%2F..%2Fetc%2Fpasswd")[0] == 404
        assert status("/pdf/" + re.sub("/", "%2F", str(tmp_path)))[0] == 404
        code, body = status("/page.png?doc=budget.pdf&page=2&start=0&end=10")
        assert code == 200 and body.startswith(b"\x89PNG")
        assert status("/page.png?doc=budget.pdf&page=9")[0] == 404
        assert status("/page.png?doc=nothing.pdf&page=1")[0] == 404


def test_a_changed_file_is_not_served_until_it_is_ingested_again(small_pack: tuple[Path, Settings], embedder) -> None:
    corpus, settings = small_pack
    searcher = Searcher(settings, embedder=embedder)
    assert searcher.store.original_file("pack.pdf") == (corpus / "pack.pdf").resolve()
    make.agenda_pack(corpus / "pack.pdf", pages=4)
    assert searcher.store.original_file("pack.pdf") is None


# -- PDFs shipped as files (tests/data/): the same reading, whatever reportlab makes tomorrow ----------

DATA = Path(__file__).parent / "data"


def test_shipped_agenda_pack_reads_with_labels_and_without_furniture() -> None:
    loaded = load_file(DATA / "agenda-pack-labelled.pdf")
    assert [p.label for p in loaded.pages] == ["i", "ii", "1", "2"]
    assert "Page 2 of 4" not in loaded.text and "Police and Crime Panel – 14 January 2025" not in loaded.text
    assert "£282.42" in loaded.text


def test_shipped_table_without_a_repeated_header_is_joined_across_its_pages() -> None:
    text, _ = clean_pages(load_file(DATA / "precept-table.pdf").pages)
    table = next(b for b in text.split("\n\n") if b.startswith("Measure | 2023/24 | 2024/25"))
    assert "Band B precept | £208.77 | £219.66\nBand C precept | £238.60 | £251.04" in table
    assert "Band D precept | £268.42 | £282.42" in table


@needs_tesseract
def test_shipped_scan_is_read_by_ocr() -> None:
    loaded = load_file(DATA / "scanned-minutes.pdf")
    assert loaded.pages[0].ocr
    assert "The Panel approved a precept of £282.42 for 2025/26." in loaded.text


def test_shipped_two_column_report_reads_left_column_first() -> None:
    text = load_file(DATA / "two-column-report.pdf").text
    assert text.index("14. Members asked about support for victims") < text.index("15. Members then turned")
