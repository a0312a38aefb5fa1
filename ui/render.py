"""Terminal rendering of answers (rich)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from retrieval.models import Answer, Passage
from ui.sources import place

if TYPE_CHECKING:
    from retrieval.timeline import Timeline


def source_line(n: int, passage: Passage) -> str:
    doc = passage.chunk.doc
    where = place(passage)
    return f"[{n}] " + " · ".join(part for part in (doc.title, doc.type, doc.date, where) if part)


def highlighted(passage: Passage, sentences: tuple[str, ...]) -> Text:
    text = Text(passage.text, style="dim")
    for sentence in sentences:
        start = passage.text.find(sentence)
        if start >= 0:
            text.stylize("bold default", start, start + len(sentence))
    return text


def print_answer(answer: Answer, console: Console) -> None:
    style = "yellow" if answer.abstained else "green"
    body = Text(answer.text)
    if answer.notice:
        body.append(f"\n{answer.notice}", style="italic")
    if answer.removed:
        body.append(f"\nRemoved, not supported by the documents ({len(answer.removed)}):", style="italic")
        for sentence in answer.removed[:3]:
            body.append(f"\n  {sentence[:200]}", style="strike dim")
        if len(answer.removed) > 3:
            body.append(f"\n  … and {len(answer.removed) - 3} more", style="dim")
    if answer.reported:
        body.append(f"\n{answer.reported}", style="dim")
    for relative in answer.relative_dates:
        body.append(f"\n{relative.describe()}", style="dim")
    if answer.query and answer.query != answer.question:
        body.append(f"\nsearched: {answer.query}", style="dim italic")
    console.print(Panel(body, title="Answer", border_style=style, title_align="left"))
    shown = [(c.n, c.passage, c.sentences) for c in answer.citations]
    if answer.abstained:
        shown = [(i, p, ()) for i, p in enumerate(answer.passages, start=1)]
        console.print(Text("Closest passages:", style="bold"))
    elif shown:
        console.print(Text("Sources:", style="bold"))
    for n, passage, sentences in shown:
        doc = passage.chunk.doc
        items = [Text(source_line(n, passage), style="bold cyan")]
        if doc.meeting:
            items.append(Text(doc.meeting + (f" · {doc.item_url or doc.meeting_url}" if doc.item_url or doc.meeting_url else ""),
                              style="cyan"))
        if doc.withdrawn:
            items.append(Text(f"withdrawn from the council's site on {doc.withdrawn}", style="yellow"))
        if doc.url:
            items.append(Text(doc.url, style="underline blue"))
        items.append(highlighted(passage, sentences))
        console.print(Group(*items), "")
    timing = f"{answer.timing_ms.get('total', 0):.0f} ms"
    if "first_token" in answer.timing_ms:
        timing = f"first token {answer.timing_ms['first_token']:.0f} ms · {timing} · written and verified"
    console.print(Text(timing, style="dim"))


def print_timeline(found: Timeline, console: Console) -> None:
    """Entries oldest first: date, document, and the quoted sentence."""
    from retrieval.models import long_date

    if not found.entries:
        console.print(Text(found.silence(), style="yellow"))
        return
    console.print(Text(f"Timeline: {found.topic}", style="bold"))
    for n, entry in enumerate(found.entries, start=1):
        header = Text(f"{long_date(entry.date) or 'undated'}  ", style="bold cyan")
        header.append(source_line(n, entry.passage), style="cyan")
        console.print(header)
        console.print(Text(f"  “{entry.sentence}”"), "")
