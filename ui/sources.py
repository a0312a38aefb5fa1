"""HTML for the sources panel: cited passages, escaped, with the cited sentences marked.

Each passage links to its place in the whole document: a click on an
``a.q-open`` link is turned into an ``open`` event by the panel's script
(ui/theme.py), carrying the document id and the passage's offsets.
"""

from __future__ import annotations

from retrieval.models import Answer, Passage
from ui.highlight import escape, marked, safe_url, sentence_spans

EMPTY = (
    "<div class='q-sources-empty'><p><b>Sources</b></p>"
    "<p>Ask a question: the passages each answer quotes appear here, with the quoted "
    "sentences highlighted. Click a citation marker such as <span class='q-cite-sample'>[1]</span> "
    "in an answer to jump to its passage.</p></div>"
)


def place(passage: Passage) -> str:
    """Where a passage sits in its document: "para 47", or the start of its section."""
    chunk = passage.chunk
    if chunk.paragraph:
        return f"para {chunk.paragraph}"
    if not chunk.section or chunk.section == chunk.doc.title:
        return ""
    section = chunk.section.split(" — ")[-1]  # the innermost heading
    return section if len(section) <= 60 else section[:60].rsplit(" ", 1)[0] + "…"


def passage_label(passage: Passage) -> str:
    """One line naming a passage: title · type · date · paragraph."""
    doc = passage.chunk.doc
    return " · ".join(part for part in (doc.title, doc.type, doc.date, place(passage)) if part)


def _open_link(passage: Passage) -> str:
    chunk = passage.chunk
    return (
        f'<a class="q-open" href="#q-open" data-doc="{escape(chunk.doc.doc_id)}" '
        f'data-start="{chunk.start}" data-end="{chunk.end}">Open in document</a>'
    )


def passage_html(n: int, passage: Passage, sentences: tuple[str, ...], selected: bool = False) -> str:
    chunk = passage.chunk
    doc = chunk.doc
    meta = [doc.type, doc.organisation, doc.date, place(passage)]
    links = [_open_link(passage)]
    url = safe_url(doc.url)
    if url:
        links.append(f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">Source ↗</a>')
    body = marked(chunk.text, sentence_spans(chunk.text, sentences))
    classes = "q-source q-selected" if selected else "q-source"
    return (
        f'<article class="{classes}" id="q-src-{n}">'
        f'<header><span class="q-source-n">[{n}]</span> <b>{escape(doc.title)}</b>'
        f"<div class='q-source-meta'>{escape(' · '.join(m for m in meta if m))}</div>"
        f"<div class='q-source-links'>{' · '.join(links)}</div></header>"
        f'<div class="q-source-text">{body}</div></article>'
    )


def sources_html(answer: Answer | None, selected: int = 0, focus: bool = False) -> str:
    """The panel for one answer; ``selected`` is the citation number to emphasise (0: none).

    ``focus`` asks the page to bring the panel into view (the user clicked a link to it).
    """
    if answer is None:
        return EMPTY
    focus_class = " q-focus" if focus else ""
    heading = f"<p class='q-sources-for{focus_class}'>Sources for <q>{escape(answer.question)}</q></p>"
    if answer.abstained:
        items = [passage_html(i, p, ()) for i, p in enumerate(answer.passages, start=1)]
        note = "<p class='q-sources-note'>Closest passages (they do not answer the question):</p>"
        return heading + note + ("".join(items) or "<p>No passage matched.</p>")
    items = [passage_html(c.n, c.passage, c.sentences, c.n == selected) for c in answer.citations]
    return heading + "".join(items)
