"""Periods read one way: financial years in every spelling, quarters, spans of years."""

import pytest

from retrieval import periods
from retrieval.periods import Period


@pytest.mark.parametrize("text", ["2023/24", "2023-24", "2023/2024", "FY23/24", "FY 2023/24", "fy2023-24"])
def test_every_spelling_of_a_financial_year_is_the_same_year(text: str) -> None:
    assert periods.financial_year(f"the budget for {text}") == 2023


def test_two_years_that_do_not_follow_each_other_are_no_financial_year() -> None:
    assert periods.financial_year("between 2016/2019") is None
    assert periods.periods("between 2016/2019") == [Period(2016), Period(2019)]


def test_a_financial_year_is_named_in_any_spelling_and_covers_april_to_march() -> None:
    year = Period(2023, financial=True)
    assert year.named_in("the FY23/24 precept") and year.named_in("in 2023-24") and not year.named_in("2024/25")
    assert year.covers("2023-04-01") and year.covers("2024-03-31")
    assert not year.covers("2023-03-31") and not year.covers("2024-04-01") and not year.covers("")
    assert year.label == "2023/24"


def test_a_calendar_year_is_not_read_out_of_a_financial_year() -> None:
    assert periods.plain_years("in 2023/24 and 2025") == [2025]


def test_spans_since_and_before_read_as_ranges_of_years() -> None:
    assert periods.year_span("between 2016 and 2018") == (2016, 2018)
    assert periods.year_span("2016-2018") == (2016, 2018)
    assert periods.year_span("since 2020") == (2020, 9999)
    assert periods.year_span("after 2020") == (2021, 9999)
    assert periods.year_span("before 2020") == (0, 2019)
    assert periods.year_span("in 2020") is None


def test_quarters_are_read_in_both_spellings() -> None:
    assert periods.quarter("Q2 2023/24") == 2 and periods.quarter("during Quarter 3") == 3
    assert periods.names_quarter("During Quarter 2 the force", 2) and not periods.names_quarter("Q3", 2)
