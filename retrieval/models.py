"""Plain data passed between the parts of Quorum."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from retrieval.relative_dates import RelativeDate, relative_dates


@dataclass(frozen=True)
class DocumentInfo:
    """What a reader needs to know about where a passage comes from."""

    doc_id: str
    title: str
    type: str
    organisation: str = ""
    date: str = ""  # ISO yyyy-mm-dd, or "" when unknown
    source: str = ""  # file name the document was ingested from
    url: str = ""
    licence: str = ""
    # Where a committee paper sits, as its council's site gives it (synced from ModernGov, or a manifest).
    committee: str = ""
    meeting_id: str = ""
    meeting_date: str = ""  # ISO; the document's ``date`` may be its own
    meeting_url: str = ""
    item: str = ""  # the agenda item's number, as printed ("6", "6a")
    item_title: str = ""
    item_url: str = ""
    published: str = ""  # ISO: when the council published it
    withdrawn: str = ""  # ISO: when the council's site stopped listing it (kept, never silently deleted)

    @property
    def meeting(self) -> str:
        """ "Police and Crime Panel, 4 February 2025, item 6: Proposed precept"; "" outside a meeting."""
        if not self.committee:
            return ""
        parts = [self.committee, long_date(self.meeting_date)] if self.meeting_date else [self.committee]
        label = ", ".join(parts)
        if self.item:
            label += f", item {self.item}" + (f": {self.item_title}" if self.item_title else "")
        return label


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage of a document, as stored."""

    chunk_id: str
    doc: DocumentInfo
    text: str  # verbatim slice of the cleaned document text
    start: int
    end: int
    index: int
    paragraph: str = ""
    section: str = ""
    pages: tuple[str, ...] = ()  # a PDF passage's pages, as printed ("iv", "12")
    page_numbers: tuple[int, ...] = ()  # the same pages, counted from the PDF's first page
    page_starts: tuple[int, ...] = ()  # where in ``text`` each of those pages begins (the first at 0)
    ocr: bool = False  # some of its text was read from a page image
    header: str = ""  # a table's header row, when the passage holds later rows of the table
    speaker: str = ""  # in a transcript, who is speaking where the passage begins ("Kirsty Williams AM")

    @property
    def page(self) -> str:
        """The page the passage starts on, as printed; "" outside PDFs."""
        return self.pages[0] if self.pages else ""

    def page_at(self, offset: int) -> int:
        """The index in ``pages`` of the page holding ``text[offset]``."""
        return max((i for i, start in enumerate(self.page_starts) if start <= offset), default=0)

    @property
    def content_hash(self) -> str:
        return self.chunk_id.rsplit(":", 1)[-1]

    @property
    def context(self) -> str:
        """Title and section: what a reader sees above the passage."""
        return "\n".join(part for part in (self.doc.title, self.section, self.header) if part)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk, embedded on its own for sharper dense matching."""

    sentence_id: str  # "<chunk_id>#<start>:<content hash>"
    chunk_id: str
    start: int  # offsets into the chunk text
    end: int
    text: str

    @property
    def content_hash(self) -> str:
        return self.sentence_id.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class Passage:
    """A chunk as retrieved for one question, with its fused score."""

    chunk: Chunk
    score: float
    lexical_rank: int | None = None
    dense_rank: int | None = None
    dense_similarity: float | None = None

    @property
    def text(self) -> str:
        return self.chunk.text


@dataclass(frozen=True)
class Citation:
    """A numbered source an answer sentence points at."""

    n: int
    passage: Passage
    sentences: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conflict:
    """One side of a disagreement between documents."""

    statement: str
    citations: tuple[int, ...]
    title: str
    date: str

    def to_json(self) -> dict[str, Any]:
        return {"statement": self.statement, "citations": list(self.citations), "title": self.title,
                "date": self.date or None}


@dataclass(frozen=True)
class SentenceCheck:
    """How one sentence of a written answer was verified."""

    text: str
    cited: tuple[int, ...]  # passage numbers the model wrote (in the prompt's numbering)
    n: int | None  # the citation it is shown with; None when it was removed
    method: str  # "facts+meaning", "meaning", "reattached", or "removed: <why>"
    score: float

    def to_json(self) -> dict[str, Any]:
        return {"sentence": self.text, "model_cited": list(self.cited), "n": self.n, "check": self.method,
                "score": self.score}


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    abstained: bool
    citations: list[Citation]
    passages: list[Passage]
    query: str = ""  # the standalone query actually searched
    timing_ms: dict[str, float] = field(default_factory=dict)
    notice: str = ""
    generated: bool = False  # written by a language model (and verified)
    fell_back: bool = False  # the model's draft failed verification: the extractive answer is shown
    draft: str = ""  # the model's draft as written
    checks: list[SentenceCheck] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)  # when the documents disagree

    @property
    def as_of(self) -> str:
        """How current the evidence is: "17 November 2023", or a range over the cited documents."""
        dates = sorted({c.passage.chunk.doc.date for c in self.citations if c.passage.chunk.doc.date})
        if not dates:
            return ""
        first, last = long_date(dates[0]), long_date(dates[-1])
        return first if first == last else f"{first} to {last}"

    @property
    def reported(self) -> str:
        """ "as reported on 17 November 2023" (or "from ... to ..."); "" without dated evidence."""
        if not self.as_of or self.abstained:
            return ""
        return f"as reported {'from' if ' to ' in self.as_of else 'on'} {self.as_of}"

    @property
    def relative_dates(self) -> list[RelativeDate]:
        """What "last month", "this quarter" in the cited sentences meant when each document was written."""
        return [] if self.abstained else relative_dates(self.citations)

    @property
    def removed(self) -> list[str]:
        return [c.text for c in self.checks if c.n is None]

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "query": self.query or self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "notice": self.notice,
            "citations": [
                passage_json(c.passage) | {"n": c.n, "sentences": list(c.sentences)}
                for c in self.citations
            ],
            "passages": [passage_json(p) for p in self.passages],
            "timing_ms": {k: round(v, 1) for k, v in self.timing_ms.items()},
            "generated": self.generated,
            "fell_back": self.fell_back,
            "checks": [c.to_json() for c in self.checks],
            "removed": self.removed,
            "conflicts": [c.to_json() for c in self.conflicts],
            "as_of": self.as_of or None,
            "relative_dates": [r.to_json() for r in self.relative_dates],
        }


def long_date(iso: str, *, abbreviated: bool = False) -> str:
    """ "17 November 2023" (abbreviated: "17 Nov 2023") for "2023-11-17"; "" when unknown; the value
    itself when it is not a full date."""
    if not iso:
        return ""
    try:
        return date.fromisoformat(iso).strftime("%-d %b %Y" if abbreviated else "%-d %B %Y")
    except ValueError:
        return iso


MEETING_JSON = ("committee", "meeting_id", "meeting_date", "meeting_url", "item", "item_title", "item_url",
                "published", "withdrawn")


def passage_json(passage: Passage) -> dict[str, Any]:
    chunk = passage.chunk
    doc = asdict(chunk.doc)
    return {
        "doc_id": doc["doc_id"],
        "title": doc["title"],
        "type": doc["type"],
        "organisation": doc["organisation"],
        "date": doc["date"] or None,
        "source": doc["source"],
        "url": doc["url"] or None,
        **{name: doc[name] or None for name in MEETING_JSON},
        "meeting": chunk.doc.meeting or None,
        "paragraph": chunk.paragraph or None,
        "section": chunk.section or None,
        "page": chunk.page or None,
        "pages": list(chunk.pages),
        "page_numbers": list(chunk.page_numbers),
        "ocr": chunk.ocr,
        "start": chunk.start,
        "end": chunk.end,
        "chunk_id": chunk.chunk_id,
        "text": chunk.text,
        "score": round(passage.score, 6),
    }
