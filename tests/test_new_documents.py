"""Answers from a document Quorum has never seen, worded as nobody tuned for."""

from __future__ import annotations


import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from ingest.pipeline import ingest
from retrieval.answer import answer_question
from retrieval.search import Searcher
from retrieval.settings import Settings

PAGES = [
    ["Police and Crime Panel", "Report of the Commissioner, 10 January 2025",
     "1. This report sets out the Commissioner's proposals for the year ahead.",
     "2. The Panel is asked to consider the proposals and make recommendations."],
    ["Background", "3. Demand has risen in every area of policing over the last year.",
     "4. Officers and staff have kept service levels up despite pressure on the budget."],
    ["Proposals", "5. The Commissioner proposes that the number of dog handlers rises from 12 to 15 during 2025/26.",
     "Measure | 2024/25 | 2025/26", "Council tax, Band D | £251.10 | £264.60"],
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory, embedder) -> Searcher:
    folder = tmp_path_factory.mktemp("papers")
    pdf = canvas.Canvas(str(folder / "proposals.pdf"), pagesize=A4)
    for lines in PAGES:
        for n, line in enumerate(lines):
            pdf.drawString(60, 800 - 24 * n, line)
        pdf.showPage()
    pdf.save()
    settings = Settings(home=tmp_path_factory.mktemp("home"), corpus=folder)
    ingest([folder], settings, embedder=embedder)
    return Searcher(settings, embedder=embedder)


def test_a_count_named_before_its_number_answers_how_many(searcher: Searcher) -> None:
    answer = answer_question("How many dog handlers will there be next year?", searcher)
    assert not answer.abstained
    assert "rises from 12 to 15" in answer.text


def test_a_table_row_answers_with_its_header(searcher: Searcher) -> None:
    answer = answer_question("What is the Band D council tax for 2025/26?", searcher)
    assert not answer.abstained
    assert "£264.60" in answer.text and "Measure | 2024/25 | 2025/26" in answer.text


def test_a_count_the_paper_does_not_give_is_not_answered(searcher: Searcher) -> None:
    answer = answer_question("How many officers are waiting for training?", searcher)
    assert answer.abstained


@pytest.fixture(scope="module")
def two_papers(tmp_path_factory: pytest.TempPathFactory, embedder) -> Searcher:
    folder = tmp_path_factory.mktemp("two-papers")
    (folder / "update.txt").write_text(
        "Commissioner's update\n14 May 2025\n\n"
        "1. The new cyber crime unit has been funded with £80,000 and will open in September 2025.\n\n"
        "2. Recruitment of its six investigators is under way.\n",
        encoding="utf-8",
    )
    (folder / "minutes.md").write_text(
        "# Panel minutes, 2 June 2025\n\n## Item 3: Cyber crime\n\n"
        "3.1 Members asked when the cyber crime unit would be up and running. "
        "The Commissioner replied that it would open in November 2025.\n\n"
        "3.2 The Panel thanked officers for the report.\n",
        encoding="utf-8",
    )
    settings = Settings(home=tmp_path_factory.mktemp("two-papers-home"), corpus=folder)
    ingest([folder], settings, embedder=embedder)
    return Searcher(settings, embedder=embedder)


def test_two_papers_giving_different_dates_are_flagged_even_when_one_names_its_subject_a_sentence_earlier(
    two_papers: Searcher,
) -> None:
    answer = answer_question("When is the cyber crime unit due to open?", two_papers)
    assert "September 2025" in answer.text and "November 2025" in answer.text
    assert answer.notice.startswith("The documents disagree")
    assert {c.date for c in answer.conflicts} == {"2025-05-14", "2025-06-02"}


@pytest.mark.parametrize(
    ("question", "quoted"),
    [("What is the planned number of dog handlers?", "rises from 12 to 15"),
     ("How much money will a Band D household pay in 2025/26?", "£264.60")],
)
def test_what_a_figure_measures_is_what_it_is_of_not_how_the_question_qualifies_it(
    searcher: Searcher, question: str, quoted: str
) -> None:
    answer = answer_question(question, searcher)
    assert not answer.abstained and quoted in answer.text


def test_a_question_none_of_whose_words_the_papers_hold_is_not_answered(searcher: Searcher) -> None:
    assert answer_question("What is the chief constable's salary?", searcher).abstained
