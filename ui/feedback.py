"""Readers' ratings of answers, kept in the data directory (SQLite), and turned into evaluation items.

A rating holds the question, the query searched, a link to the answer (with its filters), the answer's text
and what it cited, the rating and an optional comment, and the index's content
stamp: nothing about who rated (no address, no session). Rated-down answers are
exported as evaluation items with ``quote: null`` for a person to fill in, so
real misses grow the evaluation set.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from retrieval.errors import ConfigError
from retrieval.models import Answer

FILE_NAME = "feedback.sqlite3"
MAX_COMMENT_CHARS = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    question TEXT NOT NULL,
    query TEXT NOT NULL,
    link TEXT NOT NULL,
    answer TEXT NOT NULL,
    cited TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    liked INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    stamp TEXT NOT NULL DEFAULT ''
)
"""


@dataclass(frozen=True)
class Rating:
    id: int
    at: str  # ISO time, UTC
    question: str
    query: str
    link: str  # the query string of a link to the answer: question, filters, index stamp
    answer: str
    cited: list[dict]  # doc_id, title, page or paragraph, the sentences quoted
    abstained: bool
    liked: bool
    comment: str = ""
    stamp: str = ""  # the index's content stamp when the answer was given

    def to_json(self) -> dict:
        return asdict(self)

    def as_item(self) -> dict:
        """An evaluation item to review: the question and what Quorum answered; the quote a person fills in."""
        return {
            "id": f"feedback-{self.id}",
            "question": self.query or self.question,
            "quote": None,
            "doc": self.cited[0]["doc_id"] if self.cited else None,
            "answer": self.answer,
            "comment": self.comment,
            "type": "feedback",
            "split": "review",
        }


class FeedbackStore:
    """Ratings in ``<home>/feedback.sqlite3``; safe to use from the app's worker threads."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / FILE_NAME
        self._lock = threading.Lock()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = sqlite3.connect(self.path, timeout=10)
        except sqlite3.Error as error:
            raise ConfigError(f"cannot open the feedback file {self.path} ({error})") from error
        try:
            with connection:
                connection.execute(_SCHEMA)
                yield connection
        finally:
            connection.close()

    def add(self, answer: Answer, link: str, liked: bool, stamp: str = "", comment: str = "") -> int:
        """Store one rating; its id."""
        cited = [
            {
                "n": c.n,
                "doc_id": c.passage.chunk.doc.doc_id,
                "title": c.passage.chunk.doc.title,
                "page": c.passage.chunk.page or None,
                "paragraph": c.passage.chunk.paragraph or None,
                "sentences": list(c.sentences),
            }
            for c in answer.citations
        ]
        row = (
            datetime.now(timezone.utc).isoformat(timespec="seconds"), answer.question, answer.query or answer.question,
            link, answer.text, json.dumps(cited), int(answer.abstained), int(liked),
            comment.strip()[:MAX_COMMENT_CHARS], stamp,
        )
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback (at, question, query, link, answer, cited, abstained, liked, comment, stamp)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid or 0)

    def change(self, rating_id: int, liked: bool) -> bool:
        """A reader changed their mind about an answer they rated; False when there is no such rating."""
        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock, self._connect() as db:
            cursor = db.execute("UPDATE feedback SET liked = ?, at = ? WHERE id = ?", (int(liked), at, rating_id))
            return cursor.rowcount == 1

    def withdraw(self, rating_id: int) -> bool:
        """A reader took their rating back: it is gone, comment and all; False when there was none."""
        with self._lock, self._connect() as db:
            return db.execute("DELETE FROM feedback WHERE id = ?", (rating_id,)).rowcount == 1

    def comment(self, rating_id: int, comment: str) -> bool:
        """Add or replace the comment of a rating; False when there is no such rating."""
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "UPDATE feedback SET comment = ? WHERE id = ?", (comment.strip()[:MAX_COMMENT_CHARS], rating_id)
            )
            return cursor.rowcount == 1

    def all(self) -> list[Rating]:
        if not self.path.exists():
            return []
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, at, question, query, link, answer, cited, abstained, liked, comment, stamp"
                " FROM feedback ORDER BY id"
            ).fetchall()
        return [
            Rating(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), bool(r[7]), bool(r[8]), r[9], r[10])
            for r in rows
        ]

    def export_misses(self, target: Path) -> int:
        """Write the rated-down answers as evaluation items (JSONL) to ``target``; how many."""
        misses = [r for r in self.all() if not r.liked]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(json.dumps(r.as_item(), ensure_ascii=False) + "\n" for r in misses), encoding="utf-8")
        return len(misses)
