"""How an extractive answer quotes its sentences (whole thoughts, never a sentence twice), and when it abstains."""

from retrieval.profile import asks_whether, profile_question, responding_party
from retrieval.quoting import context_of, quotations
from retrieval.scoring import candidates, responds
from retrieval.conversation import ask
from retrieval.models import Chunk, DocumentInfo, Passage
from retrieval.sentences import sentence_spans

DOC = DocumentInfo("doc", "Annual Report", "report", date="2024-06-01")


def passage(text: str, chunk_id: str = "doc:0:abc") -> Passage:
    return Passage(Chunk(chunk_id, DOC, text, 0, len(text), 0), 1.0)


def chosen(p: Passage, sentence: str) -> tuple[Passage, tuple[int, int]]:
    """The passage and the span of its sentence holding ``sentence``, as the answer stage picks them."""
    return p, next(s for s in sentence_spans(p.text) if sentence in p.text[s[0] : s[1]])


def sentences_of(p: Passage, spans: list[tuple[int, int]]) -> list[str]:
    return [p.text[a:b] for a, b in spans]


REPORT = passage(
    "The force recorded 1,204 complaints in 2023/24. This is 12% more than the year before. "
    "The Commissioner has asked for a review of the process. Officers attended 96% of calls."
)


def test_a_sentence_that_leans_back_is_quoted_with_the_one_before() -> None:
    p, span = chosen(REPORT, "This is 12% more")
    assert sentences_of(p, context_of(p, span)) == [
        "The force recorded 1,204 complaints in 2023/24.",
        "This is 12% more than the year before.",
    ]


def test_a_sentence_is_quoted_with_the_next_when_that_one_leans_on_it() -> None:
    p, span = chosen(REPORT, "The force recorded")
    assert sentences_of(p, context_of(p, span))[-1] == "This is 12% more than the year before."


def test_a_sentence_that_stands_alone_is_quoted_alone() -> None:
    p, span = chosen(REPORT, "The Commissioner has asked")
    assert sentences_of(p, context_of(p, span)) == ["The Commissioner has asked for a review of the process."]


def test_context_stops_at_a_paragraph_break_a_numbered_paragraph_and_a_heading() -> None:
    for text in (
        "Complaints rose in 2023/24.\n\nThis is being reviewed by the panel.",
        "12. Complaints rose in 2023/24.\n13. This is being reviewed by the panel.",
        "Complaints\nThis is being reviewed by the panel.",
    ):
        p, span = chosen(passage(text), "This is being reviewed")
        assert sentences_of(p, context_of(p, span)) == ["This is being reviewed by the panel."], text


def test_neighbouring_chosen_sentences_are_quoted_as_one_run_without_repeats() -> None:
    picks = [chosen(REPORT, "This is 12% more"), chosen(REPORT, "The force recorded"), chosen(REPORT, "Officers")]
    runs = quotations(picks)
    assert [q.sentences for q in runs] == [
        ("The force recorded 1,204 complaints in 2023/24.", "This is 12% more than the year before."),
        ("Officers attended 96% of calls.",),
    ]


def test_without_context_each_chosen_sentence_is_quoted_alone_in_answer_order() -> None:
    picks = [chosen(REPORT, "Officers"), chosen(REPORT, "This is 12% more")]
    assert [q.sentences for q in quotations(picks, with_context=False)] == [
        ("Officers attended 96% of calls.",),
        ("This is 12% more than the year before.",),
    ]


def test_sentences_from_different_passages_are_never_joined() -> None:
    other = passage(REPORT.text, chunk_id="doc:1:def")
    picks = [chosen(REPORT, "The Commissioner"), chosen(other, "Officers")]
    assert [q.passage.chunk.chunk_id for q in quotations(picks)] == ["doc:0:abc", "doc:1:def"]


def test_quoted_sentences_drop_paragraph_numbers_and_stay_verbatim() -> None:
    p, span = chosen(passage("7. Funding of £1.2m was agreed. However, it ends in March 2025."), "However")
    (quotation,) = quotations([(p, span)])
    assert quotation.sentences == ("Funding of £1.2m was agreed.", "However, it ends in March 2025.")
    assert all(s in p.text for s in quotation.sentences)


def test_a_question_about_a_named_partys_response_needs_that_party_to_respond() -> None:
    assert responding_party("How did the Home Secretary respond to the letter?") == "Home Secretary"
    assert responding_party("What was the Home Office's reply?") == "Home Office"
    assert responding_party("How did people outside the force react to the model?") is None  # nobody named
    assert responds("The Home Secretary has since replied to the letter.", "Home Secretary")
    assert responds("A reply from the Home Secretary is expected in January.", "Home Secretary")
    assert not responds("The PCC response to the Home Secretary is scheduled for December.", "Home Secretary")


def test_quorum_abstains_when_the_party_asked_about_never_responds(searcher) -> None:
    # The corpus holds the PCC's letter to the Home Secretary, and no reply.
    assert ask("What was the Home Secretary's reply to the PCC's letter about the victim service assessment?", searcher).abstained
    answer = ask("How did Chief Constable Richard Cooper respond to the 2025 PEEL report?", searcher)
    assert not answer.abstained and "Richard Cooper said" in answer.text


def test_a_yes_or_no_question_is_answered_by_the_sentence_that_says_whether(searcher) -> None:
    assert asks_whether("Was the recommendation met?") and asks_whether("So has it been removed?")
    assert not asks_whether("Is it a grade or a rating?") and not asks_whether("What was met?")
    answer = ask("Has the cause of concern about victims been lifted?", searcher)
    first = answer.text.split("[1]")[0]
    assert "the cause of concern will remain." in first


def test_a_question_the_document_asks_is_never_quoted_as_an_answer(searcher) -> None:
    # The 2016 PEEL report heads its sections with questions ("How effective is the force at ...?").
    answer = ask("How effective was West Mercia at keeping people safe and reducing crime in 2016?", searcher)
    assert not answer.abstained and "?" not in answer.text


def test_a_lack_that_limits_something_counts_as_a_reason(searcher) -> None:
    question = "Why can't the force see when its staff ask for wellbeing support?"
    found = searcher.evidence(searcher.retrieve(question, 8), 8)
    reasons = [c.text for c in candidates(profile_question(question), found) if c.gives_reason]
    assert any(t.startswith("The lack of a suitable case management system limits") for t in reasons)


def test_a_name_misspelt_by_a_letter_or_run_together_is_still_known(searcher) -> None:
    from retrieval.scoring import unknown_names

    assert unknown_names("What did the Home Secetary say about funding?", searcher.lexical) == []
    assert unknown_names("What did the HomeSecretary say about funding?", searcher.lexical) == []
    assert unknown_names("What did Greater Manchester Police say about funding?", searcher.lexical) != []
    assert unknown_names("What did Northumbria say about funding?", searcher.lexical) == ["Northumbria"]


def test_a_relative_clause_is_not_a_second_question() -> None:
    from retrieval.profile import question_parts

    question = "How did the Minister speak to the amendments in group 3, which relate to the powers in the Bill?"
    assert question_parts(question) == [question]
    assert len(question_parts("What are DVPNs used for, and do they work?")) == 2
