"""What a sync did, source by source; kept as ``<home>/sync/last.json`` for the CLI and the app."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from retrieval.settings import Settings


@dataclass
class SourceReport:
    source: str
    meetings_seen: int = 0
    meetings_new: int = 0
    meetings_changed: int = 0  # synced before, and something of theirs changed this time
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    withdrawn: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # a folder source's files that are gone
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why): restricted, too large, not a document
    failed: list[tuple[str, str]] = field(default_factory=list)  # (what, one-line reason); retried next time
    requests: int = 0
    downloaded_bytes: int = 0
    error: str = ""  # the source could not be synced at all

    @property
    def ok(self) -> bool:
        return not self.error

    def summary(self) -> str:
        parts = [f"{self.meetings_seen} meetings ({self.meetings_new} new, {self.meetings_changed} changed)"] \
            if self.meetings_seen else []
        parts.append(f"{len(self.added)} documents added, {len(self.changed)} changed, {self.unchanged} unchanged")
        for label, items in (("withdrawn", self.withdrawn), ("removed", self.removed), ("skipped", self.skipped),
                             ("failed", self.failed)):
            if items:
                parts.append(f"{len(items)} {label}")
        return "; ".join(parts)


@dataclass
class SyncReport:
    started: str
    finished: str = ""
    sources: list[SourceReport] = field(default_factory=list)
    indexed: dict[str, Any] = field(default_factory=dict)  # the ingest that followed: added, updated, failed...
    last_success: str = ""  # when a sync last finished with every source read
    follows: dict[str, Any] = field(default_factory=dict)  # followed topics checked against what came in

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sources)

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def report_path(settings: Settings) -> Path:
    return settings.home / "sync" / "last.json"


def save_report(settings: Settings, report: SyncReport) -> None:
    path = report_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=".report-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(report.to_json(), out, indent=1)
    os.replace(staging, path)


def last_report(settings: Settings) -> dict[str, Any] | None:
    """The last sync's report as saved, or None before the first."""
    path = report_path(settings)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def papers_as_of(settings: Settings) -> str:
    """ "8 December 2026, 06:00 UTC": when a sync last read every source; "" before the first."""
    last = (last_report(settings) or {}).get("last_success") or ""
    try:
        when = datetime.fromisoformat(last).astimezone(timezone.utc)
    except ValueError:
        return ""
    return f"{when.day} {when:%B %Y, %H:%M} UTC"
