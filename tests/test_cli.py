import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import CORPUS, REPO
from ui.cli import app

runner = CliRunner()


def ask_json(home: Path, question: str, *extra: str) -> dict:
    result = runner.invoke(app, ["ask", question, "--json", "--home", str(home), *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("question", "figure", "doc_id", "paragraph"),
    [
        ("What is the Net Budget Requirement for 2023/24?", "£273m", "panel-performance-report-2023-11-17.md", "47"),
        (
            "How many extra officers has the PCC funded for investigation teams?",
            "85",
            "pcc-letter-home-secretary-2023-12-18.txt",
            None,
        ),
        (
            "What did the 2016 PEEL inspection find about preventing crime?",
            "requires improvement",
            "hmic-peel-2016-effectiveness.txt",
            None,
        ),
    ],
)
def test_ask_answers_the_spine_examples_with_citations(indexed_home, question, figure, doc_id, paragraph) -> None:
    out = ask_json(indexed_home, question)
    assert not out["abstained"]
    assert figure.lower() in out["answer"].lower()
    assert "[1]" in out["answer"]
    first = out["citations"][0]
    assert first["doc_id"] == doc_id
    assert figure.lower() in first["text"].lower()
    if paragraph:
        assert first["paragraph"] == paragraph
    for key in ("n", "doc_id", "title", "type", "date", "source", "paragraph", "start", "end", "text", "score"):
        assert key in first
    assert set(out) >= {"question", "answer", "abstained", "citations", "passages", "timing_ms"}


def test_ask_abstains_when_the_documents_do_not_hold_the_answer(indexed_home) -> None:
    out = ask_json(indexed_home, "What is the policing budget of Greater Manchester?")
    assert out["abstained"] is True
    assert out["citations"] == []
    assert out["passages"], "the closest passages are still shown"
    assert "do not answer" in out["answer"]


def test_citation_offsets_point_into_the_stored_document(indexed_home) -> None:
    from retrieval.settings import Settings
    from retrieval.store import Store

    out = ask_json(indexed_home, "What is the Net Budget Requirement for 2023/24?")
    store = Store(Settings(home=indexed_home))
    for citation in out["citations"]:
        text = store.document_text(citation["doc_id"])
        assert text[citation["start"] : citation["end"]] == citation["text"]


def test_filters_restrict_the_documents_searched(indexed_home) -> None:
    out = ask_json(indexed_home, "What did the inspection find about 999 calls?", "--type", "news", "-k", "3")
    assert {p["type"] for p in out["passages"]} == {"news"}


def test_ask_without_an_index_says_what_to_do(tmp_path) -> None:
    result = runner.invoke(app, ["ask", "Anything?", "--home", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "quorum ingest" in result.stderr and "Traceback" not in result.output


def test_ingest_reports_failures_in_its_exit_status(tmp_path) -> None:
    (tmp_path / "bad.docx").write_bytes(b"not a zip")
    result = runner.invoke(app, ["ingest", str(tmp_path / "bad.docx"), "--home", str(tmp_path / "home")])
    assert result.exit_code == 1
    assert "bad.docx" in result.stderr and "0 added" in result.stdout


def test_the_quorum_console_script_runs(indexed_home) -> None:
    env = os.environ | {"QUORUM_HOME": str(indexed_home)}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "quorum"), "ask", "Who was appointed Temporary Chief Constable?", "--json"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Alex Murray" in json.loads(done.stdout)["answer"]
    assert CORPUS.is_dir()


def test_a_malformed_date_filter_is_refused_in_one_line(indexed_home) -> None:
    result = runner.invoke(app, ["ask", "Anything?", "--since", "17/11/2023", "--home", str(indexed_home)])
    assert result.exit_code == 1
    assert "17/11/2023" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [("--doc", "pcc-letter-2023.txt", "pcc-letter-home-secretary-2023-12-18.txt"), ("--type", "Minutes", "minutes")],
)
def test_a_document_or_type_the_index_lacks_is_refused_naming_those_it_holds(indexed_home, option, value, named) -> None:
    result = runner.invoke(app, ["ask", "Anything?", option, value, "--home", str(indexed_home)])
    assert result.exit_code == 1
    assert value in result.stderr and named in result.stderr and "Traceback" not in result.output
