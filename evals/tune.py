"""Tune the answer stage on the development sets; report the held-out split beside them.

Retrieval runs once per question; the sentence candidates and their signals
are cached, and a grid of scoring weights, keep ratios, sentence budgets and
abstention thresholds is scored on them. The choice is made on the built-in
dev split and, with ``--foreign``, on a foreign set too (another corpus, with
questions written by others), so that a setting that helps one corpus and
hurts the other loses. Held-out questions never influence the choice: their
figures are printed beside.

    python -m evals.tune --foreign ../shared/foreign-dev/qa.jsonl --foreign-corpus ../shared/foreign-dev/corpus
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.dataset import Conversation, Dataset, Item, load_dataset
from evals.metrics import answer_correct, is_relevant
from evals.runner import corpus_searcher, open_searcher
from retrieval.answer import CANDIDATE_PASSAGES
from retrieval.conversation import Turn, condense
from retrieval.profile import profile_question
from retrieval.scoring import Candidate, candidates, choose
from retrieval.search import Searcher
from retrieval.settings import Settings, load_settings


@dataclass(frozen=True)
class Case:
    item: Item
    found: list[Candidate]
    relevant: tuple[bool, ...]  # for each candidate passage: does it hold a supporting quote?


@dataclass(frozen=True)
class Figures:
    correct: float  # answer correctness; for items without must_contain, a supporting passage cited
    cited: float  # answerable items whose answer cites a supporting passage
    abstention: float  # unanswerable items abstained on
    false_abstention: float  # answerable items abstained on


def cached_cases(
    searcher: Searcher, items: Iterable[Item], conversations: Iterable[Conversation] = ()
) -> list[Case]:
    cases = [_case(item, item.question, searcher) for item in items]
    for conversation in conversations:
        history: list[Turn] = []
        for turn in conversation.turns:
            query = condense(turn.question, history)
            cases.append(_case(turn, query, searcher))
            history.append(Turn(turn.question, query))
    return cases


def _case(item: Item, query: str, searcher: Searcher) -> Case:
    found = searcher.evidence(searcher.retrieve(query, CANDIDATE_PASSAGES), CANDIDATE_PASSAGES)
    relevant = tuple(any(is_relevant(p.text, q) for q in item.quotes) for p in found.passages)
    found_candidates = candidates(profile_question(query), found)
    return Case(item, found_candidates, relevant)


def score(cases: Sequence[Case], settings: Settings) -> Figures:
    correct = cited = abstained_right = abstained_wrong = answerable = unanswerable = 0
    for case in cases:
        chosen = choose(case.found, settings)
        if not case.item.answerable:
            unanswerable += 1
            abstained_right += not chosen
            continue
        answerable += 1
        abstained_wrong += not chosen
        supported = any(case.relevant[c.passage_index] for c in chosen)
        cited += supported
        if chosen and case.item.must_contain:
            correct += answer_correct(" ".join(c.text for c in chosen), case.item.must_contain)
        else:
            correct += supported
    answered, unanswered = max(answerable, 1), max(unanswerable, 1)
    return Figures(
        correct / answered, cited / answered, abstained_right / unanswered, abstained_wrong / answered
    )


def grid(base: Settings) -> Iterable[Settings]:
    for coverage, similarity, rank, kind, keep, most, floor in itertools.product(
        (0.2, 0.3, 0.45), (0.3, 0.45, 0.6), (0.0, 0.1, 0.2), (0.08, 0.15),
        (0.5, 0.6, 0.75), (3, 4, 5, 6), (0.3, 0.35, 0.42),
    ):
        yield base.model_copy(
            update={
                "sentence_scoring": base.sentence_scoring.model_copy(
                    update={"coverage": coverage, "similarity": similarity, "rank": rank, "kind": kind}
                ),
                "keep_ratio": keep,
                "max_answer_sentences": most,
                "abstain_below": floor,
            }
        )


def objective(figures: Sequence[Figures]) -> float:
    """Mean correctness over the sets, abstention at half weight; false abstention over 0.05 costs double."""
    return sum(
        f.correct + 0.5 * f.abstention - 2.0 * max(0.0, f.false_abstention - 0.05) for f in figures
    ) / max(len(figures), 1)


def _line(name: str, figures: Figures) -> str:
    return (f"  {name:17} correct={figures.correct:.3f} cited={figures.cited:.3f} "
            f"abstention={figures.abstention:.3f} false_abstention={figures.false_abstention:.3f}")


def _split(dataset: Dataset, searcher: Searcher, heldout: bool) -> list[Case]:
    """The cases of the held-out split, or of everything else."""
    def wanted(split: str | None) -> bool:
        return (split == "heldout") == heldout

    items = [i for i in dataset.questions if wanted(i.split)]
    return cached_cases(searcher, items, [c for c in dataset.conversations if wanted(c.split)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--foreign", type=Path, help="a foreign set's questions (JSONL), tuned on as well")
    parser.add_argument("--foreign-corpus", type=Path, help="the folder of its documents")
    args = parser.parse_args()
    if bool(args.foreign) != bool(args.foreign_corpus):
        parser.error("--foreign and --foreign-corpus go together")
    settings = load_settings(home=args.home)
    own = load_dataset()
    searcher = open_searcher(settings)
    sets = {
        "built-in dev": _split(own, searcher, heldout=False),
        "built-in heldout": _split(own, searcher, heldout=True),
    }
    tuning = ["built-in dev"]
    if args.foreign:
        foreign = load_dataset([args.foreign]).questions
        sets["foreign dev"] = cached_cases(corpus_searcher(settings, args.foreign_corpus), foreign)
        tuning.append("foreign dev")
    best = max(grid(settings), key=lambda s: objective([score(sets[name], s) for name in tuning]))
    for label, chosen in (("current", settings), ("tuned", best)):
        print(f"{label}: {chosen.sentence_scoring} keep_ratio={chosen.keep_ratio} "
              f"max_answer_sentences={chosen.max_answer_sentences} abstain_below={chosen.abstain_below}")
        for name, cases in sets.items():
            print(_line(name, score(cases, chosen)))


if __name__ == "__main__":
    main()
