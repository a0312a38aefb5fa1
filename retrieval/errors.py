"""One exception type per failure a user can act on.

Each carries a one-line message meant for people; the CLI and the app catch
``QuorumError`` at the edge and show ``str(error)``, never a traceback.
"""

from __future__ import annotations


class QuorumError(Exception):
    """Base class for every error Quorum reports to a user."""


class ConfigError(QuorumError):
    """The settings are invalid (bad file, bad value)."""


class UnsupportedFormat(QuorumError):
    """A file whose type Quorum does not read."""


class UnreadableDocument(QuorumError):
    """A file of a supported type that is empty or cannot be parsed."""


class StoreUnavailable(QuorumError):
    """The Chroma store cannot be opened or reached."""


class IndexMissing(QuorumError):
    """Nothing has been ingested yet, or the lexical index is missing."""


class IngestLocked(QuorumError):
    """Another ingest holds the lock on this data directory."""


class InvalidQuestion(QuorumError):
    """A question that cannot be asked (empty, too long)."""


class InvalidFilter(QuorumError):
    """A filter value that cannot be used (a malformed date, an empty range)."""


class StoreWriteFailed(QuorumError):
    """The index could not be written (read-only directory, disk full); nothing committed is lost."""


class RateLimited(QuorumError):
    """A client asked more questions than the public limits allow."""


class InvalidMetadata(QuorumError):
    """Document metadata that cannot be used (a malformed date or URL, an unknown type)."""
