"""Answers as chat messages: escaped text, citation links, streamed a few words at a time.

The Chatbot renders Markdown and sanitises HTML; it keeps ``class``, ``href``
and ``title`` on links but drops ``data-*`` attributes, so a citation link
carries its answer (turn) and citation number in its href: ``#q-cite-<turn>-<n>``.
The page script (ui/theme.py) turns a click on it into a ``cite`` event.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from retrieval.errors import IndexMissing, InvalidFilter, InvalidQuestion, QuorumError, RateLimited
from retrieval.models import Answer, Citation, long_date
from ui.highlight import escape, escape_markdown
from ui.sources import passage_label, place

_MARKER = re.compile(r"^\[(\d+)\]$")
_ABBREVIATION = re.compile(r"^([(“\"']?)([A-Z][A-Za-z&/]{1,9}?)(s?[)”\"',.;:]*)$")
WORDS_PER_STEP = 3
MAX_STEPS = 12  # streamed steps of one answer, at most

GENERIC_ERROR = "Sorry, something went wrong answering that. Please try again."


def cite_link(turn: int, citation: Citation) -> str:
    """The marker [n] as a link to its passage, named for screen readers ("source 2: Panel report, 17 Nov 2023, para 47")."""
    label = escape(passage_label(citation.passage))
    name = escape(citation_name(citation))
    # The chat's sanitiser drops aria-label: the name is text, hidden from sight (.q-sr), read first.
    return (
        f'<a class="q-cite" href="#q-cite-{turn}-{citation.n}" title="{label}">'
        f'<span class="q-sr">{name}</span><span aria-hidden="true">[{citation.n}]</span></a>'
    )


def citation_name(citation: Citation) -> str:
    """What a citation marker is called: its number, document, date and place."""
    chunk = citation.passage.chunk
    day = long_date(chunk.doc.date, abbreviated=True)
    return f"source {citation.n}: " + ", ".join(p for p in (chunk.doc.title, day, place(citation.passage)) if p)


def announcement(outcome: Answer | str) -> str:
    """What a screen reader is told when an answer is ready: its first words and how many sources it cites."""
    if isinstance(outcome, str):
        return outcome  # a message saying why there is no answer
    if outcome.abstained:
        return "Answer ready: the documents do not answer this question."
    words = outcome.text.split()
    opening = " ".join(w for w in words[:30] if not _MARKER.match(w))
    sources = len(outcome.citations)
    return f"Answer ready, citing {sources} source{'s' if sources != 1 else ''}: {opening}{'…' if len(words) > 30 else ''}"


def answer_tokens(answer: Answer, turn: int, glossary: dict[str, str] | None = None) -> list[str]:
    """The answer's words, escaped; each marker [n] a citation link, each defined abbreviation explained on hover."""
    citations = {c.n: c for c in answer.citations}
    glossary = glossary or {}
    tokens = []
    for word in answer.text.split():
        found = _MARKER.match(word)
        bare = _ABBREVIATION.match(word)
        if found and int(found.group(1)) in citations:
            tokens.append(cite_link(turn, citations[int(found.group(1))]))
        elif bare and bare.group(2) in glossary:
            before, term, after = bare.groups()
            tokens.append(
                f'{escape_markdown(before)}<abbr class="q-abbr" title="{escape(glossary[term])}">{escape(term)}</abbr>'
                f"{escape_markdown(after)}"
            )
        else:
            tokens.append(escape_markdown(word))
    return tokens


def draft_message(draft: str) -> str:
    """A model's draft while it streams, marked as not yet checked."""
    return f"{escape_markdown(draft)} ▍\n\n<small class=\"q-drafting\">drafting · every sentence is checked against the documents before it is shown</small>"


def answer_footer(answer: Answer, turn: int, filters_text: str = "", link: str = "") -> str:
    """Under the answer: the notice, what verification removed, the query searched, the filters, a sources link."""
    lines = []
    if answer.notice:
        lines.append(f"*{escape_markdown(answer.notice)}*")
    if answer.removed and not answer.fell_back:
        struck = " ".join(f"~~{escape_markdown(s[:200])}~~" for s in answer.removed[:3])
        if len(answer.removed) > 3:
            struck += f" (and {len(answer.removed) - 3} more)"
        lines.append(f"*Removed from the draft, not supported by the documents:* {struck}")
    meta = [f"searched: “{escape_markdown(answer.query or answer.question)}”"]
    if answer.reported:
        meta.insert(0, escape_markdown(answer.reported))
    if answer.relative_dates:
        lines.append(f'<small class="q-dates">{escape_markdown(" ".join(r.describe() for r in answer.relative_dates))}</small>')
    if filters_text:
        meta.append(escape_markdown(filters_text))
    label = "closest passages" if answer.abstained else "sources"
    meta.append(f'<a class="q-cite" href="#q-cite-{turn}-0">{label}</a>')
    if link:
        meta.append(f'<a class="q-share" href="{escape(link)}">Link to this answer</a>')
    lines.append(f'<small class="q-query">{" · ".join(meta)}</small>')
    return "\n\n".join(lines)


def reply_steps(
    answer: Answer, turn: int, filters_text: str = "", glossary: dict[str, str] | None = None, link: str = ""
) -> Iterator[str]:
    """The reply as it grows, a few words at a time; the last step is the whole reply."""
    tokens = answer_tokens(answer, turn, glossary)
    # Each step re-renders the chat in the browser: a long answer grows in bigger steps, not more of them.
    step = max(WORDS_PER_STEP, -(-len(tokens) // MAX_STEPS))
    for end in range(step, len(tokens), step):
        yield " ".join(tokens[:end])
    yield " ".join(tokens) + "\n\n" + answer_footer(answer, turn, filters_text, link)


STORE_ERROR = "Sorry, the documents cannot be searched at the moment. Please try again shortly."

# Errors about the question itself; any other (store, configuration) may name paths or settings.
_SHOWN = (InvalidQuestion, InvalidFilter, RateLimited, IndexMissing)


def public_message(error: Exception) -> str:
    """What a reader may be told about ``error``: its message only when it is about their question."""
    if isinstance(error, _SHOWN):
        return str(error)
    if isinstance(error, QuorumError):
        return STORE_ERROR.removeprefix("Sorry, ")
    return GENERIC_ERROR.removeprefix("Sorry, ")


def error_reply(error: Exception) -> str:
    """``public_message`` as the chat shows it; never a traceback, a path or a setting."""
    if isinstance(error, _SHOWN):
        return f"Sorry: {escape_markdown(public_message(error))}"
    return f"Sorry, {public_message(error)}"  # our own wording


def message_text(content: object) -> str:
    """The text of a chat message's content: a string, or Gradio's list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, list):
        return " ".join(message_text(part) for part in content).strip()
    return ""
