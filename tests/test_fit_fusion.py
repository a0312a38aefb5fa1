"""Fitting the fusion: each point of the grid is scored on the ranking search would give with its weights."""

from evals.dataset import Item
from evals.fit_fusion import Case, fused_ranking, measure

ITEM = Item("q1", "Which passage answers?", ("the answer",))


def _case() -> Case:
    # "c" is only in the dense ranking, and its best sentence answers; the stored windows
    # ranking was drawn when the dense ranking's weight let "c" among the candidates.
    lists = [("lexical", ["a", "b"], 1.0), ("dense", ["c"], 1.0), ("windows", ["c", "a"], 2.0)]
    scores = {"a": 0.1, "b": 0.2, "c": 0.9}
    return Case(ITEM, lists, frozenset({"c"}), scores, window_candidates=2)


def test_the_windows_rank_the_candidates_the_weights_pick():
    with_dense = {"lexical": 1.0, "dense": 1.0, "windows": 2.0}
    without_dense = {"lexical": 1.0, "dense": 0.0, "windows": 2.0}

    assert fused_ranking(_case(), with_dense, rrf_k=2)[0] == "c"
    # Without the dense ranking "c" is no candidate, so the windows cannot lift it: they rank "b" over "a".
    assert fused_ranking(_case(), without_dense, rrf_k=2)[:2] == ["b", "a"]


def test_measure_scores_the_redrawn_ranking():
    assert measure([_case()], {"lexical": 1.0, "dense": 1.0, "windows": 2.0}, 2)["hit@1"] == 1.0
    assert measure([_case()], {"lexical": 1.0, "dense": 0.0, "windows": 2.0}, 2)["hit@1"] == 0.0
