"""The app's handlers called as plain methods, without a server: answers, links, ratings, limits."""

from __future__ import annotations

import json
from urllib.parse import urlencode
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from starlette.datastructures import QueryParams
from typer.testing import CliRunner

from evals.dataset import load_dataset
from retrieval.answer import answer_question
from retrieval.errors import InvalidQuestion
from retrieval.filters import Filters
from tests.conftest import sharing
from ui.cli import app as cli
from ui.handlers import Handlers
from ui.share import read_link, share_link

QUESTION = "What is the Net Budget Requirement for 2023/24?"


@pytest.fixture
def act(searcher, tmp_path: Path) -> Handlers:
    return Handlers(sharing(searcher, home=tmp_path / "home"))


def _asked(act: Handlers, question: str, filters=([], [], "", "", [])) -> tuple:
    *_, last = act.respond(question, [], [], [], [], *filters, None)
    return last


def _liked(liked: bool | str | None, index: int = 1) -> gr.LikeData:
    """The event of a thumbs up (True), down (False) or taken back (None) on chat message ``index``."""
    return gr.LikeData(None, {"index": index, "value": "", "liked": liked})


def _request(query: str) -> SimpleNamespace:
    return SimpleNamespace(query_params=QueryParams(query.lstrip("?")), client=None)


def test_an_answer_comes_with_its_sources_an_announcement_and_a_link(act: Handlers) -> None:
    chat, _, turns, answers, links, sources, export, announced = _asked(act, QUESTION)
    assert answers[0].citations and "£273m" in answers[0].text
    assert links[0].startswith("?q=") and "Link to this answer" in chat[-1]["content"]
    assert '<span class="q-sr">source 1: ' in chat[-1]["content"]
    assert announced.startswith("Answer ready, citing") and "£273m" in announced
    assert "q-source" in sources and "£273m" in export


def test_a_link_asks_the_same_question_with_the_same_filters(act: Handlers) -> None:
    filters = Filters(("report",), (), "2023-01-01", "")
    link = share_link(QUESTION, filters, act.searcher.lexical.stamp)
    question, types, doc_ids, since, until, committees, note = act.opened(_request(link))
    assert (question, types, doc_ids, since, until, committees, note) == (
        QUESTION, ["report"], [], "2023-01-01", "", [], "")
    *_, answers, links, _, _, _ = _asked(act, question, (types, doc_ids, since, until, []))
    assert links[0] == link  # the answer's own link is the one it was opened from


def test_a_link_made_before_the_documents_changed_says_so(act: Handlers) -> None:
    link = share_link(QUESTION, None, "0" * 40)
    *_, note = act.opened(_request(link))
    assert note.startswith("This link was made when the documents were different")


def test_a_link_holds_only_the_question_filters_and_stamp() -> None:
    link = share_link("Who chairs the panel?", Filters((), ("a.md",), "", "2024-01-01"), "abcdef1234567890")
    assert set(QueryParams(link[1:]).keys()) == {"q", "doc", "to", "v"}
    shared = read_link(QueryParams(link[1:]), 1000, doc_ids={"a.md"})
    assert shared is not None and shared.stamp == "abcdef123456" and shared.doc_ids == ("a.md",)
    assert shared.ignored == ()


def test_a_link_with_a_type_the_site_lacks_is_answered_without_it_and_says_so(act: Handlers) -> None:
    question, types, doc_ids, since, until, _, note = act.opened(_request(f"?q={QUESTION}&type=agenda&type=report"))
    assert (question, types, doc_ids) == (QUESTION, ["report"], [])
    assert note == "This link asked for a document type this site does not have; it was ignored."
    *_, answers, _, _, _, _ = _asked(act, question, (types, doc_ids, since, until, []))
    assert answers[0] is not None and "£273m" in answers[0].text


def test_a_link_note_never_carries_the_values_it_refused(act: Handlers) -> None:
    hostile = '<a href="https://example.org/login">Your session expired</a>'
    query = urlencode([("q", QUESTION), ("type", hostile), ("doc", hostile), ("from", hostile), ("v", hostile)])
    _, types, doc_ids, since, _, _, note = act.opened(_request(query))
    assert (types, doc_ids, since) == ([], [], "")
    assert "example.org" not in note and "<" not in note and note.count("ignored") == 4

def test_a_rating_and_its_comment_are_stored_and_misses_export_as_evaluation_items(
    act: Handlers, tmp_path: Path
) -> None:
    chat, _, _, answers, links, *_ = _asked(act, QUESTION)
    note, rating, box, _ = act.rate(chat, answers, links, {}, _liked(False), None)
    assert note.startswith("Thank you") and rating == 1
    assert act.comment(rating, "It should give the 2024/25 figure too.", None)[0].startswith("Thank you")
    [stored] = act.feedback.all()
    assert (stored.liked, stored.question, stored.link) == (False, QUESTION, links[0])
    assert stored.comment == "It should give the 2024/25 figure too." and stored.cited[0]["sentences"]
    items = tmp_path / "misses.jsonl"
    assert act.feedback.export_misses(items) == 1
    [item] = load_dataset([items]).questions
    assert item.question == QUESTION and not item.quotes  # quote: null, for a person to fill in
    assert json.loads(items.read_text())["answer"] == answers[0].text


def test_rating_a_message_that_is_not_an_answer_stores_nothing(act: Handlers) -> None:
    chat, _, _, answers, links, *_ = _asked(act, QUESTION)
    note, rating, _, _ = act.rate(chat, answers, links, {}, _liked("", index=0), None)
    assert (note, rating) == ("", None) and act.feedback.all() == []


def test_a_reader_who_changes_their_mind_leaves_one_rating_and_one_taken_back_leaves_none(act: Handlers) -> None:
    chat, _, _, answers, links, *_ = _asked(act, QUESTION)
    _, first, _, rated = act.rate(chat, answers, links, {}, _liked(True), None)
    _, second, _, rated = act.rate(chat, answers, links, rated, _liked(False), None)
    [stored] = act.feedback.all()
    assert first == second == stored.id and stored.liked is False
    note, rating, box, rated = act.rate(chat, answers, links, rated, _liked(None), None)
    assert (note, rating, rated) == ("Rating withdrawn.", None, {}) and act.feedback.all() == []
    assert act.feedback.export_misses(act.searcher.settings.home / "misses.jsonl") == 0


def test_ratings_are_rate_limited_in_public_mode(searcher, tmp_path: Path) -> None:
    act = Handlers(sharing(searcher, home=tmp_path / "home", public_questions_per_minute=2), "public")
    chat, _, _, answers, links, *_ = _asked(act, QUESTION)
    notes = [act.rate(chat, answers, links, {}, _liked(True), None)[0] for _ in range(2)]
    assert all(n.startswith("Thank you") for n in notes)
    assert "too many ratings" in act.rate(chat, answers, links, {}, _liked(True), None)[0]
    assert len(act.feedback.all()) == 2


def test_quorum_feedback_lists_and_exports_ratings(act: Handlers, tmp_path: Path) -> None:
    chat, _, _, answers, links, *_ = _asked(act, QUESTION)
    act.rate(chat, answers, links, {}, _liked(False), None)
    home = str(act.searcher.settings.home)
    listed = CliRunner().invoke(cli, ["feedback", "--json", "--home", home])
    assert listed.exit_code == 0 and json.loads(listed.output)[0]["liked"] is False
    target = tmp_path / "review.jsonl"
    exported = CliRunner().invoke(cli, ["feedback", "--export", str(target), "--home", home])
    assert exported.exit_code == 0 and "1 rated-down answer" in " ".join(exported.output.split())
    assert target.read_text().count("\n") == 1


def test_the_question_length_limit_is_the_configured_one_everywhere(searcher) -> None:
    short = sharing(searcher, max_question_chars=40)
    with pytest.raises(InvalidQuestion, match="limited to 40 characters"):
        answer_question("What is the Net Budget Requirement for the year 2023/24?", short)
    long = sharing(searcher, max_question_chars=2000)
    asked = QUESTION + " Please answer briefly." * 50  # 1,150 characters: over the old fixed limit of 1,000
    assert answer_question(asked, long).question == asked


def test_a_question_over_the_limit_is_refused_with_its_length_and_left_in_the_box(searcher, tmp_path: Path) -> None:
    act = Handlers(sharing(searcher, home=tmp_path / "home", max_question_chars=40))
    long = "What is the Net Budget Requirement for 2023/24 and for 2024/25?"
    [(chat, box, _, answers, links, _, _, announced)] = list(act.respond(long, [], [], [], [], [], [], "", "", [], None))
    assert box is not None and not isinstance(box, str)  # skipped: the question stays to be shortened
    assert f"limited to 40 characters; this one has {len(long)}" in chat[-1]["content"]
    assert answers == [None] and links == [""] and announced == chat[-1]["content"]
