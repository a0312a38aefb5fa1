from pathlib import Path

import pytest

from retrieval.answer import answer_question
from retrieval.periods import compared_years
from retrieval.errors import ConfigError
from retrieval.vocabulary import load_vocabulary, official_terms
from tests.conftest import sharing


def test_an_everyday_phrase_gains_the_official_terms_in_any_case_or_number() -> None:
    vocabulary = load_vocabulary("builtin")
    assert "firearms licensing" in official_terms("How long do Gun Licences take?", vocabulary)
    assert "T/CC" in official_terms("What did the acting chief say?", vocabulary)
    assert official_terms("Is the gunfire licensed?", vocabulary) == []  # words, not parts of words


def test_each_official_term_is_added_once() -> None:
    vocabulary = {"gangs": ("organised crime groups",), "drug gangs": ("county lines", "organised crime groups")}
    assert official_terms("Are drug gangs growing?", vocabulary) == ["organised crime groups", "county lines"]


def test_a_deployment_brings_its_own_vocabulary_or_none(tmp_path: Path) -> None:
    own = tmp_path / "terms.toml"
    own.write_text('[terms]\n"bin collection" = ["refuse collection", "waste services"]\n', encoding="utf-8")
    assert official_terms("When is bin collection?", load_vocabulary(str(own))) == ["refuse collection", "waste services"]
    assert load_vocabulary("none") == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[terms\n", "not valid TOML"),
        ('[terms]\n"gun licence" = "firearms"\n', "needs a list of terms"),
        ('terms = 3\n', "needs a [terms] table"),
    ],
)
def test_a_bad_vocabulary_file_is_refused_with_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / f"bad-{abs(hash(content))}.toml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_vocabulary(str(bad))
    with pytest.raises(ConfigError, match="cannot read"):
        load_vocabulary(str(tmp_path / "missing.toml"))


def test_a_question_in_everyday_words_finds_the_passage_in_official_ones(searcher) -> None:
    question = "What difference has paying for extra staff to support people giving evidence made?"
    found = [p.text for p in searcher.search(question, k=5)]
    assert any("Witness Care Unit" in text for text in found)
    plain = [p.text for p in sharing(searcher, vocabulary="none").search(question, k=5)]
    assert not any("Witness Care Unit" in text for text in plain)


def test_years_compared_are_those_a_question_names_twice_or_more() -> None:
    assert compared_years("How did it change between 2016 and 2025?") == [2016, 2025]
    assert compared_years("What was the budget in 2023/24 and 2024?") == []  # a financial year is one period
    assert compared_years("What happened in 2023, and in 2023 again?") == []


def test_an_answer_comparing_two_years_quotes_the_documents_of_each(searcher) -> None:
    answer = answer_question(
        "How did supervision of investigations change between the 2023 revisit and the 2025 PEEL inspection?", searcher
    )
    years = {c.passage.chunk.doc.date[:4] for c in answer.citations}
    assert {"2023", "2025"} <= years
    assert "improvements in how it supervises investigations" in answer.text


def test_a_sentence_in_official_words_answers_a_question_in_everyday_ones(searcher) -> None:
    question = "What difference has paying for extra staff to support people giving evidence made?"
    assert "witness attendance" in answer_question(question, searcher).text
    assert "witness attendance" not in answer_question(question, sharing(searcher, vocabulary="none")).text
