"""Tests for ingest.uploads: what an admin may upload, and why a file is turned away."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from ingest.loaders import load_file
from ingest.uploads import UploadLimits, check_upload, safe_filename
from retrieval.errors import UnreadableDocument, UnsupportedFormat
from tests.conftest import REPO
from tests.hostile_files import (
    GOVERNANCE_PARAGRAPH,
    HOSTILE_EXPECTATIONS,
    HOSTILE_NAMES,
    MB,
    make_hostile_files,
    many_page_pdf_bytes,
    minimal_docx_parts,
    pdf_bytes,
    write_docx,
    write_zeros_docx,
    write_zip,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
ELF = b"\x7fELF\x02\x01\x01" + bytes(64)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_hostile_files(tmp_path_factory.mktemp("hostile"))


def incoming(tmp_path: Path) -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir(exist_ok=True)
    return folder


def uploaded(tmp_path: Path, data: bytes) -> Path:
    """``data`` stored the way the web server stores an upload: a temp file with a meaningless name."""
    handle, name = tempfile.mkstemp(dir=incoming(tmp_path))
    with os.fdopen(handle, "wb") as file:
        file.write(data)
    return Path(name)


def staged(tmp_path: Path, source: Path) -> Path:
    """``source`` as an upload, hard-linked so a large sparse file is not copied."""
    target = incoming(tmp_path) / f"tmp{abs(hash(source.name)):x}"
    os.link(source, target)
    return target


def rejection(path: Path, original_name: str, limits: UploadLimits = UploadLimits()) -> str:
    """The one-line reason ``check_upload`` gives; it must show no server path."""
    with pytest.raises((UnsupportedFormat, UnreadableDocument)) as caught:
        check_upload(path, original_name, limits)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path.parent) not in message
    assert path.name not in message
    assert "quorum-upload" not in message
    assert message.startswith(f"{safe_filename(original_name)}: ")
    return message


def docx_bytes(tmp_path: Path, paragraphs: list[str]) -> bytes:
    return write_docx(tmp_path / "made.docx", paragraphs).read_bytes()


def zip_bytes(tmp_path: Path, entries: dict[str, bytes]) -> bytes:
    return write_zip(tmp_path / "made.zip", entries).read_bytes()


# ---------------------------------------------------------------- the hostile set


@pytest.mark.parametrize("name", sorted(HOSTILE_EXPECTATIONS))
def test_each_hostile_file_gets_its_expected_outcome(
    name: str, hostile: dict[str, Path], tmp_path: Path
) -> None:
    expected = HOSTILE_EXPECTATIONS[name]
    path = staged(tmp_path, hostile[name])
    if expected == "accepted":
        assert check_upload(path, name) == name
    else:
        assert expected.removeprefix("rejected: ") in rejection(path, name)


def test_hostile_set_has_a_file_for_every_expectation(hostile: dict[str, Path]) -> None:
    assert set(hostile) == set(HOSTILE_EXPECTATIONS)
    assert all(path.is_file() for path in hostile.values())


def test_script_html_is_accepted_but_its_scripts_never_reach_the_text(
    hostile: dict[str, Path], tmp_path: Path
) -> None:
    assert check_upload(staged(tmp_path, hostile["script.html"]), "script.html") == "script.html"
    text = load_file(hostile["script.html"]).text
    assert GOVERNANCE_PARAGRAPH in text
    assert "alert" not in text


# ---------------------------------------------------------------- file names


@pytest.mark.parametrize(("raw", "safe"), sorted(HOSTILE_NAMES.items()))
def test_dangerous_names_become_plain_base_names(raw: str, safe: str) -> None:
    assert safe_filename(raw) == safe


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("Minutes 12 March 2024.PDF", "Minutes-12-March-2024.pdf"),
        ("Budget (final) & notes!.docx", "Budget-final-notes.docx"),
        ("Protokoll Sitzung März.md", "Protokoll-Sitzung-März.md"),
        ("report..v2..final.txt", "report.v2.final.txt"),
        ("report.htm. ", "report.htm"),
        ("C:\\Users\\clerk\\agenda.html", "agenda.html"),
        ("line\nbreak\ttab.txt", "linebreaktab.txt"),
        ("／etc／passwd.txt", "passwd.txt"),  # full-width solidus
        (".pdf", "document.pdf"),
        ("???.markdown", "document.markdown"),
    ],
)
def test_odd_characters_become_dashes_and_the_extension_is_lower_cased(raw: str, safe: str) -> None:
    assert safe_filename(raw) == safe


def test_long_names_are_cut_to_120_characters_keeping_the_extension() -> None:
    safe = safe_filename("a" * 300 + ".docx")
    assert len(safe) == 120
    assert safe.endswith("a.docx")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("malware.exe", "malware.exe: '.exe' files are not supported"),
        ("../../etc/passwd", "passwd: files without an extension are not supported"),
        ("report.pdf\x00.exe", "'.exe' files are not supported"),
        ("archive.tar.gz", "'.gz' files are not supported"),
        ("", "files without an extension are not supported"),
    ],
)
def test_names_without_a_supported_extension_are_rejected(raw: str, reason: str) -> None:
    with pytest.raises(UnsupportedFormat, match="Quorum reads") as caught:
        safe_filename(raw)
    assert reason in str(caught.value)


def test_an_upload_is_stored_under_its_safe_name(tmp_path: Path) -> None:
    path = uploaded(tmp_path, GOVERNANCE_PARAGRAPH.encode())
    assert check_upload(path, "../../etc/Agenda item 3.TXT") == "Agenda-item-3.txt"


def test_an_unsupported_extension_is_rejected_whatever_the_content(tmp_path: Path) -> None:
    path = uploaded(tmp_path, GOVERNANCE_PARAGRAPH.encode())
    with pytest.raises(UnsupportedFormat) as caught:
        check_upload(path, "minutes.exe")
    assert str(caught.value).startswith("minutes.exe: '.exe' files are not supported")


# ---------------------------------------------------------------- size


def test_an_empty_file_is_rejected_as_empty(tmp_path: Path) -> None:
    assert rejection(uploaded(tmp_path, b""), "notes.md") == "notes.md: the file is empty"


def test_a_file_over_the_size_limit_is_rejected_as_too_large_with_both_sizes(
    hostile: dict[str, Path], tmp_path: Path
) -> None:
    message = rejection(staged(tmp_path, hostile["big.txt"]), "big.txt")
    assert "too large (100 MB; the limit is 25 MB)" in message


def test_a_file_one_byte_over_a_small_limit_is_rejected(tmp_path: Path) -> None:
    path = uploaded(tmp_path, b"x" * (MB + 1))
    assert "too large (1.1 MB; the limit is 1 MB)" in rejection(path, "a.txt", UploadLimits(max_bytes=MB))


def test_a_file_exactly_at_the_size_limit_is_accepted(tmp_path: Path) -> None:
    data = (GOVERNANCE_PARAGRAPH + "\n").encode()
    path = uploaded(tmp_path, data)
    assert check_upload(path, "exact.txt", UploadLimits(max_bytes=len(data))) == "exact.txt"


# ---------------------------------------------------------------- content against extension


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (pdf_bytes([["Agenda"]]), "agenda.docx", "the content is a PDF file, not .docx"),
        (PNG, "logo.md", "the content is a PNG image file, not .md"),
        (JPEG, "scan.pdf", "the content is a JPEG image file, not .pdf"),
        (ELF, "readme.txt", "the content is an ELF executable file, not .txt"),
        (b"PK\x03\x04" + bytes(64), "page.html", "the content is a ZIP file, not .html"),
        (pdf_bytes([["Agenda"]]), "page.htm", "the content is a PDF file, not .htm"),
        (OLE, "minutes.docx", "the content is an old-style Office (.doc, .xls, .ppt) file, not .docx"),
    ],
)
def test_content_of_another_known_format_is_rejected_naming_that_format(
    data: bytes, name: str, reason: str, tmp_path: Path
) -> None:
    assert reason in rejection(uploaded(tmp_path, data), name)


def test_a_pdf_must_start_with_the_pdf_header(tmp_path: Path) -> None:
    data = b"Hello " + pdf_bytes([["Agenda"]])
    assert "not a PDF file (it does not start with %PDF-)" in rejection(uploaded(tmp_path, data), "a.pdf")


def test_a_pdf_header_after_whitespace_is_accepted(tmp_path: Path) -> None:
    data = b"\r\n" + pdf_bytes([[GOVERNANCE_PARAGRAPH[:80]]])
    assert check_upload(uploaded(tmp_path, data), "padded.pdf") == "padded.pdf"


def test_a_text_file_holding_binary_data_is_rejected(tmp_path: Path) -> None:
    data = b"Minutes\x00\x01\x02\x03" + bytes(range(256)) * 4
    assert "not a text file" in rejection(uploaded(tmp_path, data), "minutes.txt")


def test_control_characters_without_nul_bytes_are_still_not_text(tmp_path: Path) -> None:
    data = bytes(range(1, 32)) * 100
    assert "not a text file" in rejection(uploaded(tmp_path, data), "minutes.md")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ("Café budget – £12,500 for the library.".encode("cp1252"), "cp1252.txt"),
        ("Budget for the library: 12 500 €.".encode("utf-16"), "utf16.md"),
        (("a" + "é" * 40_000).encode("utf-8"), "cut-mid-character.txt"),  # byte 65,536 splits an "é"
        ("\ufeff# Minutes\n\nThe panel met.".encode("utf-8"), "bom.markdown"),
    ],
)
def test_text_in_common_encodings_is_accepted(data: bytes, name: str, tmp_path: Path) -> None:
    assert check_upload(uploaded(tmp_path, data), name) == name


def test_a_web_page_without_any_tag_is_rejected(tmp_path: Path) -> None:
    path = uploaded(tmp_path, GOVERNANCE_PARAGRAPH.encode())
    assert "not a web page (it has no HTML tags)" in rejection(path, "page.html")


def test_a_web_page_with_binary_data_is_rejected(tmp_path: Path) -> None:
    data = b"<p>Minutes</p>\x00\x00" + bytes(range(256))
    assert "not a web page (the content is binary)" in rejection(uploaded(tmp_path, data), "page.html")


def test_a_web_page_with_tags_but_no_text_is_rejected_by_the_loader(tmp_path: Path) -> None:
    data = b"<html><body><script>alert(1)</script></body></html>"
    assert "contains no readable text" in rejection(uploaded(tmp_path, data), "page.html")


# ---------------------------------------------------------------- valid files


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("minutes.txt", lambda tmp: GOVERNANCE_PARAGRAPH.encode()),
        ("minutes.md", lambda tmp: f"# Minutes\n\n{GOVERNANCE_PARAGRAPH}\n".encode()),
        ("minutes.html", lambda tmp: f"<h1>Minutes</h1><p>{GOVERNANCE_PARAGRAPH}</p>".encode()),
        ("minutes.docx", lambda tmp: docx_bytes(tmp, ["Minutes", GOVERNANCE_PARAGRAPH])),
        ("minutes.pdf", lambda tmp: pdf_bytes([["Minutes", GOVERNANCE_PARAGRAPH[:80]]])),
    ],
)
def test_a_valid_file_of_each_format_is_accepted_under_its_safe_name(
    name: str, make, tmp_path: Path
) -> None:
    assert check_upload(uploaded(tmp_path, make(tmp_path)), name) == name


# ---------------------------------------------------------------- DOCX packages


def test_a_docx_whose_entries_expand_past_the_total_limit_is_a_zip_bomb(
    hostile: dict[str, Path], tmp_path: Path
) -> None:
    message = rejection(staged(tmp_path, hostile["bomb.docx"]), "bomb.docx")
    assert "looks like a zip bomb (200.1 MB uncompressed; the limit is 100 MB)" in message


def test_a_docx_entry_with_an_extreme_compression_ratio_is_a_zip_bomb(tmp_path: Path) -> None:
    path = write_zeros_docx(incoming(tmp_path) / "tmpratio", megabytes=5)
    message = rejection(path, "ratio.docx")
    assert "looks like a zip bomb (an entry expands" in message
    assert "the limit is 200)" in message


def test_small_entries_may_compress_very_well(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "made.docx", [GOVERNANCE_PARAGRAPH])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("customXml/padding.xml", b" " * 1_000_000)  # ~1000:1, but not over 1 MB
    assert check_upload(uploaded(tmp_path, path.read_bytes()), "padded.docx") == "padded.docx"


def test_a_docx_with_too_many_entries_is_a_zip_bomb(tmp_path: Path) -> None:
    path = uploaded(tmp_path, docx_bytes(tmp_path, [GOVERNANCE_PARAGRAPH]))
    message = rejection(path, "many.docx", UploadLimits(max_docx_entries=3))
    assert "looks like a zip bomb (" in message
    assert "entries; the limit is 3)" in message


@pytest.mark.parametrize(
    "entry", ["../../evil.sh", "/etc/cron.d/evil", "word/..\\..\\evil.dll", "C:/evil.bat"]
)
def test_a_docx_with_an_entry_outside_the_package_is_rejected(entry: str, tmp_path: Path) -> None:
    data = zip_bytes(tmp_path, minimal_docx_parts() | {entry: b"payload"})
    assert "an entry with an unsafe path" in rejection(uploaded(tmp_path, data), "escape.docx")


def test_a_zip_without_a_word_document_is_not_a_docx(tmp_path: Path) -> None:
    data = zip_bytes(tmp_path, {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    message = rejection(uploaded(tmp_path, data), "sheet.docx")
    assert "not a Word document (it has no word/document.xml)" in message


def test_a_zip_without_content_types_is_not_a_docx(tmp_path: Path) -> None:
    data = zip_bytes(tmp_path, {"word/document.xml": b"<w:document/>"})
    assert "it has no [Content_Types].xml" in rejection(uploaded(tmp_path, data), "s.docx")


def test_a_corrupt_zip_is_rejected_as_damaged(tmp_path: Path) -> None:
    data = b"PK\x03\x04" + bytes(range(256)) * 8
    message = rejection(uploaded(tmp_path, data), "broken.docx")
    assert "the Word document is damaged" in message


def test_a_docx_that_is_not_a_zip_at_all_is_rejected(tmp_path: Path) -> None:
    path = uploaded(tmp_path, GOVERNANCE_PARAGRAPH.encode())
    assert "not a Word document (.docx)" in rejection(path, "plain.docx")


def test_a_docx_without_text_is_rejected_by_the_loader(tmp_path: Path) -> None:
    path = uploaded(tmp_path, docx_bytes(tmp_path, []))
    assert "the Word document contains no text" in rejection(path, "blank.docx")


# ---------------------------------------------------------------- PDFs


def test_a_pdf_with_more_pages_than_the_limit_is_rejected(tmp_path: Path) -> None:
    path = uploaded(tmp_path, many_page_pdf_bytes(3))
    message = rejection(path, "long.pdf", UploadLimits(max_pdf_pages=2))
    assert "the PDF has too many pages (3; the limit is 2)" in message


def test_a_pdf_that_takes_longer_than_the_time_limit_is_rejected(tmp_path: Path) -> None:
    # Reading 300 pages takes a good fraction of a second; the limit is a hundredth.
    path = uploaded(tmp_path, many_page_pdf_bytes(300))
    message = rejection(path, "slow.pdf", UploadLimits(pdf_seconds=0.01))
    assert "a page of the PDF took longer than 0.01 s to read; it may be damaged or too complex" in message


def test_a_many_page_pdf_within_the_limits_is_accepted(tmp_path: Path) -> None:
    assert check_upload(uploaded(tmp_path, many_page_pdf_bytes(20)), "twenty.pdf") == "twenty.pdf"


def test_a_long_pdf_is_given_time_page_by_page_not_as_a_whole(tmp_path: Path) -> None:
    # 300 pages take far longer than a second in all; each page has a second.
    path = uploaded(tmp_path, many_page_pdf_bytes(300))
    assert check_upload(path, "pack.pdf", UploadLimits(pdf_seconds=1.0)) == "pack.pdf"


def test_a_pdf_without_a_text_layer_is_rejected_by_the_loader(tmp_path: Path) -> None:
    path = uploaded(tmp_path, pdf_bytes([[]]))
    assert "the PDF has no text layer" in rejection(path, "scan.pdf")


def test_a_password_protected_pdf_says_so(hostile: dict[str, Path], tmp_path: Path) -> None:
    message = rejection(staged(tmp_path, hostile["encrypted.pdf"]), "encrypted.pdf")
    assert message == "encrypted.pdf: the PDF is password-protected"


def test_the_pdf_reader_process_loads_no_model_libraries() -> None:
    # The worker imports ingest.uploads (and through it the loaders) and nothing else of Quorum.
    script = (
        "import sys, ingest.uploads\n"
        "heavy = {'torch', 'sentence_transformers', 'transformers', 'chromadb', 'llama_index', 'gradio'}\n"
        "print(sorted(heavy & {name.split('.')[0] for name in sys.modules}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
