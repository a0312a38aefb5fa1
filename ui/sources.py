"""HTML for the sources panel: cited passages, escaped, with the cited sentence marked."""

from __future__ import annotations

import html

from retrieval.models import Answer, Passage


def _passage_html(n: int, passage: Passage, sentences: tuple[str, ...]) -> str:
    chunk = passage.chunk
    doc = chunk.doc
    meta = [doc.type, doc.date, f"para {chunk.paragraph}" if chunk.paragraph else chunk.section[:80]]
    body = html.escape(chunk.text)
    for sentence in sentences:
        escaped = html.escape(sentence)
        body = body.replace(escaped, f"<mark>{escaped}</mark>", 1)
    link = f' · <a href="{html.escape(doc.url)}" target="_blank" rel="noopener">source</a>' if doc.url else ""
    return (
        f'<div class="q-source" id="source-{n}"><div class="q-source-head"><b>[{n}] {html.escape(doc.title)}</b>'
        f"<br><small>{html.escape(' · '.join(m for m in meta if m))}{link}</small></div>"
        f'<div class="q-source-text">{body}</div></div>'
    )


def sources_html(answer: Answer | None) -> str:
    if answer is None:
        return "<p class='q-empty'>Cited passages appear here.</p>"
    if answer.abstained:
        items = [_passage_html(i, p, ()) for i, p in enumerate(answer.passages, start=1)]
        return "<p><b>Closest passages</b> (they do not answer the question):</p>" + "".join(items)
    return "".join(_passage_html(c.n, c.passage, c.sentences) for c in answer.citations)
