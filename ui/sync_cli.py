"""`quorum sources ...` and `quorum sync`: the committees and folders a data directory keeps in sync."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from retrieval.errors import QuorumError
from ui.cli_common import HomeOption, console, errors, fail
from retrieval.settings import load_settings

if TYPE_CHECKING:
    from ingest.sources.report import SyncReport

sources_app = typer.Typer(no_args_is_help=True, help="The ModernGov committees and folders `quorum sync` keeps up to date.")
add_app = typer.Typer(no_args_is_help=True, help="Follow a ModernGov committee or a folder.")
sources_app.add_typer(add_app, name="add")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]



@add_app.command("moderngov")
def add_moderngov_command(
    url: Annotated[str, typer.Argument(help="The council's ModernGov site, e.g. https://democracy.kent.gov.uk")],
    committee: Annotated[list[str], typer.Option("--committee", "-c", help="A committee's title or id (repeatable).")],
    since: Annotated[str, typer.Option("--since", help="Meetings from this date, YYYY-MM-DD (default: two years back).")] = "",
    home: HomeOption = None,
) -> None:
    """Follow committees of a ModernGov site; `quorum sync` fetches their papers."""
    from ingest.sources.registry import add_moderngov

    try:
        source = add_moderngov(load_settings(home=home), url, committee, since)
    except QuorumError as error:
        raise fail(error) from None
    console.print(f"{source.id}: {source.location}, {', '.join(source.committees)}, meetings since {source.since}. "
                  "Run `quorum sync` to fetch its papers.", highlight=False)


@add_app.command("folder")
def add_folder_command(
    path: Annotated[Path, typer.Argument(help="A folder of papers; new, changed and removed files are picked up.")],
    home: HomeOption = None,
) -> None:
    """Keep a folder's papers in sync."""
    from ingest.sources.registry import add_folder

    try:
        source = add_folder(load_settings(home=home), path)
    except QuorumError as error:
        raise fail(error) from None
    console.print(f"{source.id}: {source.location}. Run `quorum sync` to read it.", highlight=False)


@sources_app.command("list")
def list_command(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """The sources kept in sync, with when each was last synced."""
    from ingest.sources.registry import load_sources
    from ingest.sources.report import last_report

    try:
        settings = load_settings(home=home)
        sources = load_sources(settings)
        last = last_report(settings) or {}
    except QuorumError as error:
        raise fail(error) from None
    reports = {r["source"]: r for r in last.get("sources", [])}
    if as_json:
        rows = [s.to_json() | {"last_sync": reports.get(s.id)} for s in sources]
        print(json.dumps({"sources": rows, "last_success": last.get("last_success") or None}, indent=2))
        return
    if not sources:
        console.print("No sources yet. `quorum sources add moderngov URL --committee NAME` or `quorum sources add folder PATH`.")
        return
    table = Table("id", "kind", "where", "committees", "since", "last sync")
    for s in sources:
        r = reports.get(s.id)
        table.add_row(s.id, s.kind, s.location, ", ".join(s.committees), s.since,
                      (r.get("error") or "ok") if r else "never")
    console.print(table)
    if last.get("last_success"):
        console.print(f"Papers as of {last['last_success']}.", style="dim")


@sources_app.command("remove")
def remove_command(
    source_id: Annotated[str, typer.Argument(help="The source's id (see `quorum sources list`).")],
    keep_documents: Annotated[bool, typer.Option("--keep-documents", help="Keep its documents in the index.")] = False,
    home: HomeOption = None,
) -> None:
    """Stop syncing a source; its documents are removed from the index unless kept."""
    from ingest.sources.sync import forget

    try:
        removed = forget(load_settings(home=home), source_id, keep_documents=keep_documents)
    except QuorumError as error:
        raise fail(error) from None
    console.print(f"{source_id} removed" + (f"; {removed} documents taken out of the index." if removed else "."),
                  highlight=False)


def sync_command(
    source: Annotated[Optional[list[str]], typer.Option("--source", help="Only this source (repeatable).")] = None,
    home: HomeOption = None,
    chroma_url: Annotated[Optional[str], typer.Option("--chroma-url", help="Chroma server URL.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch what is new from every source and index it; a second run with nothing new fetches no document."""
    from ingest.sources.sync import sync

    try:
        settings = load_settings(home=home, chroma_url=chroma_url)
        with errors.status("syncing", spinner="dots") as status:
            report = sync(
                settings, only=source,
                on_step=lambda sid, what: status.update(f"[bold]{sid}[/bold] {what}"),
                on_progress=lambda p: status.update(f"[bold]indexing[/bold] {p.done}/{p.total} {p.status}: {p.name}"),
            )
    except QuorumError as error:
        raise fail(error) from None
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print_report(report, console)
    if not report.ok or any(s.failed for s in report.sources):
        raise typer.Exit(1)


def print_report(report: SyncReport, out: Console) -> None:
    """Each source's counts, then what was skipped, failed or withdrawn, then what the index took in."""
    for s in report.sources:
        out.print(f"[bold]{s.source}[/bold]: " + (f"[red]{s.error}[/red]" if s.error else s.summary()), highlight=False)
        for what, why in s.failed:
            out.print(f"  [red]✗[/red] {what}: {why}", highlight=False)
        for what, why in s.skipped:
            out.print(f"  [dim]– {what}: {why}[/dim]", highlight=False)
        for what in s.withdrawn:
            out.print(f"  [yellow]withdrawn[/yellow] {what} (kept, marked withdrawn)", highlight=False)
    indexed = report.indexed
    out.print(f"Indexed: {indexed.get('added', 0)} added, {indexed.get('updated', 0)} updated, "
              f"{indexed.get('unchanged', 0)} unchanged ({indexed.get('seconds', 0)} s).", highlight=False)
    for _, why in indexed.get("failed", []):
        out.print(f"  [red]✗[/red] {why}", highlight=False)
    follows = report.follows
    if follows.get("checked"):
        out.print(f"Follows: {follows['with_news']} of {follows['checked']} followed topics have news; "
                  f"{follows['sent']} emails sent ({follows['seconds']} s).", highlight=False)
    if report.last_success:
        out.print(f"Papers as of {report.last_success}.", style="dim")
