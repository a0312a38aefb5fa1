"""The Chroma store: chunk vectors and texts, plus one record per document.

Three collections: ``<name>`` holds the chunks (cosine space, our own
embeddings), ``<name>_sentences`` each chunk's sentences embedded on their
own, and ``<name>_docs`` each document's cleaned text and hash.
The document record is written last, so a document whose record is missing or
stale is simply ingested again: an interrupted ingest never leaves a record
that claims chunks it does not have.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from retrieval.errors import StoreUnavailable
from retrieval.models import Chunk, DocumentInfo, Sentence
from retrieval.settings import Settings

_PAGE = 2000
_DOC_FIELDS = ("doc_id", "title", "type", "organisation", "date", "source", "url", "licence")


@dataclass(frozen=True)
class StoredDocument:
    info: DocumentInfo
    doc_hash: str
    n_chunks: int


@dataclass(frozen=True)
class Filters:
    """Metadata filters applied to both retrievers."""

    types: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    date_from: str = ""  # ISO date, inclusive
    date_to: str = ""

    def __bool__(self) -> bool:
        return bool(self.types or self.doc_ids or self.date_from or self.date_to)

    def allows(self, chunk: Chunk) -> bool:
        doc = chunk.doc
        if self.types and doc.type not in self.types:
            return False
        if self.doc_ids and doc.doc_id not in self.doc_ids:
            return False
        if self.date_from and (not doc.date or doc.date < self.date_from):
            return False
        return not (self.date_to and (not doc.date or doc.date > self.date_to))

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.types:
            clauses.append({"type": {"$in": list(self.types)}})
        if self.doc_ids:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if self.date_from:
            clauses.append({"date_ord": {"$gte": date_ordinal(self.date_from)}})
        if self.date_to:
            clauses.append({"date_ord": {"$lte": date_ordinal(self.date_to)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def date_ordinal(iso: str) -> int:
    """20231117 for "2023-11-17"; 0 when unknown, so undated documents sort first."""
    digits = iso.replace("-", "")
    return int(digits) if digits.isdigit() and len(digits) == 8 else 0


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    meta: dict[str, str | int] = {k: v for k, v in asdict(chunk.doc).items() if v}
    meta |= {
        "doc_id": chunk.doc.doc_id,
        "date_ord": date_ordinal(chunk.doc.date),
        "start": chunk.start,
        "end": chunk.end,
        "chunk_index": chunk.index,
    }
    if chunk.paragraph:
        meta["paragraph"] = chunk.paragraph
    if chunk.section:
        meta["section"] = chunk.section
    return meta


def _sentence_metadata(sentence: Sentence, chunk: Chunk) -> dict[str, str | int]:
    meta: dict[str, str | int] = {
        "doc_id": chunk.doc.doc_id,
        "chunk_id": sentence.chunk_id,
        "start": sentence.start,
        "end": sentence.end,
        "date_ord": date_ordinal(chunk.doc.date),
    }
    if chunk.doc.type:
        meta["type"] = chunk.doc.type
    return meta


def document_info(meta: dict[str, Any]) -> DocumentInfo:
    return DocumentInfo(**{field: str(meta.get(field, "") or "") for field in _DOC_FIELDS})


def chunk_from_record(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc=document_info(meta),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        index=int(meta.get("chunk_index", 0)),
        paragraph=str(meta.get("paragraph", "")),
        section=str(meta.get("section", "")),
    )


def open_client(settings: Settings) -> Any:
    import chromadb

    try:
        if settings.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(settings.chroma_url if "//" in settings.chroma_url else f"http://{settings.chroma_url}")
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
            )
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path))
    except Exception as error:  # chromadb raises many kinds; all mean "cannot open"
        where = settings.chroma_url or settings.chroma_path
        raise StoreUnavailable(f"cannot open the Chroma store at {where}: {error}") from error


class Store:
    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        self.client = client if client is not None else open_client(settings)
        try:
            self.chunks = self.client.get_or_create_collection(
                settings.collection,
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            self.sentences = self.client.get_or_create_collection(
                f"{settings.collection}_sentences",
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
            self.docs = self.client.get_or_create_collection(
                f"{settings.collection}_docs", embedding_function=None
            )
        except Exception as error:
            raise StoreUnavailable(f"cannot open collection {settings.collection!r}: {error}") from error

    # -- documents ---------------------------------------------------------

    def documents(self) -> dict[str, StoredDocument]:
        found: dict[str, StoredDocument] = {}
        for doc_id, _, meta in self._pages(self.docs, include=["metadatas"]):
            found[doc_id] = StoredDocument(document_info(meta), str(meta["doc_hash"]), int(meta["n_chunks"]))
        return found

    def document_text(self, doc_id: str) -> str | None:
        got = self.docs.get(ids=[doc_id], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def reusable_embeddings(self, doc_id: str, kind: str = "chunks") -> dict[str, np.ndarray]:
        """Embeddings already stored for a document's chunks or sentences, by content hash."""
        collection = self.chunks if kind == "chunks" else self.sentences
        got = collection.get(where={"doc_id": doc_id}, include=["embeddings"])
        return {
            record_id.rsplit(":", 1)[-1]: np.asarray(vector, dtype=np.float32)
            for record_id, vector in zip(got["ids"], got["embeddings"], strict=True)
        }

    def write_document(
        self,
        info: DocumentInfo,
        text: str,
        doc_hash: str,
        chunks: Sequence[Chunk],
        chunk_vectors: np.ndarray,
        sentences: Sequence[Sentence] = (),
        sentence_vectors: np.ndarray | None = None,
    ) -> None:
        """Replace a document's chunks and sentences, then its record (in that order)."""
        by_id = {c.chunk_id: c for c in chunks}
        self._replace(
            self.chunks, info.doc_id, [c.chunk_id for c in chunks],
            [c.text for c in chunks], [chunk_metadata(c) for c in chunks], chunk_vectors,
        )
        self._replace(
            self.sentences, info.doc_id, [s.sentence_id for s in sentences], [s.text for s in sentences],
            [_sentence_metadata(s, by_id[s.chunk_id]) for s in sentences],
            sentence_vectors if sentence_vectors is not None else np.zeros((0, 1), dtype=np.float32),
        )
        meta = {k: v for k, v in asdict(info).items() if v} | {"doc_hash": doc_hash, "n_chunks": len(chunks)}
        self.docs.upsert(ids=[info.doc_id], documents=[text], metadatas=[meta], embeddings=[[0.0]])

    def _replace(
        self, collection: Any, doc_id: str, ids: list[str], texts: list[str], metas: list[dict], vectors: np.ndarray
    ) -> None:
        batch = max(1, min(self._max_batch(), 1000))
        for i in range(0, len(ids), batch):
            collection.upsert(
                ids=ids[i : i + batch],
                documents=texts[i : i + batch],
                metadatas=metas[i : i + batch],
                embeddings=vectors[i : i + batch],
            )
        keep = set(ids)
        existing = collection.get(where={"doc_id": doc_id}, include=[])["ids"]
        stale = [i for i in existing if i not in keep]
        if stale:
            collection.delete(ids=stale)

    def delete_document(self, doc_id: str) -> None:
        self.docs.delete(ids=[doc_id])
        self.sentences.delete(where={"doc_id": doc_id})
        self.chunks.delete(where={"doc_id": doc_id})

    # -- chunks ------------------------------------------------------------

    def count(self) -> int:
        return self.chunks.count()

    def all_chunks(self) -> Iterator[Chunk]:
        for chunk_id, text, meta in self._pages(self.chunks, include=["documents", "metadatas"]):
            yield chunk_from_record(chunk_id, text, meta)

    def fingerprint(self) -> str:
        """A hash of every chunk id (ids embed content hashes): equal means same content."""
        ids = sorted(chunk_id for chunk_id, _, _ in self._pages(self.chunks, include=[]))
        return hashlib.sha256("\n".join(ids).encode()).hexdigest()

    def dense_search(self, vector: np.ndarray, n: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        total = self.count()
        if total == 0:
            return []
        got = self.chunks.query(
            query_embeddings=[vector],
            n_results=min(n, total),
            where=filters.where() if filters else None,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (chunk_from_record(i, text, meta), 1.0 - float(distance))
            for i, text, meta, distance in zip(
                got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True
            )
        ]

    def get_chunks(self, chunk_ids: list[str]) -> list[Chunk]:
        if not chunk_ids:
            return []
        got = self.chunks.get(ids=chunk_ids, include=["documents", "metadatas"])
        return [
            chunk_from_record(i, text, meta)
            for i, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]

    def dense_sentence_search(
        self, vector: np.ndarray, n: int, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """Chunk ids by their best-matching sentence, best first."""
        total = self.sentences.count()
        if total == 0:
            return []
        got = self.sentences.query(
            query_embeddings=[vector],
            n_results=min(n, total),
            where=filters.where() if filters else None,
            include=["metadatas", "distances"],
        )
        best: dict[str, float] = {}
        for meta, distance in zip(got["metadatas"][0], got["distances"][0], strict=True):
            chunk_id = str(meta["chunk_id"])
            best.setdefault(chunk_id, 1.0 - float(distance))
        return list(best.items())

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, list[tuple[int, int, np.ndarray]]]:
        """Each chunk's stored sentence vectors, as (start, end, vector) in chunk order."""
        if not chunk_ids:
            return {}
        got = self.sentences.get(where={"chunk_id": {"$in": chunk_ids}}, include=["embeddings", "metadatas"])
        found: dict[str, list[tuple[int, int, np.ndarray]]] = {}
        for meta, vector in zip(got["metadatas"], got["embeddings"], strict=True):
            found.setdefault(str(meta["chunk_id"]), []).append(
                (int(meta["start"]), int(meta["end"]), np.asarray(vector, dtype=np.float32))
            )
        return {k: sorted(v, key=lambda item: item[0]) for k, v in found.items()}

    # -- helpers -----------------------------------------------------------

    def _max_batch(self) -> int:
        try:
            return int(self.client.get_max_batch_size())
        except Exception:
            return 1000

    @staticmethod
    def _pages(collection: Any, include: list[str]) -> Iterator[tuple[str, Any, Any]]:
        offset = 0
        while True:
            got = collection.get(limit=_PAGE, offset=offset, include=include)
            ids = got["ids"]
            if not ids:
                return
            documents = got.get("documents") or [None] * len(ids)
            metadatas = got.get("metadatas") or [None] * len(ids)
            yield from zip(ids, documents, metadatas, strict=True)
            offset += len(ids)
