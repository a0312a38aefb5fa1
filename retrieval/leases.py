"""Ingest leases on a Chroma server: who may write which documents, across every replica.

A whole-store ingest (`quorum ingest`) takes the store's lease; a sync takes one
lease per source and writes only that source's documents, so several machines
can sync different councils into one server at once. The two kinds exclude
each other: a whole-store ingest finishes or undoes every interrupted write, a
source's sync only its own.

Chroma's ``add`` keeps an existing record, so of two replicas adding the same
lease at once exactly one finds its own name on it. A lease whose holder died
(its process is gone on this host, or it was not renewed in time) is taken over.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Any

from retrieval.errors import IngestLocked
from retrieval.store import Store

WHOLE_STORE = "ingest"
_SOURCE = "ingest:"  # a source's lease: "ingest:<source id>"


@dataclass(frozen=True)
class Owner:
    """Who holds a lease: a host, a process and a random token."""

    host: str
    pid: int
    token: str
    since: float

    @classmethod
    def me(cls) -> Owner:
        return cls(socket.gethostname(), os.getpid(), secrets.token_hex(8), time.time())

    def record(self, expires: float) -> dict[str, Any]:
        return {"host": self.host, "pid": self.pid, "token": self.token, "since": self.since, "expires": expires}

    @staticmethod
    def is_alive(record: dict[str, Any], now: float) -> bool:
        if float(record.get("expires", 0)) < now:
            return False
        pid = int(record.get("pid", 0) or 0)
        if record.get("host") == socket.gethostname() and pid > 0:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            except (PermissionError, ValueError):
                pass
        return True


def lease_id(scope: str = "") -> str:
    """The whole store's lease for ``scope`` "", else the lease of the source ``scope``."""
    return f"{_SOURCE}{scope}" if scope else WHOLE_STORE


def acquire(store: Store, owner: Owner, seconds: int, scope: str = "") -> None:
    """Take the lease for ``scope``, or raise ``IngestLocked`` naming who holds it or one it excludes."""
    name = lease_id(scope)
    for _ in range(2):
        now = time.time()
        store.on_locks("add", ids=[name], metadatas=[owner.record(now + seconds)], embeddings=[[0.0]])
        got = store.on_locks("get", ids=[name], include=["metadatas"])
        held = got["metadatas"][0] if got["ids"] else None
        if held is None:
            continue
        if held.get("token") == owner.token:
            blocker = _excluding(store, scope, owner, now)
            if blocker is None:
                return
            release(store, owner, scope)
            raise IngestLocked(_busy(blocker, now, "whole-store ingest" if scope else "sync of a source"))
        if not Owner.is_alive(held, now):
            store.on_locks("delete", ids=[name], where={"token": str(held.get("token"))})
            continue
        raise IngestLocked(_busy(held, now, f"sync of {scope}" if scope else "ingest"))
    raise IngestLocked("another ingest took the lock at the same moment; try again")


def renew(store: Store, owner: Owner, seconds: int, scope: str = "") -> None:
    store.on_locks("update", ids=[lease_id(scope)], metadatas=[owner.record(time.time() + seconds)])


def release(store: Store, owner: Owner, scope: str = "") -> None:
    store.on_locks("delete", ids=[lease_id(scope)], where={"token": owner.token})


def _excluding(store: Store, scope: str, owner: Owner, now: float) -> dict[str, Any] | None:
    """A live lease of the other kind: any source's for a whole-store ingest, the whole store's for a source."""
    got = store.on_locks("get", include=["metadatas"])
    for name, record in zip(got["ids"], got["metadatas"], strict=True):
        other_kind = name.startswith(_SOURCE) if not scope else name == WHOLE_STORE
        if other_kind and record.get("token") != owner.token and Owner.is_alive(record, now):
            return record
    return None


def _busy(held: dict[str, Any], now: float, what: str) -> str:
    since = time.strftime("%H:%M:%S", time.localtime(float(held.get("since", now))))
    return f"another {what} is running against this store (on {held.get('host')}, since {since}); try again when it finishes"
