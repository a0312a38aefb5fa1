"""The shipped answer model: loads offline, and tells an answering sentence from the others."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval import answer_model
from retrieval.answer_model import Pair, dequantize, quantize

pytestmark = pytest.mark.skipif(not answer_model.available(), reason="no answer model shipped yet")


@pytest.fixture(scope="module")
def model() -> answer_model.AnswerModel:
    return answer_model.load()


def test_an_answering_sentence_is_ranked_above_its_distractors(model) -> None:
    question = "How much will the Band D council tax for policing rise by?"
    pairs = [
        Pair("The Band D council tax for policing would rise by £14.00 to £282.42.", "Proposed precept 2025/26"),
        Pair("The Panel may accept the proposal, make recommendations on it, or veto it.", "Proposed precept 2025/26"),
        Pair("The Chief Constable is responsible for operational policing.", "Background"),
    ]
    scores = model.score(question, pairs)
    assert scores[0] == scores.max() and scores[0] > 0.5


def test_a_sentence_about_something_else_is_scored_low(model) -> None:
    scores = model.score(
        "What was the population of the city in 1900?",
        [Pair("The Panel approved a precept of £282.42 for 2025/26.", "Precept decision")],
    )
    assert scores[0] < 0.2


def test_nothing_to_score_gives_nothing(model) -> None:
    assert model.score("Anything?", []).shape == (0,)


def test_weights_survive_int8_storage_to_within_a_hundredth_of_their_row() -> None:
    rng = np.random.default_rng(0)
    weights = {"w": rng.normal(size=(128, 64)).astype(np.float32), "b": rng.normal(size=64).astype(np.float32),
               "ids": np.arange(10)}
    stored = quantize(weights)
    assert stored["w"].dtype == np.int8 and stored["b"].dtype == np.float32 and stored["ids"].dtype.kind == "i"
    back = dequantize(stored)
    assert set(back) == set(weights)
    assert np.abs(back["w"] - weights["w"]).max() <= np.abs(weights["w"]).max(axis=1).max() / 127


def test_the_answer_stage_reads_the_model_when_it_is_switched_on(searcher) -> None:
    from retrieval.answer import answer_question
    from retrieval.settings import SentenceScoring
    from tests.conftest import sharing

    question = "What is the Net Budget Requirement for 2023/24?"
    on = sharing(searcher, answer_model="packaged", sentence_scoring=SentenceScoring(model=1.0))
    answer = answer_question(question, on)
    assert not answer.abstained and "£273m" in answer.text
    demanding = sharing(searcher, answer_model="packaged", answer_model_floor=0.999)
    assert answer_question(question, demanding).abstained  # no sentence is that sure: abstention, in one place


def test_a_folder_without_a_model_is_a_clear_error(searcher, tmp_path) -> None:
    from retrieval.answer import answer_question
    from retrieval.errors import ConfigError
    from tests.conftest import sharing

    with pytest.raises(ConfigError, match="no answer model in"):
        answer_question("What is the budget?", sharing(searcher, answer_model=str(tmp_path)))
