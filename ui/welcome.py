"""The empty chat: what the corpus holds, and example questions it can answer."""

from __future__ import annotations

from retrieval.store import StoredDocument
from ui.documents import by_date
from ui.highlight import escape_markdown

# Questions the shipped corpus answers, each with the document that answers it:
# an example is offered only when its document is in the store.
EXAMPLES: list[tuple[str, str]] = [
    ("What is the Net Budget Requirement for 2023/24?", "panel-performance-report-2023-11-17.md"),
    ("What did the inspection say about vetting?", "panel-performance-report-2023-11-17.md"),
    ("How long are people waiting for a shotgun certificate?", "panel-performance-report-2023-11-17.md"),
    ("How many extra officers has the PCC funded for investigation teams?", "pcc-letter-home-secretary-2023-12-18.txt"),
    ("What did the 2016 PEEL inspection find about preventing crime?", "hmic-peel-2016-effectiveness.txt"),
    ("What did HMICFRS find in its 2025 PEEL inspection?", "peel-2025-news-2025-05-14.txt"),
]
MAX_EXAMPLES = 6


def example_questions(documents: dict[str, StoredDocument]) -> list[str]:
    """Up to six questions about the documents in the store.

    For a corpus other than the shipped one, each document gets a question
    about its own title.
    """
    chosen = [question for question, doc_id in EXAMPLES if doc_id in documents]
    for document in by_date(documents):
        if len(chosen) >= MAX_EXAMPLES:
            break
        if not any(doc_id == document.info.doc_id for _, doc_id in EXAMPLES):
            chosen.append(f"What does “{document.info.title}” say?")
    return chosen[:MAX_EXAMPLES]


def overview(documents: dict[str, StoredDocument]) -> str:
    """Markdown for the empty chat: how many documents, of when, and which, newest first."""
    if not documents:
        return "**No documents are indexed yet.** Run `quorum ingest` and reload this page."
    years = sorted(d.info.date[:4] for d in documents.values() if d.info.date)
    span = f" from {years[0]}–{years[-1]}" if years and years[0] != years[-1] else ""
    lines = [
        f"### Ask about {len(documents)} governance documents{span}",
        "Answers are quoted from these documents, each sentence citing its passage.",
        "",
    ]
    for document in by_date(documents):
        info = document.info
        details = ", ".join(escape_markdown(d) for d in (info.type, info.date) if d)
        lines.append(f"- **{escape_markdown(info.title)}** — {details}")
    lines += ["", "Try a question below, or type your own; follow-ups work too."]
    return "\n".join(lines)
