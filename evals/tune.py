"""Tune the answer stage on the dev split only; report dev and held-out.

Retrieval runs once per question; the sentence candidates and their signals
are cached, and a grid of scoring weights, keep ratios and abstention
thresholds is scored on them. Held-out questions never influence the choice:
their figures are printed for the winner alone.

    python -m evals.tune [--home DIR]
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from pathlib import Path

from evals.dataset import Item, load_dataset
from evals.metrics import answer_correct
from retrieval.answer import CANDIDATE_PASSAGES
from retrieval.profile import profile_question
from retrieval.scoring import Candidate, candidates, choose
from retrieval.conversation import Turn, condense
from retrieval.search import Searcher
from retrieval.settings import SentenceScoring, Settings, load_settings


@dataclass(frozen=True)
class Case:
    item: Item
    found: list[Candidate]


def cached_cases(searcher: Searcher) -> list[Case]:
    dataset = load_dataset()
    cases = [_case(item, item.question, searcher) for item in dataset.questions]
    for conversation in dataset.conversations:
        history: list[Turn] = []
        for turn in conversation.turns:
            query = condense(turn.question, history)
            cases.append(_case(turn, query, searcher))
            history.append(Turn(turn.question, query))
    return cases


def _case(item: Item, query: str, searcher: Searcher) -> Case:
    found = searcher.retrieve(query, CANDIDATE_PASSAGES)
    return Case(item, candidates(profile_question(query), found.passages, found.query_vector, searcher))


def score(cases: list[Case], settings: Settings) -> tuple[float, float, float]:
    """Answer correctness, abstention accuracy and false abstention."""
    correct = abstained_right = abstained_wrong = answerable = unanswerable = 0
    for case in cases:
        chosen = choose(case.found, settings)
        text = " ".join(c.text for c in chosen)
        if case.item.answerable:
            answerable += 1
            correct += bool(chosen) and answer_correct(text, case.item.must_contain)
            abstained_wrong += not chosen
        else:
            unanswerable += 1
            abstained_right += not chosen
    return correct / max(answerable, 1), abstained_right / max(unanswerable, 1), abstained_wrong / max(answerable, 1)


def grid(base: Settings):
    for coverage, similarity, rank, kind, keep, most, floor in itertools.product(
        (0.3, 0.45, 0.6), (0.3, 0.45, 0.6), (0.0, 0.1, 0.2), (0.0, 0.08, 0.15),
        (0.5, 0.6, 0.75, 0.85), (2, 3, 4, 5), (0.35, 0.42, 0.5),
    ):
        yield base.model_copy(
            update={
                "sentence_scoring": SentenceScoring(coverage=coverage, similarity=similarity, rank=rank, kind=kind),
                "keep_ratio": keep,
                "max_answer_sentences": most,
                "abstain_below": floor,
            }
        )


def objective(result: tuple[float, float, float]) -> float:
    correct, abstention, false_abstention = result
    return correct + 0.5 * abstention - 2.0 * max(0.0, false_abstention - 0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path)
    args = parser.parse_args()
    settings = load_settings(home=args.home)
    cases = cached_cases(Searcher(settings))
    dev = [c for c in cases if c.item.split != "heldout"]
    heldout = [c for c in cases if c.item.split == "heldout"]
    best = max(grid(settings), key=lambda s: objective(score(dev, s)))
    for name, subset, chosen in (("current", dev, settings), ("tuned", dev, best)):
        print(f"{name:8} dev     correct={score(subset, chosen)[0]:.3f} abstention={score(subset, chosen)[1]:.3f} "
              f"false_abstention={score(subset, chosen)[2]:.3f}")
    for name, chosen in (("current", settings), ("tuned", best)):
        c, a, f = score(heldout, chosen)
        print(f"{name:8} heldout correct={c:.3f} abstention={a:.3f} false_abstention={f:.3f}")
    print("tuned settings:", best.sentence_scoring, "keep_ratio", best.keep_ratio,
          "max_answer_sentences", best.max_answer_sentences, "abstain_below", best.abstain_below)


if __name__ == "__main__":
    main()
