"""Tables without ruling lines are read from the words' positions, as rows under their header; prose is not."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest

import tests.pdf_factory as make
from evals.pdf_pack import agenda_pack
from ingest.pdf import page_layout
from ingest.tables import is_figure, read_table


def _tables(path: Path, page: int) -> list[str]:
    with pdfplumber.open(path) as document:
        return [block.text for _, block in page_layout(document.pages[page - 1])[1]]


def test_a_table_drawn_without_lines_is_read_as_rows_under_its_header(tmp_path: Path) -> None:
    pdf = make.borderless_table(tmp_path / "precept.pdf")
    [table] = _tables(pdf, 3)
    assert table.splitlines() == [
        "Measure | 2024/25 | 2025/26",
        "Band D precept | £268.42 | £282.42",
        "Band E precept | £328.07 | £345.18",
        "Council tax base (Band D equivalents) | 536,120 | 543,630",
        "Precept income (£m) | 143.9 | 153.5",
    ]


def test_the_paragraph_above_a_table_stays_prose(tmp_path: Path) -> None:
    pdf = make.borderless_table(tmp_path / "precept.pdf")
    with pdfplumber.open(pdf) as document:
        lines = [line.text for line in page_layout(document.pages[2])[0]]
    assert any(line.startswith("3. The table below sets out the proposed precept") for line in lines)
    assert not any("£282.42" in line for line in lines)


@pytest.mark.parametrize("page", [1, 2])
def test_numbered_paragraphs_are_not_a_table(tmp_path: Path, page: int) -> None:
    assert _tables(make.borderless_table(tmp_path / "precept.pdf"), page) == []


def test_two_columns_of_prose_are_not_a_table(tmp_path: Path) -> None:
    assert _tables(make.two_column_page(tmp_path / "columns.pdf"), 1) == []


def test_a_ruled_table_is_still_read_by_its_rules(tmp_path: Path) -> None:
    pack = agenda_pack(tmp_path / "pack.pdf", pages=3, table_every=3)
    [table] = _tables(pack, 3)
    assert table.startswith("Measure | 2024/25 | 2025/26\nBand A precept | £178.95 | £188.28")


def _word(text: str, x0: float, top: float) -> dict:
    return {"text": text, "x0": x0, "x1": x0 + 6 * len(text), "top": top, "bottom": top + 10}


def test_label_words_split_over_columns_are_joined_into_one_label() -> None:
    words = [
        _word("internal", 100, 10), _word("base", 160, 10), _word("adjustments", 200, 10), _word("-836.6", 400, 10),
        _word("Original", 100, 30), _word("base", 160, 30), _word("budget", 200, 30), _word("1,429.8", 400, 30),
    ]
    table = read_table(words, [(95, 155), (155, 195), (195, 300), (390, 450)])
    assert table is not None
    assert table.rows == [["internal base adjustments", "-836.6"], ["Original base budget", "1,429.8"]]


@pytest.mark.parametrize("text", ["1,429,506.8", "-836.6", "£282.42", "(5.2%)", "–", "n/a", "£9.5m", "54.9"])
def test_figures_are_told_from_words(text: str) -> None:
    assert is_figure(text)


@pytest.mark.parametrize("text", ["Band", "2)", "Item", "£", "KS R"])
def test_words_are_not_figures(text: str) -> None:
    assert not is_figure(text)


def test_a_figure_in_a_table_without_lines_is_answered_with_its_row_and_page(tmp_path: Path, embedder) -> None:
    from ingest.pipeline import ingest
    from retrieval.answer import answer_question
    from retrieval.search import Searcher
    from retrieval.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make.borderless_table(corpus / "precept.pdf")
    settings = Settings(home=tmp_path / "home", corpus=corpus)
    ingest([corpus], settings, embedder=embedder)
    answer = answer_question("What is the Band D precept for 2025/26?", Searcher(settings, embedder=embedder))
    assert not answer.abstained and "Band D precept | £268.42 | £282.42" in answer.text
    cited = answer.citations[0].passage.chunk
    assert cited.pages == ("3",) and "Measure | 2024/25 | 2025/26" in cited.text
