from retrieval.profile import answer_kind, asks_why, counted_things, measured_terms, question_parts
from retrieval.scoring import Candidate
from retrieval.settings import SentenceScoring
from retrieval.conversation import Turn, ask, condense, follows_from, needs_context


def test_a_standalone_question_is_searched_as_it_is() -> None:
    history = [Turn("What did the inspection say about vetting?", "")]
    question = "How long are people waiting for a new shotgun certificate?"
    assert not needs_context(question)
    assert condense(question, history) == question


def test_a_follow_up_borrows_the_subject_of_the_turn_it_refers_to() -> None:
    history = [Turn("What did the inspection say about vetting?", "")]
    assert condense("And when was it?", history) == "And when was it? inspection vetting"
    history.append(Turn("And when was it?", "And when was it? inspection vetting"))
    query = condense("What is the PCC doing about it?", history)
    assert "vetting" in query and query.startswith("What is the PCC doing about it?")


def test_a_short_question_naming_nothing_leans_on_the_conversation() -> None:
    assert needs_context("Who wrote up the findings?")
    assert needs_context("What will the PCC do in the meantime?")
    assert needs_context("Which part still needed work?")
    assert not needs_context("Who chaired the Combatting Drug Partnership meetings?")


def test_questions_with_several_parts_are_split_only_at_a_new_question() -> None:
    assert question_parts("What are DVPNs used for, and is there evidence they work?") == [
        "What are DVPNs used for",
        "is there evidence they work",
    ]
    whole = "Once extra funding and reserves are taken into account, what is the total budget for the year?"
    assert question_parts(whole) == [whole]


def test_the_kind_of_fact_asked_for_is_recognised() -> None:
    assert answer_kind("What is the Net Budget Requirement for 2023/24?") == "money"
    assert answer_kind("How many extra officers has the PCC funded for investigation teams?") == "figure"
    assert answer_kind("What new team has the PCC's budget allowed the force to set up?") == "any"
    assert answer_kind("When did the service go live?") == "date"
    assert answer_kind("How much is it worth, and when did it launch?") == "money"
    assert answer_kind("And when is it due to finish?") == "date"
    assert answer_kind("Why can't the force tell when staff have asked for wellbeing help?") == "any"
    assert answer_kind("What is the position on the 2024/25 budget?") == "any"  # a state of affairs, not a sum
    assert answer_kind("What was the cost of the scheme?") == "money"
    assert counted_things("How many police community support officers does West Mercia employ?")[-1] == "offic"
    assert answer_kind("What grades did West Mercia get in the 2025 PEEL report?") == "grade"
    assert answer_kind("Which area was rated good in the 2025 PEEL report?") == "grade"
    assert answer_kind("Which incident grades have seen improved response times?") == "any"


def test_a_question_about_grades_is_answered_with_the_graded_judgements(searcher) -> None:
    answer = ask("What grades did West Mercia get in the 2025 PEEL report?", searcher)
    assert all(grade in answer.text for grade in ("‘good’", "‘adequate’", "‘requiring improvement’"))


def test_a_sentence_that_continues_a_split_paragraph_keeps_the_subject_named_before_it(searcher) -> None:
    # The sale ("this disposal ... for the sum of £1,200,000") opens a chunk; the land is named in the chunk before.
    assert measured_terms("Who is buying the land, and for how much?") == []
    answer = ask("Who is buying the surplus land off Holmer Road in Hereford, and for how much?", searcher)
    assert "Wye Valley NHS Trust" in answer.text and "£1,200,000" in answer.text


def test_a_three_turn_conversation_keeps_to_its_subject(searcher) -> None:
    history: list[Turn] = []
    answers = []
    for question in (
        "What did the inspection say about vetting?",
        "And when was it?",
        "What is the PCC doing about it?",
    ):
        answer = ask(question, searcher, history)
        history.append(Turn.of(answer))
        answers.append(answer)
    first, second, third = answers
    assert "vetting" in first.text
    assert "August 2023" in second.text
    assert any(p.chunk.doc.doc_id == "panel-performance-report-2023-11-17.md" for p in third.passages[:3])
    assert "vetting" in third.query


def test_a_question_the_documents_cannot_answer_abstains_even_when_its_topic_is_there(searcher) -> None:
    answer = ask("How many homicides were recorded in West Mercia over the last 12 months?", searcher)
    assert answer.abstained
    answer = ask("How many adults accessed the sexual assault referral centre in 2022/23?", searcher)
    assert not answer.abstained and "379" in answer.text


def test_a_figure_of_something_else_is_not_given_as_the_rate_asked_for(searcher) -> None:
    assert measured_terms("What was the victim satisfaction rate for domestic abuse victims?") == ["victim", "satisfact"]
    assert measured_terms("When did the service go live?") == []
    # The documents give percentages about domestic abuse, but none of satisfaction.
    answer = ask("What was the victim satisfaction rate for domestic abuse victims in Q2 2023/24?", searcher)
    assert answer.abstained
    answer = ask("What is the magistrates' court conviction rate in West Mercia?", searcher)
    assert not answer.abstained and "85%" in answer.text


def test_a_follow_up_searches_next_to_the_passage_just_cited(searcher) -> None:
    first = ask("What did the December 2023 A&A meeting say about complaints?", searcher)
    history = [Turn.of(first)]
    follow_up = "Is that only happening in West Mercia?"
    query = condense(follow_up, history)
    near = searcher.search(query, k=10, near=follows_from(follow_up, history))
    alone = searcher.search(query, k=10)
    # The answer ("the increase that has been seen nationally") is in the minutes just cited.

    def rank(passages) -> int:
        return next((n for n, p in enumerate(passages, 1) if "nationally" in p.text), 99)

    assert rank(near) <= 5
    assert rank(near) < rank(alone)


def test_a_why_question_prefers_the_sentence_that_gives_a_reason() -> None:
    assert asks_why("Why has the number of complaints gone up?")
    assert asks_why("What was the reason for the delay?")
    assert not asks_why("Who wrote the letter?")
    weights = SentenceScoring()
    restates = Candidate(0, "The PCC raised the increase in complaints.", 0.6, 0.6, True, True)
    explains = Candidate(0, "The increase is the result of better recording.", 0.6, 0.6, True, True, gives_reason=True)
    assert explains.score(weights) > restates.score(weights)


def test_how_many_people_is_answered_by_a_count_not_a_duration(searcher) -> None:
    assert measured_terms("How many people used it last year?") == []  # adults, victims: anyone counts
    answer = ask("How many people used the adult sexual assault referral centre service in 2022/23?", searcher)
    assert "379" in answer.text and "recommissioned for 5 years" not in answer.text


def test_numbers_that_name_things_do_not_answer_how_many(searcher) -> None:
    # "999 and 101 calls", "Grade 1 and Grade 2 incidents": the documents name the lines and grades, never a count.
    assert ask("How many 999 calls did West Mercia Police receive in Quarter 2 2023/24?", searcher).abstained
    assert measured_terms("What is the average Grade 1 response time since the change?") == ["grade", "respons", "time"]
    assert ask("What is the average Grade 1 response time since the new incident grading structure?", searcher).abstained
    answer = ask("How many children did the DRIVE programme work with in Herefordshire and Worcestershire?", searcher)
    assert not answer.abstained


def test_a_line_named_beside_the_one_asked_about_is_no_figure(searcher) -> None:
    # The question's "101" is blanked from "answers 999 and 101 calls"; the 999 beside it still names a line.
    answer = ask("What share of 101 calls were abandoned at the 2023 revisit?", searcher)
    assert "answers 999 and 101 calls" not in answer.text
