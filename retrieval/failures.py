"""What went wrong with the store, in a few words a user can act on."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from retrieval.settings import Settings

DISK_FULL = "the disk is full"
READ_ONLY = "it is read-only"




def unreachable(settings: Settings, error: BaseException, retries: int) -> str:
    tried = f", tried {retries + 1} times" if retries else ""
    return f"cannot reach the Chroma server at {settings.chroma_url} ({failure_cause(error)}{tried}); is it running?"


def nearly_full(path: Path, margin: int = 64 * 1024 * 1024) -> bool:
    try:
        return shutil.disk_usage(path).free < margin
    except OSError:
        return False


def failure_cause(error: BaseException) -> str:
    """What went wrong, in a few words a user can act on."""
    text = str(error).lower()
    if isinstance(error, OSError) and error.errno == errno.ENOSPC or "full" in text or "no space" in text:
        return DISK_FULL
    if isinstance(error, OSError) and error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return READ_ONLY
    if "readonly" in text or "read-only" in text or "permission denied" in text:
        return READ_ONLY
    if "could not connect" in text or "connection refused" in text:
        return "connection refused"
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


def write_failure(settings: Settings, error: Exception) -> str:
    where = settings.chroma_url or "the data directory"
    cause = failure_cause(error)
    if not settings.chroma_url and nearly_full(settings.chroma_path):
        cause = DISK_FULL  # Chroma's own message rarely says so
    return (
        f"cannot update the index in {where} ({cause}); nothing committed was lost. "
        "Fix the cause, then run `quorum ingest` again (or `quorum ingest --rebuild`)"
    )
