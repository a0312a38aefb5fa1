"""Links to an answer are checked, not trusted: what does not fit this site is dropped and named."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from starlette.datastructures import QueryParams

from retrieval.filters import Filters
from ui.share import plain_text, read_link, share_link

TYPES = {"report", "minutes"}
DOCS = {"budget.pdf", "panel-report.md"}


def _read(*pairs: tuple[str, str], max_chars: int = 1000):
    return read_link(QueryParams(urlencode(pairs)), max_chars, TYPES, DOCS)


def test_a_link_made_by_this_site_reads_back_as_it_was_made() -> None:
    link = share_link("What is the budget?", Filters(("report",), ("budget.pdf",), "2023-01-01", "2024-12-31"), "ab" * 20)
    shared = read_link(QueryParams(link[1:]), 1000, TYPES, DOCS)
    assert shared is not None
    assert (shared.question, shared.types, shared.doc_ids) == ("What is the budget?", ("report",), ("budget.pdf",))
    assert (shared.date_from, shared.date_to, shared.stamp, shared.ignored) == (
        "2023-01-01", "2024-12-31", "abababababab", ()
    )


def test_a_link_without_a_question_asks_nothing() -> None:
    assert _read(("type", "report")) is None
    assert _read(("q", "   ")) is None


@pytest.mark.parametrize(
    ("pairs", "kept", "sentence"),
    [
        ((("type", "agenda"), ("type", "report")), ("report",), "document type this site does not have"),
        ((("doc", "../../etc/passwd"),), (), "document this site does not hold"),
        ((("from", "yesterday"),), "", "“from” date is not a date"),
        ((("to", "2023-02-30"),), "", "“to” date is not a date"),
        ((("from", "20230101"),), "", "“from” date is not a date"),
        ((("from", "2024-01-01"), ("to", "2023-01-01")), "", "dates leave no day between them"),
        ((("v", "<b>x</b>"),), "", "version mark is not one this site makes"),
    ],
)
def test_each_value_that_does_not_fit_is_dropped_with_one_plain_sentence(pairs, kept, sentence: str) -> None:
    shared = _read(("q", "What is the budget?"), *pairs)
    assert shared is not None and shared.question == "What is the budget?"
    assert len(shared.ignored) == 1 and sentence in shared.ignored[0] and shared.ignored[0].endswith(".")
    key = pairs[0][0]
    value = {"type": shared.types, "doc": shared.doc_ids, "from": shared.date_from, "to": shared.date_to,
             "v": shared.stamp}[key]
    assert value == kept


def test_many_bad_values_of_one_kind_make_one_sentence() -> None:
    shared = _read(("q", "budget?"), *[("type", f"kind{n}") for n in range(500)])
    assert shared is not None and shared.types == () and len(shared.ignored) == 1


def test_a_question_longer_than_the_site_allows_is_not_asked_and_the_page_says_so() -> None:
    shared = _read(("q", "a" * 10_000), max_chars=1000)
    assert shared is not None and shared.question == ""
    assert shared.ignored == (
        "This link's question is longer than the 1,000 characters a question may have, so it was not asked.",
    )


def test_invisible_controls_are_taken_out_of_the_question_and_named() -> None:
    shared = _read(("q", "What\x00 is the\u202e budget\x07?\u2066"))
    assert shared is not None and shared.question == "What is the budget?"
    assert shared.ignored == ("Invisible control characters in this link's question were removed.",)


def test_right_to_left_text_itself_is_kept() -> None:
    assert plain_text("ما هي الميزانية؟ 🚓") == "ما هي الميزانية؟ 🚓"
    shared = _read(("q", "ما هي الميزانية؟"))
    assert shared is not None and shared.question == "ما هي الميزانية؟" and shared.ignored == ()


def test_parameters_this_site_does_not_make_are_left_alone() -> None:
    shared = _read(("q", "budget?"), ("utm_source", "<script>"), ("fbclid", "x"))
    assert shared is not None and shared.ignored == ()
