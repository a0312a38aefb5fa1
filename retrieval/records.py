"""How chunks, sentences and documents are written as Chroma records (metadata), and read back."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from retrieval.models import Chunk, DocumentInfo, Sentence

_DOC_FIELDS = tuple(f.name for f in fields(DocumentInfo))


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
    if chunk.pages:
        meta["page"] = chunk.page
        meta["pages"] = json.dumps(list(chunk.pages))
        meta["page_numbers"] = json.dumps(list(chunk.page_numbers))
        meta["page_starts"] = json.dumps(list(chunk.page_starts))
    if chunk.ocr:
        meta["ocr"] = 1
    if chunk.header:
        meta["header"] = chunk.header
    if chunk.speaker:
        meta["speaker"] = chunk.speaker
    return meta


def sentence_metadata(sentence: Sentence, chunk: Chunk) -> dict[str, str | int]:
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


def version_of(doc_hash: str) -> str:
    """The short form of a document hash that chunk ids and metadata carry."""
    return doc_hash[:12]


def record_metadata(info: DocumentInfo) -> dict[str, str]:
    return {k: v for k, v in asdict(info).items() if v}


def original_metadata(original: Path | None) -> dict[str, str]:
    if original is None:
        return {}
    return {"original_path": str(original.resolve()), "original_sha256": file_digest(original)}


def file_digest(path: Path) -> str:
    """The file's sha256; read again only when its size or modification time changes."""
    stat = path.stat()
    return _digest_of(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _digest_of(path: str, _size: int, _mtime_ns: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


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
        pages=tuple(json.loads(str(meta.get("pages") or "[]"))),
        page_numbers=tuple(json.loads(str(meta.get("page_numbers") or "[]"))),
        page_starts=tuple(json.loads(str(meta.get("page_starts") or "[]"))),
        ocr=bool(meta.get("ocr")),
        header=str(meta.get("header", "")),
        speaker=str(meta.get("speaker", "")),
    )
