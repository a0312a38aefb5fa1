"""The Documents tab: the indexed documents, and a viewer for one document's text."""

from __future__ import annotations

import re

from retrieval.store import StoredDocument
from ui.highlight import escape, marked, safe_url

TABLE_HEADERS = ("Title", "Type", "Organisation", "Date", "Meeting", "Passages", "File")
_LINE = re.compile(r"[^\n]+")

VIEWER_EMPTY = (
    "<p class='q-doc-empty'>Choose a document above, or use <b>Open in document</b> beside a cited passage.</p>"
)


def by_date(documents: dict[str, StoredDocument]) -> list[StoredDocument]:
    """Newest first; undated documents last."""
    dated = sorted((d for d in documents.values() if d.info.date), key=lambda d: d.info.date, reverse=True)
    return dated + sorted((d for d in documents.values() if not d.info.date), key=lambda d: d.info.title)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _row(document: StoredDocument) -> str:
    info = document.info
    # An a.q-open link without offsets opens the document in the viewer (see ui/theme.py).
    title = f'<a class="q-open" href="#q-open" data-doc="{escape(info.doc_id)}">{escape(info.title)}</a>'
    cells = [title, escape(info.type), escape(info.organisation), escape(info.date or "undated"), escape(info.meeting)]
    cells += [str(document.n_chunks), f"<code>{escape(info.source)}</code>"]
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def documents_table(documents: dict[str, StoredDocument]) -> str:
    """The indexed documents, newest first, each title opening the document."""
    if not documents:
        return "<p>No documents are indexed yet: run <code>quorum ingest</code>.</p>"
    head = "".join(f"<th>{h}</th>" for h in TABLE_HEADERS)
    rows = "".join(_row(d) for d in by_date(documents))
    total = sum(d.n_chunks for d in documents.values())
    caption = f"<caption>{_count(len(documents), 'document')}, {_count(total, 'passage')} indexed</caption>"
    table = f"<table class='q-documents'>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    return f"<div class='q-table-wrap'>{table}</div>"


def choices(documents: dict[str, StoredDocument]) -> list[tuple[str, str]]:
    """(label, doc_id) pairs for a dropdown."""
    return [(f"{d.info.title} ({d.info.date or 'undated'})", d.info.doc_id) for d in by_date(documents)]


def _header(document: StoredDocument) -> str:
    info = document.info
    meta = [info.type, info.organisation, info.date, info.meeting, _count(document.n_chunks, "passage")]
    url = safe_url(info.url)
    link = f' · <a href="{escape(url)}" target="_blank" rel="noopener noreferrer">Source ↗</a>' if url else ""
    licence = f"<div class='q-doc-licence'>{escape(info.licence)}</div>" if info.licence else ""
    return (
        f"<header class='q-doc-head'><h3>{escape(info.title)}</h3>"
        f"<div class='q-doc-meta'>{escape(' · '.join(m for m in meta if m))}{link}</div>{licence}</header>"
    )


def _body(text: str, start: int | None, end: int | None) -> str:
    """One <p> per line, with anchors; the span start..end marked wherever it falls."""
    paragraphs = []
    for number, line in enumerate(_LINE.finditer(text), start=1):
        spans = []
        if start is not None and end is not None and start < line.end() and end > line.start():
            spans.append((max(start, line.start()) - line.start(), min(end, line.end()) - line.start()))
        paragraphs.append(f'<p id="q-doc-p-{number}">{marked(line.group(), spans, "q-passage")}</p>')
    body = "".join(paragraphs)
    return body.replace('<mark class="q-passage">', '<mark class="q-passage" id="q-doc-mark">', 1)


def document_html(document: StoredDocument, text: str | None, start: int | None = None, end: int | None = None) -> str:
    """The whole cleaned document, escaped; the passage start..end (offsets) marked."""
    if text is None:
        return _header(document) + "<p>The text of this document is not in the store.</p>"
    return f"<div class='q-doc'>{_header(document)}<div class='q-doc-body'>{_body(text, start, end)}</div></div>"
