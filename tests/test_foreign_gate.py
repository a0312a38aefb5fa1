"""The gate outside our own set: a slice of committee transcripts with questions written by others.

A rule that helps the five shipped documents and hurts documents Quorum was
never tuned for fails here: on this slice Quorum must rank at least as well as
plain BM25 in the same run, and meet the floors in evals/thresholds-foreign.toml.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from evals.thresholds import failures, load_thresholds
from evals.cli import eval_command
from evals.metrics import Metrics
from tests.conftest import eval_report

pytestmark = pytest.mark.gate

SLICE = Path(__file__).resolve().parent.parent / "evals" / "data" / "foreign-slice"
THRESHOLDS = Path(__file__).resolve().parent.parent / "evals" / "thresholds-foreign.toml"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`quorum eval --corpus` on the slice, as a user would run it, from an empty home."""
    return eval_report(SLICE / "qa.jsonl", SLICE / "corpus", tmp_path_factory.mktemp("foreign"))


def _metrics(report: dict, system: str) -> Metrics:
    figures = report["systems"][system]
    return Metrics(
        n=figures["n"], hit_at_1=figures["hit@1"], hit_at_5=figures["hit@5"], mrr_at_10=figures["mrr@10"],
        false_abstention=figures["false_abstention"], latency_p95_ms=figures["latency_p95_ms"],
    )


def test_quorum_ranks_foreign_transcripts_at_least_as_well_as_bm25(report: dict) -> None:
    ours, bm25 = report["systems"]["quorum"], report["systems"]["bm25"]
    for metric in ("hit@1", "hit@5", "mrr@10"):
        assert ours[metric] >= bm25[metric], f"quorum {metric} {ours[metric]} < bm25 {bm25[metric]}"


def test_quality_on_foreign_transcripts_meets_its_thresholds(report: dict) -> None:
    problems = failures({"quorum": _metrics(report, "quorum")}, load_thresholds(THRESHOLDS))
    assert not problems, f"below the thresholds in {THRESHOLDS.name}:\n" + "\n".join(problems)


def test_every_item_says_where_its_passage_ranked_and_whether_it_passed(report: dict) -> None:
    items = report["items"]
    assert len(items) == report["n"] == 33
    first = items[0]
    assert first["id"] and first["question"]
    ours = first["systems"]["quorum"]
    assert set(ours) == {"rank", "abstained", "flagged", "passed", "why", "answer"}
    assert "answer" not in first["systems"]["bm25"]  # a baseline's answer is its top passage
    assert all(i["systems"]["quorum"]["passed"] == (not i["systems"]["quorum"]["why"]) for i in items)


def test_the_corpus_gets_a_data_directory_of_its_own(tmp_path: Path) -> None:
    from evals.runner import corpus_settings
    from retrieval.settings import Settings

    settings = Settings(home=tmp_path / "home")
    own = corpus_settings(settings, SLICE / "corpus", own_home=True)
    assert own.corpus == SLICE / "corpus"
    assert own.home.parent == tmp_path / "home" / "eval" and own.home.name.startswith("corpus-")
    assert corpus_settings(settings, SLICE / "corpus", own_home=False).home == tmp_path / "home"


def test_a_corpus_that_is_not_a_folder_is_one_line_of_error(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(eval_command)
    missing = tmp_path / "nowhere"
    run = CliRunner().invoke(app, ["--dataset", str(SLICE / "qa.jsonl"), "--corpus", str(missing)])
    assert run.exit_code == 1
    assert run.output.strip().splitlines() == [f"error: --corpus {missing}: not a folder"]
