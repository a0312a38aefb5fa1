"""Quoting: the chosen sentences as an answer quotes them, verbatim, with the context they lean on.

A sentence that opens "This", "However", "As a result" leans on the one before
it, and comes with it; a following sentence that leans on it comes too (same
paragraph). Sentences of one passage that follow one another are quoted as one
run, and no sentence is quoted twice. Quotes keep every figure and word as the
document has them: only a paragraph's number or bullet is left off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from retrieval.models import Passage
from retrieval.sentences import sentence_spans

_MARKER = re.compile(r"^(?:\d{1,3}\.\s+|•\s*)")
_BARE_MARKER = re.compile(r"\d{1,3}\.|•")  # a paragraph's number, split off as a sentence of its own


def quoted(raw: str) -> str:
    """A sentence as an answer quotes it: without its paragraph number or bullet."""
    return _MARKER.sub("", raw).strip()


# A sentence that opens so leans on the one before it: "This", "However", "As a result".
_LEANS_BACK = re.compile(
    r"(?:this|these|those|such|however|but|by contrast|in contrast|conversely|in particular|despite this"
    r"|as a result|consequently|therefore|in addition|additionally|furthermore|moreover)\b",
    re.I,
)
Span = tuple[int, int]


@dataclass(frozen=True)
class Quotation:
    """Sentences quoted together from one passage, in the passage's order."""

    passage: Passage
    sentences: tuple[str, ...]
    header: str = ""  # a table's header row from before the passage, when the quote opens with a row

    @property
    def text(self) -> str:
        """The quote as the answer gives it: a table row comes after its header row."""
        return " ".join((self.header, *self.sentences) if self.header else self.sentences)


def context_of(passage: Passage, span: Span) -> list[Span]:
    """The sentence at ``span``, with the sentence before when it leans on that one,
    and the sentence after when that one leans on it; both from the same paragraph."""
    spans = sentence_spans(passage.text)
    if span not in spans:
        return [span]
    return [spans[i] for i in _context(passage, spans, spans.index(span))]


def _context(passage: Passage, spans: list[Span], i: int) -> list[int]:
    """``context_of`` over the passage's sentences, already split: the numbers of the sentences to quote.

    A table row comes with its table's first row, the header that says what each cell is.
    """
    if is_table_row(_text(passage, spans[i])):
        if passage.chunk.header:  # the passage holds later rows: its header row is not among them
            return [i]
        first = i
        while first > 0 and is_table_row(_text(passage, spans[first - 1])):
            first -= 1
        return [first, i] if first < i else [i]
    run = [i]
    leans_back = _LEANS_BACK.match(quoted(_text(passage, spans[i])))
    if i > 0 and leans_back and _continues(passage, spans[i - 1], spans[i]):
        run.insert(0, i - 1)
    if i + 1 < len(spans) and _continues(passage, spans[i], spans[i + 1]):
        following = quoted(_text(passage, spans[i + 1]))
        if _LEANS_BACK.match(following) and len(following.split()) >= 4:
            run.append(i + 1)
    return run


def _text(passage: Passage, span: Span) -> str:
    return passage.text[span[0] : span[1]]


def _continues(passage: Passage, first: Span, second: Span) -> bool:
    """Do two neighbouring sentences belong to one paragraph, neither of them a heading?"""
    texts = (_text(passage, first), _text(passage, second))
    return (
        "\n\n" not in passage.text[first[1] : second[0]]
        and not _MARKER.match(texts[1])
        and not any(is_heading(t) or _BARE_MARKER.fullmatch(t) for t in texts)
    )


def quotations(chosen: Sequence[tuple[Passage, Span]], with_context: bool = True) -> list[Quotation]:
    """The chosen sentences (each a passage and the sentence's span in it) as the answer quotes them, best first.

    With ``with_context``, each comes with the neighbours it leans on (see
    ``context_of``). Sentences of one passage that follow one another are
    quoted as one run; no sentence is quoted twice.
    """
    runs: list[tuple[Passage, list[Span], list[int]]] = []  # passage, its sentences, the run's sentence numbers
    done: set[tuple[str, int]] = set()
    for passage, span in chosen:
        spans = sentence_spans(passage.text)
        if span not in spans:
            continue
        i = spans.index(span)
        indices = _context(passage, spans, i) if with_context else [i]
        fresh = [j for j in indices if (passage.chunk.chunk_id, j) not in done]
        if not fresh:
            continue
        done.update((passage.chunk.chunk_id, i) for i in fresh)
        joined = next(
            (run for other, _, run in runs
             if other.chunk.chunk_id == passage.chunk.chunk_id and (run[-1] + 1 == fresh[0] or fresh[-1] + 1 == run[0])),
            None,
        )
        if joined is None:
            runs.append((passage, spans, fresh))
        else:
            joined[:] = sorted(joined + fresh)
    return [
        Quotation(p, tuple(quoted(_text(p, spans[i])) for i in run), _header_before(p, spans, run[0]))
        for p, spans, run in runs
    ]


def _header_before(passage: Passage, spans: list[Span], first: int) -> str:
    """The header row of the table a quote opens in, when the passage holds only later rows."""
    header = passage.chunk.header
    return header if header and is_table_row(_text(passage, spans[first])) else ""


_CELLS = re.compile(r"\S\s*(?:\||\t)\s*\S")


def is_table_row(line: str) -> bool:
    """A line of cells ("Band D precept | £268.42 | £282.42"): two or more, split by bars or tabs."""
    return len(_CELLS.findall(line)) >= 2


def is_heading(line: str) -> bool:
    """A short line without closing punctuation; a table row is data, not a heading."""
    return (
        not line.startswith("•") and line.rstrip()[-1:] not in ".!?”\"’" and len(line.split()) < 15
        and not is_table_row(line)
    )
