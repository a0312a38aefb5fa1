"""The systems compared by the evaluation, behind one small interface.

``quorum`` is the product as configured (condensing, hybrid search,
extractive answers with citations). The baselines are plain retrieval: their
"answer" is the top passage, cited as [1], and they never abstain.
``bm25`` and ``dense`` search Quorum's own chunks; ``llamaindex-default`` is
a llama-index ``VectorStoreIndex`` over the same cleaned documents with
llama-index's default splitter and the same embedding model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from retrieval.errors import ConfigError, UnreadableDocument, UnsupportedFormat
from retrieval.settings import Settings

if TYPE_CHECKING:
    from retrieval.search import Searcher

K = 10


@dataclass(frozen=True)
class HistoryTurn:
    """An earlier turn of a conversation, as the system handled it."""

    question: str
    query: str  # what the system searched for that turn
    cited: tuple[str, ...] = ()  # ids of the passages its answer cited (systems that have ids)


@dataclass(frozen=True)
class CitedPassage:
    text: str
    sentences: tuple[str, ...]  # the answer sentences that cite this passage


@dataclass(frozen=True)
class SystemAnswer:
    text: str
    abstained: bool
    citations: tuple[CitedPassage, ...]
    ranked: tuple[str, ...]  # texts of the top-k retrieved passages, best first
    latency_ms: float  # time to produce the answer (not the separate ranking call)
    query: str  # what was searched
    written: int = 0  # sentences a language model drafted (0 for extractive answers)
    removed: int = 0  # of those, how many verification removed
    fell_back: bool = False  # the draft failed verification; the extractive answer was given
    first_token_ms: float | None = None
    cited_ids: tuple[str, ...] = ()  # ids of the cited passages, for the next turn's history
    flagged: bool = False  # the answer says the documents disagree


class System(Protocol):
    name: str

    def answer(self, question: str, history: Sequence[HistoryTurn]) -> SystemAnswer: ...


def _top_passage_answer(question: str, texts: list[str], began: float) -> SystemAnswer:
    """Plain retrieval read as an answer: the top passage, cited as [1]; never abstains."""
    latency = (time.perf_counter() - began) * 1000
    top = texts[0] if texts else ""
    citations = (CitedPassage(top, (top,)),) if top else ()
    return SystemAnswer(top, False, citations, tuple(texts), latency, question)


class QuorumSystem:
    """``retrieval.conversation.ask`` with k=10, as a user of the product gets it.

    Latency is the ``ask`` call. Retrieval metrics come from a second, untimed
    ``searcher.search(answer.query, k=10)`` call: the ranking ``ask`` searched,
    before it moves the cited passages to the front. ``quorum`` is always the
    extractive answerer; ``quorum-llm`` is the configured language model's.
    """

    def __init__(self, searcher: Searcher, llm: bool = False) -> None:
        from retrieval.search import Searcher as Opened

        self.name = "quorum-llm" if llm else "quorum"
        settings = searcher.settings if llm else searcher.settings.model_copy(update={"llm": "none"})
        self.searcher = Opened(settings, store=searcher.store, embedder=searcher.embedder, lexical=searcher.lexical)

    def answer(self, question: str, history: Sequence[HistoryTurn]) -> SystemAnswer:
        from retrieval.conversation import Turn, ask, follows_from

        turns = [Turn(h.question, h.query, h.cited) for h in history]
        began = time.perf_counter()
        answer = ask(question, self.searcher, turns, k=K)
        latency = (time.perf_counter() - began) * 1000
        near = follows_from(question, turns)
        ranked = tuple(p.text for p in self.searcher.search(answer.query, k=K, near=near))
        citations = tuple(CitedPassage(c.passage.text, tuple(c.sentences)) for c in answer.citations)
        return SystemAnswer(
            answer.text, answer.abstained, citations, ranked, latency, answer.query,
            written=len(answer.checks), removed=len(answer.removed), fell_back=answer.fell_back,
            first_token_ms=answer.timing_ms.get("first_token"),
            cited_ids=tuple(c.passage.chunk.chunk_id for c in answer.citations),
            flagged=bool(answer.conflicts),
        )


class Bm25System:
    """Quorum's BM25 index alone, over Quorum's chunks."""

    name = "bm25"

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher

    def answer(self, question: str, history: Sequence[HistoryTurn]) -> SystemAnswer:
        began = time.perf_counter()
        texts = [chunk.text for chunk, _ in self.searcher.lexical.search(question, K)]
        return _top_passage_answer(question, texts, began)


class DenseSystem:
    """Quorum's Chroma collection alone: nearest chunks to the question's embedding."""

    name = "dense"

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher

    def answer(self, question: str, history: Sequence[HistoryTurn]) -> SystemAnswer:
        began = time.perf_counter()
        vector = self.searcher.embedder.embed_query(question)
        texts = [chunk.text for chunk, _ in self.searcher.store.dense_search(vector, K)]
        return _top_passage_answer(question, texts, began)


class LlamaIndexDefaultSystem:
    """A plain llama-index ``VectorStoreIndex`` (default splitter: 1024 tokens,
    200 overlap) over the corpus files, loaded and cleaned as Quorum does,
    embedded in memory with the same model."""

    name = "llamaindex-default"

    def __init__(self, settings: Settings) -> None:
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        from ingest.cleaning import clean_text
        from ingest.loaders import load_file
        from ingest.pipeline import discover
        from retrieval.embedding import resolve_model_path

        sources, _ = discover([Path(settings.corpus)])
        documents = []
        for source in sources:
            try:
                loaded = load_file(source.path)
            except (UnsupportedFormat, UnreadableDocument, OSError):
                continue  # ingest skips these files too
            documents.append(Document(text=clean_text(loaded.text, loaded.format), id_=source.doc_id))
        if not documents:
            raise ConfigError(
                f"the llamaindex-default baseline needs the corpus files, and {settings.corpus} has none "
                "(set the corpus folder, or leave llamaindex-default out of --systems)"
            )
        embed_model = HuggingFaceEmbedding(
            model_name=resolve_model_path(settings.embedding_model), device="cpu", show_progress_bar=False
        )
        index = VectorStoreIndex.from_documents(documents, embed_model=embed_model)
        self.retriever = index.as_retriever(similarity_top_k=K)

    def answer(self, question: str, history: Sequence[HistoryTurn]) -> SystemAnswer:
        began = time.perf_counter()
        texts = [hit.node.get_content() for hit in self.retriever.retrieve(question)]
        return _top_passage_answer(question, texts, began)


SYSTEM_NAMES: tuple[str, ...] = ("quorum", "quorum-llm", "llamaindex-default", "bm25", "dense")

_FACTORIES: dict[str, Callable[[Settings, Searcher], System]] = {
    "quorum": lambda settings, searcher: QuorumSystem(searcher),
    "quorum-llm": lambda settings, searcher: QuorumSystem(searcher, llm=True),
    "llamaindex-default": lambda settings, searcher: LlamaIndexDefaultSystem(settings),
    "bm25": lambda settings, searcher: Bm25System(searcher),
    "dense": lambda settings, searcher: DenseSystem(searcher),
}


def parse_system_names(given: Sequence[str] | None, llm: bool = False) -> list[str]:
    """Names from repeated options and/or comma lists, checked, in table order.

    ``quorum-llm`` is in the default set only when a language model is configured.
    """
    if not given:
        return [name for name in SYSTEM_NAMES if llm or name != "quorum-llm"]
    wanted = [name.strip() for value in given for name in value.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in SYSTEM_NAMES]
    if unknown:
        raise ConfigError(f"unknown system {unknown[0]!r} (choose from {', '.join(SYSTEM_NAMES)})")
    if not wanted:
        raise ConfigError(f"no systems given (choose from {', '.join(SYSTEM_NAMES)})")
    if "quorum-llm" in wanted and not llm:
        raise ConfigError("quorum-llm needs a language model: add --llm local (or ollama, openai)")
    return [name for name in SYSTEM_NAMES if name in wanted]


def build_systems(names: Sequence[str], settings: Settings, searcher: Searcher) -> list[System]:
    return [_FACTORIES[name](settings, searcher) for name in names]
