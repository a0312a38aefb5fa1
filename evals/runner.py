"""Run every system over a dataset and aggregate the scores.

Conversations are played turn by turn: each system sees its own earlier
turns (question and what it searched) as history. Each system answers one
untimed warm-up question first, so that lazy loading is not counted as
latency.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from evals.dataset import Dataset, Item
from evals.metrics import (
    ItemScore,
    Metrics,
    aggregate,
    answer_correct,
    citation_supported,
    contains_fact,
    first_rank,
    is_relevant,
    retrieval_score,
)
from evals.systems import HistoryTurn, System, SystemAnswer, build_systems, parse_system_names
from retrieval.errors import ConfigError
from retrieval.settings import Settings

if TYPE_CHECKING:
    from retrieval.search import Searcher

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Progress:
    """One step, for progress bars: ``done`` of ``total`` items of ``stage``."""

    stage: str  # a system name, "ingesting" or "building <system>"
    done: int
    total: int


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class EvalResult:
    dataset: str
    dataset_files: tuple[Path, ...]
    n: int
    systems: dict[str, Metrics]  # by system name, in table order
    by_type: dict[str, dict[str, Metrics]]  # type -> system -> metrics
    by_split: dict[str, dict[str, Metrics]]  # split -> system -> metrics; empty without splits
    commit: str
    date: str  # ISO timestamp of the run
    seconds: float  # wall time of the whole run, ingest and index building included
    scores: dict[str, list[ItemScore]]  # system -> one score per item, in dataset order


def score_item(item: Item, answer: SystemAnswer) -> ItemScore:
    """Score one answer against the item's quotes and key facts."""
    supported = sum(1 for c in answer.citations if citation_supported(c.text, c.sentences, item.quotes))
    score = ItemScore(
        item_id=item.id,
        type=item.type,
        split=item.split,
        answerable=item.answerable,
        abstained=answer.abstained,
        latency_ms=answer.latency_ms,
        citations=len(answer.citations),
        supported_citations=supported,
        written=answer.written,
        removed=answer.removed,
        fell_back=answer.fell_back,
        first_token_ms=answer.first_token_ms,
        question=item.question,
        answer=answer.text,
        flagged=answer.flagged,
    )
    if not item.answerable:
        return score
    # Without key facts (a set whose answers are written summaries), answer correctness does not apply.
    correct = (not answer.abstained and answer_correct(answer.text, item.must_contain)) if item.must_contain else None
    return replace(
        score,
        retrieval=retrieval_score(answer.ranked, item.quotes),
        rank=first_rank(answer.ranked, item.quotes),
        missing=tuple(f for f in item.must_contain if not contains_fact(answer.text, f)),
        correct=correct,
        cited_quote=any(is_relevant(c.text, q) for c in answer.citations for q in item.quotes),
        both_cited=_both_sides_cited(item, answer) if item.type == "conflict" else None,
    )


def _both_sides_cited(item: Item, answer: SystemAnswer) -> bool:
    """A conflict is reported when cited passages hold two of its quotes (its two sides)."""
    held = [q for q in item.quotes if any(is_relevant(c.text, q) for c in answer.citations)]
    return len(held) >= 2


def run_system(
    system: System, dataset: Dataset, on_progress: ProgressCallback | None = None
) -> list[ItemScore]:
    """Every question, then every conversation turn by turn, for one system."""
    total = len(dataset.items)
    scores: list[ItemScore] = []

    def step() -> None:
        if on_progress:
            on_progress(Progress(system.name, len(scores), total))

    if dataset.items:
        system.answer(dataset.items[0].question, [])  # warm-up, not scored
    step()
    for item in dataset.questions:
        scores.append(score_item(item, system.answer(item.question, [])))
        step()
    for conversation in dataset.conversations:
        history: list[HistoryTurn] = []
        for turn in conversation.turns:
            answer = system.answer(turn.question, history)
            scores.append(score_item(turn, answer))
            history.append(HistoryTurn(turn.question, answer.query, answer.cited_ids))
            step()
    return scores


def group_metrics(
    scores: dict[str, list[ItemScore]], key: Callable[[ItemScore], str | None]
) -> dict[str, dict[str, Metrics]]:
    """Metrics per group (e.g. per type) and per system; items whose key is None are left out."""
    groups: list[str] = []
    for items in scores.values():
        for s in items:
            group = key(s)
            if group is not None and group not in groups:
                groups.append(group)
    return {
        group: {name: aggregate([s for s in items if key(s) == group]) for name, items in scores.items()}
        for group in groups
    }


def corpus_settings(settings: Settings, corpus: Path, own_home: bool) -> Settings:
    """Settings for evaluating over ``corpus``: with ``own_home``, a data directory of its own,
    named for the folder, so that another corpus's index (the shipped one) is never touched."""
    if not corpus.is_dir():
        raise ConfigError(f"--corpus {corpus}: not a folder")
    update: dict[str, object] = {"corpus": corpus}
    if own_home:
        resolved = corpus.resolve()
        digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:8]
        update["home"] = settings.home / "eval" / f"{resolved.name}-{digest}"
    return settings.model_copy(update=update)


def corpus_searcher(settings: Settings, corpus: Path) -> Searcher:
    """The searcher over ``corpus`` in a data directory of its own, ingested first (incremental)."""
    return open_searcher(corpus_settings(settings, corpus, own_home=True), ingest_corpus=True)


def open_searcher(
    settings: Settings, on_progress: ProgressCallback | None = None, ingest_corpus: bool = False
) -> Searcher:
    """The searcher over the configured store.

    The corpus is ingested first if the store is empty, or always with
    ``ingest_corpus`` (incremental: unchanged files cost a hash; files gone
    from the folder are pruned).
    """
    from retrieval.search import Searcher
    from retrieval.store import Store

    store = Store(settings)
    if ingest_corpus or store.count() == 0:
        from ingest.pipeline import ingest

        def update(step: object) -> None:
            if on_progress:
                on_progress(Progress("ingesting", getattr(step, "done", 0), getattr(step, "total", 0)))

        ingest([Path(settings.corpus)], settings, store=store, on_progress=update, prune=ingest_corpus)
    return Searcher(settings, store=store)


def run_eval(
    dataset: Dataset,
    settings: Settings,
    systems: Sequence[str] | None = None,
    on_progress: ProgressCallback | None = None,
    ingest_corpus: bool = False,
) -> EvalResult:
    began = time.perf_counter()
    started = datetime.now().astimezone()
    names = parse_system_names(systems, llm=settings.llm != "none")
    searcher = open_searcher(settings, on_progress, ingest_corpus)
    built: list[System] = []
    for name in names:
        if on_progress:
            on_progress(Progress(f"building {name}", 0, 1))
        built.extend(build_systems([name], settings, searcher))
    with _one_torch_thread():
        scores = {system.name: run_system(system, dataset, on_progress) for system in built}
    return EvalResult(
        dataset=dataset.name,
        dataset_files=dataset.files,
        n=len(dataset.items),
        systems={name: aggregate(items) for name, items in scores.items()},
        by_type=group_metrics(scores, lambda s: s.type),
        by_split=group_metrics(scores, lambda s: s.split) if dataset.has_splits else {},
        commit=current_commit(),
        date=started.isoformat(timespec="seconds"),
        seconds=time.perf_counter() - began,
        scores=scores,
    )


@contextmanager
def _one_torch_thread() -> Iterator[None]:
    """Encode queries on one thread while measuring.

    On a 2-core machine shared with other work, two torch threads wait on each
    other: one query's embedding goes from ~20 ms to ~400 ms. One thread is
    as fast on an idle machine and steady on a busy one.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def current_commit() -> str:
    """The short git commit of the code being evaluated, or "nogit"."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "nogit"
    return done.stdout.strip() or "nogit"
