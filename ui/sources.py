"""HTML for the sources panel: cited passages, escaped, with the cited sentences marked.

Each passage links to its place in the whole document: a click on an
``a.q-open`` link is turned into an ``open`` event by the panel's script
(ui/theme.py), carrying the document id and the passage's offsets.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from retrieval.models import Answer, Passage

from ui.highlight import escape, marked, safe_url, sentence_spans

EMPTY = (
    "<div class='q-sources-empty'><p><b>Sources</b></p>"
    "<p>Ask a question: the passages each answer quotes appear here, with the quoted "
    "sentences highlighted. Click a citation marker such as <span class='q-cite-sample'>[1]</span> "
    "in an answer to jump to its passage.</p></div>"
)


PDF_ROUTE = "/pdf"  # served by ui.pages
PAGE_ROUTE = "/page.png"


def pdf_url(doc_id: str, page_number: int) -> str:
    """The original PDF, opened at a page (browsers' viewers read ``#page=N``)."""
    return f"{PDF_ROUTE}/{quote(doc_id)}#page={page_number}"


def page_image_url(doc_id: str, page_number: int, start: int, end: int) -> str:
    """A page drawn with the passage at ``start:end`` of the document's text marked."""
    return f"{PAGE_ROUTE}?{urlencode({'doc': doc_id, 'page': page_number, 'start': start, 'end': end})}"


def place(passage: Passage) -> str:
    """Where a passage sits in its document: "p. 14 · para 47", or the start of its section;
    "read by OCR" when its text came from a page image."""
    chunk = passage.chunk
    parts = [pages_label(chunk.pages), _within_page(passage)]
    if chunk.ocr:
        parts.append("read by OCR")
    return " · ".join(part for part in parts if part)


def pages_label(pages: tuple[str, ...]) -> str:
    """ "p. 14", "pp. 14–15", as printed on the pages; "" for a document without pages."""
    if not pages:
        return ""
    return f"p. {pages[0]}" if len(pages) == 1 else f"pp. {pages[0]}–{pages[-1]}"


def _within_page(passage: Passage) -> str:
    chunk = passage.chunk
    if chunk.paragraph:
        return f"para {chunk.paragraph}"
    if not chunk.section or _plain(chunk.section) == _plain(chunk.doc.title):
        return ""
    section = chunk.section.split(" — ")[-1]  # the innermost heading
    return section if len(section) <= 60 else section[:60].rsplit(" ", 1)[0] + "…"


_QUOTES = str.maketrans("‘’“”", "''\"\"")


def _plain(text: str) -> str:
    """A heading as compared with a title: case, spacing and the kind of quotes aside."""
    return " ".join(text.translate(_QUOTES).casefold().split())


def passage_label(passage: Passage) -> str:
    """One line naming a passage: title · type · date · paragraph."""
    doc = passage.chunk.doc
    return " · ".join(part for part in (doc.title, doc.type, doc.date, place(passage)) if part)


def _meeting_line(doc) -> str:  # noqa: ANN001
    """The meeting and agenda item a paper was published for, linked to the council's page; "" for others."""
    if not doc.meeting:
        return ""
    url = safe_url(doc.item_url or doc.meeting_url)
    label = escape(doc.meeting)
    linked = f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{label} ↗</a>' if url else label
    withdrawn = (f" <span class='q-withdrawn'>withdrawn from the council's site on {escape(doc.withdrawn)}</span>"
                 if doc.withdrawn else "")
    return f"<div class='q-source-meeting'>{linked}{withdrawn}</div>"


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
    meeting = _meeting_line(doc)
    order = _cited_pages_first(passage, sentences)
    if order:
        links.append(
            f'<a href="{escape(pdf_url(doc.doc_id, chunk.page_numbers[order[0]]))}" target="_blank" '
            f'rel="noopener">Open the PDF at this page ↗</a>'
        )
    body = marked(chunk.text, sentence_spans(chunk.text, sentences))
    header = f"<div class='q-table-header'>{escape(chunk.header)}</div>" if chunk.header else ""
    classes = "q-source q-selected" if selected else "q-source"
    return (
        f'<article class="{classes}" id="q-src-{n}">'
        f'<header><span class="q-source-n">[{n}]</span> <b>{escape(doc.title)}</b>'
        f"<div class='q-source-meta'>{escape(' · '.join(m for m in meta if m))}</div>{meeting}"
        f"<div class='q-source-links'>{' · '.join(links)}</div></header>"
        f'{_page_figures(passage, order)}{header}<div class="q-source-text">{body}</div></article>'
    )


def _cited_pages_first(passage: Passage, sentences: tuple[str, ...]) -> list[int]:
    """The passage's pages (indices), the one holding its first cited sentence first."""
    chunk = passage.chunk
    if not chunk.page_numbers:
        return []
    at = next((chunk.text.find(s) for s in sentences if s and chunk.text.find(s) >= 0), 0)
    first = chunk.page_at(at)
    return [first, *(i for i in range(len(chunk.page_numbers)) if i != first)]


def _page_figures(passage: Passage, order: list[int]) -> str:
    """The passage's pages as images (the cited one first), its lines marked; the passage follows as text."""
    chunk = passage.chunk
    figures = []
    for label, number in [(chunk.pages[i], chunk.page_numbers[i]) for i in order[:2]]:
        src = page_image_url(chunk.doc.doc_id, number, chunk.start, chunk.end)
        alt = f"Page {label} of {chunk.doc.title}, the cited lines marked in yellow. The passage follows as text."
        figures.append(
            f'<figure class="q-page"><img src="{escape(src)}" alt="{escape(alt)}" loading="lazy" width="612">'
            f"<figcaption>p. {escape(label)}{' · read by OCR' if chunk.ocr else ''}</figcaption></figure>"
        )
    return "".join(figures)


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
