"""A briefing to hand on: answers with their citations, one numbered reference list, the date produced.

Each answer's own citation numbers are renumbered into the briefing's
reference list, so one passage cited by two answers is one reference.
Written as Markdown or as a Word document (python-docx).
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from retrieval.models import Answer, Passage, long_date
from ui.highlight import safe_url
from ui.sources import place

_MARKER = re.compile(r"\[(\d+)\]")


@dataclass
class Briefing:
    title: str = "Briefing"
    produced: date = field(default_factory=date.today)
    items: list[tuple[str, str, str]] = field(default_factory=list)  # (question, answer text, notice)
    references: list[Passage] = field(default_factory=list)

    def add(self, answer: Answer) -> None:
        """Add an answer, its citation numbers mapped onto the briefing's references."""
        mapping: dict[int, int] = {}
        for citation in answer.citations:
            ids = [p.chunk.chunk_id for p in self.references]
            if citation.passage.chunk.chunk_id not in ids:
                self.references.append(citation.passage)
                ids.append(citation.passage.chunk.chunk_id)
            mapping[citation.n] = ids.index(citation.passage.chunk.chunk_id) + 1
        renumber = lambda text: _MARKER.sub(lambda m: f"[{mapping.get(int(m.group(1)), m.group(1))}]", text)  # noqa: E731
        text = renumber(answer.text)
        notes = [answer.notice, *(r.describe() for r in answer.relative_dates)]
        if answer.reported:
            notes.append(f"{answer.reported[:1].upper() + answer.reported[1:]}.")
        notice = renumber(" ".join(n for n in notes if n))
        self.items.append((answer.question, text, notice))


def reference_line(passage: Passage) -> str:
    doc = passage.chunk.doc
    if doc.meeting:  # a committee paper: its meeting and item say where it was published
        details = [d for d in (doc.organisation, doc.meeting, place(passage)) if d]
    else:
        details = [d for d in (doc.organisation, long_date(doc.date), place(passage)) if d]
    line = doc.title + (" — " + ", ".join(details) if details else "")
    links = [u for u in (safe_url(doc.url), safe_url(doc.item_url or doc.meeting_url)) if u]
    return f"{line}. {' '.join(links)}" if links else line


def to_markdown(briefing: Briefing) -> str:
    escape = lambda text: re.sub(r"([\\`*_<>#|~])", r"\\\1", text)  # noqa: E731
    lines = [f"# {escape(briefing.title)}", "", f"*Produced {long_date(briefing.produced.isoformat())} by Quorum.*", ""]
    for question, text, notice in briefing.items:
        lines += [f"## {escape(question)}", "", escape(text)]
        if notice:
            lines += ["", f"*{escape(notice)}*"]
        lines.append("")
    lines += ["## References", ""]
    lines += [f"{n}. {escape(reference_line(p))}" for n, p in enumerate(briefing.references, start=1)]
    return "\n".join(lines) + "\n"


def to_docx(briefing: Briefing, path: Path) -> None:
    import docx
    from docx.shared import Pt, RGBColor

    document = docx.Document()
    document.core_properties.title = briefing.title
    document.add_heading(briefing.title, level=0)
    produced = document.add_paragraph(f"Produced {long_date(briefing.produced.isoformat())} by Quorum.")
    produced.runs[0].italic = True
    for question, text, notice in briefing.items:
        document.add_heading(question, level=2)
        paragraph = document.add_paragraph()
        for part in re.split(r"(\[\d+\])", text):
            run = paragraph.add_run(part)
            if _MARKER.fullmatch(part):
                run.font.superscript = True
                run.font.color.rgb = RGBColor(0x1F, 0x4E, 0x9A)
        if notice:
            note = document.add_paragraph().add_run(notice)
            note.italic = True
            note.font.size = Pt(9)
    document.add_heading("References", level=1)
    for n, passage in enumerate(briefing.references, start=1):
        document.add_paragraph(f"[{n}] {reference_line(passage)}")
    document.save(str(path))


def briefing_of(answers: Sequence[Answer | None], picked: Sequence[int], title: str = "Briefing") -> Briefing | None:
    """A briefing of the picked turns' answers, in conversation order; None when none has an answer."""
    brief = Briefing(title)
    for turn in sorted(set(picked)):
        if 0 <= turn < len(answers) and answers[turn] is not None:
            brief.add(answers[turn])  # type: ignore[arg-type]
    return brief if brief.items else None


class BriefingFiles:
    """Where the app writes briefings for download: one folder, each file kept for a while only.

    Gradio copies a returned file into its own cache (cleared by ``delete_cache``);
    these copies are pruned on every write and removed at exit, so a demo that
    runs for months does not fill its disk.
    """

    def __init__(self, keep_seconds: float = 900.0) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="quorum-briefings-"))
        self.keep_seconds = keep_seconds
        atexit.register(shutil.rmtree, self.folder, True)

    def write(self, briefing: Briefing) -> tuple[Path, Path]:
        """The briefing as DOCX and as Markdown, in a folder of their own."""
        self._prune()
        folder = Path(tempfile.mkdtemp(dir=self.folder))
        stem = f"briefing-{briefing.produced.isoformat()}"
        docx_path, markdown_path = folder / f"{stem}.docx", folder / f"{stem}.md"
        to_docx(briefing, docx_path)
        markdown_path.write_text(to_markdown(briefing), encoding="utf-8")
        return docx_path, markdown_path

    def _prune(self) -> None:
        now = time.time()
        for old in self.folder.iterdir():
            try:
                if now - old.stat().st_mtime > self.keep_seconds:
                    shutil.rmtree(old, ignore_errors=True)
            except FileNotFoundError:  # another request pruned it first
                continue
