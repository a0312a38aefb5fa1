"""Verification of drafted answers against real passages of the shipped corpus."""

from __future__ import annotations

import pytest

from retrieval.verify import Verifier, claims, facts

BUDGET = "What is the Net Budget Requirement for 2023/24?"


@pytest.fixture(scope="module")
def passages(searcher):
    found = searcher.search(BUDGET, k=5)
    assert "£273m" in found[0].text
    return found


@pytest.fixture(scope="module")
def verifier(embedder) -> Verifier:
    return Verifier(embedder)


def test_markers_after_the_full_stop_belong_to_the_sentence_before() -> None:
    drafted = claims("The budget is £273m. [1] Reserves were used [2][3]. Nothing else.")
    assert [(c.text, c.cited) for c in drafted] == [
        ("The budget is £273m.", (1,)), ("Reserves were used.", (2, 3)), ("Nothing else.", ()),
    ]


def test_facts_are_the_figures_dates_and_names_a_sentence_states() -> None:
    assert facts("In March 2024 the PCC set a budget of £273 million for West Mercia.") == [
        "2024", "£273 million", "March", "PCC", "West Mercia",
    ]


def test_a_correct_sentence_is_kept_with_its_passage(verifier, passages) -> None:
    [check] = verifier.check("The Net Budget Requirement set by the PCC is £273 million [1].", passages)
    assert check.kept and check.passage == 1 and check.method == "facts+meaning"
    assert "£273m" in check.evidence


def test_a_wrong_figure_is_removed_even_when_the_wording_matches(verifier, passages) -> None:
    [check] = verifier.check("The PCC has set a Net Budget Requirement of £237m [1].", passages)
    assert not check.kept and check.method == "removed: states what no passage says"


def test_a_sentence_cited_to_the_wrong_passage_is_reattached(verifier, passages) -> None:
    wrong = next(n for n, p in enumerate(passages, start=1) if "£273m" not in p.text)
    [check] = verifier.check(f"The PCC has set a Net Budget Requirement of £273m [{wrong}].", passages)
    assert check.kept and check.method == "reattached" and "£273m" in passages[check.passage - 1].text


def test_an_invented_sentence_is_removed(verifier, passages) -> None:
    [check] = verifier.check("The Chief Constable resigned after the Home Office audit in 2021 [1].", passages)
    assert not check.kept


def test_a_sentence_without_a_citation_is_attached_only_when_a_passage_supports_it(verifier, passages) -> None:
    supported, invented = verifier.check(
        "The PCC has set a Net Budget Requirement of £273m. Officers will receive new bicycles.", passages
    )
    assert supported.kept and supported.method == "reattached"
    assert not invented.kept and invented.method == "removed: no citation and no passage supports it"
