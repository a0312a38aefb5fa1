"""The Timeline tab: what the documents say about a topic, oldest first, each entry quoted."""

from __future__ import annotations

from retrieval.models import long_date
from retrieval.timeline import Timeline
from ui.highlight import escape, safe_url
from ui.sources import place

TIMELINE_EMPTY = "<p class='q-doc-empty'>Type a topic to see what each document says about it, in date order.</p>"


def timeline_html(found: Timeline) -> str:
    if not found.entries:
        return f"<p>{escape(found.silence())}</p>"
    rows = []
    for n, entry in enumerate(found.entries, start=1):
        doc = entry.passage.chunk.doc
        where = " · ".join(escape(p) for p in (doc.title, doc.type, place(entry.passage)) if p)
        url = safe_url(doc.url)
        link = f' · <a href="{escape(url)}" target="_blank" rel="noopener">source ↗</a>' if url else ""
        rows.append(
            f"<li class='q-tl-entry'><div class='q-tl-when'>{escape(long_date(entry.date) or 'undated')}</div>"
            f"<blockquote>{escape(entry.sentence)} <span class='q-tl-n'>[{n}]</span></blockquote>"
            f"<div class='q-tl-where'>{where}{link}</div></li>"
        )
    return f"<h3>Timeline: {escape(found.topic)}</h3><ol class='q-timeline'>{''.join(rows)}</ol>"
