"""Tests for ingest.loaders: one real fixture per format, built in tmp_path."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

from ingest.loaders import (
    SUPPORTED_SUFFIXES,
    LoadedFile,
    is_supported,
    load_file,
)
from retrieval.errors import UnreadableDocument, UnsupportedFormat  # noqa: E402

PANEL = "West Mercia Police and Crime Panel"
WRAPPED_PARAGRAPH = (
    "The panel reviewed the proposed precept for the coming financial year and noted "
    "that the Commissioner intends to raise the policing element of council tax by the "
    "maximum permitted amount, while protecting neighbourhood policing teams, investing "
    "in victim services across Herefordshire, Shropshire, Telford and Wrekin and "
    "Worcestershire, and keeping the reserves strategy under review throughout the year."
)


# ---------------------------------------------------------------- fixtures


def _write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _pdf_with_furniture(path: Path) -> Path:
    """A 3-page PDF with a repeated header and "Page N of 3" footer."""
    styles = getSampleStyleSheet()

    def furniture(canvas: pdf_canvas.Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 9)
        canvas.drawString(72, A4[1] - 40, PANEL)
        canvas.drawString(A4[0] / 2, 30, f"Page {doc.page} of 3")
        canvas.restoreState()

    doc = SimpleDocTemplate(str(path), pagesize=A4, title="Budget Scrutiny Report")
    story = [
        Paragraph("Budget Scrutiny", styles["Heading1"]),
        Paragraph(WRAPPED_PARAGRAPH, styles["BodyText"]),
        Paragraph("Members asked about the estates plan.", styles["BodyText"]),
        PageBreak(),
        Paragraph("The second page discusses governance arrangements.", styles["BodyText"]),
        PageBreak(),
        Paragraph("The third page records the recommendations.", styles["BodyText"]),
    ]
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return path


def _encrypted_pdf(source: Path, target: Path, user_password: str) -> Path:
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def _pdf_without_text(path: Path) -> Path:
    canvas = pdf_canvas.Canvas(str(path), pagesize=A4)
    canvas.rect(100, 100, 200, 200, fill=1)  # an "image" with no text layer
    canvas.showPage()
    canvas.save()
    return path


def _pdf_from_lines(path: Path, pages: list[list[str]]) -> Path:
    """A PDF whose pages hold exactly the given lines, one drawString each."""
    canvas = pdf_canvas.Canvas(str(path), pagesize=A4)
    for lines in pages:
        canvas.setFont("Helvetica", 10)
        for number, line in enumerate(lines):
            canvas.drawString(72, A4[1] - 72 - 14 * number, line)
        canvas.showPage()
    canvas.save()
    return path


def _docx_report(path: Path, core_title: str = "") -> Path:
    document = docx.Document()
    document.core_properties.title = core_title
    document.add_paragraph("Annual Report 2024", style="Title")
    document.add_heading("Introduction", level=1)
    document.add_paragraph("The panel met four times this year.")
    document.add_paragraph("Budget scrutiny", style="List Bullet")
    document.add_paragraph("Complaints review", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "Member", (0, 1): "Role", (1, 0): "Jo Smith", (1, 1): "Chair"}.items():
        table.cell(row, col).text = text
    document.add_paragraph("The panel thanks its members.")
    document.save(str(path))
    return path


def _assert_friendly_message(error: pytest.ExceptionInfo[Exception], path: Path, *words: str) -> None:
    message = str(error.value)
    assert message.startswith(f"{path.name}: ")
    assert "\n" not in message
    assert "Error" not in message and "Traceback" not in message
    for word in words:
        assert word in message


# ---------------------------------------------------------------- API


def test_supported_suffixes_cover_each_format() -> None:
    assert SUPPORTED_SUFFIXES == frozenset(
        {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
    )


def test_is_supported_ignores_case_and_rejects_other_types() -> None:
    assert is_supported(Path("report.PDF"))
    assert is_supported(Path("notes.markdown"))
    assert not is_supported(Path("budget.xlsx"))
    assert not is_supported(Path("README"))


def test_loaded_file_is_frozen(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path / "a.txt", "Hello."))
    assert isinstance(loaded, LoadedFile)
    with pytest.raises(AttributeError):
        loaded.text = "changed"  # type: ignore[misc]


def test_unknown_extension_raises_unsupported_format(tmp_path: Path) -> None:
    path = _write(tmp_path / "budget.xlsx", b"PK\x03\x04 not really a spreadsheet")
    with pytest.raises(UnsupportedFormat) as error:
        load_file(path)
    _assert_friendly_message(error, path, ".xlsx", "not supported")


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "gone.txt"
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path, "does not exist")


# ---------------------------------------------------------------- txt / md


def test_text_loader_returns_text_unchanged(tmp_path: Path) -> None:
    text = "Minutes\n\nThe panel met on 18th October.\n  Indented line.\n"
    loaded = load_file(_write(tmp_path / "minutes.txt", text))
    assert loaded == LoadedFile(path=tmp_path / "minutes.txt", text=text, format="txt", title="")


def test_markdown_loader_keeps_markup_for_cleaning(tmp_path: Path) -> None:
    text = "# Heading\n\nSome *emphasis* and a [link](https://example.org).\n"
    loaded = load_file(_write(tmp_path / "notes.markdown", text))
    assert loaded.format == "md"
    assert loaded.text == text
    assert loaded.title == ""


def test_text_loader_strips_utf8_bom(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.md", "\ufeffCafé policy".encode("utf-8"))
    assert load_file(path).text == "Café policy"


def test_text_loader_falls_back_to_cp1252(tmp_path: Path) -> None:
    path = _write(tmp_path / "legacy.txt", b"Caf\xe9 \x93quoted\x94 \x96 dash")
    assert load_file(path).text == "Café “quoted” – dash"


def test_text_loader_rejects_binary_file_named_txt(tmp_path: Path) -> None:
    path = _write(tmp_path / "image.txt", bytes(range(256)) * 8)
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path, "not a text file")


def test_text_loader_rejects_control_characters_without_nul_bytes(tmp_path: Path) -> None:
    path = _write(tmp_path / "blob.md", bytes(range(1, 32)) * 20)
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path, "not a text file")


def test_empty_txt_is_unreadable(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.txt", b"")
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path, "is empty")


def test_whitespace_only_md_is_unreadable(tmp_path: Path) -> None:
    path = _write(tmp_path / "blank.md", " \n\t\n  \n")
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path, "is empty")


# ---------------------------------------------------------------- html

PAGE = """<!doctype html>
<html><head><title>Panel meeting &amp; minutes</title>
<style>p { color: red }</style></head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<div id="cookie-banner">We use cookies on this site</div>
<header><p>Council site header</p></header>
<nav><ul><li>Home</li><li>About us</li></ul></nav>
<div role="navigation">Breadcrumb trail</div>
<main id="main">
<h1>Meeting of 18<sup>th</sup> October</h1>
<p>The   panel <strong>met</strong> in <a href="/hall">County   Hall</a>.<br>Quorum was present.</p>
<script>alert(1)</script>
<img src=x onerror="alert(1)">
<p>Fish &amp; chips &lt;3 &eacute;t&eacute;</p>
<ul><li>Budget</li><li><p>Complaints</p></li><li></li></ul>
<table>
<tr><th>Member</th><th>Role</th></tr>
<tr><td>Jo Smith</td><td><p>Chair</p></td></tr>
</table>
</main>
<footer>Copyright County Council</footer>
</body></html>
"""


@pytest.fixture
def html_page(tmp_path: Path) -> LoadedFile:
    return load_file(_write(tmp_path / "meeting.html", PAGE))


def test_html_loader_drops_scripts_and_navigation(html_page: LoadedFile) -> None:
    for unwanted in (
        "alert", "onerror", "color: red", "Skip to", "cookies", "Council site header",
        "Home", "About us", "Breadcrumb", "Copyright",
    ):
        assert unwanted not in html_page.text


def test_html_loader_joins_inline_elements_without_breaks(html_page: LoadedFile) -> None:
    assert "Meeting of 18th October" in html_page.text
    assert "The panel met in County Hall.\nQuorum was present." in html_page.text


def test_html_loader_separates_blocks_lists_and_table_rows(html_page: LoadedFile) -> None:
    assert html_page.text == (
        "Meeting of 18th October\n\n"
        "The panel met in County Hall.\nQuorum was present.\n\n"
        "Fish & chips <3 été\n\n"
        "• Budget\n\n"
        "• Complaints\n\n"
        "Member | Role\n\n"
        "Jo Smith | Chair"
    )


def test_html_loader_reads_title_tag(html_page: LoadedFile) -> None:
    assert html_page.format == "html"
    assert html_page.title == "Panel meeting & minutes"


def test_html_title_falls_back_to_first_h1(tmp_path: Path) -> None:
    path = _write(tmp_path / "page.htm", "<body><h1>Police  and Crime Plan</h1><p>Text.</p></body>")
    assert load_file(path).title == "Police and Crime Plan"


def test_html_keeps_header_inside_article(tmp_path: Path) -> None:
    markup = "<body><article><header><h2>Article heading</h2></header><p>Body.</p></article></body>"
    assert load_file(_write(tmp_path / "a.html", markup)).text == "Article heading\n\nBody."


def test_html_without_readable_text_is_unreadable(tmp_path: Path) -> None:
    path = _write(tmp_path / "shell.html", "<html><body><script>app()</script><nav>Menu</nav></body></html>")
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path, "no readable text")


def test_html_keeps_page_content_about_cookies(tmp_path: Path) -> None:
    markup = (
        '<body><div class="cookie-notice">Accept all cookies?</div>'
        '<section id="cookie-policy"><h2>Cookie policy</h2><p>We set two cookies.</p></section></body>'
    )
    loaded = load_file(_write(tmp_path / "privacy.html", markup))
    assert loaded.text == "Cookie policy\n\nWe set two cookies."


# ---------------------------------------------------------------- pdf


@pytest.fixture
def report_pdf(tmp_path: Path) -> Path:
    return _pdf_with_furniture(tmp_path / "report.pdf")


def test_pdf_loader_removes_repeated_header_and_page_footer(report_pdf: Path) -> None:
    loaded = load_file(report_pdf)
    assert PANEL not in loaded.text
    assert "Page" not in loaded.text
    assert "of 3" not in loaded.text


def test_pdf_loader_rejoins_wrapped_lines_into_one_paragraph(report_pdf: Path) -> None:
    raw_first_page = PdfReader(report_pdf).pages[0].extract_text()
    assert WRAPPED_PARAGRAPH not in raw_first_page  # the fixture really does wrap
    paragraphs = load_file(report_pdf).text.split("\n\n")
    assert paragraphs == [
        "Budget Scrutiny",
        WRAPPED_PARAGRAPH,
        "Members asked about the estates plan.",
        "The second page discusses governance arrangements.",
        "The third page records the recommendations.",
    ]


def test_pdf_loader_mends_words_hyphenated_at_line_end(tmp_path: Path) -> None:
    path = _pdf_from_lines(tmp_path / "hyphens.pdf", [[
        "The Commissioner reported on the new arrangements for the govern-",
        "ance of the force and on the budget for the financial year 2023-",
        "24, which the panel will scrutinise when it next meets in County Hall.",
    ]])
    assert load_file(path).text == (
        "The Commissioner reported on the new arrangements for the governance "
        "of the force and on the budget for the financial year 2023-24, which "
        "the panel will scrutinise when it next meets in County Hall."
    )


def test_pdf_loader_drops_lone_page_numbers_and_keeps_headings_apart(tmp_path: Path) -> None:
    path = _pdf_from_lines(tmp_path / "numbers.pdf", [
        ["Introduction", "The panel met to consider the annual report of the Commissioner.", "- 1 -"],
        ["Page 2", "Conclusions", "The panel endorsed the report without amendment."],
    ])
    assert load_file(path).text.split("\n\n") == [
        "Introduction",
        "The panel met to consider the annual report of the Commissioner.",
        "Conclusions",
        "The panel endorsed the report without amendment.",
    ]


def test_pdf_loader_reads_metadata_title(report_pdf: Path) -> None:
    loaded = load_file(report_pdf)
    assert loaded.format == "pdf"
    assert loaded.title == "Budget Scrutiny Report"


def test_pdf_encrypted_with_empty_user_password_is_read(report_pdf: Path, tmp_path: Path) -> None:
    path = _encrypted_pdf(report_pdf, tmp_path / "open.pdf", user_password="")
    assert WRAPPED_PARAGRAPH in load_file(path).text


def test_password_protected_pdf_is_unreadable(report_pdf: Path, tmp_path: Path) -> None:
    path = _encrypted_pdf(report_pdf, tmp_path / "locked.pdf", user_password="secret")
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path, "password-protected")


def test_truncated_pdf_is_unreadable(report_pdf: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "truncated.pdf", report_pdf.read_bytes()[:200])
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path)


def test_random_bytes_named_pdf_are_unreadable(tmp_path: Path) -> None:
    path = _write(tmp_path / "noise.pdf", random.Random(1).randbytes(4096))
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path, "not a PDF")


def test_pdf_without_text_layer_is_unreadable(tmp_path: Path) -> None:
    path = _pdf_without_text(tmp_path / "scan.pdf")
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path, "no text layer")


# ---------------------------------------------------------------- docx


def test_docx_loader_keeps_headings_lists_and_tables_in_order(tmp_path: Path) -> None:
    loaded = load_file(_docx_report(tmp_path / "annual.docx"))
    assert loaded.format == "docx"
    assert loaded.text == (
        "Annual Report 2024\n\n"
        "Introduction\n\n"
        "The panel met four times this year.\n\n"
        "• Budget scrutiny\n\n"
        "• Complaints review\n\n"
        "Member | Role\n\n"
        "Jo Smith | Chair\n\n"
        "The panel thanks its members."
    )


def test_docx_title_falls_back_to_title_style_paragraph(tmp_path: Path) -> None:
    assert load_file(_docx_report(tmp_path / "annual.docx")).title == "Annual Report 2024"


def test_docx_title_prefers_core_properties(tmp_path: Path) -> None:
    path = _docx_report(tmp_path / "annual.docx", core_title="Panel Annual Report")
    assert load_file(path).title == "Panel Annual Report"


def test_corrupt_docx_is_unreadable(tmp_path: Path) -> None:
    path = _write(tmp_path / "broken.docx", random.Random(2).randbytes(2048))
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path, "not a Word document")


def test_zip_that_is_not_a_word_document_is_unreadable(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a document")
    path = _write(tmp_path / "archive.docx", buffer.getvalue())
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path, "damaged")


def test_truncated_docx_is_unreadable(tmp_path: Path) -> None:
    whole = _docx_report(tmp_path / "whole.docx").read_bytes()
    path = _write(tmp_path / "cut.docx", whole[: len(whole) // 2])
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path)


def test_empty_docx_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "blank.docx"
    docx.Document().save(str(path))
    with pytest.raises(UnreadableDocument) as error:
        load_file(path)
    _assert_friendly_message(error, path, "contains no text")



@pytest.mark.parametrize("placeholder", ["untitled", "Untitled document", "Microsoft Word - draft v3.docx", "Document1"])
def test_a_placeholder_in_a_files_title_property_gives_way_to_the_documents_own_heading(placeholder: str) -> None:
    from ingest.manifest import document_info

    text = "Police and Crime Panel Report\n\n1. The panel met."
    assert document_info("a.pdf", "a.pdf", text, placeholder, {}).title == "Police and Crime Panel Report"
    assert document_info("a.pdf", "a.pdf", text, "Budget 2025", {}).title == "Budget 2025"
