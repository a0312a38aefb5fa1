"""Hybrid search: BM25 and dense results, fused, with metadata filters."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from retrieval import periods
from retrieval.embedding import Embedder, get_embedder
from retrieval.errors import IndexMissing, QuorumError
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.glossary import expand
from retrieval.lexical import LexicalIndex, sync_lexical_index
from retrieval.tokens import query_terms_text, question_terms, tokenize, words
from retrieval.models import Chunk, Passage
from retrieval.settings import Settings
from retrieval.store import Store
from retrieval.filters import Filters
from retrieval.records import chunk_metadata
from retrieval.vocabulary import Vocabulary, load_vocabulary, official_terms
from retrieval.windows import Vectors, WindowWeights, window_ranking


# The rankings whose fusion picks the candidates the sentence windows rank again.
BEFORE_WINDOWS = ("lexical", "dense", "sentences", "named-lexical", "named-sentences")


def window_pool(lists: Iterable[tuple[str, Sequence[str], float]], rrf_k: int, n: int) -> list[str]:
    """The first ``n`` of the ``BEFORE_WINDOWS`` rankings fused: the passages the sentence windows rank again.
    ``lists`` holds (name, ids, weight) for every ranking; the others are left out."""
    first = [(ids, weight) for name, ids, weight in lists if name in BEFORE_WINDOWS]
    fused = reciprocal_rank_fusion([ids for ids, _ in first], [weight for _, weight in first], k=rrf_k)
    return [i for i, _ in fused[:n]]


class Searcher:
    """Everything a question needs, opened once: store, BM25 index, model.

    The BM25 index is the searcher's snapshot of the store: dense hits outside it
    (a document being written) are ignored, so a question sees a document's old
    state or its new one, never half of each. ``refresh`` moves to the store's
    newest published state, at most once every ``refresh_seconds``.
    """

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        embedder: Embedder | None = None,
        lexical: LexicalIndex | None = None,
        refresh_seconds: float = 2.0,
    ) -> None:
        self.settings = settings
        self.store = store or Store(settings)
        self.lexical = lexical or sync_lexical_index(self.store, settings)
        if len(self.lexical) == 0:
            raise IndexMissing("nothing has been ingested yet: run `quorum ingest` first")
        self.embedder = embedder or get_embedder(settings.embedding_model)
        self.vocabulary = load_vocabulary(settings.vocabulary)
        self.refresh_seconds = refresh_seconds
        self._checked = time.monotonic()
        self._refreshing = threading.Lock()

    def refresh(self, *, now: bool = False) -> bool:
        """Load the store's newest published state if it changed; True when it did."""
        if not now and time.monotonic() - self._checked < self.refresh_seconds:
            return False
        if not self._refreshing.acquire(blocking=now):
            return False  # another thread is already refreshing
        try:
            self._checked = time.monotonic()
            stamp = self.store.stamp()
            if not stamp or stamp == self.lexical.stamp:
                return False
            if stamp != self.store.published:
                self.store.reopen()  # another process wrote it: an embedded store must be reopened to see it
            self.lexical = sync_lexical_index(self.store, self.settings, stamp=stamp)
            return True
        finally:
            self._refreshing.release()

    def health(self) -> dict[str, object]:
        """Whether questions can be answered now: the store is reachable and the index loaded.

        Says nothing a member of the public should not see (no paths, no URLs).
        """
        try:
            self.refresh(now=True)
            self.store.count()  # a real read, not only the stamp
            store_ok = True
        except QuorumError:
            store_ok = False
        return {
            "status": "ok" if store_ok else "unavailable",
            "store": "reachable" if store_ok else "unreachable",
            "passages": len(self.lexical),
            "index": self.lexical.stamp[:12],
        }

    def search(
        self, query: str, k: int | None = None, filters: Filters | None = None, near: Sequence[str] = ()
    ) -> list[Passage]:
        return self.retrieve(query, k, filters, near).passages

    def retrieve(
        self, query: str, k: int | None = None, filters: Filters | None = None, near: Sequence[str] = ()
    ) -> Retrieval:
        """The fused ranking of ``rankings``, best ``k`` first."""
        k = k or self.settings.top_k
        ranked = self.rankings(query, k, filters, near)
        fused = reciprocal_rank_fusion([r.ids for r in ranked.lists], [r.weight for r in ranked.lists], k=self.settings.rrf_k)
        by_name = {r.name: r for r in ranked.lists}
        rank_of = {name: {i: n for n, i in enumerate(by_name[name].ids, 1)} for name in ("lexical", "dense")}
        passages = [
            Passage(
                chunk=ranked.chunks[chunk_id],
                score=score,
                lexical_rank=rank_of["lexical"].get(chunk_id),
                dense_rank=rank_of["dense"].get(chunk_id),
                dense_similarity=by_name["dense"].scores.get(chunk_id),
            )
            for chunk_id, score in fused[:k]
        ]
        return Retrieval(passages, ranked.vector, ranked.vectors)

    def evidence(self, found: Retrieval, n: int) -> Evidence:
        """The first ``n`` passages ``found``, with everything the answer stage reads of them."""
        pool = found.passages[:n]
        missing = [p.chunk for p in pool if p.chunk.chunk_id not in found.vectors]
        vectors = {**found.vectors, **self.store.sentence_vectors(missing)}
        return Evidence(pool, found.query_vector, vectors, self.lexical, self.vocabulary)

    def rankings(
        self, query: str, k: int | None = None, filters: Filters | None = None, near: Sequence[str] = ()
    ) -> Rankings:
        """The rankings fusion combines: BM25 over chunks, dense over chunks, dense over sentences.

        ``near``: passages the conversation's last answer cited. A follow-up is
        usually about the same part of the same document, so candidates close to
        them form one more ranking.
        """
        k = k or self.settings.top_k
        n = max(self.settings.candidates, k)
        self.refresh()
        snapshot = self.lexical
        settings = self.settings
        filters = filters.by_documents(snapshot.documents()) if filters else filters
        vector = self.embedder.embed_query(query)
        # "latest", "current": a ranking by date below, not words to match ("the latest survey" is any survey).
        wording = _RECENT.sub(" ", query) if _RECENT.search(query) else query
        expanded = expand(wording, snapshot.rare_glossary, one_way=snapshot.inferred_glossary)
        expanded = " ".join([expanded, *official_terms(wording, self.vocabulary)])
        lexical = snapshot.search(query_terms_text(expanded), n, filters)
        dense = [(c, s) for c, s in self.store.dense_search(vector, n, filters) if c.chunk_id in snapshot.by_id]
        lists = [
            Ranking("lexical", [c.chunk_id for c, _ in lexical], settings.lexical_weight),
            Ranking("dense", [c.chunk_id for c, _ in dense], settings.dense_weight, {c.chunk_id: s for c, s in dense}),
        ]
        if settings.sentence_weight > 0:  # a Chroma query of its own: skipped when fusion would ignore it
            by_sentence = [
                i for i, _ in self.store.dense_sentence_search(vector, 2 * n, filters) if i in snapshot.by_id
            ][:n]
            lists.append(Ranking("sentences", by_sentence, settings.sentence_weight))
        named = named_document(query, snapshot)
        if named is not None:
            # "What did the 2016 PEEL inspection find about X?": search X within that document too.
            doc_id, topic = named
            within = Filters(doc_ids=(doc_id,)) if not filters else filters
            if not within.doc_ids or doc_id in within.doc_ids:
                within = Filters(within.types, (doc_id,), within.date_from, within.date_to)
                topic_lexical = snapshot.search(topic, n, within)
                topic_dense = [
                    (i, s)
                    for i, s in self.store.dense_sentence_search(self.embedder.embed_query(topic), 2 * n, within)
                    if i in snapshot.by_id
                ][:n]
                lists += [
                    Ranking("named-lexical", [c.chunk_id for c, _ in topic_lexical], settings.named_weight),
                    Ranking("named-sentences", [i for i, _ in topic_dense], settings.named_weight),
                ]
        chunks = snapshot.by_id
        vectors: dict[str, list[tuple[int, int, np.ndarray]]] = {}
        idf = snapshot.idf(question_terms(expanded))
        if settings.window_weight > 0:
            windows, vectors = self._windows(idf, lists, vector, snapshot)
            lists.append(windows)
        pool = list(dict.fromkeys(i for ranking in lists for i in ranking.ids))
        when = when_ranking(query, [chunks[i] for i in pool if i in chunks])
        if when:
            lists.append(Ranking("when", when, settings.when_weight))
        close = near_ranking(near, pool, snapshot, filters)
        if close:
            lists.append(Ranking("near", close, settings.near_weight))
        return Rankings(lists, vector, chunks, vectors, idf)


    def _windows(
        self, idf: dict[str, float], lists: list[Ranking], vector: np.ndarray, snapshot: LexicalIndex
    ) -> tuple[Ranking, Vectors]:
        """The first rankings' best candidates ranked by their best sentence (see ``retrieval.windows``),
        and the sentence vectors read for them, which the answer stage reuses."""
        settings = self.settings
        named = ((r.name, r.ids, r.weight) for r in lists)
        pool = window_pool(named, settings.rrf_k, settings.window_candidates)
        chunks = [snapshot.by_id[i] for i in pool]
        weights = WindowWeights(similarity=settings.window_similarity)
        vectors = self.store.sentence_vectors(chunks)
        ranked = window_ranking(chunks, vectors, idf, vector, weights)
        return Ranking("windows", ranked, settings.window_weight), vectors


@dataclass(frozen=True)
class Ranking:
    """One retriever's candidates, best first, and its weight in fusion."""

    name: str
    ids: list[str]
    weight: float
    scores: dict[str, float] = field(default_factory=dict)  # similarities, where the retriever has them


@dataclass(frozen=True)
class Rankings:
    lists: list[Ranking]
    vector: np.ndarray  # the query's embedding
    chunks: dict[str, Chunk]  # the snapshot the ids belong to
    vectors: Vectors = field(default_factory=dict)  # sentence vectors already read, by chunk id
    idf: dict[str, float] = field(default_factory=dict)  # the question's terms' IDF: the windows rank by it


_RECENT = re.compile(r"\b(?:latest|current(?:ly)?|now|most recent|recent(?:ly)?|newest|up to date|today)\b", re.I)


def _in_period(chunk: Chunk, start: int | None, quarter: int | None) -> bool:
    """Does the passage speak for the financial year and quarter asked about ("Q2 2023/24")?

    It does when it names them, or (for the year) when its document was written in that year.
    """
    if quarter and not periods.names_quarter(chunk.text, quarter):
        return False
    return start is None or periods.Period(start, financial=True).speaks_for(chunk.text, chunk.doc.date)


def _in_years(chunk: Chunk, first: int, last: int) -> bool:
    """Written in, or mentioning, a year from ``first`` to ``last``."""
    if chunk.doc.date[:4].isdigit() and first <= int(chunk.doc.date[:4]) <= last:
        return True
    return periods.mentions_year_between(chunk.text, first, last)


def when_ranking(query: str, chunks: list[Chunk]) -> list[str]:
    """Candidates re-ranked by when they were written, for questions that ask about a time.

    "Latest", "current", "now": newest documents first. "In 2016": passages of documents
    dated that year, or that mention it, first. "Q2 2023/24", "in 2023/24", "FY23/24":
    passages that name the period, or (for a year) of documents written in it.
    "Between 2016 and 2018", "since 2020", "before 2020": passages written in, or
    mentioning, a year of that span. Otherwise no ranking.
    """
    start = periods.financial_year(query)
    quarter = periods.quarter(query)
    if start is not None or quarter:
        return [c.chunk_id for c in chunks if _in_period(c, start, quarter)]
    span = periods.year_span(query)
    if span:
        return [c.chunk_id for c in chunks if _in_years(c, *span)]
    year = periods.year_asked(query)
    if year:
        return [c.chunk_id for c in chunks if periods.Period(year).speaks_for(c.text, c.doc.date)]
    if _RECENT.search(query):
        dated = sorted((c for c in chunks if c.doc.date), key=lambda c: c.doc.date, reverse=True)
        return [c.chunk_id for c in dated]
    return []


def near_ranking(
    cited: Sequence[str], pool: list[str], snapshot: LexicalIndex, filters: Filters | None, reach: int = 2
) -> list[str]:
    """Candidates from the documents of the ``cited`` passages, closest to them first.

    The cited passages and their neighbours (``reach`` either side) join the
    candidates, so that "Did he explain why?" can find the sentence after the one
    just quoted even when its own words match nothing.
    """
    chunks = snapshot.by_id
    places = [(chunks[i].doc.doc_id, chunks[i].index) for i in cited if i in chunks]
    if not places:
        return []
    around = [
        snapshot.by_position[(doc_id, index + step)]
        for doc_id, index in places
        for step in range(-reach, reach + 1)
        if (doc_id, index + step) in snapshot.by_position
    ]
    docs = {doc_id for doc_id, _ in places}

    def distance(chunk_id: str) -> int:
        chunk = chunks[chunk_id]
        return min(abs(chunk.index - index) for doc_id, index in places if doc_id == chunk.doc.doc_id)

    found = [
        i for i in dict.fromkeys([*around, *pool])
        if i in chunks and chunks[i].doc.doc_id in docs and (filters is None or filters.allows(chunks[i]))
    ]
    return sorted(found, key=distance)


def named_document(query: str, lexical: LexicalIndex) -> tuple[str, str] | None:
    """The one document a question names, and the question's topic without the naming words.

    A document is named when two or more of the question's words, one of them a year,
    belong to its title, type or date and to no other document's ("the 2016 PEEL inspection").
    """
    query_words = words(query_terms_text(query))
    stems = [(w, set(tokenize([w])[0])) for w in query_words]  # once, not once per document
    matches = []
    for doc_id, distinctive in lexical.distinctive_namings.items():
        matched = [w for w, stemmed in stems if stemmed & distinctive]
        if len(matched) >= 2 and any(periods.YEAR.fullmatch(w) for w in matched):
            matches.append((doc_id, matched))
    if len(matches) != 1:
        return None
    doc_id, matched = matches[0]
    topic = " ".join(w for w in query_words if w not in matched)
    return (doc_id, topic) if topic else None


@dataclass(frozen=True)
class Retrieval:
    passages: list[Passage]
    query_vector: np.ndarray
    vectors: Vectors = field(default_factory=dict)  # sentence vectors already read, by chunk id


@dataclass(frozen=True)
class Evidence:
    """What the answer stage reads: passages, their sentence vectors, the question's vector,
    and the snapshot and vocabulary they were found with. It reads nothing else."""

    passages: list[Passage]
    query_vector: np.ndarray
    vectors: Vectors  # every passage's sentence vectors, by chunk id
    lexical: LexicalIndex
    vocabulary: Vocabulary


class HybridRetriever(BaseRetriever):
    """The same search, as a llama-index retriever (nodes with scores)."""

    def __init__(self, searcher: Searcher, k: int | None = None, filters: Filters | None = None) -> None:
        super().__init__()
        self._searcher = searcher
        self._k = k
        self._filters = filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self._searcher.search(query_bundle.query_str, self._k, self._filters)
        return [
            NodeWithScore(
                node=TextNode(
                    id_=p.chunk.chunk_id,
                    text=p.chunk.text,
                    metadata=chunk_metadata(p.chunk),
                    start_char_idx=p.chunk.start,
                    end_char_idx=p.chunk.end,
                ),
                score=p.score,
            )
            for p in passages
        ]
