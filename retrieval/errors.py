"""One exception type per failure a user can act on, in categories a caller can catch.

Each carries a one-line message meant for people; the CLI and the app catch
``QuorumError`` at the edge and show ``str(error)``, never a traceback::

    QuorumError
    ├── ReaderError          the reader's mistake: change what was asked and try again
    │   ├── InvalidQuestion, InvalidFilter, InvalidMetadata, RateLimited
    │   ├── InvalidAddress (retrieval.follows), UnknownFollow, UnknownSource (ingest.sources)
    ├── DocumentError        a document that cannot be read
    │   └── UnsupportedFormat, UnreadableDocument
    ├── StoreError           the index and its store
    │   └── StoreUnavailable, IndexMissing, IngestLocked, StoreWriteFailed, SourceBusy, BenchFailed (evals)
    ├── ModelError           a language model that cannot answer
    │   └── LLMUnavailable (retrieval.llm)
    ├── SiteError            a council's site that cannot be read as asked (ingest.sources.moderngov)
    │   └── TooLarge
    └── ConfigError          the settings
"""

from __future__ import annotations


class QuorumError(Exception):
    """Base class for every error Quorum reports to a user."""


class ReaderError(QuorumError):
    """The reader's mistake: a question, filter, value or address that cannot be used as given."""


class DocumentError(QuorumError):
    """A document Quorum cannot read."""


class StoreError(QuorumError):
    """The index or its store cannot do what was asked now."""


class ModelError(QuorumError):
    """A language model that cannot answer."""


class SiteError(QuorumError):
    """A council's site that cannot be read as asked: unreachable, refusing, broken TLS, not ModernGov, bad XML."""


class ConfigError(QuorumError):
    """The settings are invalid (bad file, bad value)."""


class UnsupportedFormat(DocumentError):
    """A file whose type Quorum does not read."""


class UnreadableDocument(DocumentError):
    """A file of a supported type that is empty or cannot be parsed."""


class StoreUnavailable(StoreError):
    """The Chroma store cannot be opened or reached."""


class IndexMissing(StoreError):
    """Nothing has been ingested yet, or the lexical index is missing."""


class IngestLocked(StoreError):
    """Another ingest holds the lock on this data directory."""


class InvalidQuestion(ReaderError):
    """A question that cannot be asked (empty, too long)."""


class InvalidFilter(ReaderError):
    """A filter value that cannot be used (a malformed date, an empty range)."""


class StoreWriteFailed(StoreError):
    """The index could not be written (read-only directory, disk full); nothing committed is lost."""


class RateLimited(ReaderError):
    """A client asked more questions than the public limits allow."""


class InvalidMetadata(ReaderError):
    """Document metadata that cannot be used (a malformed date or URL, an unknown type)."""
