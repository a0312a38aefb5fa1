"""The Gradio app: its `ask` API over a real server, and the HTML it renders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gradio_client import Client

from retrieval.conversation import Turn, ask
from ui.chat import GENERIC_ERROR, MAX_STEPS, error_reply, reply_steps
from ui.documents import document_html, documents_table
from ui.export import answer_markdown
from retrieval.errors import InvalidFilter
from ui.filters import make_filters, status_line
from retrieval.models import Chunk, DocumentInfo, Passage
from ui.sources import place, sources_html
from tests.conftest import HOSTILE_QUESTION, served
from ui.welcome import example_questions, overview

PANEL = "panel-performance-report-2023-11-17.md"


@pytest.fixture(scope="module")
def app_url(indexed_home: Path, searcher):
    yield from served(searcher)


@pytest.fixture(scope="module")
def client(app_url: str) -> Client:
    return Client(app_url, verbose=False)


def _conversation(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    """Chat messages for (question, answer) pairs."""
    messages = []
    for question, answer in pairs:
        messages += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return messages


# -- the `ask` API -----------------------------------------------------------


def test_the_app_answers_through_its_ask_endpoint_with_citations(client: Client) -> None:
    out = client.predict("What is the Net Budget Requirement for 2023/24?", [], api_name="/ask")
    assert "£273m" in out["answer"] and not out["abstained"]
    assert out["citations"][0]["paragraph"] == "47"
    assert set(out) >= {"question", "query", "answer", "abstained", "citations", "passages", "timing_ms"}


def test_the_app_condenses_a_follow_up_from_the_conversation(client: Client) -> None:
    history = _conversation(("How long are people waiting for a new shotgun certificate?", "..."))
    out = client.predict("And for a firearms certificate?", history, api_name="/ask")
    assert "shotgun" in out["query"].lower() or "certificate" in out["query"].lower()
    assert "660 days" in out["answer"]


def test_an_api_follow_up_leans_on_the_passages_the_previous_answer_cited_as_the_page_does(
    client: Client, searcher
) -> None:
    first_question = "What did the December 2023 A&A meeting say about complaints?"
    follow_up = "Is that only happening in West Mercia?"
    first = client.predict(first_question, [], api_name="/ask")
    bare = [{"role": "user", "content": first_question}, {"role": "assistant", "content": first["answer"]}]
    cited = [bare[0], {**bare[1], "citations": first["citations"] + [{"chunk_id": "no-such:0:chunk"}, "junk"]}]

    leaning = client.predict(follow_up, cited, api_name="/ask")
    alone = client.predict(follow_up, bare, api_name="/ask")

    on_the_page = ask(follow_up, searcher, [Turn.of(ask(first_question, searcher))])
    ids = lambda passages: [p["chunk_id"] for p in passages]  # noqa: E731
    assert ids(leaning["passages"]) == [p.chunk.chunk_id for p in on_the_page.passages]
    assert leaning["answer"] == on_the_page.text
    assert ids(leaning["passages"]) != ids(alone["passages"])


def test_a_three_turn_conversation_keeps_retrieving_the_panel_report_on_vetting(client: Client) -> None:
    first = "What did the inspection say about vetting?"
    second = "And when was it?"
    one = client.predict(first, [], api_name="/ask")
    two = client.predict(second, _conversation((first, one["answer"])), api_name="/ask")
    three = client.predict(
        "What is the PCC doing about it?",
        _conversation((first, one["answer"]), (second, two["answer"])),
        api_name="/ask",
    )
    assert "vetting" in three["query"].lower()
    assert not three["abstained"]
    assert {c["doc_id"] for c in three["citations"]} == {PANEL}
    cited = {int(c["paragraph"]) for c in three["citations"] if c["paragraph"]}
    assert cited & set(range(94, 101)), cited


def test_a_document_filter_keeps_the_other_documents_out_of_the_answer(client: Client) -> None:
    others = ["assurance-accountability-minutes-2023-12-11.txt", "pcc-letter-home-secretary-2023-12-18.txt"]
    out = client.predict("What is the Net Budget Requirement for 2023/24?", [], doc_ids=others, api_name="/ask")
    assert "£273m" not in out["answer"]
    assert out["passages"] and {p["doc_id"] for p in out["passages"]} <= set(others)


def test_type_and_date_filters_restrict_what_is_searched(client: Client) -> None:
    question = "What did the inspection find about preventing crime?"
    only_2017 = client.predict(question, [], date_from="2017-01-01", date_to="2017-12-31", api_name="/ask")
    assert {p["doc_id"] for p in only_2017["passages"]} == {"hmic-peel-2016-effectiveness.txt"}
    no_inspections = client.predict(question, [], types=["report", "minutes", "letter", "news"], api_name="/ask")
    assert "hmic-peel-2016-effectiveness.txt" not in {p["doc_id"] for p in no_inspections["passages"]}


def test_a_malformed_filter_date_comes_back_as_a_one_line_error(client: Client) -> None:
    out = client.predict("What is the budget?", [], date_from="2023-13-45", api_name="/ask")
    assert "2023-13-45" in out["error"] and "\n" not in out["error"]


def test_an_unknown_document_id_comes_back_as_an_error_not_an_abstention(client: Client) -> None:
    out = client.predict("What is the budget?", [], doc_ids=["panel-report.md"], api_name="/ask")
    assert "panel-report.md" in out["error"] and "panel-performance-report-2023-11-17.md" in out["error"]
    assert "answer" not in out


# -- what the page renders ---------------------------------------------------


def test_hostile_document_text_is_escaped_everywhere_it_is_shown(hostile_searcher) -> None:
    answer = ask(HOSTILE_QUESTION, hostile_searcher)
    assert "<script>" in answer.text  # the stored text really holds the tag
    documents = hostile_searcher.store.documents()
    (document,) = documents.values()
    chunk = answer.citations[0].passage.chunk
    text = hostile_searcher.store.document_text(document.info.doc_id)
    rendered = {
        "chat": "".join(reply_steps(answer, 0)),
        "sources": sources_html(answer, selected=1),
        "viewer": document_html(document, text, chunk.start, chunk.end),
        "table": documents_table(documents),
        "overview": overview(documents),
    }
    for where, html in rendered.items():
        assert not re.search(r"<(script|img)\b", html, re.I), where
    assert "\\<script\\>alert('xss')\\</script\\>" in answer_markdown(answer)  # literal in Markdown
    assert "&lt;script&gt;alert(" in rendered["sources"] and "&lt;script&gt;alert(" in rendered["viewer"]
    assert "&lt;img src=x onerror=alert(&#x27;title&#x27;)&gt;" in rendered["viewer"]


def test_a_reply_streams_in_steps_and_ends_with_citation_links_and_the_searched_query(searcher) -> None:
    answer = ask("What is the Net Budget Requirement for 2023/24?", searcher)
    steps = list(reply_steps(answer, 3, "filters: type report"))
    assert 3 < len(steps) <= MAX_STEPS + 1  # a long answer grows in bigger steps, not more of them
    assert all(len(a) < len(b) for a, b in zip(steps, steps[1:]))
    final = steps[-1]
    assert '<a class="q-cite" href="#q-cite-3-1"' in final
    assert "para 47" in re.search(r'title="([^"]*)"', final).group(1)
    assert "searched: “What is the Net Budget Requirement for 2023/24?”" in final
    assert "filters: type report" in final


def test_the_sources_panel_marks_the_cited_sentence_and_links_into_the_document(searcher) -> None:
    answer = ask("What is the Net Budget Requirement for 2023/24?", searcher)
    html = sources_html(answer, selected=1)
    assert 'class="q-source q-selected" id="q-src-1"' in html
    assert "<mark>The PCC has set a Net Budget Requirement of £273m.</mark>" in html
    assert f'data-doc="{PANEL}"' in html and "para 47" in html
    assert 'href="https://www.westmercia-pcc.gov.uk/' in html


def test_the_document_viewer_marks_the_passage_at_its_offsets(searcher) -> None:
    passage = ask("What is the Net Budget Requirement for 2023/24?", searcher).citations[0].passage
    document = searcher.store.documents()[PANEL]
    html = document_html(document, searcher.store.document_text(PANEL), passage.chunk.start, passage.chunk.end)
    marked = re.search(r'<mark class="q-passage" id="q-doc-mark">([^<]*)</mark>', html)
    assert marked and passage.chunk.text.startswith(marked.group(1))
    assert html.count('id="q-doc-mark"') == 1 and 'id="q-doc-p-1"' in html


def test_markdown_export_numbers_references_with_title_organisation_date_paragraph_and_url(searcher) -> None:
    answer = ask("What is the Net Budget Requirement for 2023/24?", searcher)
    text = answer_markdown(answer)
    assert re.search(r"£273m\.[^\[]*\[1\]", text) and "**References**" in text
    assert (
        "1. Police & Crime Plan activity and performance monitoring report — West Mercia Police and Crime Panel,"
        " 2023-11-17, para 47. <https://www.westmercia-pcc.gov.uk/assurance-and-accountability-meetings>"
    ) in text
    assert "   > The PCC has set a Net Budget Requirement of £273m." in text


def test_the_empty_chat_lists_the_documents_and_offers_questions_about_them(searcher) -> None:
    documents = searcher.store.documents()
    text = overview(documents)
    assert all(d.info.title.replace("&", "&amp;") in text for d in documents.values())
    questions = example_questions(documents)
    assert 4 <= len(questions) <= 6 and "What is the Net Budget Requirement for 2023/24?" in questions


def test_filters_reject_malformed_or_empty_date_ranges_and_say_what_is_active(searcher) -> None:
    with pytest.raises(InvalidFilter):
        make_filters(date_from="17/11/2023")
    with pytest.raises(InvalidFilter):
        make_filters(date_from="2024-01-01", date_to="2023-01-01")
    documents = searcher.store.documents()
    line = status_line(make_filters(["report"], [], "2023-01-01", ""), documents)
    assert "type report" in line and "from 2023-01-01" in line and "1 of 5 documents" in line
    assert status_line(make_filters(), documents) == "Searching all 5 documents."


def test_an_unexpected_error_shows_a_short_message_without_its_details() -> None:
    assert error_reply(RuntimeError("Traceback (most recent call last): boom")) == GENERIC_ERROR
    assert error_reply(InvalidFilter("the from date 'x' is not a date")).startswith("Sorry: ")


def test_a_section_that_is_the_title_in_other_quotes_is_not_repeated_in_the_source_label() -> None:
    doc = DocumentInfo("a.pdf", "The Commissioner's “Plan” 2025", "report")
    def section(heading: str) -> str:
        return place(Passage(Chunk("a", doc, "Text.", 0, 5, 0, section=heading), 1.0))
    assert section('The Commissioner’s "Plan"  2025') == ""
    assert section("Funding") == "Funding"
