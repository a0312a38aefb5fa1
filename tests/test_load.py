"""The load script: many users at once get answers, and the rate limit refuses exactly what is past it.

A small run (8 users x 2 questions) against the public app on a free port.
No timing is asserted: the machine is shared, and latency is the script's report, not a test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from evals.load import (
    EXTRA, FOLLOW_UP_EVERY, LoadResult, classify, eval_questions, main, next_prefix, plan_questions, run_load,
)
from tests.conftest import served, sharing

pytestmark = pytest.mark.slow

LIMIT = 4
USERS = 8
PER_USER = 2


@pytest.fixture(scope="module")
def public_url(searcher) -> Iterator[str]:
    yield from served(sharing(searcher, public_questions_per_minute=LIMIT), "public")


@pytest.fixture(scope="module")
def result(public_url: str) -> LoadResult:
    questions, conversations = eval_questions()
    return run_load(public_url, USERS, PER_USER, 0.0, questions, LIMIT, conversations=conversations, seed=1)


def test_every_user_gets_every_answer_without_errors(result: LoadResult) -> None:
    assert len(result.load) == USERS * PER_USER
    assert [r.detail for r in result.errors] == []
    assert result.rate_limited == 0


def test_every_served_reply_is_an_answer_or_an_abstention(result: LoadResult) -> None:
    assert {r.outcome for r in result.load} <= {"answered", "abstained"}
    assert all(r.text.strip() for r in result.load if r.outcome == "answered")


def test_some_users_ask_a_follow_up_with_their_conversation_so_far(result: LoadResult) -> None:
    assert result.follow_ups == USERS // FOLLOW_UP_EVERY


def test_the_rate_limit_refuses_exactly_the_questions_past_it(result: LoadResult) -> None:
    outcomes = [r.outcome for r in result.limit_replies]
    assert len(outcomes) == LIMIT + EXTRA
    assert set(outcomes[:LIMIT]) <= {"answered", "abstained"}
    assert outcomes[LIMIT:] == ["rate_limited"] * EXTRA
    assert result.refused == result.expected_refused == EXTRA
    assert result.ok


def test_the_same_seed_plans_the_same_questions() -> None:
    questions, conversations = eval_questions()
    first = plan_questions(12, 3, questions, conversations, seed=7)
    assert first == plan_questions(12, 3, questions, conversations, seed=7)
    assert first != plan_questions(12, 3, questions, conversations, seed=8)
    assert all(len(plan) == 3 for plan in first)
    follow_ups = [n for n, plan in enumerate(first) if any(a.follows for a in plan)]
    assert follow_ups == [3, 7, 11]
    assert all(first[n][1].follows == first[n][0].question for n in follow_ups)


def test_runs_in_one_process_never_share_client_addresses() -> None:
    prefixes = [next_prefix() for _ in range(254)]
    assert len(set(prefixes)) == 254
    assert all(p.startswith("10.") and 1 <= int(p.split(".")[1]) <= 254 for p in prefixes)


def test_phase_one_may_not_reach_the_rate_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        run_load("http://127.0.0.1:9/", 1, LIMIT, 0.0, ["q"], LIMIT)


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        ({"answer": "£273m [1].", "abstained": False, "citations": [{"n": 1}], "timing_ms": {"total": 5}}, "answered"),
        ({"answer": "The documents do not say.", "abstained": True, "citations": []}, "abstained"),
        ({"question": "q", "error": "you have asked 4 questions in the last minute; please wait"}, "rate_limited"),
        ({"question": "q", "error": "questions are limited to 1,000 characters"}, "error"),
        ({"answer": "", "abstained": False, "citations": []}, "error"),
        ({"answer": "x", "citations": []}, "error"),
        ("a string", "error"),
    ],
)
def test_replies_are_told_apart(reply, outcome: str) -> None:
    assert classify(reply, 1.0).outcome == outcome


def test_the_command_prints_one_json_object_and_exits_0(public_url: str, indexed_home, capsys) -> None:
    code = main(["--url", public_url, "--home", str(indexed_home), "--limit", str(LIMIT),
                 "--users", "2", "--questions-per-user", "1", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["ok"]
    assert report["load"]["requests"] == 2 and report["load"]["errors"] == 0
    assert report["rate_limit"]["refused"] == report["rate_limit"]["expected_refused"] == EXTRA
    assert report["baseline"]["requests"] == 2 and report["throughput_ratio"] > 0


def test_the_command_exits_1_when_the_rate_limit_does_not_refuse_as_expected(
    public_url: str, indexed_home, capsys
) -> None:
    code = main(["--url", public_url, "--home", str(indexed_home), "--limit", str(LIMIT + 1),
                 "--users", "1", "--questions-per-user", "1", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and not report["ok"]
    assert report["rate_limit"]["refused"] == EXTRA + 1
