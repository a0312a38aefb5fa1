"""The sources a data directory keeps in sync: ModernGov committees and folders.

Kept in ``<home>/sources.toml`` (written atomically); a deployment may also
declare them in ``quorum.toml`` under ``[[sources]]``. A ModernGov site is one
source however many of its committees are followed: adding another committee
of the same site adds it to that source.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import tomli_w

from ingest.sources.moderngov import SiteError, normalise_base
from retrieval.errors import ConfigError, ReaderError
from retrieval.settings import Settings, config_file

KINDS = ("moderngov", "folder")
DEFAULT_YEARS_BACK = 2


class UnknownSource(ReaderError):
    """A source id this data directory does not have."""


@dataclass(frozen=True)
class Source:
    id: str
    kind: str  # "moderngov" | "folder"
    location: str  # a ModernGov site's base address, or a folder's absolute path
    committees: tuple[str, ...] = ()  # titles or ids, as the user gave them
    since: str = ""  # ISO date: meetings from this day on

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"committees": list(self.committees)}


def sources_path(settings: Settings) -> Path:
    return settings.home / "sources.toml"


def load_sources(settings: Settings) -> list[Source]:
    """Every source: the data directory's own, then any ``quorum.toml`` declares that it lacks."""
    own = _read(sources_path(settings))
    ids = {s.id for s in own}
    return own + [s for s in _declared(settings) if s.id not in ids]


def add_moderngov(settings: Settings, url: str, committees: list[str], since: str = "") -> Source:
    """Follow ``committees`` of the ModernGov site at ``url``; returns the site's source."""
    try:
        base = normalise_base(url)
    except SiteError as error:
        raise ConfigError(str(error)) from error
    wanted = tuple(dict.fromkeys(" ".join(c.split()) for c in committees if c.strip()))
    if not wanted:
        raise ConfigError("name at least one committee (--committee 'Police and Crime Panel', or its id)")
    since = _checked_since(since)
    own = _read(sources_path(settings))
    existing = next((s for s in own if s.kind == "moderngov" and s.location == base), None)
    if existing is not None:
        merged = tuple(dict.fromkeys((*existing.committees, *wanted)))
        source = replace(existing, committees=merged, since=min(existing.since, since))
        own = [source if s.id == existing.id else s for s in own]
    else:
        source = Source(_new_id(slug(base.split("://", 1)[1]) or "source", own), "moderngov", base, wanted, since)
        own.append(source)
    _write(sources_path(settings), own)
    return source


def add_folder(settings: Settings, path: Path) -> Source:
    folder = path.expanduser().resolve()
    if not folder.is_dir():
        raise ConfigError(f"{path}: no such folder")
    own = _read(sources_path(settings))
    existing = next((s for s in own if s.kind == "folder" and s.location == str(folder)), None)
    if existing is not None:
        return existing
    source = Source(_new_id(f"folder-{slug(folder.name)}", own), "folder", str(folder))
    _write(sources_path(settings), [*own, source])
    return source


def remove_source(settings: Settings, source_id: str) -> Source:
    own = _read(sources_path(settings))
    found = next((s for s in own if s.id == source_id), None)
    if found is None:
        known = ", ".join(s.id for s in own) or "none yet"
        raise UnknownSource(f"no source {source_id!r} (sources: {known})")
    _write(sources_path(settings), [s for s in own if s.id != source_id])
    return found


def _checked_since(since: str) -> str:
    if not since:
        return (date.today() - timedelta(days=365 * DEFAULT_YEARS_BACK)).isoformat()
    try:
        return date.fromisoformat(since).isoformat()
    except ValueError as error:
        raise ConfigError(f"--since {since!r} is not a date (YYYY-MM-DD)") from error


def slug(text: str, most: int = 60) -> str:
    """ "County Council" → "county-council": lower-case letters and digits joined by hyphens, at most ``most``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:most]


def _new_id(stem: str, own: list[Source]) -> str:
    taken = {s.id for s in own}
    return next(candidate for n in range(1, 1000) if (candidate := stem if n == 1 else f"{stem}-{n}") not in taken)


def _read(path: Path) -> list[Source]:
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from error
    return [_source(entry, path) for entry in data.get("sources", [])]


def _declared(settings: Settings) -> list[Source]:
    """Sources a ``quorum.toml`` declares: ``[[sources]]`` with kind, location, committees, since."""
    config = config_file()
    if config is None:
        return []
    try:
        entries = tomllib.loads(config.read_text(encoding="utf-8")).get("sources", [])
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{config}: {error}") from error
    declared: list[Source] = []
    for entry in entries:
        kind, location = str(entry.get("kind", "")), str(entry.get("location", ""))
        stem = (slug(location.split("://", 1)[-1]) or "source") if kind == "moderngov" else f"folder-{slug(Path(location).name)}"
        declared.append(_source({"id": entry.get("id") or stem, **entry,
                                 "since": entry.get("since") or _checked_since("")}, config))
    return declared


def _source(entry: dict[str, Any], where: Path) -> Source:
    kind = str(entry.get("kind", ""))
    if kind not in KINDS:
        raise ConfigError(f"{where}: a source's kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return Source(
        str(entry["id"]), kind, str(entry.get("location", "")),
        tuple(str(c) for c in entry.get("committees", [])), str(entry.get("since", "")),
    )


def _write(path: Path, sources: list[Source]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=".sources-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(b"# Sources `quorum sync` keeps in sync; edit with `quorum sources add|remove`.\n\n")
            tomli_w.dump({"sources": [s.to_json() for s in sources]}, out)
        os.replace(staging, path)
    except OSError:
        Path(staging).unlink(missing_ok=True)
        raise

