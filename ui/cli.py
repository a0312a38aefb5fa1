"""The `quorum` command line: a thin layer over ingest/ and retrieval/."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from evals.bench import bench_command
from evals.cli import eval_command
from retrieval.errors import QuorumError
from ui.cli_common import HomeOption, console, errors, fail
from retrieval.settings import Settings, load_settings
from ui.follow_cli import follow_command, follows_command, unfollow_command
from ui.settings_cli import settings_command
from ui.sync_cli import sources_app, sync_command

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Quorum: cited answers from governance documents.")
ChromaOption = Annotated[Optional[str], typer.Option("--chroma-url", help="Chroma server URL (default: embedded store).")]
LLMOption = Annotated[
    Optional[str], typer.Option("--llm", help="none (extractive), local, ollama or openai (default: QUORUM_LLM or none).")
]


def _settings(home: Path | None, chroma_url: str | None = None, **more: object) -> Settings:
    return load_settings(home=home, chroma_url=chroma_url, **more)



@app.command()
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders (default: corpus/).")] = None,
    prune: Annotated[bool, typer.Option("--prune", help="Remove documents whose files are gone.")] = False,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Repair the index: finish interrupted work, re-read damaged documents, rebuild BM25.")
    ] = False,
    home: HomeOption = None,
    chroma_url: ChromaOption = None,
) -> None:
    """Load, clean, chunk, embed and index documents; only what changed is redone."""
    from ingest.pipeline import ingest as run_ingest

    try:
        settings = _settings(home, chroma_url)
        targets = paths or [settings.corpus]
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[name]}", style="dim"),
            TimeElapsedColumn(),
            console=errors,
            transient=True,
        ) as bar:
            task = bar.add_task("ingesting", total=None, name="")

            def update(step: object) -> None:
                bar.update(task, completed=step.done, total=step.total, name=f"{step.status}: {step.name}")

            report = run_ingest(targets, settings, prune=prune, rebuild=rebuild, on_progress=update)
    except QuorumError as error:
        raise fail(error) from None
    for _, reason in report.failed:
        errors.print(f"[red]✗[/red] {reason}", highlight=False)
    for _, warning in report.warnings:
        errors.print(f"[yellow]![/yellow] {warning}", highlight=False)
    console.print(report.summary(), highlight=False)
    if report.added or report.updated:
        from retrieval.follows.service import after_new_papers

        followed = after_new_papers(settings, [*report.added, *report.updated])
        if followed.summary():
            console.print(followed.summary(), highlight=False)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    k: Annotated[Optional[int], typer.Option("-k", help="Passages to show.", min=1, max=50)] = None,
    doc_type: Annotated[Optional[list[str]], typer.Option("--type", help="Only these document types.")] = None,
    doc: Annotated[Optional[list[str]], typer.Option("--doc", help="Only these document ids.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Only documents dated on/after YYYY-MM-DD.")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Only documents dated on/before YYYY-MM-DD.")] = None,
    committee: Annotated[Optional[list[str]], typer.Option("--committee", help="Only papers of this committee.")] = None,
    meeting: Annotated[Optional[list[str]], typer.Option("--meeting", help="Only papers of this meeting (its id).")] = None,
    home: HomeOption = None,
    chroma_url: ChromaOption = None,
    llm: LLMOption = None,
) -> None:
    """Answer one question, citing the passages it comes from."""
    from retrieval.conversation import ask as ask_question
    from retrieval.search import Searcher
    from ui.filters import check_known, make_filters
    from ui.render import print_answer

    try:
        settings = _settings(home, chroma_url, llm=llm)
        filters = make_filters(doc_type, doc, since, until, committee, meeting)
        searcher = Searcher(settings)
        check_known(filters, searcher.lexical.documents())
        stream = None if as_json else _draft_printer()
        answer = ask_question(question, searcher, k=k, filters=filters or None, on_token=stream)
        if stream is not None and (answer.generated or answer.fell_back):
            errors.print()
    except QuorumError as error:
        raise fail(error) from None
    if as_json:
        sys.stdout.write(json.dumps(answer.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_answer(answer, console)


def _draft_printer():
    """Print a model's draft as it streams (dim, on stderr); the checked answer follows."""
    started = False

    def show(token: str) -> None:
        nonlocal started
        if not started:
            errors.print("[dim]draft:[/dim] ", end="")
            started = True
        errors.print(token, end="", style="dim", highlight=False, markup=False)

    return show


@app.command()
def chat(
    home: HomeOption = None,
    chroma_url: ChromaOption = None,
    llm: LLMOption = None,
) -> None:
    """Ask questions one after another in the terminal; follow-ups use the conversation."""
    from retrieval.conversation import Turn, ask as ask_question
    from retrieval.search import Searcher
    from ui.render import print_answer

    try:
        searcher = Searcher(_settings(home, chroma_url, llm=llm))
    except QuorumError as error:
        raise fail(error) from None
    console.print("Ask a question (an empty line or Ctrl-D ends; 'new' starts a new conversation).", style="dim")
    turns: list[Turn] = []
    while True:
        try:
            question = console.input("[bold]? [/bold]").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        if question.lower() == "new":
            turns = []
            continue
        try:
            answer = ask_question(question, searcher, turns, on_token=_draft_printer())
        except QuorumError as error:
            errors.print(f"[red]error:[/red] {error}", highlight=False)
            continue
        if answer.generated or answer.fell_back:
            errors.print()
        print_answer(answer, console)
        turns.append(Turn.of(answer))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7860,
    public: Annotated[
        bool, typer.Option("--public", help="Read-only public demo: rate limits, caps, no admin controls.")
    ] = False,
    admin: Annotated[
        bool, typer.Option("--admin", help="Admin mode: password sign-in, upload and remove documents.")
    ] = False,
    sync_every: Annotated[
        Optional[str], typer.Option("--sync-every", help="Sync every source this often in the background (6h, 30m, 1d).")
    ] = None,
    home: HomeOption = None,
    chroma_url: ChromaOption = None,
    llm: LLMOption = None,
) -> None:
    """Start the chat app in the browser."""
    from ingest.sources.schedule import interval_seconds
    from ui.app import launch

    if public and admin:
        raise fail(ValueError("choose --public or --admin, not both"), 2)
    try:
        settings = _settings(home, chroma_url, llm=llm, sync_every=sync_every)
        if settings.sync_every:
            interval_seconds(settings.sync_every)  # a bad interval is refused before anything starts
        launch(settings, host=host, port=port, mode="public" if public else "admin" if admin else "local")
    except QuorumError as error:
        raise fail(error) from None


@app.command()
def timeline(
    topic: Annotated[str, typer.Argument(help="What to follow through the documents, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    home: HomeOption = None,
    chroma_url: ChromaOption = None,
) -> None:
    """What the documents say about a topic, oldest first, each entry quoted and cited."""
    from retrieval.search import Searcher
    from retrieval.timeline import timeline as build_timeline
    from ui.render import print_timeline

    try:
        found = build_timeline(topic, Searcher(_settings(home, chroma_url)))
    except QuorumError as error:
        raise fail(error) from None
    if as_json:
        sys.stdout.write(json.dumps(found.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_timeline(found, console)


@app.command()
def brief(
    questions: Annotated[Path, typer.Argument(help="A text file of questions, one a line (follow-ups allowed).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="briefing.docx or briefing.md")],
    title: Annotated[str, typer.Option(help="The briefing's title.")] = "Briefing",
    home: HomeOption = None,
    chroma_url: ChromaOption = None,
    llm: LLMOption = None,
) -> None:
    """Answer a list of questions and write a briefing with numbered references (DOCX or Markdown)."""
    from retrieval.conversation import Turn, ask as ask_question
    from retrieval.search import Searcher
    from ui.briefing import Briefing, to_docx, to_markdown

    if output.suffix.lower() not in (".docx", ".md"):
        raise fail(ValueError(f"{output.name}: write a .docx or a .md file"), 2)
    try:
        lines = [line.strip() for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise fail(ValueError(f"cannot read {questions}: {error}"), 2) from None
    if not lines:
        raise fail(ValueError(f"{questions} has no questions"), 2)
    briefing = Briefing(title)
    try:
        searcher = Searcher(_settings(home, chroma_url, llm=llm))
        turns: list[Turn] = []
        for line in lines:
            answer = ask_question(line, searcher, turns)
            turns.append(Turn.of(answer))
            briefing.add(answer)
            errors.print(f"[dim]answered:[/dim] {line}", highlight=False)
    except QuorumError as error:
        raise fail(error) from None
    try:
        if output.suffix.lower() == ".docx":
            to_docx(briefing, output)
        else:
            output.write_text(to_markdown(briefing), encoding="utf-8")
    except OSError as error:
        raise fail(ValueError(f"cannot write {output}: {error.strerror or error}"), 1) from None
    console.print(f"{output}: {len(briefing.items)} answers, {len(briefing.references)} references", highlight=False)


@app.command()
def feedback(
    as_json: Annotated[bool, typer.Option("--json", help="Print the ratings as one JSON list.")] = False,
    export: Annotated[
        Optional[Path], typer.Option("--export", help="Write the rated-down answers to FILE as evaluation items (JSONL).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Readers' ratings of answers (thumbs up or down, and comments), newest last."""
    from rich.table import Table

    from ui.feedback import FeedbackStore

    try:
        store = FeedbackStore(_settings(home).home)
        if export is not None:
            count = store.export_misses(export)
            console.print(
                f"{export}: {count} rated-down answer{'s' if count != 1 else ''} as evaluation items "
                "(fill in each `quote`, then run `quorum eval --dataset` on the file)",
                highlight=False,
            )
            return
        ratings = store.all()
    except (QuorumError, OSError) as error:
        raise fail(error) from None
    if as_json:
        sys.stdout.write(json.dumps([r.to_json() for r in ratings], ensure_ascii=False, indent=2) + "\n")
        return
    if not ratings:
        console.print("No ratings yet.")
        return
    table = Table("id", "when", "rating", "question", "comment")
    for r in ratings:
        table.add_row(str(r.id), r.at, "👍" if r.liked else "👎", r.question[:80], r.comment[:60])
    console.print(table)
    down = sum(1 for r in ratings if not r.liked)
    console.print(f"{len(ratings)} ratings, {down} rated down. `quorum feedback --export FILE` writes those for review.")


@app.command("hash-password")
def hash_password_command() -> None:
    """Print a hash of an admin password, for admin_password_hash in quorum.toml."""
    from ui.auth import hash_password

    password = typer.prompt("Admin password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise fail(ValueError("use at least 8 characters"), 2)
    console.print(hash_password(password), highlight=False, soft_wrap=True)


app.command("eval")(eval_command)
app.command("bench")(bench_command)
app.add_typer(sources_app, name="sources")
app.command("sync")(sync_command)
app.command("follow")(follow_command)
app.command("follows")(follows_command)
app.command("unfollow")(unfollow_command)
app.command("settings")(settings_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
