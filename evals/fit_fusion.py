"""Fit the fusion's weights on both development sets; report the kept-back splits beside them.

Each question's rankings (BM25, dense over chunks, dense over sentences, and
the by-date, named-document and follow-up ones where they apply) are computed
once; a grid of weights and RRF constants is then scored on them. The sentence
windows rank the first rankings' fused candidates, so which passages they rank
depends on the weights: each passage's window score is computed once, and the
windows ranking is drawn again from it for every point of the grid. The choice
maximises the mean MRR@10 of the two development sets (the built-in dev split
and a foreign set, another corpus with questions written by others), so that
a weight that helps one corpus and hurts the other loses.

    python -m evals.fit_fusion --foreign ../shared/foreign-dev/qa.jsonl --foreign-corpus ../shared/foreign-dev/corpus
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.dataset import Item, load_dataset
from evals.metrics import is_relevant
from evals.runner import corpus_searcher, open_searcher
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.search import BEFORE_WINDOWS, Searcher, window_pool
from retrieval.settings import load_settings
from retrieval.windows import WindowWeights, rank_by_window, window_scores


@dataclass(frozen=True)
class Case:
    item: Item
    lists: list[tuple[str, list[str], float]]  # name, ids, configured weight
    relevant: frozenset[str]
    window_scores: dict[str, float]  # every first-stage candidate's best-sentence score
    window_candidates: int  # how many of the first fused candidates the windows rank


def cases(items: Iterable[Item], searcher: Searcher) -> list[Case]:
    settings = searcher.settings
    found = []
    for item in items:
        if not item.answerable:
            continue
        ranked = searcher.rankings(item.question, 10)
        pool = list(dict.fromkeys(i for r in ranked.lists for i in r.ids))
        relevant = frozenset(
            i for i in pool if any(is_relevant(ranked.chunks[i].text, q) for q in item.quotes)
        )
        first_ids = dict.fromkeys(i for r in ranked.lists if r.name in BEFORE_WINDOWS for i in r.ids)
        first = [ranked.chunks[i] for i in first_ids]
        unread = [c for c in first if c.chunk_id not in ranked.vectors]  # search read the windows' own
        vectors = {**ranked.vectors, **searcher.store.sentence_vectors(unread)}
        scores = window_scores(
            first, vectors, ranked.idf, ranked.vector, WindowWeights(similarity=settings.window_similarity)
        )
        lists = [(r.name, r.ids, r.weight) for r in ranked.lists]
        found.append(Case(item, lists, relevant, scores, settings.window_candidates))
    return found


def fused_ranking(case: Case, weights: dict[str, float], rrf_k: int) -> list[str]:
    """The case's fused ranking with these weights, its windows drawn from the candidates they pick."""
    lists = [(name, ids, weights.get(name, weight)) for name, ids, weight in case.lists if name != "windows"]
    window_weight = weights.get("windows", next((w for name, _, w in case.lists if name == "windows"), 0.0))
    if window_weight > 0:
        windows = rank_by_window(window_pool(lists, rrf_k, case.window_candidates), case.window_scores)
        lists.append(("windows", windows, window_weight))
    return [i for i, _ in reciprocal_rank_fusion([l for _, l, _ in lists], [w for *_, w in lists], k=rrf_k)]


def measure(found: Sequence[Case], weights: dict[str, float], rrf_k: int) -> dict[str, float]:
    """hit@1, hit@5 and MRR@10 of the fused ranking with these weights."""
    hit1 = hit5 = mrr = 0.0
    for case in found:
        fused = fused_ranking(case, weights, rrf_k)[:10]
        rank = next((n for n, i in enumerate(fused, 1) if i in case.relevant), None)
        hit1 += rank == 1
        hit5 += rank is not None and rank <= 5
        mrr += 1 / rank if rank else 0.0
    n = max(len(found), 1)
    return {"hit@1": hit1 / n, "hit@5": hit5 / n, "mrr@10": mrr / n}


def grid() -> Iterable[tuple[dict[str, float], int]]:
    for lexical, dense, sentences, windows, rrf_k in itertools.product(
        (1.0, 1.5, 2.0, 3.0), (0.0, 0.5, 1.0), (0.0, 0.5, 1.0, 1.5), (0.0, 1.0, 2.0, 3.0, 4.0, 6.0), (2, 5, 10, 30)
    ):
        yield {"lexical": lexical, "dense": dense, "sentences": sentences, "windows": windows}, rrf_k


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--foreign", type=Path, required=True, help="the foreign set's questions (JSONL)")
    parser.add_argument("--foreign-corpus", type=Path, required=True, help="the folder of its documents")
    args = parser.parse_args()
    settings = load_settings()
    # Search skips a ranking whose weight is 0; a trace of weight keeps it in the lists to be weighed.
    settings = settings.model_copy(update={"sentence_weight": max(settings.sentence_weight, 1e-9)})
    own = load_dataset()
    own_searcher = open_searcher(settings)
    foreign_searcher = corpus_searcher(settings, args.foreign_corpus)
    foreign = load_dataset([args.foreign])
    sets = {
        "built-in dev": cases([i for i in own.questions if i.split != "heldout"], own_searcher),
        "built-in heldout": cases([i for i in own.questions if i.split == "heldout"], own_searcher),
        "foreign dev": cases(foreign.questions, foreign_searcher),
    }
    tuning = ("built-in dev", "foreign dev")
    current = {"lexical": settings.lexical_weight, "dense": settings.dense_weight,
               "sentences": settings.sentence_weight, "windows": settings.window_weight}

    def objective(choice: tuple[dict[str, float], int]) -> float:
        return sum(measure(sets[name], *choice)["mrr@10"] for name in tuning) / len(tuning)

    best = max(grid(), key=objective)
    for label, (weights, rrf_k) in (("current", (current, settings.rrf_k)), ("fitted", best)):
        print(f"{label}: {weights} rrf_k={rrf_k}")
        for name, found in sets.items():
            figures = measure(found, weights, rrf_k)
            print(f"  {name:17} n={len(found):3} " + "  ".join(f"{k}={v:.3f}" for k, v in figures.items()))
    bm25 = {"lexical": 1.0, "dense": 0.0, "sentences": 0.0, "windows": 0.0, "named-lexical": 0.0, "named-sentences": 0.0,
            "when": 0.0, "near": 0.0}
    print("bm25 alone:")
    for name, found in sets.items():
        figures = measure(found, bm25, 60)
        print(f"  {name:17} n={len(found):3} " + "  ".join(f"{k}={v:.3f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
