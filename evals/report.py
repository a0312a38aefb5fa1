"""Showing and keeping results: rich tables, the JSON object, the results file."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from evals.dataset import BUILT_IN_NAME
from evals.metrics import GENERATION_KEYS, METRIC_KEYS, Metrics
from evals.runner import EvalResult

RESULTS_DIR = Path(__file__).parent / "results"

# Short two-line headers keep the table about 120 columns wide.
_HEADERS = {
    "hit@1": "hit\n@1",
    "hit@5": "hit\n@5",
    "recall@10": "recall\n@10",
    "mrr@10": "mrr\n@10",
    "ndcg@10": "ndcg\n@10",
    "answer_correct": "answer\ncorrect",
    "citation_precision": "cite\nprec.",
    "citation_recall": "cite\nrecall",
    "abstention_accuracy": "abstain\naccuracy",
    "false_abstention": "false\nabstain",
    "latency_p50_ms": "p50\nms",
    "latency_p95_ms": "p95\nms",
    "conflict_both_cited": "conflict\nboth",
    "conflict_flagged": "conflict\nflagged",
    "false_conflict": "false\nconflict",
    "removed_by_verification": "removed\nby check",
    "fallback_rate": "fell\nback",
    "first_token_p50_ms": "1st token\np50 ms",
}


def result_json(result: EvalResult) -> dict[str, Any]:
    def systems(by_system: dict[str, Metrics]) -> dict[str, Any]:
        return {name: metrics.as_dict() for name, metrics in by_system.items()}

    return {
        "dataset": result.dataset,
        "n": result.n,
        "systems": systems(result.systems),
        "by_type": {group: systems(by) for group, by in result.by_type.items()},
        "by_split": {group: systems(by) for group, by in result.by_split.items()},
        "commit": result.commit,
        "date": result.date,
        "items": items_json(result),
    }


def items_json(result: EvalResult) -> list[dict[str, Any]]:
    """One entry per item: the question, and for each system its hit rank, answer, and whether it passed and why."""
    by_system = result.scores
    first = next(iter(by_system.values()), [])
    out = []
    for index, score in enumerate(first):
        systems: dict[str, Any] = {}
        for name, scores in by_system.items():
            own = scores[index]
            passed, why = own.outcome
            entry: dict[str, Any] = {
                "rank": own.rank, "abstained": own.abstained, "flagged": own.flagged, "passed": passed, "why": why
            }
            if name.startswith("quorum"):  # the baselines' "answer" is their top passage
                entry["answer"] = own.answer
            systems[name] = entry
        out.append({
            "id": score.item_id, "question": score.question, "type": score.type, "split": score.split,
            "answerable": score.answerable, "systems": systems,
        })
    return out


def result_path(result: EvalResult, folder: Path | None = None) -> Path:
    """``<YYYY-MM-DD>-<commit>.json`` for the built-in set; another set's file
    names are appended, and ``-llm`` when a written-answer system ran, so that
    neither overwrites the extractive run of the same commit."""
    name = f"{result.date[:10]}-{result.commit}"
    if any(system.startswith("quorum-llm") for system in result.systems):
        name += "-llm"
    if result.dataset != BUILT_IN_NAME:
        name += "-" + "-".join(re.sub(r"[^\w.-]+", "_", path.stem) for path in result.dataset_files)
    return (folder or RESULTS_DIR) / f"{name}.json"


def write_result(result: EvalResult, folder: Path | None = None) -> Path:
    """Write the JSON object to ``result_path`` and return the path."""
    path = result_path(result, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result_json(result), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _cell(key: str, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if key.endswith("_ms") else f"{value:.3f}"


def _table(title: str) -> Table:
    return Table(title=title, header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)


def systems_table(result: EvalResult) -> Table:
    """Systems as rows, metrics as columns; the whole set first, then each split."""
    table = _table(f"Quorum eval: {result.dataset} (n={result.n})")
    table.add_column("set")
    table.add_column("system")
    table.add_column("n", justify="right")
    keys = _keys(result.systems.values())
    for key in keys:
        table.add_column(_HEADERS[key], justify="right")
    sets = [("all", result.systems)] + list(result.by_split.items())
    for index, (name, by_system) in enumerate(sets):
        if index:
            table.add_section()
        for system, metrics in by_system.items():
            table.add_row(
                name if system == next(iter(by_system)) else "",
                system,
                str(metrics.n),
                *(_cell(key, _value(metrics, key)) for key in keys),
            )
    return table


def _keys(metrics: Iterable[Metrics]) -> list[str]:
    """The report's metrics, plus the generation ones when a language model wrote answers."""
    metrics = list(metrics)
    generated = any(m.generation for m in metrics)
    conflicts = any(m.conflict_both_cited is not None for m in metrics)
    shown = ["conflict_both_cited", "conflict_flagged"] if conflicts else []
    shown += ["false_conflict"] if any(m.false_conflict is not None for m in metrics) else []
    return list(METRIC_KEYS) + shown + (list(GENERATION_KEYS) if generated else [])


def _value(metrics: Metrics, key: str) -> float | None:
    if key in ("conflict_both_cited", "conflict_flagged", "false_conflict"):
        return getattr(metrics, key)
    return (metrics.generation or {}).get(key) if key in GENERATION_KEYS else metrics.get(key)


def type_table(result: EvalResult, system: str = "quorum") -> Table | None:
    """One system's metrics by question type (None if that system did not run)."""
    if system not in result.systems:
        return None
    table = _table(f"{system} by question type")
    table.add_column("type")
    table.add_column("n", justify="right")
    for key in METRIC_KEYS:
        table.add_column(_HEADERS[key], justify="right")
    for group, by_system in result.by_type.items():
        metrics = by_system[system]
        table.add_row(group, str(metrics.n), *(_cell(key, metrics.get(key)) for key in METRIC_KEYS))
    return table


def failures_table(result: EvalResult, system: str = "quorum") -> Table | None:
    """The items one system failed: id, question, where the supporting passage ranked, why, and the answer."""
    if system not in result.scores:
        return None
    failed = [s for s in result.scores[system] if not s.outcome[0]]
    table = _table(f"{system}: {len(failed)} of {len(result.scores[system])} items failed")
    for name, justify in (("id", "left"), ("question", "left"), ("rank", "right"), ("why", "left"), ("answer", "left")):
        table.add_column(name, justify=justify, overflow="fold")
    for score in failed:
        answer = score.answer if len(score.answer) <= 160 else score.answer[:157] + "..."
        table.add_row(score.item_id, score.question, str(score.rank or "–"), score.outcome[1], answer)
    return table


def print_report(
    result: EvalResult, console: Console, written: Path | None = None, show_failures: bool = False
) -> None:
    console.print(systems_table(result))
    by_type = type_table(result, "quorum" if "quorum" in result.systems else next(iter(result.systems), ""))
    if by_type is not None:
        console.print(by_type)
    if show_failures:
        for system in result.scores:
            if system.startswith("quorum") and (failures := failures_table(result, system)) is not None:
                console.print(failures)
    footer = f"commit {result.commit} · {result.date} · {result.seconds:.0f}s"
    if written is not None:
        footer += f" · saved to {written}"
    console.print(footer, style="dim", highlight=False)
