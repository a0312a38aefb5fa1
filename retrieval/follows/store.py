"""Followed topics, their digests' entries and their email subscribers, kept in ``<home>/follows.db`` (SQLite).

An address is kept only while it is wanted: it is added unconfirmed, confirmed by
a mailed link, and deleted when it unsubscribes. Tokens are random and single-purpose.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.errors import QuorumError, ReaderError

_SCHEMA = """
create table if not exists follows (
  id text primary key, topic text not null, committee text not null default '', created real not null
);
create table if not exists entries (
  id text primary key, follow_id text not null references follows(id) on delete cascade,
  created real not null, body text not null
);
create index if not exists entries_by_follow on entries(follow_id, created);
create table if not exists subscribers (
  token text primary key, follow_id text not null references follows(id) on delete cascade,
  email text not null, confirmed integer not null default 0, created real not null,
  unique(follow_id, email)
);
create table if not exists sent (
  entry_id text not null, token text not null, primary key (entry_id, token)
);
"""


class UnknownFollow(ReaderError):
    """A follow id this data directory does not have."""


@dataclass(frozen=True)
class Follow:
    id: str
    topic: str
    committee: str = ""
    created: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "topic": self.topic, "committee": self.committee or None,
                "feed": f"/feeds/{self.id}.atom"}


@dataclass(frozen=True)
class Entry:
    """One digest of one follow: what new papers said of its topic."""

    id: str
    follow_id: str
    created: float
    body: dict[str, Any]  # {"quotes": [{"text", "n", "title", "meeting", "page", "url", "doc_id", ...}], "documents": [...]}


@dataclass(frozen=True)
class Subscriber:
    token: str
    follow_id: str
    email: str
    confirmed: bool


class FollowStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @classmethod
    def of(cls, home: Path) -> FollowStore:
        return cls(home / "follows.db")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("pragma foreign_keys = on")
        try:
            with db:
                yield db
        finally:
            db.close()

    # -- follows -------------------------------------------------------------

    def follow(self, topic: str, committee: str = "") -> Follow:
        """Follow ``topic`` (the same topic and committee twice is one follow)."""
        topic = " ".join(topic.split())
        if not topic:
            raise QuorumError("name a topic or a question to follow")
        with self._db() as db:
            row = db.execute("select id, topic, committee, created from follows where topic = ? and committee = ?",
                             (topic, committee)).fetchone()
            if row:
                return Follow(*row)
            follow = Follow(secrets.token_hex(6), topic, committee, time.time())
            db.execute("insert into follows values (?, ?, ?, ?)",
                       (follow.id, follow.topic, follow.committee, follow.created))
            return follow

    def follows(self) -> list[Follow]:
        with self._db() as db:
            return [Follow(*r) for r in db.execute("select id, topic, committee, created from follows order by created")]

    def get(self, follow_id: str) -> Follow:
        with self._db() as db:
            row = db.execute("select id, topic, committee, created from follows where id = ?", (follow_id,)).fetchone()
        if row is None:
            raise UnknownFollow(f"no follow {follow_id!r} (see `quorum follows`)")
        return Follow(*row)

    def unfollow(self, follow_id: str) -> Follow:
        follow = self.get(follow_id)
        with self._db() as db:
            db.execute("delete from sent where token in (select token from subscribers where follow_id = ?)", (follow_id,))
            db.execute("delete from follows where id = ?", (follow_id,))
        return follow

    # -- entries -------------------------------------------------------------

    def add_entry(self, follow_id: str, body: dict[str, Any]) -> Entry:
        entry = Entry(secrets.token_hex(8), follow_id, time.time(), body)
        with self._db() as db:
            db.execute("insert into entries values (?, ?, ?, ?)",
                       (entry.id, follow_id, entry.created, json.dumps(body, ensure_ascii=False)))
        return entry

    def entries(self, follow_id: str, limit: int = 50) -> list[Entry]:
        """Newest first."""
        with self._db() as db:
            rows = db.execute("select id, follow_id, created, body from entries where follow_id = ? "
                              "order by created desc limit ?", (follow_id, limit)).fetchall()
        return [Entry(i, f, c, json.loads(b)) for i, f, c, b in rows]

    def quoted_before(self, follow_id: str) -> set[str]:
        """Every sentence this follow's entries have quoted: quoting one again is not news."""
        return {q["text"] for e in self.entries(follow_id, limit=10_000) for q in e.body.get("quotes", [])}

    # -- subscribers ---------------------------------------------------------

    def subscribe(self, follow_id: str, email: str) -> Subscriber:
        """The address's subscription to the follow, unconfirmed when new."""
        self.get(follow_id)
        with self._db() as db:
            row = db.execute("select token, follow_id, email, confirmed from subscribers where follow_id = ? "
                             "and email = ?", (follow_id, email)).fetchone()
            if row:
                return Subscriber(row[0], row[1], row[2], bool(row[3]))
            token = secrets.token_urlsafe(24)
            db.execute("insert into subscribers values (?, ?, ?, 0, ?)", (token, follow_id, email, time.time()))
            return Subscriber(token, follow_id, email, False)

    def confirm(self, token: str) -> Subscriber | None:
        with self._db() as db:
            db.execute("update subscribers set confirmed = 1 where token = ?", (token,))
            row = db.execute("select token, follow_id, email, confirmed from subscribers where token = ?",
                             (token,)).fetchone()
        return Subscriber(row[0], row[1], row[2], bool(row[3])) if row else None

    def unsubscribe(self, token: str) -> Subscriber | None:
        """Delete the address's subscription (and with it the address); None when the token is unknown."""
        with self._db() as db:
            row = db.execute("select token, follow_id, email, confirmed from subscribers where token = ?",
                             (token,)).fetchone()
            db.execute("delete from sent where token = ?", (token,))
            db.execute("delete from subscribers where token = ?", (token,))
        return Subscriber(row[0], row[1], row[2], bool(row[3])) if row else None

    def subscribers(self, follow_id: str, confirmed: bool = True) -> list[Subscriber]:
        with self._db() as db:
            rows = db.execute("select token, follow_id, email, confirmed from subscribers where follow_id = ? "
                              "and confirmed = ?", (follow_id, int(confirmed))).fetchall()
        return [Subscriber(t, f, e, bool(c)) for t, f, e, c in rows]

    def unsent(self, entry_id: str, follow_id: str) -> list[Subscriber]:
        """Confirmed subscribers the entry has not reached yet."""
        with self._db() as db:
            rows = db.execute(
                "select s.token, s.follow_id, s.email, s.confirmed from subscribers s where s.follow_id = ? "
                "and s.confirmed = 1 and not exists (select 1 from sent where entry_id = ? and token = s.token)",
                (follow_id, entry_id)).fetchall()
        return [Subscriber(t, f, e, bool(c)) for t, f, e, c in rows]

    def mark_sent(self, entry_id: str, token: str) -> None:
        with self._db() as db:
            db.execute("insert or ignore into sent values (?, ?)", (entry_id, token))

    def pending_entries(self, since: float) -> list[Entry]:
        """Entries made since ``since`` (a retry after a failed send finds them again)."""
        with self._db() as db:
            rows = db.execute("select id, follow_id, created, body from entries where created >= ? order by created",
                              (since,)).fetchall()
        return [Entry(i, f, c, json.loads(b)) for i, f, c, b in rows]
