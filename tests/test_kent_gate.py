"""The gate on real council papers: five Kent County Council PDFs and the development questions about them.

Read from ../shared/kent-2025-03 (never copied into the project): the printed
minutes of the County Council, the pay policy statement, the treasury
management mid-year report, the devolution report and the Armed Forces
Covenant report, with every question of evals/data/kent/qa.jsonl about them
and the unanswerable ones that sound as if they were. Quorum must answer at
least as many as BM25's top passage does in the same run, and meet the floors
in evals/thresholds-kent.toml.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.metrics import Metrics
from tests.conftest import eval_report
from evals.thresholds import failures, load_thresholds

pytestmark = pytest.mark.gate

ROOT = Path(__file__).resolve().parent.parent
KENT = ROOT.parent / "shared" / "kent-2025-03" / "full_council" / "2025-03-13" / "originals"
QUESTIONS = ROOT / "evals" / "data" / "kent" / "qa.jsonl"
THRESHOLDS = ROOT / "evals" / "thresholds-kent.toml"
DOCUMENTS = (
    "Printed minutes 13th-Mar-2025 10.00 County Council.pdf",
    "County Council - Pay Policy Statement 2025-2026.pdf",
    "Council Report Mid Year 24-25.pdf",
    "Devo and LGR - CC Report March 2025.pdf",
    "Final Kent CC Armed Forces Covenant - Annual Report 2024.pdf",
)
UNANSWERABLE = ("kent-060", "kent-065", "kent-066", "kent-069", "kent-070", "kent-071", "kent-072")


def slice_items() -> list[dict]:
    items = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    about = lambda item: {item["doc"]} if isinstance(item["doc"], str) else set(item["doc"] or ())  # noqa: E731
    return [i for i in items if about(i) & set(DOCUMENTS) or i["id"] in UNANSWERABLE]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`quorum eval --corpus` on the five papers, as a user would run it, from an empty home."""
    if not KENT.exists():
        pytest.fail(f"the Kent papers are missing: {KENT} (../shared/kent-2025-03 beside the project)")
    root = tmp_path_factory.mktemp("kent")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in DOCUMENTS:
        (corpus / name).symlink_to(KENT / name)
    dataset = root / "qa.jsonl"
    dataset.write_text("".join(json.dumps(item) + "\n" for item in slice_items()))
    return eval_report(dataset, corpus, root)


def test_the_slice_holds_questions_of_every_kind_and_ones_the_papers_do_not_answer() -> None:
    kinds = {item["type"] for item in slice_items()}
    assert {"table", "person", "vote", "unanswerable"} <= kinds and len(slice_items()) == 36


def test_quorum_answers_real_papers_at_least_as_well_as_bm25s_top_passage(report: dict) -> None:
    ours, bm25 = report["systems"]["quorum"], report["systems"]["bm25"]
    assert ours["answer_correct"] >= bm25["answer_correct"], (ours["answer_correct"], bm25["answer_correct"])


def test_quality_on_real_papers_meets_its_thresholds(report: dict) -> None:
    figures = report["systems"]["quorum"]
    metrics = Metrics(
        n=figures["n"], hit_at_1=figures["hit@1"], hit_at_5=figures["hit@5"], mrr_at_10=figures["mrr@10"],
        answer_correct=figures["answer_correct"], abstention_accuracy=figures["abstention_accuracy"],
        false_abstention=figures["false_abstention"], latency_p95_ms=figures["latency_p95_ms"],
    )
    problems = failures({"quorum": metrics}, load_thresholds(THRESHOLDS))
    assert not problems, f"below the thresholds in {THRESHOLDS.name}:\n" + "\n".join(problems)
