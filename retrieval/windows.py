"""Sentence windows: a passage ranked by its best sentence, not by its words in bulk.

BM25 and a chunk's embedding score a passage as a bag: a passage that mentions
the question's words in three different sentences can beat one that answers it
in a single sentence. A reader judges by the sentence that answers. So the
candidates of the first rankings are ranked once more, each by its best
sentence: how much of the question's weight (IDF) the sentence holds, with
what stands above it (title, section, a transcript's speaker) counted as held,
plus its embedding's similarity to the question. This holds for any document:
it needs no vocabulary, only the index's own term statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.tokens import tokenize
from retrieval.models import Chunk

Vectors = Mapping[str, list[tuple[int, int, np.ndarray]]]  # chunk id -> (start, end, vector) per sentence


@dataclass(frozen=True)
class WindowWeights:
    coverage: float = 1.0  # share of the question's IDF weight the best sentence holds
    similarity: float = 1.0  # its cosine with the question
    elsewhere: float = 0.3  # a term held elsewhere in the passage counts this share


def weighted_share(idf: Mapping[str, float], credit: Callable[[str], float]) -> float:
    """Share of the question's weight (IDF) held, each term counting ``credit(term)`` (0 to 1) of its weight."""
    total = sum(idf.values())
    return sum(w * credit(t) for t, w in idf.items()) / total if total else 0.0


def coverage(idf: Mapping[str, float], held: set[str], around: set[str], elsewhere: float) -> float:
    """Share of the question's weight held: fully by ``held``, partly (``elsewhere``) by ``around``."""
    return weighted_share(idf, lambda t: 1.0 if t in held else elsewhere if t in around else 0.0)


def best_sentence_score(
    chunk: Chunk, sentences: list[tuple[int, int, np.ndarray]], idf: Mapping[str, float],
    query_vector: np.ndarray, weights: WindowWeights,
) -> float:
    """The score of the chunk's best sentence (its heading's words held by every sentence)."""
    above = set(tokenize([chunk.context])[0])
    body = set(tokenize([chunk.text])[0])
    best = 0.0
    for start, end, vector in sentences:
        held = set(tokenize([chunk.text[start:end]])[0]) | above
        score = (
            weights.coverage * coverage(idf, held, body, weights.elsewhere)
            + weights.similarity * float(np.dot(query_vector, vector))
        )
        best = max(best, score)
    return best


def window_scores(
    chunks: Sequence[Chunk], vectors: Vectors, idf: Mapping[str, float], query_vector: np.ndarray,
    weights: WindowWeights = WindowWeights(),
) -> dict[str, float]:
    """Each chunk's best-sentence score; -1 for a chunk with no stored sentence.

    A chunk's score does not depend on the other candidates, so one set of scores
    ranks any subset of them (``rank_by_window``).
    """
    return {
        c.chunk_id: best_sentence_score(c, vectors[c.chunk_id], idf, query_vector, weights)
        if vectors.get(c.chunk_id) else -1.0
        for c in chunks
    }


def rank_by_window(ids: Sequence[str], scores: Mapping[str, float]) -> list[str]:
    """``ids`` by their window score, best first; ties (and unscored ids, last) in the order given."""
    order = sorted(range(len(ids)), key=lambda i: (-scores.get(ids[i], -1.0), i))
    return [ids[i] for i in order]


def window_ranking(
    chunks: Sequence[Chunk], vectors: Vectors, idf: Mapping[str, float], query_vector: np.ndarray,
    weights: WindowWeights = WindowWeights(),
) -> list[str]:
    """The chunks' ids, best sentence first; chunks with no stored sentence last, in the order given."""
    scores = window_scores(chunks, vectors, idf, query_vector, weights)
    return rank_by_window([c.chunk_id for c in chunks], scores)
