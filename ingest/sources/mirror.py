"""A ModernGov committee mirrored into a folder that ingest reads, with what the site says of each file.

Each meeting gets a folder under ``<home>/synced/<source>/<committee>/<date>-<meeting id>/``
holding its linked documents and one HTML file per published minute, and a
manifest giving each file its title, committee, meeting, agenda item and links,
so ingest tags every passage with them. What was fetched is remembered in
``<home>/sync/<source>.json``; these sites send no ETag or Last-Modified, so a
document is fetched again only when the site lists it differently (title, link,
publication date), and kept only when its bytes differ.

Nothing is lost to a sync killed at any moment: files and manifests are
written whole (a temporary file, then a rename), a manifest entry before its
file, and a meeting is marked synced only when all of it was.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import tomli_w

from ingest.manifest import MANIFEST_NAME
from ingest.sources.moderngov import (
    AgendaItem, Committee, LinkedDocument, Links, Meeting, MeetingDate, ModernGov, SiteError, TooLarge, suffix_for,
)
from ingest.sources.registry import Source, slug
from ingest.sources.report import SourceReport, now
from ingest.uploads import UploadLimits, check_upload
from retrieval.errors import QuorumError, UnsupportedFormat
from retrieval.models import long_date

REVISIT_DAYS = 56  # minutes are published weeks after a meeting: the last eight weeks are read again
AHEAD_DAYS = 120  # agendas are published before a meeting


@dataclass
class Held:
    """What this data directory holds of a source: meetings synced and files fetched."""

    path: Path
    meetings: dict[str, dict[str, Any]] = field(default_factory=dict)  # meeting id → date, committee
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # "doc:ID" / "minute:ID" → what was fetched

    @classmethod
    def load(cls, path: Path) -> Held:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError):
            return cls(path)  # a damaged record: everything is fetched again and compared, nothing is lost
        return cls(path, data.get("meetings", {}), data.get("files", {}))

    def save(self) -> None:
        _write_atomically(self.path, json.dumps({"meetings": self.meetings, "files": self.files}, indent=1).encode())


@dataclass(frozen=True)
class Place:
    """Where a meeting's files go, and what every file of it is tagged with."""

    folder: Path
    committee: Committee
    meeting: Meeting
    links: Links

    @property
    def meeting_url(self) -> str:
        return self.links.meeting(self.committee.id, self.meeting.id)


def mirror(
    source: Source,
    site: ModernGov,
    root: Path,
    held: Held,
    limits: UploadLimits,
    report: SourceReport,
    today: date | None = None,
    on_step: Callable[[str], None] | None = None,
) -> None:
    """Bring ``root/<source id>`` up to date with the committees ``source`` follows."""
    today = today or date.today()
    step = on_step or (lambda _: None)
    _sweep(root / source.id)
    committees = _committees(site.committees(), source.committees, site.host, report)
    since = date.fromisoformat(source.since) if source.since else today - timedelta(days=730)
    for committee in committees:
        step(f"{committee.title}: listing meetings")
        try:
            listed = site.meetings(committee.id, since, today + timedelta(days=AHEAD_DAYS))
        except SiteError as error:
            report.failed.append((f"{committee.title}: meetings", str(error)))
            continue
        for listed_meeting in sorted(listed, key=lambda m: m.date):
            report.meetings_seen += 1
            _meeting(listed_meeting, committee, site, root / source.id, held, limits, report, today, step)


def _committees(on_site: list[Committee], wanted: tuple[str, ...], host: str, report: SourceReport) -> list[Committee]:
    """The site's committees that ``wanted`` names, by id or by title (any case); a name not found is reported."""
    found: list[Committee] = []
    for name in wanted:
        match = next((c for c in on_site if str(c.id) == name.strip() or c.title.casefold() == name.casefold()), None)
        if match is None:
            near = [c.title for c in on_site if name.casefold() in c.title.casefold() and not c.deleted][:3]
            hint = f"; did you mean {' or '.join(repr(t) for t in near)}?" if near else ""
            report.failed.append((name, f"{host} has no committee named {name!r}{hint}"))
        elif match not in found:
            found.append(match)
    return found


def _meeting(
    listed: MeetingDate, committee: Committee, site: ModernGov, base: Path, held: Held, limits: UploadLimits,
    report: SourceReport, today: date, step: Callable[[str], None],
) -> None:
    key = str(listed.id)
    label = f"{committee.title}, {long_date(listed.date)}"
    if listed.cancelled:
        report.skipped.append((label, "meeting cancelled"))
        return
    known = held.meetings.get(key)
    recent = not listed.date or listed.date >= (today - timedelta(days=REVISIT_DAYS)).isoformat()
    if known is not None and not recent:
        return
    step(f"{label}: reading the agenda")
    try:
        meeting = site.meeting(listed.id)
    except SiteError as error:
        report.failed.append((label, str(error)))
        return
    if meeting.cancelled:
        report.skipped.append((label, "meeting cancelled"))
        return
    folder = base / f"{committee.id}-{slug(committee.title, 40)}" / f"{meeting.date or listed.date}-{meeting.id}"
    place = Place(folder, committee, meeting, site.links)
    before = (len(report.added), len(report.changed), len(report.withdrawn))
    complete = True
    seen: set[str] = set()
    for item in meeting.items:
        for document in item.documents:
            seen.add(f"doc:{document.id}")
            complete &= _document(document, item, place, site, held, limits, report, step)
        if item.minute_html and not item.restricted:
            seen.add(f"minute:{item.id}")
            _minute(item, place, held, report)
    for file_key, record in held.files.items():
        if record.get("meeting") == key and file_key not in seen and not record.get("withdrawn"):
            _withdraw(file_key, record, folder, held, report)
    if known is None:
        report.meetings_new += 1
    elif (len(report.added), len(report.changed), len(report.withdrawn)) != before:
        report.meetings_changed += 1
    if complete:
        held.meetings[key] = {"date": meeting.date, "committee": committee.id, "synced": now()}
    held.save()


def _document(
    document: LinkedDocument, item: AgendaItem, place: Place, site: ModernGov, held: Held, limits: UploadLimits,
    report: SourceReport, step: Callable[[str], None],
) -> bool:
    """Fetch one linked document when it is new or listed differently; False when it failed (retried next time)."""
    name = document.title or f"document {document.id}"
    if item.restricted or document.restricted:
        report.skipped.append((name, "restricted (exempt from publication)"))
        return True
    url = site.on_site(document.url)
    if url is None:
        report.skipped.append((name, f"its link leaves {site.host}"))
        return True
    key = f"doc:{document.id}"
    record = held.files.get(key)
    listing = {"title": document.title, "url": url, "published": document.published}
    if record and all(record.get(k) == v for k, v in listing.items()) and (place.folder / record["file"]).is_file():
        report.unchanged += 1
        return True
    step(f"downloading {name}")
    place.folder.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=".incoming-", dir=place.folder)
    try:
        with os.fdopen(handle, "w+b") as out:
            content_type = site.download(url, out, limits.max_bytes)
            report.downloaded_bytes += out.tell()
        stem = f"{document.id}-{document.title}"[:100]
        file_name = check_upload(Path(staging), stem + suffix_for(content_type, url), limits)
        digest = _file_sha256(Path(staging))
        if record and record.get("sha256") == digest and (place.folder / record["file"]).is_file():
            report.unchanged += 1
            held.files[key] = record | listing
            return True
        entry = _entry(place, item, document.title, url, document.published, "minutes" if _is_minutes(document.title) else "report")
        _set_manifest(place.folder, file_name, entry)
        if record and record.get("file") and record["file"] != file_name:
            (place.folder / record["file"]).unlink(missing_ok=True)
        os.replace(staging, place.folder / file_name)
    except TooLarge as error:
        report.skipped.append((name, f"too large: {error}"))
        return True
    except UnsupportedFormat as error:
        report.skipped.append((name, f"not a document Quorum reads: {error}"))
        return True
    except QuorumError as error:
        report.failed.append((name, str(error)))
        return False
    except OSError as error:
        report.failed.append((name, f"cannot write it ({error.strerror or error})"))
        return False
    finally:
        Path(staging).unlink(missing_ok=True)
    (report.changed if record else report.added).append(f"{place.folder.name}/{file_name}")
    held.files[key] = listing | {"file": file_name, "sha256": digest, "meeting": str(place.meeting.id)}
    return True


def _minute(item: AgendaItem, place: Place, held: Held, report: SourceReport) -> None:
    """An agenda item's published minute, as a document of its own dated by the meeting."""
    key = f"minute:{item.id}"
    title = f"Minutes: {place.committee.title}, {long_date(place.meeting.date)}, item {item.number}: {item.title}"
    heading = html.escape(f"{item.number}. {item.title}")  # short, so it reads as the minute's heading
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><h1>{heading}</h1>\n{item.minute_html}\n</body></html>").encode()
    digest = hashlib.sha256(page).hexdigest()
    record = held.files.get(key)
    file_name = f"minute-item-{slug(item.number, 40) or 'x'}-{item.id}.html"
    if record and record.get("sha256") == digest and (place.folder / file_name).is_file():
        report.unchanged += 1
        return
    place.folder.mkdir(parents=True, exist_ok=True)
    _set_manifest(place.folder, file_name, _entry(place, item, title, place.links.item(item.id), "", "minutes"))
    _write_atomically(place.folder / file_name, page)
    (report.changed if record else report.added).append(f"{place.folder.name}/{file_name}")
    held.files[key] = {"file": file_name, "sha256": digest, "meeting": str(place.meeting.id), "title": title}


def _withdraw(key: str, record: dict[str, Any], folder: Path, held: Held, report: SourceReport) -> None:
    """A document the site no longer lists: kept, and marked withdrawn (never silently deleted)."""
    when = date.today().isoformat()
    entries = _read_manifest(folder)
    if record.get("file") in entries:
        _set_manifest(folder, record["file"], entries[record["file"]] | {"withdrawn": when})
    held.files[key] = record | {"withdrawn": when}
    report.withdrawn.append(f"{folder.name}/{record.get('file', key)}")


def _entry(place: Place, item: AgendaItem, title: str, url: str, published: str, kind: str) -> dict[str, str]:
    entry = {
        "title": title,
        "type": kind,
        "date": place.meeting.date,
        "url": url,
        "committee": place.committee.title,
        "meeting_id": str(place.meeting.id),
        "meeting_date": place.meeting.date,
        "meeting_url": place.meeting_url,
        "item": item.number,
        "item_title": item.title,
        "item_url": place.links.item(item.id),
        "published": published,
    }
    return {k: v for k, v in entry.items() if v}


def _is_minutes(title: str) -> bool:
    return bool(re.search(r"\bminutes\b", title, re.I))


def _read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / MANIFEST_NAME
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}  # rewritten whole below from what is fetched


def _set_manifest(folder: Path, file_name: str, entry: dict[str, str]) -> None:
    entries = _read_manifest(folder) | {file_name: entry}
    text = b"# Written by `quorum sync`: what the council's site says of each file.\n\n" + tomli_w.dumps(entries).encode()
    _write_atomically(folder / MANIFEST_NAME, text)


def _sweep(folder: Path) -> None:
    """Remove what a sync killed while writing left behind (this source is locked: no one else writes here)."""
    if folder.is_dir():
        for left in [*folder.rglob(".incoming-*"), *folder.rglob(".writing-*")]:
            left.unlink(missing_ok=True)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=".writing-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(staging, path)
    except OSError:
        Path(staging).unlink(missing_ok=True)
        raise


def _file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
