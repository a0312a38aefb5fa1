"""Escaped HTML for document text, with chosen spans wrapped in <mark>.

Everything that came from a document goes through ``html.escape`` here: a
document holding ``<script>`` shows the tag as text, never runs it.
"""

from __future__ import annotations

import html
import re

_MARKDOWN = re.compile(r"([\\`*_\[\]#|~])")
_LIST_START = re.compile(r"^(\d+)([.)])")


def escape(text: str) -> str:
    return html.escape(text, quote=True)


# What a Markdown renderer with autolinking turns into a link on its own: "https://…", "www.…", "a@b.org".
_AUTOLINK = re.compile(r"(?<=[A-Za-z])(:)(?=//)|(?<=\bwww)(\.)|(@)", re.IGNORECASE)
_ENTITY = {":": "&#58;", ".": "&#46;", "@": "&#64;"}


def escape_markdown(text: str) -> str:
    """Text made inert for Markdown with HTML: Markdown syntax backslashed, then HTML escaped, and
    what would be linked on its own ("https://…", "www.…", an email address) broken up with an
    entity that shows the same character, so no text from a visitor or a document becomes a link."""
    text = _LIST_START.sub(r"\1\\\2", _MARKDOWN.sub(r"\\\1", text))
    text = html.escape(text, quote=False)
    return _AUTOLINK.sub(lambda m: _ENTITY[m.group(0)], text)


def sentence_spans(text: str, sentences: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where each sentence first occurs in ``text``; sentences not found are skipped."""
    spans = []
    for sentence in sentences:
        start = text.find(sentence)
        if start >= 0 and sentence:
            spans.append((start, start + len(sentence)))
    return merged(spans)


def merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with overlaps joined, so that no <mark> nests in another."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def marked(text: str, spans: list[tuple[int, int]], mark_class: str = "") -> str:
    """``text`` escaped, each span (offsets into ``text``) wrapped in <mark>."""
    attr = f' class="{escape(mark_class)}"' if mark_class else ""
    pieces: list[str] = []
    at = 0
    for start, end in merged(spans):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        pieces.append(escape(text[at:start]))
        pieces.append(f"<mark{attr}>{escape(text[start:end])}</mark>")
        at = end
    pieces.append(escape(text[at:]))
    return "".join(pieces)


def safe_url(url: str) -> str:
    """The URL if it is an http(s) link, else "" (no javascript: or data: links)."""
    return url if url.lower().startswith(("https://", "http://")) else ""
