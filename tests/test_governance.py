"""Governance work: how current the evidence is, disagreements, timelines and briefings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import docx
import pytest

from retrieval.answer import answer_question
from retrieval.conflicts import disagreement, Side, stated_values
from retrieval.relative_dates import meaning
from retrieval.timeline import timeline
from ui.briefing import Briefing, to_docx, to_markdown
from ui.export import answer_markdown as to_markdown_answer

ARTIFACTS = Path(__file__).parent / "artifacts"
VSA = "When did HMICFRS carry out the Victim Service Assessment revisit of West Mercia?"
BUDGET = "What is the Net Budget Requirement for 2023/24?"


def test_an_answer_says_how_current_its_evidence_is(searcher) -> None:
    answer = answer_question(BUDGET, searcher)
    assert answer.as_of == "17 November 2023"
    assert answer.to_json()["as_of"] == "17 November 2023"


@pytest.mark.parametrize(
    ("phrase", "written", "passage", "meant"),
    [
        ("last month", "2023-11-17", "", "October 2023"),
        ("last year", "2017-03-02", "", "2016"),
        ("previous year", "2025-02-04", "The precept for 2025/26 rises 5% on the previous year.", None),  # 2024 or 2024/25
        ("this quarter", "2023-11-17", "", "Quarter 3 of 2023/24 (October to December 2023)"),
        ("this quarter", "2023-11-17", "During Quarter 2 the team met", "Quarter 2 of 2023/24 (July to September 2023)"),
        ("next quarter", "2024-02-01", "", "Quarter 1 of 2024/25 (April to June 2024)"),
        ("last financial year", "2024-05-10", "", "2023/24 (April 2023 to March 2024)"),
        ("last week", "2023-11-17", "", "the week beginning 6 November 2023"),
        ("last 6 months", "2023-12-18", "", "June 2023 to December 2023"),
        ("past two years", "2025-05-01", "", "May 2023 to May 2025"),
        ("last three weeks", "2023-11-17", "", "27 October 2023 to 17 November 2023"),
        ("the report", "2023-11-17", "", None),
    ],
)
def test_relative_dates_are_read_against_the_documents_own_date(phrase, written, passage, meant) -> None:
    assert meaning(phrase, date.fromisoformat(written), passage) == meant


def test_an_answer_says_what_last_year_meant_when_the_report_was_published(searcher) -> None:
    # The PEEL 2016 page is dated 2 March 2017: its "last year's assessment" was published in 2016.
    answer = answer_question("How did the 2016 effectiveness inspection compare with the year before?", searcher)
    assert "last year’s assessment" in answer.text  # the quote itself is never changed
    (relative,) = [r for r in answer.relative_dates if r.phrase.lower() == "last year"]
    assert (relative.meaning, relative.written) == ("2016", "2 March 2017")
    assert answer.to_json()["relative_dates"][0]["meaning"] == "2016"
    assert "means 2016 (the document is dated 2 March 2017)" in to_markdown_answer(answer)


def test_documents_that_disagree_on_a_date_are_both_cited_with_a_notice(searcher) -> None:
    answer = answer_question(VSA, searcher)
    assert "July 2022" in answer.text and "July 2023" in answer.text
    assert len(answer.conflicts) == 2
    cited = {c.n: c.passage.chunk.doc.doc_id for c in answer.citations}
    sides = {cited[c.citations[0]] for c in answer.conflicts}
    assert sides == {"panel-performance-report-2023-11-17.md", "pcc-letter-home-secretary-2023-12-18.txt"}
    assert answer.notice.startswith("The documents disagree")
    assert [c["statement"] for c in answer.to_json()["conflicts"]] == [c.statement for c in answer.conflicts]


def test_an_ordinary_answer_reports_no_conflict(searcher) -> None:
    assert answer_question(BUDGET, searcher).conflicts == []


def test_graded_judgements_are_values_that_can_disagree() -> None:
    assert stated_values("found the force to be ‘good’ in one area and ‘requiring improvement’ in four", "grade") == {
        "good", "requires improvement"
    }
    assert stated_values("The force requires improvement at preventing crime.", "grade") == {"requires improvement"}


def test_values_from_the_same_document_or_shared_values_are_not_a_conflict() -> None:
    a = Side("conducted in July 2022", "report", stated_values("conducted in July 2022", "date"), 1)
    b = Side("the revisit in July 2022", "letter", stated_values("the revisit in July 2022", "date"), 2)
    c = Side("held in July 2023", "report", stated_values("held in July 2023", "date"), 3)
    assert disagreement("date", [(a, 1.0, 0.6), (b, 1.0, 0.6)]) is None  # they agree
    assert disagreement("date", [(a, 1.0, 0.6), (c, 1.0, 0.6)]) is None  # one document
    assert disagreement("any", [(a, 1.0, 0.6), (b, 1.0, 0.6)]) is None  # not a question about a value


def test_a_timeline_runs_from_the_2016_inspection_to_2025_in_date_order(searcher) -> None:
    entries = timeline("victim service assessment and services to victims", searcher).entries
    dates = [e.date for e in entries if e.date]
    assert dates == sorted(dates)
    assert dates[0].startswith("2017") and dates[-1].startswith("2025")
    assert len({e.passage.chunk.doc.doc_id for e in entries}) >= 4
    for entry in entries:
        assert entry.sentence in entry.passage.text  # quoted exactly


@pytest.mark.parametrize(
    ("topic", "said"),
    [("the capital of France", "No document mentions France."),
     ("quantum chromodynamics", "The documents say nothing clear about “quantum chromodynamics”.")],
)
def test_a_timeline_of_something_the_documents_do_not_hold_says_so_and_lists_nothing(
    searcher, topic: str, said: str
) -> None:
    found = timeline(topic, searcher)
    assert found.entries == [] and found.silence() == said
    assert found.to_json()["notice"] == said


def test_the_timeline_command_prints_json(indexed_home: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "timeline", "vetting", "--json", "--home", str(indexed_home)],
        capture_output=True, text=True, env=os.environ | {"HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["topic"] == "vetting" and out["entries"]
    assert set(out["entries"][0]) >= {"n", "date", "when", "statement", "title", "paragraph", "url"}


@pytest.fixture(scope="module")
def briefing(searcher) -> Briefing:
    from retrieval.conversation import Turn, ask

    brief = Briefing("Victim services briefing")
    turns: list[Turn] = []
    for question in (BUDGET, VSA, "And what did it find?"):
        answer = ask(question, searcher, turns)
        turns.append(Turn.of(answer))
        brief.add(answer)
    return brief


def test_a_briefing_numbers_references_once_across_answers(briefing: Briefing) -> None:
    text = to_markdown(briefing)
    ids = [p.chunk.chunk_id for p in briefing.references]
    assert len(ids) == len(set(ids))
    assert "## References" in text and "1. Police & Crime Plan activity and performance monitoring report" in text
    assert "para 47" in text and "17 November 2023" in text
    assert f"[{len(ids) + 1}]" not in text  # no number points past the list


def test_a_briefing_docx_holds_its_references_and_renders_cleanly(briefing: Briefing, tmp_path: Path) -> None:
    path = tmp_path / "briefing.docx"
    to_docx(briefing, path)
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
    assert "References" in paragraphs
    references = [p for p in paragraphs if p.startswith("[")]
    assert len(references) == len(briefing.references)
    assert "West Mercia Police and Crime Panel, 17 November 2023, para 47" in references[0]

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is missing: apt-get install libreoffice-writer-nogui poppler-utils (.ci/run does this)")
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp_path / "briefing.pdf"), str(ARTIFACTS / "briefing-page-1")], check=True)
    assert (ARTIFACTS / "briefing-page-1.png").stat().st_size > 10_000


@pytest.mark.parametrize("suffix", [".docx", ".md"])
def test_quorum_brief_answers_a_list_of_questions_into_a_briefing(indexed_home: Path, tmp_path: Path, suffix) -> None:
    from typer.testing import CliRunner

    from ui.cli import app

    questions = tmp_path / "questions.txt"
    questions.write_text(f"{BUDGET}\n\nWho chairs the panel?\n", encoding="utf-8")
    output = tmp_path / f"briefing{suffix}"
    result = CliRunner().invoke(
        app, ["brief", str(questions), "-o", str(output), "--title", "Panel briefing", "--home", str(indexed_home)]
    )
    assert result.exit_code == 0, result.output
    if suffix == ".docx":
        text = "\n".join(p.text for p in docx.Document(str(output)).paragraphs)
    else:
        text = output.read_text(encoding="utf-8")
    assert "Panel briefing" in text and BUDGET in text and "Who chairs the panel?" in text
    assert "£273m" in text and "References" in text and "para 47" in text
    assert f"Produced {date.today().strftime('%-d %B %Y')}" in text


def test_quorum_brief_refuses_what_it_cannot_write_in_one_line(indexed_home: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ui.cli import app

    questions = tmp_path / "questions.txt"
    questions.write_text(f"{BUDGET}\n", encoding="utf-8")
    for output, reason in [(tmp_path / "briefing.pdf", "write a .docx or a .md file"),
                           (tmp_path / "missing" / "briefing.md", "cannot write")]:
        result = CliRunner().invoke(app, ["brief", str(questions), "-o", str(output), "--home", str(indexed_home)])
        assert result.exit_code != 0 and reason in result.output and "Traceback" not in result.output


def test_dates_disagree_only_when_no_day_month_and_year_can_agree() -> None:
    from retrieval.conflicts import compatible

    july_2022 = stated_values("findings from the assessment conducted in July 2022", "date")
    revisit = stated_values("a revisit between 3 and 8 July 2023", "date")
    published = stated_values("the letter published on 31st October 2023", "date")
    in_october = stated_values("In October, HMICFRS published the findings", "date")
    assert not compatible("date", july_2022, revisit)
    assert compatible("date", in_october, published)  # "in October" may be 31 October 2023
    assert compatible("date", stated_values("in 2021", "date"), stated_values("the 2021/22 programme", "date"))


def test_a_document_that_says_a_thing_rose_and_fell_disagrees_with_itself(searcher) -> None:
    answer = answer_question("Did vehicle crime go up or down in Q2 2023/24?", searcher)
    assert len(answer.conflicts) == 2
    assert answer.notice.startswith("The document disagrees with itself")


def test_a_direction_is_read_in_the_clause_that_names_the_subject() -> None:
    from retrieval.tokens import tokenize

    subject = frozenset(tokenize(["vehicle crime"])[0])
    sentence = "Vehicle crime has decreased by 4% and detection rates rose, with an increase of 30%."
    assert stated_values(sentence, "direction", subject) == {"down"}


def test_one_document_giving_two_figures_is_no_disagreement() -> None:
    a = Side("17% were signed off", "p1", stated_values("17% were signed off", "figure"), 1, "report")
    b = Side("75% were compliant", "p2", stated_values("75% were compliant", "figure"), 2, "report")
    assert disagreement("figure", [(a, 1.0, 0.6), (b, 1.0, 0.6)]) is None
