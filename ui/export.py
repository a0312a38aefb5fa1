"""An answer with its numbered references, as Markdown to copy or download."""

from __future__ import annotations

import re

from retrieval.models import Answer, Citation
from ui.sources import place
from ui.highlight import safe_url

_MARKER = re.compile(r"(\[\d+\])")
_SYNTAX = re.compile(r"([\\`*_\[\]<>#|~])")


def _plain(text: str) -> str:
    """Document text as Markdown that shows it literally."""
    return _SYNTAX.sub(r"\\\1", text)


def _answer_text(text: str) -> str:
    """The answer with its markers [n] kept as they are and everything else made literal."""
    return "".join(part if _MARKER.fullmatch(part) else _plain(part) for part in _MARKER.split(text))


def reference(citation: Citation) -> str:
    doc = citation.passage.chunk.doc
    details = [d for d in (doc.organisation, doc.meeting or doc.date, place(citation.passage)) if d]
    line = f"{citation.n}. {_plain(doc.title)}"
    if details:
        line += " — " + ", ".join(_plain(d) for d in details)
    for url in (safe_url(doc.url), safe_url(doc.item_url or doc.meeting_url)):
        if url:
            line += f". <{url}>"
    quotes = [f"   > {_plain(sentence)}" for sentence in citation.sentences]
    return "\n".join([line, *quotes])


def answer_markdown(answer: Answer | None) -> str:
    if answer is None:
        return ""
    lines = [f"**Q:** {_plain(answer.question)}", "", _answer_text(answer.text)]
    if answer.notice:
        lines += ["", f"*{_plain(answer.notice)}*"]
    if answer.reported:
        lines += ["", f"*{_plain(answer.reported[:1].upper() + answer.reported[1:])}.*"]
    lines += [line for relative in answer.relative_dates for line in ("", f"*{_plain(relative.describe())}*")]
    if answer.query and answer.query != answer.question:
        lines += ["", f"*Searched: {_plain(answer.query)}*"]
    if answer.citations:
        lines += ["", "**References**", ""]
        lines += [reference(c) for c in sorted(answer.citations, key=lambda c: c.n)]
    return "\n".join(lines) + "\n"
