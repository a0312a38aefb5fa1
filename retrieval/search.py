"""Hybrid search: BM25 and dense results, fused, with metadata filters."""

from __future__ import annotations

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from retrieval.embedding import Embedder, get_embedder
from retrieval.errors import IndexMissing
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.lexical import LexicalIndex, sync_lexical_index
from retrieval.models import Passage
from retrieval.settings import Settings
from retrieval.store import Filters, Store, chunk_metadata


class Searcher:
    """Everything a question needs, opened once: store, BM25 index, model."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        embedder: Embedder | None = None,
        lexical: LexicalIndex | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or Store(settings)
        self.lexical = lexical or sync_lexical_index(self.store, settings)
        if len(self.lexical) == 0:
            raise IndexMissing("nothing has been ingested yet: run `quorum ingest` first")
        self.embedder = embedder or get_embedder(settings.embedding_model)

    def refresh(self) -> None:
        """Pick up changes another process made to the store."""
        self.lexical = sync_lexical_index(self.store, self.settings)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        k = k or self.settings.top_k
        n = max(self.settings.candidates, k)
        lexical = self.lexical.search(query, n, filters)
        dense = self.store.dense_search(self.embedder.embed_query(query), n, filters)
        chunks = {c.chunk_id: c for c, _ in lexical} | {c.chunk_id: c for c, _ in dense}
        lexical_rank = {c.chunk_id: r for r, (c, _) in enumerate(lexical, start=1)}
        dense_rank = {c.chunk_id: r for r, (c, _) in enumerate(dense, start=1)}
        similarity = {c.chunk_id: s for c, s in dense}
        fused = reciprocal_rank_fusion(
            [list(lexical_rank), list(dense_rank)],
            [self.settings.lexical_weight, self.settings.dense_weight],
            k=self.settings.rrf_k,
        )
        return [
            Passage(
                chunk=chunks[chunk_id],
                score=score,
                lexical_rank=lexical_rank.get(chunk_id),
                dense_rank=dense_rank.get(chunk_id),
                dense_similarity=similarity.get(chunk_id),
            )
            for chunk_id, score in fused[:k]
        ]


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
