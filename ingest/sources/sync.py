"""`quorum sync`: every source brought up to date and indexed, each on its own.

A ModernGov source is mirrored into ``<home>/synced/<source>/`` (see
``ingest.sources.mirror``) and its papers ingested at once, under that
source's lease (``retrieval.leases``): several machines can sync different
councils into one Chroma server at the same time, and every later ingest
reads the mirror beside the uploads. Folder sources are ingested from where
they are, together, and documents of their files that are gone are removed.
A source that fails does not stop the others; its failures are retried on the
next sync. One process syncs a source at a time (a lock file per source).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol
from pathlib import Path

from ingest.pipeline import IngestReport, Progress, discover, exclusive, ingest, remove_documents
from ingest.sources.mirror import Held, mirror
from ingest.sources.moderngov import ModernGov, Politeness, SiteError
from ingest.sources.registry import Source, load_sources, remove_source
from ingest.sources.report import SourceReport, SyncReport, last_report, now, save_report
from ingest.uploads import UploadLimits
from retrieval.errors import IngestLocked, QuorumError, StoreError
from retrieval.follows.service import after_new_papers
from retrieval.settings import Settings
from retrieval.store import Store

Step = Callable[[str, str], None]  # (source id, what is happening)


class SourceBusy(StoreError):
    """Another process is syncing this source."""


def sync(
    settings: Settings,
    *,
    only: list[str] | None = None,
    store: Store | None = None,
    on_step: Step | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    politeness: Politeness | None = None,
) -> SyncReport:
    """Sync every source (or those ``only`` names), then ingest what they brought; the report is saved."""
    sources = load_sources(settings)
    if only:
        unknown = sorted(set(only) - {s.id for s in sources})
        if unknown:
            raise QuorumError(f"no source {', '.join(map(repr, unknown))} (see `quorum sources list`)")
        sources = [s for s in sources if s.id in only]
    report = SyncReport(started=now())
    politeness = politeness or Politeness(timeout=settings.sync_timeout_s, contact=settings.sync_contact)
    limits = UploadLimits(max_bytes=settings.upload_max_mb * 1024 * 1024)
    folders: list[tuple[Source, SourceReport]] = []
    changed: list[str] = []
    for source in sources:
        source_report = SourceReport(source.id)
        report.sources.append(source_report)
        step: Callable[[str], None] = (lambda what, sid=source.id: on_step(sid, what)) if on_step else (lambda _: None)
        mirror_site = MIRRORS.get(source.kind)
        if mirror_site is None:
            folders.append((source, source_report))
            continue
        try:
            with _source_lock(settings, source.id):
                mirror_site(source, settings, politeness, limits, source_report, step)
                step("indexing")
                indexed = ingest([], settings, store=store, on_progress=on_progress, scope=source.id)
                _count(report, indexed)
                changed += indexed.added + indexed.updated
        except (SiteError, SourceBusy, IngestLocked) as error:
            source_report.error = str(error)
    if folders:
        indexed = ingest([Path(s.location) for s, _ in folders if Path(s.location).is_dir()], settings,
                         store=store, on_progress=on_progress)
        _count(report, indexed)
        changed += indexed.added + indexed.updated
        for source, source_report in folders:
            _account_folder(source, settings, indexed, source_report, store)
    if on_step:
        on_step("follows", "checking followed topics")
    followed = after_new_papers(settings, changed)
    report.follows = {"checked": followed.follows, "with_news": len(followed.entries), "sent": followed.delivery.sent,
                      "failed": followed.delivery.failed, "seconds": round(followed.seconds, 2)}
    report.finished = now()
    previous = last_report(settings) or {}
    report.last_success = report.finished if report.ok else str(previous.get("last_success", ""))
    save_report(settings, report)
    return report


def _count(report: SyncReport, indexed: IngestReport) -> None:
    """Add what one ingest did to the sync's totals."""
    totals = report.indexed
    for key, done in (("added", indexed.added), ("updated", indexed.updated), ("unchanged", indexed.unchanged)):
        totals[key] = totals.get(key, 0) + len(done)
    totals["failed"] = [*totals.get("failed", []), *indexed.failed]
    totals["seconds"] = round(totals.get("seconds", 0.0) + indexed.seconds, 1)


class Mirror(Protocol):
    """What a kind of committee site brings to sync: ``<home>/synced/<source id>/`` brought up to date with the
    site (papers and minutes as files, a manifest per folder naming each one's committee, meeting, item and
    links), counted in ``report``. Sync does the rest: the lock and lease, indexing, the report."""

    def __call__(
        self, source: Source, settings: Settings, politeness: Politeness, limits: UploadLimits,
        report: SourceReport, step: Callable[[str], None],
    ) -> None: ...


def _sync_moderngov(
    source: Source, settings: Settings, politeness: Politeness, limits: UploadLimits, report: SourceReport,
    step: Callable[[str], None],
) -> None:
    held = Held.load(state_path(settings, source.id))
    with ModernGov(source.location, politeness) as site:
        try:
            mirror(source, site, settings.synced_path, held, limits, report, on_step=step)
        finally:
            report.requests = site.requests
            held.save()


# Each kind of site sync can read; a CMIS site or a plain list of URLs adds its own mirror here.
MIRRORS: dict[str, Mirror] = {"moderngov": _sync_moderngov}


def _account_folder(
    source: Source, settings: Settings, indexed: IngestReport, report: SourceReport, store: Store | None
) -> None:
    """What ingest did with a folder source's files, and its documents whose files are gone removed."""
    folder = Path(source.location)
    if not folder.is_dir():
        report.error = f"{folder}: the folder is gone; its documents are kept until the source is removed"
        return
    found, problems = discover([folder])
    ids = {f.doc_id for f in found}
    report.added = [d for d in indexed.added if d in ids]
    report.changed = [d for d in indexed.updated if d in ids]
    report.unchanged = len([d for d in indexed.unchanged if d in ids])
    report.skipped = [(Path(path).name, why) for path, why in problems]
    path = state_path(settings, source.id)
    before = set(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else set()
    gone = sorted(before - ids)
    if gone:
        report.removed = remove_documents(gone, settings, store)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sorted(ids)), encoding="utf-8")


def state_path(settings: Settings, source_id: str) -> Path:
    return settings.home / "sync" / f"{source_id}.json"


def _source_lock(settings: Settings, source_id: str) -> AbstractContextManager[None]:
    busy = SourceBusy(f"{source_id} is being synced by another process; it was left to that one")
    return exclusive(settings.home / "sync" / f"{source_id}.lock", busy)


def forget(settings: Settings, source_id: str, *, keep_documents: bool = False, store: Store | None = None) -> int:
    """Stop syncing a source; unless ``keep_documents``, its documents leave the index. How many left."""
    with _source_lock(settings, source_id):
        source = remove_source(settings, source_id)
        state = state_path(settings, source_id)
        removed: list[str] = []
        if source.kind == "moderngov":
            mirrored = settings.synced_path / source.id
            if not keep_documents:  # kept, its files stay where every ingest reads them, no longer synced
                known = (store or Store(settings)).documents()
                removed = remove_documents(sorted(d for d in known if d.startswith(f"{source.id}/")), settings, store)
                shutil.rmtree(mirrored, ignore_errors=True)
        elif not keep_documents and state.is_file():
            removed = remove_documents(json.loads(state.read_text(encoding="utf-8")), settings, store)
        state.unlink(missing_ok=True)
    return len(removed)

