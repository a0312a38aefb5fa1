"""The question profile: what a question asks, read once from its text alone."""

import pytest

from retrieval.periods import Period
from retrieval.profile import profile_question

# question, field, expected
TABLE = [
    ("What is the Net Budget Requirement for 2023/24?", "kind", "money"),
    ("What is the Net Budget Requirement for 2023/24?", "periods", (Period(2023, financial=True),)),
    ("What was the precept in FY23/24?", "periods", (Period(2023, financial=True),)),
    ("How many mounted officers will there be in 2025/26?", "kind", "figure"),
    ("How many mounted officers will there be in 2025/26?", "counted", ("mount", "offic")),
    ("What is the victim satisfaction rate?", "measured", ("victim", "satisfact")),
    ("What is the planned number of mounted officers?", "measured", ("mount", "offic")),
    ("How much money is there for the rural team?", "measured", ()),
    ("When did HMICFRS carry out the revisit?", "kind", "date"),
    ("What grades did the force get?", "kind", "grade"),
    ("Why did complaints rise?", "why", True),
    ("Was the recommendation met?", "whether", True),
    ("Is it A or B?", "whether", False),
    ("How did the Home Secretary respond to the letter?", "responder", "Home Secretary"),
    ("How did people react?", "responder", None),
    ("How did it change between 2016 and 2025?", "compared_years", (2016, 2025)),
    ("What was the budget in 2023/24 and 2024?", "compared_years", ()),
    ("How many of the 250 officers are on patrol?", "numbers", ("250",)),
    ("What did the panel say about vetting?", "kind", "any"),
]


@pytest.mark.parametrize(("question", "field", "expected"), TABLE)
def test_a_question_profile_reads_each_fact_from_the_text(question: str, field: str, expected: object) -> None:
    assert getattr(profile_question(question), field) == expected


def test_a_profile_needs_no_index_and_is_the_same_each_time() -> None:
    question = "How many extra officers has the PCC funded for investigation teams?"
    assert profile_question(question) == profile_question(question)
