"""Documents added and removed by an admin: files kept under ``<home>/uploads``.

An upload is checked (ingest.uploads), stored under its safe name with its
metadata in that folder's manifest, then ingested like any corpus file. The
folder is part of every ingest, so `quorum ingest corpus --prune` never
removes what an admin added.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import tomli_w

from ingest.manifest import DOCUMENT_TYPES, MANIFEST_NAME, read_manifest
from ingest.uploads import UploadLimits, check_upload
from retrieval.errors import InvalidMetadata, StoreWriteFailed
from retrieval.settings import Settings
from retrieval.failures import failure_cause

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class UploadMetadata:
    """What an admin says about an upload; empty fields are inferred from the text."""

    title: str = ""
    type: str = ""
    date: str = ""
    organisation: str = ""
    url: str = ""

    def checked(self) -> UploadMetadata:
        clean = UploadMetadata(**{k: " ".join(str(v or "").split())[:300] for k, v in asdict(self).items()})
        if clean.type and clean.type not in DOCUMENT_TYPES:
            raise InvalidMetadata(f"type must be one of {', '.join(DOCUMENT_TYPES)}")
        if clean.date:
            if not _ISO_DATE.fullmatch(clean.date):
                raise InvalidMetadata(f"date {clean.date!r} is not YYYY-MM-DD")
            try:
                date.fromisoformat(clean.date)
            except ValueError as error:
                raise InvalidMetadata(f"date {clean.date!r} is not a real date") from error
        if clean.url and urlparse(clean.url).scheme not in ("http", "https"):
            raise InvalidMetadata("source URL must start with http:// or https://")
        return clean


def add_upload(
    settings: Settings, uploaded: Path, original_name: str, metadata: UploadMetadata, taken: set[str]
) -> Path:
    """Check an uploaded file and keep it in the uploads folder; returns where it is kept.

    ``taken`` holds the document ids already in the index: an upload may not replace one.
    """
    metadata = metadata.checked()
    limits = UploadLimits(max_bytes=settings.upload_max_mb * 1024 * 1024)
    name = check_upload(uploaded, original_name, limits)
    if name in taken:
        raise InvalidMetadata(f"{name}: a document of that name is already indexed; delete it first to replace it")
    folder = settings.uploads_path
    target = folder / name
    staging: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkstemp(prefix=".incoming-", dir=folder)[1])
        shutil.copyfile(uploaded, staging)
        _write_manifest(folder, read_manifest_raw(folder) | {name: {k: v for k, v in asdict(metadata).items() if v}})
        os.replace(staging, target)
    except OSError as error:
        if staging is not None:
            staging.unlink(missing_ok=True)
        raise StoreWriteFailed(f"cannot keep the upload {name} ({failure_cause(error)}); nothing was added") from error
    return target


def remove_upload(settings: Settings, doc_id: str) -> bool:
    """Delete an uploaded file and its manifest entry; False if it was not an upload."""
    folder = settings.uploads_path
    path = folder / doc_id
    if Path(doc_id).name != doc_id or not path.is_file():
        return False
    entries = read_manifest_raw(folder)
    entries.pop(doc_id, None)
    _write_manifest(folder, entries)
    path.unlink()
    return True


def read_manifest_raw(folder: Path) -> dict[str, dict]:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    read_manifest(folder)  # raises a clear error for a damaged manifest
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _write_manifest(folder: Path, entries: dict[str, dict]) -> None:
    handle, staging = tempfile.mkstemp(prefix=".manifest-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(b"# Documents added in admin mode, with the metadata given on upload.\n\n")
            tomli_w.dump(entries, out)
        os.replace(staging, folder / MANIFEST_NAME)
    except OSError:
        Path(staging).unlink(missing_ok=True)
        raise
