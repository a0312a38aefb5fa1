"""Incremental, idempotent ingestion: files in, chunks in Chroma, BM25 beside it.

Each document is hashed (its bytes, its manifest entry and the pipeline's own
configuration). An unchanged hash means nothing is read, embedded or written.
A changed document is re-chunked; chunks whose text is unchanged keep their
stored embeddings, the rest are embedded, and stale chunks are deleted. The
BM25 index is rebuilt from Chroma whenever the store's content changed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from llama_index.core import Document

from ingest.chunking import StructureNodeParser
from ingest.cleaning import PageSpan, clean_pages, clean_text
from ingest.loaders import SUPPORTED_SUFFIXES, load_file
from ingest import ocr
from ingest.pdf import Page
from ingest.manifest import MANIFEST_NAME, document_info, read_manifest
from retrieval.embedding import Embedder, get_embedder
from retrieval.errors import IngestLocked, QuorumError, StoreUnavailable, UnreadableDocument, UnsupportedFormat
from retrieval.lexical import sync_lexical_index
from retrieval.models import Chunk, DocumentInfo, Sentence
from retrieval.sentences import chunk_sentences, content_hash
from retrieval.settings import Settings
from retrieval import leases
from retrieval.leases import Owner
from retrieval.store import DocumentWrite, Store
from retrieval.records import version_of

# 9: PDF tables without ruling lines; 8: a transcript passage's opening speaker; 7: decimal paragraph numbers (5.1);
# 6: PDFs read page by page (pages, tables, OCR); 5: transcript speakers
PIPELINE_VERSION = "9"

log = logging.getLogger("quorum.ingest")


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, one-line reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (file, one line): read, but not all of it
    chunks_embedded: int = 0
    chunks_reused: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        warned = f", {len(self.warnings)} read in part" if self.warnings else ""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failed)} failed{warned} "
            f"({self.chunks_embedded} chunks embedded, {self.chunks_reused} reused, {self.seconds:.1f}s)"
        )


@dataclass(frozen=True)
class SourceFile:
    path: Path
    doc_id: str  # path relative to the folder it was found in
    manifest_entry: dict


@dataclass(frozen=True)
class Progress:
    """One step of an ingest, for progress bars: ``done`` of ``total`` files."""

    done: int
    total: int
    name: str
    status: str  # "added" | "updated" | "unchanged" | "failed" | "removed" | "indexing" | "reading page N"


ProgressCallback = Callable[[Progress], None]


def discover(paths: list[Path]) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """Files to ingest under ``paths``, and those that cannot be (with the reason)."""
    found: dict[str, SourceFile] = {}
    problems: list[tuple[str, str]] = []
    roots = list(dict.fromkeys(p.resolve() for p in paths))
    for root in roots:
        if not root.exists():
            problems.append((str(root), f"{root}: no such file or folder"))
            continue
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        base = root.parent if root.is_file() else root
        for path in files:
            relative = path.relative_to(base)
            if path.name == MANIFEST_NAME or any(part.startswith(".") for part in relative.parts):
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
                problems.append((str(path), f"{path.name}: unsupported file type (Quorum reads {kinds})"))
                continue
            doc_id = relative.as_posix()
            if doc_id in found and found[doc_id].path != path:
                problems.append((str(path), f"{doc_id}: another file of that name is already being ingested"))
                continue
            found[doc_id] = SourceFile(path, doc_id, read_manifest(path.parent).get(path.name, {}))
    return list(found.values()), problems


def document_hash(source: SourceFile, settings: Settings) -> str:
    digest = hashlib.sha256(source.path.read_bytes())
    config = {
        "pipeline": PIPELINE_VERSION,
        "manifest": source.manifest_entry,
        "chunk_tokens": settings.chunk_tokens,
        "model": settings.embedding_model,
    }
    digest.update(json.dumps(config, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def embedding_text(chunk: Chunk, count_tokens: Callable[[str], int], max_tokens: int) -> str:
    """The chunk with as much title/section context as the model's window allows."""
    for prefix in (chunk.context, chunk.doc.title, ""):
        text = f"{prefix}\n{chunk.text}" if prefix else chunk.text
        if count_tokens(text) <= max_tokens:
            return text
    return chunk.text  # the chunker keeps every text within the window


@dataclass(frozen=True)
class Prepared:
    """One document, cleaned and split, ready to embed and store."""

    info: DocumentInfo
    text: str
    chunks: list[Chunk]
    chunk_texts: list[str]  # what the model embeds for each chunk
    sentences: list[Sentence]
    warning: str = ""  # what could not be read, when the rest could


def prepare(
    source: SourceFile, settings: Settings, embedder: Embedder, version: str = "",
    on_page: Callable[[int], None] | None = None,
) -> Prepared:
    """Load, clean and split one file; chunk ids carry the document ``version``; ``on_page``: see ``load_file``."""
    loaded = load_file(source.path, on_page)
    spans: list[PageSpan] = []
    if loaded.pages:
        text, spans = clean_pages(loaded.pages)
    else:
        text = clean_text(loaded.text, loaded.format)
    if not text.strip():
        raise UnreadableDocument(f"{source.path.name}: no text left after cleaning")
    info = document_info(source.doc_id, source.path.name, text, loaded.title, source.manifest_entry)
    parser = StructureNodeParser(lambda t: embedder.count_tokens(t) - 2, max_tokens=settings.chunk_tokens)
    nodes = parser.get_nodes_from_documents([Document(text=text, id_=info.doc_id)])
    chunks: list[Chunk] = []
    texts: list[str] = []
    sentences: list[Sentence] = []
    for index, node in enumerate(nodes):
        start, end = int(node.start_char_idx or 0), int(node.end_char_idx or 0)
        draft = Chunk(
            chunk_id="",
            doc=info,
            text=node.get_content(),
            start=start,
            end=end,
            index=index,
            paragraph=str(node.metadata.get("paragraph", "")),
            section=str(node.metadata.get("section", "")),
            header=str(node.metadata.get("header", "")),
            speaker=str(node.metadata.get("speaker", "")),
            **_page_fields(loaded.pages, spans, start, end),
        )
        embed_text = embedding_text(draft, embedder.count_tokens, embedder.max_tokens)
        chunk = replace(draft, chunk_id=f"{info.doc_id}:{version}:{index}:{content_hash(embed_text)}")
        chunks.append(chunk)
        texts.append(embed_text)
        sentences.extend(chunk_sentences(chunk))
    return Prepared(info, text, chunks, texts, sentences, _unread_warning(source.path.name, loaded.unread_pages))


def _page_fields(pages: Sequence[Page], spans: Sequence[PageSpan], start: int, end: int) -> dict:
    """A PDF chunk's pages (as printed and as counted) and whether OCR read any of them."""
    if not pages:
        return {}
    begins: dict[int, int] = {}  # page index -> where in the chunk its text begins
    for span in spans:
        if span.start < end and span.end > start:
            begins.setdefault(span.page, max(span.start, start) - start)
    if not begins:  # between two pages' spans (a separator): the page of the span before
        begins = {max((s.page for s in spans if s.end <= start), default=0): 0}
    indices = sorted(begins)
    return {
        "pages": tuple(pages[i].label for i in indices),
        "page_numbers": tuple(pages[i].number for i in indices),
        "page_starts": (0, *(begins[i] for i in indices[1:])),
        "ocr": any(pages[i].ocr for i in indices),
    }


def _unread_warning(name: str, unread: Sequence[int]) -> str:
    if not unread:
        return ""
    one = len(unread) == 1
    where = f"page {unread[0]} has" if one else f"pages {', '.join(map(str, unread))} have"
    if ocr.available():
        return f"{name}: {where} no text layer and OCR found no text on {'it' if one else 'them'}; the rest was read"
    return f"{name}: {where} no text layer and OCR is not installed (install tesseract-ocr); the rest was read"


@contextmanager
def exclusive(path: Path, busy: QuorumError) -> Iterator[None]:
    """Hold the lock file ``path`` for the block; ``busy`` is raised, not waited on, when another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise busy from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ingest_lock(settings: Settings) -> contextlib.AbstractContextManager[None]:
    """One ingest at a time per data directory; a second one is refused, not interleaved."""
    return exclusive(settings.lock_path, IngestLocked(f"another ingest is running on {settings.home}; try again when it finishes"))


def ingest(
    paths: list[Path],
    settings: Settings,
    *,
    prune: bool = False,
    rebuild: bool = False,
    store: Store | None = None,
    embedder: Embedder | None = None,
    on_progress: ProgressCallback | None = None,
    scope: str = "",
) -> IngestReport:
    """Bring the index up to date with ``paths``, the uploads and the synced papers; only what changed is redone.

    With ``scope`` (a source's id), only that synced source's papers (under ``<home>/synced/<scope>``) are
    read and written, under that source's lease: other sources sync into the same server at the same time.
    """
    began = time.perf_counter()
    report = IngestReport()
    with ingest_lock(settings):
        store = _openable(settings) if rebuild and store is None else store or Store(settings)
        with server_lease(store, settings, scope) as renew:
            if rebuild:
                _repair(store, settings)
            mine = f"{scope}/" if scope else ""
            recovered = store.recover(mine)  # whatever an interrupted ingest left half-done
            if scope:
                sources, report.failed = discover([settings.synced_path] if settings.synced_path.is_dir() else [])
                sources = [s for s in sources if s.doc_id.startswith(mine)]
            else:
                library = [p for p in (settings.uploads_path, settings.synced_path) if p.is_dir()]
                sources, report.failed = discover([*paths, *library])
            stored = store.documents()
            group: list[DocumentWrite] = []
            for done, source in enumerate(sources, start=1):

                def reading(page: int, done: int = done, source: SourceFile = source) -> None:
                    renew()  # a long PDF read by OCR must not let the server lease lapse
                    if on_progress:
                        on_progress(Progress(done - 1, len(sources), source.doc_id, f"reading page {page}"))

                status, write = _prepare_one(source, settings, store, stored, report, embedder, reading)
                if write is not None:
                    group.append(write)
                if sum(len(w.chunks) for w in group) >= settings.write_batch_chunks:
                    store.write_documents(group)
                    group = []
                renew()
                if on_progress:
                    on_progress(Progress(done, len(sources), source.doc_id, status))
            store.write_documents(group)
            if prune and not scope:
                seen = {s.doc_id for s in sources}
                for doc_id in sorted(set(stored) - seen):
                    store.delete_document(doc_id)
                    report.removed.append(doc_id)
                    if on_progress:
                        on_progress(Progress(len(sources), len(sources), doc_id, "removed"))
            if on_progress:
                on_progress(Progress(len(sources), len(sources), "BM25 index", "indexing"))
            publish(store, settings, force=rebuild or report.changed or bool(recovered))
            store.purge(report.updated)  # old versions, now that readers have the new
            store.finish(report.added)  # no old versions: recover() at the start removed any half-written
    report.seconds = time.perf_counter() - began
    return report


@contextmanager
def server_lease(store: Store, settings: Settings, scope: str = "") -> Iterator[Callable[[], None]]:
    """Against a Chroma server, one ingest at a time across every replica, or one sync per source
    (``scope``, see ``retrieval.leases``); yields ``renew``."""
    if not settings.chroma_url:
        yield lambda: None
        return
    owner = Owner.me()
    seconds = settings.ingest_lease_seconds
    leases.acquire(store, owner, seconds, scope)
    last = time.monotonic()

    def renew() -> None:
        nonlocal last
        if time.monotonic() - last > seconds / 4:
            leases.renew(store, owner, seconds, scope)
            last = time.monotonic()

    try:
        yield renew
    finally:
        leases.release(store, owner, scope)


def remove_documents(doc_ids: Sequence[str], settings: Settings, store: Store | None = None) -> list[str]:
    """Remove documents from Chroma and BM25 alike; the ids that were there."""
    with ingest_lock(settings):
        store = store or Store(settings)
        with server_lease(store, settings):
            known = store.documents()
            removed = [doc_id for doc_id in doc_ids if doc_id in known]
            for doc_id in removed:
                store.delete_document(doc_id)
            if removed:
                publish(store, settings, force=True)
    return removed


def _openable(settings: Settings) -> Store:
    """The store, for a rebuild: an embedded store that cannot even be opened is moved aside, not deleted."""
    try:
        store = Store(settings)
        store.stamp()
        return store
    except StoreUnavailable:
        if settings.chroma_url or not settings.chroma_path.exists():
            raise
        aside = settings.chroma_path.with_name(f"chroma.broken-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(settings.chroma_path, aside)
        log.warning("the Chroma store could not be opened; moved it to %s and starting afresh", aside)
        return Store(settings)


def _repair(store: Store, settings: Settings) -> None:
    """Forget every inconsistent document (to be read again) and drop the BM25 index."""
    shutil.rmtree(settings.lexical_path, ignore_errors=True)
    store.recover()
    documents = store.documents()
    for problem in store.check():
        doc_id = problem.split(":", 1)[0]
        if doc_id in documents:
            store.forget(doc_id)
        else:  # chunks of no document
            store.purge([doc_id])


def publish(store: Store, settings: Settings, *, force: bool = False) -> None:
    """Rebuild the BM25 index from the committed chunks, then tell readers (the store's stamp)."""
    stamp = store.fingerprint()
    if force or store.stamp() != stamp:
        sync_lexical_index(store, settings, force=True, stamp=stamp, must_save=True)
        store.publish(stamp)
    else:
        sync_lexical_index(store, settings, stamp=stamp, must_save=True)


def _prepare_one(
    source: SourceFile,
    settings: Settings,
    store: Store,
    stored: dict,
    report: IngestReport,
    embedder: Embedder | None,
    on_page: Callable[[int], None] | None = None,
) -> tuple[str, DocumentWrite | None]:
    """Read, split and embed one file: its status, and what to write unless it is unchanged or failed."""
    try:
        doc_hash = document_hash(source, settings)
        previous = stored.get(source.doc_id)
        if previous is not None and previous.doc_hash == doc_hash:
            report.unchanged.append(source.doc_id)
            return "unchanged", None
        embedder = embedder or get_embedder(settings.embedding_model)
        doc = prepare(source, settings, embedder, version_of(doc_hash), on_page)
        doc_id = doc.info.doc_id
        # Only a document already stored has vectors to reuse; asking for a new one's costs two empty reads.
        known_chunks = store.reusable_embeddings(doc_id, "chunks") if previous else {}
        known_sentences = store.reusable_embeddings(doc_id, "sentences") if previous else {}
        chunk_vectors = _embed_missing(known_chunks, doc.chunks, doc.chunk_texts, embedder, settings, report)
        sentence_vectors = _embed_missing(
            known_sentences, doc.sentences, [s.text for s in doc.sentences], embedder, settings, None
        )
    except (UnsupportedFormat, UnreadableDocument) as error:
        report.failed.append((str(source.path), str(error)))
        return "failed", None
    except OSError as error:
        report.failed.append((str(source.path), f"{source.path.name}: cannot read ({error.strerror or error})"))
        return "failed", None
    status = "updated" if previous is not None else "added"
    (report.updated if previous is not None else report.added).append(source.doc_id)
    if doc.warning:
        report.warnings.append((str(source.path), doc.warning))
    original = source.path if source.path.suffix.lower() == ".pdf" else None
    write = DocumentWrite(
        doc.info, doc.text, doc_hash, doc.chunks, chunk_vectors, doc.sentences, sentence_vectors, original
    )
    return status, write


def _embed_missing(
    known: dict[str, np.ndarray],
    records: Sequence[Chunk | Sentence],
    texts: list[str],
    embedder: Embedder,
    settings: Settings,
    report: IngestReport | None,
) -> np.ndarray:
    """Vectors for ``records``: stored ones reused by content hash, the rest embedded."""
    vectors = np.zeros((len(records), embedder.dimension), dtype=np.float32)
    missing = [i for i, r in enumerate(records) if r.content_hash not in known]
    for i, record in enumerate(records):
        if record.content_hash in known:
            vectors[i] = known[record.content_hash]
    if missing:
        vectors[missing] = embedder.embed([texts[i] for i in missing], batch_size=settings.embed_batch_size)
    if report is not None:
        report.chunks_embedded += len(missing)
        report.chunks_reused += len(records) - len(missing)
    return vectors
