"""The Chroma store: chunk vectors and texts, plus one record per document.

Three collections: ``<name>`` holds the chunks (cosine space, our own
embeddings), ``<name>_sentences`` each chunk's sentences embedded on their
own, and ``<name>_docs`` each document's cleaned text and hash.

Writes are crash-safe and invisible until committed. Every chunk and sentence
carries the ``version`` (a prefix of its document's hash) it was written for;
a document's record names its committed version. Writing a document marks its
record ``pending``, adds the new version's chunks beside the old ones, then
commits by rewriting the record (one upsert); the old version is purged later,
once readers have moved on. Anything not of a committed version belongs to a
pending record, so ``recover()`` after a crash finds and removes it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np

from retrieval.errors import QuorumError, StoreUnavailable, StoreWriteFailed
from retrieval.failures import DISK_FULL, READ_ONLY, failure_cause, nearly_full, unreachable, write_failure
from retrieval.filters import Filters
from retrieval.models import Chunk, DocumentInfo, Sentence
from retrieval.records import (
    chunk_from_record, chunk_metadata, document_info, file_digest, original_metadata, record_metadata,
    sentence_metadata, version_of,
)
from retrieval.sentences import chunk_sentences
from retrieval.settings import Settings

_PAGE = 2000


@dataclass(frozen=True)
class StoredDocument:
    info: DocumentInfo
    doc_hash: str
    n_chunks: int


BACKOFF_SECONDS = 0.25
TRANSIENT: tuple[type[BaseException], ...] = (httpx.TransportError, ConnectionError, TimeoutError)


def open_client(settings: Settings) -> Any:
    """A Chroma client: embedded by default, or for the server at ``chroma_url`` (retried while it starts)."""
    import chromadb

    if settings.chroma_url:
        url = urlparse(settings.chroma_url if "//" in settings.chroma_url else f"http://{settings.chroma_url}")
        for attempt in range(settings.store_retries + 1):
            try:
                return chromadb.HttpClient(
                    host=url.hostname or "localhost",
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                )
            except Exception as error:  # chromadb says ValueError("Could not connect ...")
                if attempt == settings.store_retries:
                    raise StoreUnavailable(unreachable(settings, error, settings.store_retries)) from error
                time.sleep(BACKOFF_SECONDS * 2**attempt)
    try:
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path))
    except Exception as error:  # chromadb raises many kinds; all mean "cannot open"
        cause = failure_cause(error)
        if cause in (DISK_FULL, READ_ONLY):
            advice = "Quorum needs to write to its data directory; fix that, then try again"
        else:
            advice = "if the store is damaged, `quorum ingest --rebuild` moves it aside and rebuilds it"
        raise StoreUnavailable(f"cannot open the Chroma store at {settings.chroma_path} ({cause}). {advice}") from error


@dataclass(frozen=True)
class DocumentWrite:
    """One document's new version, ready to be written: its text, chunks, sentences and their vectors."""

    info: DocumentInfo
    text: str
    doc_hash: str
    chunks: Sequence[Chunk]
    chunk_vectors: np.ndarray
    sentences: Sequence[Sentence]
    sentence_vectors: np.ndarray
    original: Path | None = None  # the file itself, which the app may serve (PDFs: to show a cited page)

    @property
    def version(self) -> str:
        return version_of(self.doc_hash)


def _stacked(arrays: list[np.ndarray]) -> np.ndarray:
    nonempty = [a for a in arrays if len(a)]
    return np.concatenate(nonempty) if nonempty else np.zeros((0, 1), dtype=np.float32)


class Store:
    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        self.client = client if client is not None else open_client(settings)
        self.published = ""  # the last stamp this process published: its own writes need no reopening
        self._retired: Any = None  # the embedded system a reopen replaced, stopped at the next one
        self._open_collections()

    def _open_collections(self, *, create: bool = True) -> None:
        """The three collections; ``create=False`` when reopening, so that one lost meanwhile is an error."""
        settings = self.settings
        cosine = {"configuration": {"hnsw": {"space": "cosine"}}} if create else {}
        opened = self.client.get_or_create_collection if create else self.client.get_collection
        try:
            self.chunks = opened(settings.collection, embedding_function=None, **cosine)
            self.sentences = opened(f"{settings.collection}_sentences", embedding_function=None, **cosine)
            self.docs = opened(f"{settings.collection}_docs", embedding_function=None)
        except Exception as error:
            raise StoreUnavailable(f"cannot open collection {settings.collection!r}: {error}") from error

    # -- documents ---------------------------------------------------------

    def documents(self) -> dict[str, StoredDocument]:
        """Committed documents by id."""
        found: dict[str, StoredDocument] = {}
        for doc_id, _, meta in self._pages(self.docs, include=["metadatas"]):
            if meta.get("doc_hash"):
                found[doc_id] = StoredDocument(document_info(meta), str(meta["doc_hash"]), int(meta["n_chunks"]))
        return found

    def committed_versions(self) -> dict[str, str]:
        return {doc_id: version_of(d.doc_hash) for doc_id, d in self.documents().items()}

    def document_text(self, doc_id: str) -> str | None:
        got = self._read(self.docs.get, ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"] or not got["metadatas"][0].get("doc_hash"):
            return None
        return got["documents"][0]

    def original_file(self, doc_id: str) -> Path | None:
        """The file a document was ingested from, if it is still there unchanged; else None.

        Only files recorded at ingest are ever returned, and only while their
        bytes are the ones ingested: a path cannot be asked for, only a document.
        """
        got = self._read(self.docs.get, ids=[doc_id], include=["metadatas"])
        if not got["ids"] or not got["metadatas"][0].get("doc_hash"):
            return None
        meta = got["metadatas"][0]
        path, digest = meta.get("original_path"), meta.get("original_sha256")
        if not path or not digest:
            return None
        path = Path(str(path))
        try:
            same = file_digest(path) == digest
        except OSError:
            return None
        return path if same else None

    def reusable_embeddings(self, doc_id: str, kind: str = "chunks") -> dict[str, np.ndarray]:
        """Embeddings already stored for a document's chunks or sentences, by content hash."""
        collection = self.chunks if kind == "chunks" else self.sentences
        got = self._call(collection.get, where={"doc_id": doc_id}, include=["embeddings"])
        return {
            record_id.rsplit(":", 1)[-1]: np.asarray(vector, dtype=np.float32)
            for record_id, vector in zip(got["ids"], got["embeddings"], strict=True)
        }

    def write_documents(self, writes: Sequence[DocumentWrite]) -> None:
        """Add documents' new versions and commit them together; the old versions stay until ``purge``.

        Each call to Chroma costs tens of milliseconds whatever its size, so a
        group of small documents is written as one: marked pending, their chunks
        and sentences added, then all committed by one upsert of their records.
        """
        if not writes:
            return
        self._mark_pending([w.info for w in writes])
        chunks = [(c, w.version) for w in writes for c in w.chunks]
        by_id = {c.chunk_id: c for c, _ in chunks}
        self._add(
            self.chunks, [c.chunk_id for c, _ in chunks], [c.text for c, _ in chunks],
            [chunk_metadata(c) | {"version": v} for c, v in chunks],
            _stacked([w.chunk_vectors for w in writes]),
        )
        sentences = [(s, w.version) for w in writes for s in w.sentences]
        self._add(
            self.sentences, [s.sentence_id for s, _ in sentences], [s.text for s, _ in sentences],
            [sentence_metadata(s, by_id[s.chunk_id]) | {"version": v} for s, v in sentences],
            _stacked([w.sentence_vectors for w in writes]),
        )
        self._call(
            self.docs.upsert,
            ids=[w.info.doc_id for w in writes],
            documents=[w.text for w in writes],
            metadatas=[
                record_metadata(w.info) | original_metadata(w.original)
                | {"doc_hash": w.doc_hash, "n_chunks": len(w.chunks), "pending": 1}
                for w in writes
            ],
            embeddings=[[0.0]] * len(writes),
        )

    def delete_document(self, doc_id: str) -> None:
        """Hide the document at once (its record uncommitted), then remove its records."""
        got = self._call(self.docs.get, ids=[doc_id], include=["metadatas"])
        if not got["ids"]:
            return
        meta = dict(got["metadatas"][0]) | {"doc_hash": "", "pending": 1}
        self._call(self.docs.update, ids=[doc_id], metadatas=[meta])
        self.purge([doc_id])

    def pending(self) -> list[str]:
        """Documents with a write or delete not yet finished (or cut short by a crash)."""
        got = self._call(self.docs.get, where={"pending": 1}, include=[])
        return list(got["ids"])

    def purge(self, doc_ids: Sequence[str]) -> None:
        """Remove every chunk and sentence of these documents not of their committed version, then commit them."""
        for group in self._groups(doc_ids):
            records = self._records(group)
            gone: list[str] = []
            for doc_id in group:
                version = version_of(str(records.get(doc_id, {}).get("doc_hash", "")))
                stale: dict[str, Any] = {"doc_id": doc_id}
                if version:
                    stale = {"$and": [{"doc_id": doc_id}, {"version": {"$ne": version}}]}
                self._call(self.sentences.delete, where=stale)
                self._call(self.chunks.delete, where=stale)
                if not version:
                    gone.append(doc_id)
            if gone:
                self._call(self.docs.delete, ids=gone)
            self._finish({doc_id: meta for doc_id, meta in records.items() if doc_id not in gone})

    def finish(self, doc_ids: Sequence[str]) -> None:
        """Commit documents written for the first time: with no older version there is nothing to purge.

        Each purge deletes through a metadata filter, which scans the collection: at 100k chunks,
        purging 2,500 new documents took over five minutes to find nothing.
        """
        for group in self._groups(doc_ids):
            self._finish(self._records(group))

    def _groups(self, doc_ids: Sequence[str]) -> Iterator[list[str]]:
        ids = list(dict.fromkeys(doc_ids))
        step = max(1, min(self._max_batch(), _PAGE))
        return (ids[i : i + step] for i in range(0, len(ids), step))

    def _records(self, doc_ids: list[str]) -> dict[str, dict[str, Any]]:
        got = self._call(self.docs.get, ids=doc_ids, include=["metadatas"])
        return {doc_id: dict(meta) for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True)}

    def _finish(self, records: dict[str, dict[str, Any]]) -> None:
        finished = {doc_id: meta | {"pending": 0} for doc_id, meta in records.items() if meta.get("pending")}
        if finished:
            self._call(self.docs.update, ids=list(finished), metadatas=list(finished.values()))

    def recover(self, prefix: str = "") -> list[str]:
        """Finish or undo whatever an interrupted ingest left behind (of the documents whose ids
        start with ``prefix``: another source's sync may be writing the others); the documents touched."""
        touched = [doc_id for doc_id in self.pending() if doc_id.startswith(prefix)]
        self.purge(touched)
        return touched

    def check(self) -> list[str]:
        """What is inconsistent in the store, one line each (empty when all is well)."""
        documents = self.documents()
        pending = set(self.pending())
        problems = [f"{doc_id}: an ingest or delete was interrupted" for doc_id in sorted(pending)]
        counts: dict[str, int] = {}
        for chunk_id, _, meta in self._pages(self.chunks, include=["metadatas"]):
            doc_id = str(meta.get("doc_id"))
            stored = documents.get(doc_id)
            if stored is not None and version_of(stored.doc_hash) == meta.get("version"):
                counts[doc_id] = counts.get(doc_id, 0) + 1
            elif doc_id not in documents and doc_id not in pending:
                problems.append(f"{chunk_id}: a chunk of no document")
        for doc_id, stored in documents.items():
            if counts.get(doc_id, 0) != stored.n_chunks:
                problems.append(f"{doc_id}: {counts.get(doc_id, 0)} chunks stored, {stored.n_chunks} expected")
        return problems

    def forget(self, doc_id: str) -> None:
        """Drop a document's record so that the next ingest reads its file again."""
        self._call(self.docs.update, ids=[doc_id], metadatas=[{"doc_hash": "", "pending": 1}])
        self.purge([doc_id])

    def _mark_pending(self, infos: Sequence[DocumentInfo]) -> None:
        got = self._call(self.docs.get, ids=[i.doc_id for i in infos], include=["metadatas"])
        known = {doc_id: dict(meta) for doc_id, meta in zip(got["ids"], got["metadatas"], strict=True)}
        if known:
            self._call(self.docs.update, ids=list(known), metadatas=[m | {"pending": 1} for m in known.values()])
        new = [i for i in infos if i.doc_id not in known]
        if new:  # new documents: records that claim no version yet
            self._call(
                self.docs.upsert,
                ids=[i.doc_id for i in new],
                documents=[""] * len(new),
                metadatas=[record_metadata(i) | {"doc_hash": "", "n_chunks": 0, "pending": 1} for i in new],
                embeddings=[[0.0]] * len(new),
            )

    def _add(self, collection: Any, ids: list[str], texts: list[str], metas: list[dict], vectors: np.ndarray) -> None:
        batch = max(1, min(self._max_batch(), 1000))
        for i in range(0, len(ids), batch):
            self._call(
                collection.upsert,
                ids=ids[i : i + batch],
                documents=texts[i : i + batch],
                metadatas=metas[i : i + batch],
                embeddings=vectors[i : i + batch],
            )

    # -- the published stamp: what readers compare their BM25 index with ----

    def stamp(self) -> str:
        """The stamp the last finished ingest published ("" if none)."""
        collection = self._read(self.client.get_collection, name=self.settings.collection)
        return str((collection.metadata or {}).get("quorum_stamp", ""))

    def publish(self, stamp: str) -> None:
        self._call(self.chunks.modify, metadata={"quorum_stamp": stamp})
        self.published = stamp

    def reopen(self) -> bool:
        """Open the embedded store afresh, to see what another process wrote; False against a server.

        Embedded Chroma keeps each collection's index in memory and never rereads it, so
        a long-running reader (the app) fails on ids another process's ingest wrote
        ("Error finding id"). A server is one process for every client and needs none of this.
        The replaced system is stopped at the next reopen, once reads begun on it are over.
        """
        if self.settings.chroma_url:
            return False
        from chromadb.api.shared_system_client import SharedSystemClient

        current = SharedSystemClient._identifier_to_system.pop(str(self.settings.chroma_path), None)
        self.client = open_client(self.settings)
        self._open_collections(create=False)
        if self._retired is not None:
            self._retired.stop()
        self._retired = current
        return True

    def locks(self) -> Any:
        """The collection holding ingest leases (``retrieval.leases``)."""
        return self._call(self.client.get_or_create_collection, name=f"{self.settings.collection}_locks",
                          embedding_function=None)

    def on_locks(self, method: str, **kwargs: Any) -> Any:
        """``method`` of the locks collection, called with the store's retries."""
        return self._call(getattr(self.locks(), method), **kwargs)

    # -- chunks ------------------------------------------------------------

    def count(self) -> int:
        return self._read(self.chunks.count)

    def all_chunks(self) -> Iterator[Chunk]:
        """Every chunk of a committed version."""
        versions = self.committed_versions()
        for chunk_id, text, meta in self._pages(self.chunks, include=["documents", "metadatas"]):
            if versions.get(str(meta.get("doc_id"))) == meta.get("version"):
                yield chunk_from_record(chunk_id, text, meta)

    def fingerprint(self) -> str:
        """A hash of the committed documents' hashes: equal means same content."""
        pairs = sorted(f"{doc_id}={d.doc_hash}" for doc_id, d in self.documents().items())
        return hashlib.sha256("\n".join(pairs).encode()).hexdigest()

    # Queries ask for n results without counting first: Chroma returns fewer when it holds fewer, and a
    # count costs as much as the query itself on a large collection.
    def dense_search(self, vector: np.ndarray, n: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        got = self._read(
            self.chunks.query,
            query_embeddings=[vector],
            n_results=n,
            where=filters.where() if filters else None,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (chunk_from_record(i, text, meta), 1.0 - float(distance))
            for i, text, meta, distance in zip(
                got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True
            )
        ]

    def dense_sentence_search(
        self, vector: np.ndarray, n: int, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """Chunk ids by their best-matching sentence, best first."""
        got = self._read(
            self.sentences.query,
            query_embeddings=[vector],
            n_results=n,
            where=filters.where() if filters else None,
            include=["metadatas", "distances"],
        )
        best: dict[str, float] = {}
        for meta, distance in zip(got["metadatas"][0], got["distances"][0], strict=True):
            chunk_id = str(meta["chunk_id"])
            best.setdefault(chunk_id, 1.0 - float(distance))
        return list(best.items())

    def sentence_vectors(self, chunks: Sequence[Chunk]) -> dict[str, list[tuple[int, int, np.ndarray]]]:
        """Each chunk's stored sentence vectors, as (start, end, vector) in chunk order.

        Read by id (a sentence's id follows from its chunk's text): a metadata
        filter over 300k sentences took 20 to 40 times as long.
        """
        wanted = {s.sentence_id: s for chunk in chunks for s in chunk_sentences(chunk)}
        if not wanted:
            return {}
        got = self._read(self.sentences.get, ids=list(wanted), include=["embeddings"])
        found: dict[str, list[tuple[int, int, np.ndarray]]] = {}
        for sentence_id, vector in zip(got["ids"], got["embeddings"], strict=True):
            sentence = wanted[sentence_id]
            found.setdefault(sentence.chunk_id, []).append(
                (sentence.start, sentence.end, np.asarray(vector, dtype=np.float32))
            )
        return {k: sorted(v, key=lambda item: item[0]) for k, v in found.items()}

    # -- helpers -----------------------------------------------------------

    def _call(self, method: Any, **kwargs: Any) -> Any:
        """Call Chroma to write; a failure becomes one clear, actionable error."""
        try:
            return self._attempt(method, kwargs)
        except QuorumError:
            raise
        except Exception as error:
            raise StoreWriteFailed(write_failure(self.settings, error)) from error

    def _read(self, method: Any, **kwargs: Any) -> Any:
        """Call Chroma to read; a failure becomes one clear error.

        An embedded store that fails a read is reopened and the read tried once more:
        another process may have written since it was opened (see ``reopen``).
        """
        try:
            try:
                return self._attempt(method, kwargs)
            except QuorumError:
                raise
            except Exception:
                if not self.reopen():
                    raise
                return self._attempt(self._rebound(method), kwargs)
        except QuorumError:
            raise
        except Exception as error:
            where = self.settings.chroma_url or "the data directory"
            cause = failure_cause(error)
            if not self.settings.chroma_url and nearly_full(self.settings.chroma_path):
                cause = DISK_FULL
            raise StoreUnavailable(
                f"cannot read the index in {where} ({cause}); if that persists, run `quorum ingest --rebuild`"
            ) from error

    def _rebound(self, method: Any) -> Any:
        """``method`` of the reopened client, or of its collection of the same name."""
        owner = getattr(method, "__self__", None)
        name = getattr(owner, "name", None)
        if name is None or not isinstance(name, str):
            return getattr(self.client, method.__name__)
        fresh = {c.name: c for c in (self.chunks, self.sentences, self.docs)}.get(name) or self.locks()
        return getattr(fresh, method.__name__)

    def _attempt(self, method: Any, kwargs: dict[str, Any]) -> Any:
        """``method(**kwargs)``, retried with back-off when a Chroma server call fails in transit."""
        retries = self.settings.store_retries if self.settings.chroma_url else 0
        for attempt in range(retries + 1):
            try:
                return method(**kwargs)
            except TRANSIENT as error:
                if attempt == retries:
                    raise StoreUnavailable(unreachable(self.settings, error, retries)) from error
                time.sleep(BACKOFF_SECONDS * 2**attempt)
        raise AssertionError("unreachable")

    def _max_batch(self) -> int:
        try:
            return int(self.client.get_max_batch_size())
        except Exception:
            return 1000

    def _pages(self, collection: Any, include: list[str]) -> Iterator[tuple[str, Any, Any]]:
        offset = 0
        while True:
            got = self._read(collection.get, limit=_PAGE, offset=offset, include=include)
            ids = got["ids"]
            if not ids:
                return
            documents = got.get("documents") or [None] * len(ids)
            metadatas = got.get("metadatas") or [None] * len(ids)
            yield from zip(ids, documents, metadatas, strict=True)
            offset += len(ids)
