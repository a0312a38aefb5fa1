"""`quorum eval`: run the evaluation and show, print or keep the results.

Registered in ``ui/cli.py`` as ``app.command("eval")(eval_command)``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from evals.dataset import load_dataset
from evals.runner import corpus_settings
from evals.systems import SYSTEM_NAMES
from retrieval.errors import ConfigError, QuorumError
from retrieval.settings import load_settings


def eval_command(
    dataset: Annotated[
        list[Path] | None,
        typer.Option(
            "--dataset",
            help="A JSONL file of questions or conversations (repeatable). Default: the built-in set.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the results as one JSON object only.")
    ] = False,
    systems: Annotated[
        list[str] | None,
        typer.Option(
            "--systems",
            help=f"Systems to compare, comma-separated or repeated (default: all of {', '.join(SYSTEM_NAMES)}).",
        ),
    ] = None,
    home: Annotated[
        Path | None, typer.Option("--home", help="Data directory (default ./.quorum, or QUORUM_HOME).")
    ] = None,
    chroma_url: Annotated[
        str | None, typer.Option("--chroma-url", help="Chroma server URL (default: embedded store).")
    ] = None,
    llm: Annotated[
        str | None, typer.Option("--llm", help="Also evaluate answers written by this model (local, ollama, openai).")
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(
            "--corpus",
            help="Answer from this folder of documents instead: ingested (incrementally) into a data directory "
            "of its own under the home's eval/, unless --home is given.",
        ),
    ] = None,
    show: Annotated[
        str | None, typer.Option("--show", help="'failures': also list each item Quorum failed, and why.")
    ] = None,
) -> None:
    """Measure retrieval, answers, citations, abstention and latency, against baselines."""
    from evals.report import print_report, result_json, write_result
    from evals.runner import Progress as Step
    from evals.runner import run_eval

    # Piped output keeps the full table instead of squeezing it into 80 columns.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    errors = Console(stderr=True)
    try:
        if show not in (None, "failures"):
            raise ConfigError(f"--show takes 'failures', not {show!r}")
        data = load_dataset(dataset)
        settings = load_settings(home=home, chroma_url=chroma_url, llm=llm)
        if corpus is not None:
            settings = corpus_settings(settings, corpus, own_home=home is None)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=errors,
            transient=True,
            disable=not errors.is_terminal,
        ) as bar:
            task = bar.add_task("starting", total=None)

            def update(step: Step) -> None:
                bar.update(task, description=step.stage, completed=step.done, total=step.total or None)

            result = run_eval(data, settings, systems, on_progress=update, ingest_corpus=corpus is not None)
        written = write_result(result)
    except QuorumError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(json.dumps(result_json(result), ensure_ascii=False, indent=2) + "\n")
    else:
        print_report(result, console, written, show_failures=show == "failures")
