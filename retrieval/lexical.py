"""The BM25 index (bm25s), kept beside Chroma and rebuilt from it.

Local Chroma has no sparse index, so the lexical side lives on disk next to
it. The index is always derived from the chunks in Chroma and stamped with
the store's fingerprint; a stamp that differs from the store's means the index
is stale and is rebuilt, never trusted.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
import itertools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import bm25s
import numpy as np

from retrieval.errors import IndexMissing, QuorumError, StoreWriteFailed
from retrieval.glossary import definitions, spelled_out
from retrieval.models import Chunk, DocumentInfo
from retrieval.settings import Settings
from retrieval.store import Store
from retrieval.failures import failure_cause
from retrieval.tokens import STEMMER, TOKEN_PATTERN, tokenize
from retrieval.filters import Filters

_FORMAT = 2  # 2: possessives lose their "s"

log = logging.getLogger("quorum.lexical")


def lexical_text(chunk: Chunk) -> str:
    return f"{chunk.context}\n{chunk.text}"


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _within(a: str, b: str, most: int) -> bool:
    """Is the edit distance of ``a`` and ``b`` at most ``most``? (Early exit when a row passes it.)"""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(current) > most:
            return False
        previous = current
    return previous[-1] <= most


class LexicalIndex:
    def __init__(self, chunks: list[Chunk], retriever: bm25s.BM25 | None, stamp: str) -> None:
        self.chunks = chunks
        self.by_id = {c.chunk_id: c for c in chunks}
        self.stamp = stamp
        self._retriever = retriever
        self._vocab: set[str] = set(retriever.vocab_dict) if retriever is not None else set()
        self._pairs: set[tuple[str, str]] | None = None  # word bigrams, built on first use

    @classmethod
    def build(cls, chunks: Iterable[Chunk], stamp: str) -> LexicalIndex:
        chunks = list(chunks)
        if not chunks:
            return cls([], None, stamp)
        retriever = bm25s.BM25()
        retriever.index(
            bm25s.tokenize(
                [lexical_text(c) for c in chunks],
                token_pattern=TOKEN_PATTERN,
                stopwords="en",
                stemmer=STEMMER,
                show_progress=False,
            ),
            show_progress=False,
        )
        return cls(chunks, retriever, stamp)

    def __len__(self) -> int:
        return len(self.chunks)

    def has_phrase(self, phrase: str) -> bool:
        """Does some chunk contain these words in this order (as the index reads them: stemmed)?"""
        seq = tokenize([phrase])[0]
        if len(seq) < 2:
            return self.knows(phrase)
        if self._pairs is None:
            texts = [lexical_text(chunk) for chunk in self.chunks]
            self._pairs = {pair for tokens in tokenize(texts) for pair in itertools.pairwise(tokens)}
        return all(pair in self._pairs for pair in itertools.pairwise(seq))

    @functools.cached_property
    def by_position(self) -> dict[tuple[str, int], str]:
        """Chunk ids by document and place in it, for finding a passage's neighbours."""
        return {(c.doc.doc_id, c.index): c.chunk_id for c in self.chunks}

    @functools.cached_property
    def glossary(self) -> dict[str, str]:
        """Abbreviations the indexed documents define (or spell out elsewhere), with their long forms."""
        return self.defined_glossary | self.inferred_glossary

    @functools.cached_property
    def defined_glossary(self) -> dict[str, str]:
        """Abbreviations defined in brackets: "Victim Service Assessment (VSA)"."""
        return definitions(chunk.text for chunk in self.chunks)

    @functools.cached_property
    def inferred_glossary(self) -> dict[str, str]:
        """Abbreviations a document uses undefined, matched to a name it spells out ("OCGs")."""
        documents: dict[str, list[str]] = {}
        for chunk in self.chunks:
            documents.setdefault(chunk.doc.doc_id, []).append(chunk.text)
        return spelled_out(("\n".join(texts) for texts in documents.values()), known=self.defined_glossary)

    @functools.cached_property
    def rare_glossary(self) -> dict[str, str]:
        """The glossary without abbreviations common enough to need no expanding ("PCC")."""
        rare_idf = float(np.log(1 + 0.95 / 0.05))  # the idf of a term in 5% of chunks
        terms = {a: tokenize([a])[0] for a in self.glossary}
        idf = self.idf([t for ts in terms.values() for t in ts])
        return {a: long for a, long in self.glossary.items() if terms[a] and min(idf[t] for t in terms[a]) > rare_idf}

    @functools.cached_property
    def distinctive_namings(self) -> dict[str, set[str]]:
        """Per document, the terms of its title, type and year that no other document's have."""
        namings = {
            doc.doc_id: set(tokenize([f"{doc.title} {doc.type} {doc.date[:4]}"])[0]) for doc in self.documents()
        }
        shared = Counter(term for naming in namings.values() for term in naming)
        return {doc_id: {t for t in naming if shared[t] == 1} for doc_id, naming in namings.items()}

    def documents(self) -> list[DocumentInfo]:
        """Each indexed document's info, once."""
        return list({c.doc.doc_id: c.doc for c in self.chunks}.values())

    def idf(self, terms: list[str]) -> dict[str, float]:
        """Inverse document frequency of (already tokenised) terms; 0 for unknown ones."""
        if self._retriever is None:
            return {t: 0.0 for t in terms}
        indptr = self._retriever.scores["indptr"]
        n = len(self.chunks)
        out = {}
        for term in terms:
            column = self._retriever.vocab_dict.get(term)
            df = int(indptr[column + 1] - indptr[column]) if column is not None else 0
            out[term] = float(np.log(1 + (n - df + 0.5) / (df + 0.5))) if df else 0.0
        return out

    def knows(self, term: str) -> bool:
        """Does any indexed chunk contain this (stemmed) term?"""
        tokens = tokenize([term])[0]
        return bool(tokens) and all(t in self._vocab for t in tokens)

    def knows_spelling(self, term: str) -> bool:
        """Does any chunk contain this term, or the same word misspelt by a letter (two in a long word)?

        People type names as they hear them ("Dhillabeer" for "Shillabeer"), and run
        them together ("JustinTrudeau"); a name the documents hold spelt a little
        differently is still that name, not a sign that no document mentions it.
        """
        if self.knows(term) or (" " not in term and self.has_phrase(_CAMEL.sub(" ", term))):
            return True
        tokens = tokenize([term])[0]
        return bool(tokens) and all(t in self._vocab or self._near(t) for t in tokens)

    def _near(self, token: str) -> bool:
        most = 2 if len(token) >= 9 else 1
        if len(token) < 5:
            return False
        return any(
            _within(token, other, most)
            for size in range(len(token) - most, len(token) + most + 1)
            for other in self._by_length.get(size, ())
        )

    @functools.cached_property
    def _by_length(self) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for token in self._vocab:
            found.setdefault(len(token), []).append(token)
        return found

    def search(self, query: str, n: int, filters: Filters | None = None) -> list[tuple[Chunk, float]]:
        if self._retriever is None:
            return []
        terms = [t for t in tokenize([query])[0] if t in self._vocab]
        if not terms:
            return []
        scores = self._retriever.get_scores(terms)
        if filters:
            scores = np.where(self._mask(filters), scores, 0.0)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]

    def _mask(self, filters: Filters) -> np.ndarray:
        return np.fromiter((filters.allows(c) for c in self.chunks), dtype=bool, count=len(self.chunks))

    # -- persistence -------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write to a fresh directory, then swap it in, so readers never see half an index."""
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".bm25-", dir=path.parent))
        try:
            if self._retriever is not None:
                self._retriever.save(str(staging / "bm25"), show_progress=False)
            with open(staging / "chunks.jsonl", "w", encoding="utf-8") as out:
                for chunk in self.chunks:
                    out.write(json.dumps(_chunk_record(chunk), ensure_ascii=False) + "\n")
            (staging / "stamp.json").write_text(json.dumps({"format": _FORMAT, "stamp": self.stamp}))
            old = path.with_name(path.name + ".old")
            if path.exists():
                shutil.rmtree(old, ignore_errors=True)
                os.replace(path, old)
            os.replace(staging, path)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        """Load a saved index; ``IndexMissing`` if it is absent or unreadable."""
        try:
            meta = json.loads((path / "stamp.json").read_text())
            if meta.get("format") != _FORMAT:
                raise IndexMissing(f"the lexical index at {path} is from another version")
            with open(path / "chunks.jsonl", encoding="utf-8") as lines:
                chunks = [_chunk_from_record(json.loads(line)) for line in lines]
            retriever = None
            if chunks:
                retriever = bm25s.BM25.load(str(path / "bm25"), show_progress=False)
                if retriever.scores["num_docs"] != len(chunks):
                    raise IndexMissing(f"the lexical index at {path} does not match its chunk list")
        except IndexMissing:
            raise
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IndexMissing(f"the lexical index at {path} is missing or damaged ({error})") from error
        return cls(chunks, retriever, str(meta["stamp"]))


def _chunk_record(chunk: Chunk) -> dict[str, object]:
    record = asdict(chunk)
    record["doc"] = asdict(chunk.doc)
    return record


def _chunk_from_record(record: dict[str, object]) -> Chunk:
    doc = DocumentInfo(**record.pop("doc"))  # type: ignore[arg-type]
    for name in ("pages", "page_numbers", "page_starts"):  # JSON gives lists; a chunk holds tuples
        record[name] = tuple(record.get(name) or ())  # type: ignore[arg-type]
    return Chunk(doc=doc, **record)  # type: ignore[arg-type]


def sync_lexical_index(
    store: Store, settings: Settings, *, force: bool = False, stamp: str | None = None, must_save: bool = False
) -> LexicalIndex:
    """The BM25 index in step with the store: loaded if its stamp matches, else rebuilt.

    ``stamp`` defaults to what the store last published (its fingerprint if nothing was).
    A rebuilt index that cannot be saved is still used, unless ``must_save``.
    """
    stamp = stamp or store.stamp() or store.fingerprint()
    if not force:
        try:
            index = LexicalIndex.load(settings.lexical_path)
            if index.stamp == stamp:
                return index
        except QuorumError:
            pass
    index = LexicalIndex.build(store.all_chunks(), stamp)
    try:
        index.save(settings.lexical_path)
    except OSError as error:
        cause = failure_cause(error)
        if must_save:
            raise StoreWriteFailed(
                f"cannot save the BM25 index in the data directory ({cause}); "
                "fix the cause, then run `quorum ingest --rebuild`"
            ) from error
        log.warning("BM25 index rebuilt in memory only: cannot save it (%s)", cause)
    return index
