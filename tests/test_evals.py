"""The evaluation: its data, its metrics, its runner and the CI quality gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.dataset import BUILT_IN, load_dataset
from evals.metrics import (
    METRIC_KEYS,
    ItemScore,
    RetrievalScore,
    aggregate,
    answer_correct,
    citation_supported,
    contains_fact,
    hit_at,
    is_relevant,
    longest_common_substring,
    mrr_at,
    ndcg_at,
    normalise_figures,
    percentile,
    quote_ranks,
    recall_at,
    sentence_supported,
)
from evals.runner import EvalResult, run_eval, score_item
from evals.systems import CitedPassage, SystemAnswer, parse_system_names
from evals.thresholds import THRESHOLDS_FILE, Threshold, failures, load_thresholds
from ingest.cleaning import clean_text
from ingest.loaders import load_file
from retrieval.errors import ConfigError
from retrieval.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"


def _squash(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- the built-in set


@pytest.fixture(scope="module")
def corpus_texts() -> dict[str, str]:
    """Each corpus file's cleaned text (what is ingested), whitespace-normalised."""
    texts = {}
    for path in sorted(CORPUS.iterdir()):
        if path.name != "manifest.toml":
            loaded = load_file(path)
            texts[path.name] = _squash(clean_text(loaded.text, loaded.format))
    return texts


def test_built_in_set_has_questions_and_conversations_in_two_splits() -> None:
    dataset = load_dataset()
    assert len(dataset.questions) == 169
    assert len(dataset.conversations) == 15
    assert all(len(c.turns) == 3 for c in dataset.conversations)
    assert {item.split for item in dataset.items} == {"dev", "heldout"}
    assert sum(not item.answerable for item in dataset.items) == 20
    assert len({item.id for item in dataset.items}) == len(dataset.items)


def test_every_quote_occurs_in_its_corpus_document(corpus_texts: dict[str, str]) -> None:
    missing = []
    for item in load_dataset().items:
        for quote in item.quotes:
            unknown = [d for d in item.docs if d not in corpus_texts]
            assert not unknown, f"{item.id}: no corpus document {unknown}"
            if not any(_squash(quote) in corpus_texts[doc] for doc in item.docs):
                missing.append(f"{item.id}: {quote[:60]}")
    assert not missing, missing


def test_every_must_contain_occurs_in_the_quote_or_answer() -> None:
    missing = []
    for item in load_dataset().items:
        haystack = (" ".join(item.quotes) + " " + item.answer).casefold()
        missing += [f"{item.id}: {fact}" for fact in item.must_contain if fact.casefold() not in haystack]
    assert not missing, missing


# ---------------------------------------------------------------- loading other sets


def _write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_set_without_ids_or_matching_doc_names_loads(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "mine.jsonl",
        '{"question": "What is the budget?", "doc": "Budget report.pdf", "quote": "£273m", "must_contain": ["£273m"]}',
        "",
        '{"question": "Who won the cup?", "quote": null}',
        '{"id": "talk", "turns": [{"question": "What is the budget?", "quote": ["a", "b"]},'
        ' {"question": "And last year?", "quote": "c", "type": "number"}]}',
    )
    dataset = load_dataset([path])
    first, unanswerable = dataset.questions
    assert (first.id, first.quotes, first.docs) == ("mine:1", ("£273m",), ("Budget report.pdf",))
    assert (unanswerable.id, unanswerable.answerable, unanswerable.type) == ("mine:3", False, "unanswerable")
    assert [t.id for t in dataset.conversations[0].turns] == ["talk.1", "talk.2"]
    assert dataset.conversations[0].turns[1].type == "number"
    assert not dataset.has_splits


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "mine.jsonl:2: not valid JSON"),
        ('["a list"]', "mine.jsonl:2: each line must be a JSON object"),
        ('{"quote": "x"}', "mine.jsonl:2: 'question' must be a non-empty string"),
        ('{"question": "Why?"}', "mine.jsonl:2: 'quote' is missing"),
        ('{"question": "Why?", "quote": 3}', "mine.jsonl:2: 'quote' must be a string or a list of strings"),
        ('{"question": "Why?", "quote": "x", "must_contain": [1]}', "mine.jsonl:2: 'must_contain' must be"),
        ('{"turns": [{"question": "Why?"}]}', "mine.jsonl:2: turn 1: 'quote' is missing"),
        ('{"turns": []}', "mine.jsonl:2: 'turns' must be a non-empty list"),
    ],
)
def test_a_bad_line_is_reported_with_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = _write(tmp_path, "mine.jsonl", '{"question": "Fine?", "quote": null}', line)
    with pytest.raises(ConfigError) as error:
        load_dataset([path])
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_and_empty_dataset_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such dataset file"):
        load_dataset([tmp_path / "absent.jsonl"])
    with pytest.raises(ConfigError, match="no questions"):
        load_dataset([_write(tmp_path, "empty.jsonl", "")])


def test_systems_are_chosen_by_comma_list_or_repeated_option() -> None:
    assert parse_system_names(None) == ["quorum", "llamaindex-default", "bm25", "dense"]
    assert parse_system_names(["dense,bm25", "quorum"]) == ["quorum", "bm25", "dense"]
    with pytest.raises(ConfigError, match="unknown system 'bm26'"):
        parse_system_names(["bm26"])


# ---------------------------------------------------------------- relevance and ranking

QUOTE = "The PCC has set a Net Budget Requirement of £273m. Following additional funding the total is £277m."


def test_a_passage_holding_the_quote_is_relevant_whatever_its_case_and_spacing() -> None:
    passage = "47. Budget.\nthe pcc has set a net budget  requirement\nof £273M. following additional funding the total is £277m. More."
    assert is_relevant(passage, QUOTE)
    assert is_relevant("“Quoted” text", '"quoted" text')  # curly and straight quotes agree


def test_a_quote_straddling_two_chunks_is_found_in_the_chunk_with_half_of_it() -> None:
    cut = 60  # the first chunk ends mid-quote, holding 60 of its 99 characters
    first = "Earlier text of the report. " + QUOTE[:cut]
    second = QUOTE[cut:] + " Later text."
    assert is_relevant(first, QUOTE)
    assert not is_relevant(second, QUOTE)  # under half of the quote
    assert not is_relevant("An unrelated passage about vehicle crime.", QUOTE)


def test_longest_common_substring() -> None:
    assert longest_common_substring("abcdef", "zzcdezz") == 3
    assert longest_common_substring("abc", "xyz") == 0
    assert longest_common_substring("", "abc") == 0


def test_hit_recall_mrr_and_ndcg_on_a_hand_made_ranking() -> None:
    passages = ["nothing", "the alpha beta gamma", "-", "-", "-", "-", "and delta epsilon zeta."]
    ranks = quote_ranks(passages, ["Alpha Beta Gamma", "delta epsilon zeta", "eta theta iota"], k=10)
    assert ranks == [2, 7, None]
    assert hit_at(ranks, 1) == 0.0
    assert hit_at(ranks, 5) == 1.0
    assert recall_at(ranks, 5) == pytest.approx(1 / 3)
    assert recall_at(ranks, 10) == pytest.approx(2 / 3)
    assert mrr_at(ranks, 10) == pytest.approx(0.5)
    ideal = 1 + 1 / 1.584962500721156 + 1 / 2  # ranks 1, 2, 3
    assert ndcg_at(ranks, 10) == pytest.approx((1 / 1.584962500721156 + 1 / 3) / ideal)
    assert ndcg_at([1], 10) == 1.0
    assert ndcg_at([1, 1], 10) == 1.0  # one passage holding both quotes is perfect
    assert mrr_at([None], 10) == 0.0 and ndcg_at([None], 10) == 0.0


# ---------------------------------------------------------------- answers and citations


@pytest.mark.parametrize("variant", ["£273m", "£273 million", "273,000,000", "£273,000,000", "£273M"])
def test_money_spellings_are_the_same_fact(variant: str) -> None:
    assert contains_fact(f"The PCC set a budget of {variant}.", "£273m")
    assert contains_fact("The PCC set a budget of £273m.", variant)


def test_figures_and_quotes_are_normalised_but_not_confused() -> None:
    assert normalise_figures("£1.337m and £0.6m") == "1337000 and 600000"
    assert contains_fact("rose by 18 per cent", "18%")
    assert contains_fact("the Children’s  Society", "children's society")
    assert contains_fact("3,500 officers and staff", "3500")
    assert not contains_fact("in 1985", "85")
    assert not contains_fact("0.85 of them", "85")
    assert not contains_fact("850 officers", "85")
    assert contains_fact("a total of £46,100.00 was paid", "£46,100")  # zero pence: the same sum
    assert not contains_fact("a total of £46,100.50 was paid", "£46,100")
    assert answer_correct("Leominster and Ross-on-Wye", ["Leominster", "Ross‑on‑Wye"])
    assert not answer_correct("Leominster only", ["Leominster", "Ross-on-Wye"])


def test_a_citation_is_sound_when_it_holds_the_quote_or_supports_its_sentence() -> None:
    passage = "The PCC has set a Net Budget Requirement of £273m for 2023/24."
    assert citation_supported(passage, ["Something else entirely."], [QUOTE[:50]])  # holds the quote
    assert citation_supported(passage, ["The PCC has set a Net Budget Requirement of £273m"], [])  # verbatim
    assert sentence_supported("The Net Budget Requirement the PCC has set is £273m.", passage)
    assert not sentence_supported("The Net Budget Requirement the PCC has set is £300m.", passage)
    assert not citation_supported(passage, [], [])


def _answer(text: str, abstained: bool, cited: list[str], ranked: list[str]) -> SystemAnswer:
    return SystemAnswer(
        text, abstained, tuple(CitedPassage(c, (text,)) for c in cited), tuple(ranked), 12.0, "q"
    )


def test_scoring_one_answer() -> None:
    from evals.dataset import Item

    item = Item("x", "What budget?", (QUOTE,), ("£273m",), "number", "dev")
    good = score_item(item, _answer("A budget of £273 million [1]", False, [QUOTE], ["other", QUOTE]))
    assert good.correct and good.cited_quote and good.retrieval is not None
    assert (good.retrieval.hit_at_1, good.retrieval.hit_at_5, good.retrieval.mrr_at_10) == (0.0, 1.0, 0.5)
    assert (good.citations, good.supported_citations) == (1, 1)  # the cited passage holds the quote
    elsewhere = score_item(item, _answer("A budget of £273 million [1]", False, ["Budget talk."], [QUOTE]))
    assert (elsewhere.citations, elsewhere.supported_citations, elsewhere.cited_quote) == (1, 0, False)
    refused = score_item(item, _answer("The documents do not answer this question.", True, [], [QUOTE]))
    assert refused.abstained and refused.correct is False and refused.cited_quote is False


def _score(
    answerable: bool, abstained: bool, correct: bool | None = None, latency: float = 10.0
) -> ItemScore:
    retrieval = RetrievalScore(1.0, 1.0, 1.0, 1.0, 1.0) if answerable else None
    return ItemScore(
        "i",
        "fact",
        None,
        answerable,
        abstained,
        latency,
        retrieval,
        correct if answerable else None,
        1,
        1,
        (not abstained) if answerable else None,
    )


def test_a_disagreement_notice_where_none_is_due_is_counted_on_a_set_without_conflict_items() -> None:
    from dataclasses import replace

    flagged = [replace(_score(True, False, True), flagged=True), _score(True, False, True), _score(False, True)]
    metrics = aggregate(flagged)
    assert metrics.false_conflict == 0.5  # of the two answerable items, one said the documents disagree
    assert metrics.conflict_flagged is None and metrics.conflict_both_cited is None
    assert "false_conflict" in metrics.as_dict() and "conflict_flagged" not in metrics.as_dict()


def test_abstention_is_counted_on_unanswerable_and_answerable_questions_apart() -> None:
    metrics = aggregate(
        [
            _score(False, True),  # right to abstain
            _score(False, False),  # answered the unanswerable
            _score(True, True, False),  # abstained on an answerable question
            _score(True, False, True),
            _score(True, False, True),
            _score(True, False, False),
        ]
    )
    assert metrics.n == 6
    assert metrics.abstention_accuracy == 0.5
    assert metrics.false_abstention == 0.25
    assert metrics.answer_correct == 0.5
    assert metrics.citation_recall == 0.75
    assert metrics.hit_at_1 == 1.0  # retrieval is scored on answerable questions only


def test_metrics_that_do_not_apply_are_null() -> None:
    only_unanswerable = aggregate([_score(False, False)])
    assert only_unanswerable.hit_at_5 is None and only_unanswerable.answer_correct is None
    assert only_unanswerable.abstention_accuracy == 0.0
    assert set(only_unanswerable.as_dict()) == {"n", *METRIC_KEYS}
    assert aggregate([]).latency_p50_ms is None


def test_latency_percentiles_interpolate() -> None:
    assert percentile([10.0, 20.0, 30.0, 40.0], 50) == 25.0
    assert percentile(list(map(float, range(1, 101))), 95) == pytest.approx(95.05)
    assert percentile([], 50) is None


# ---------------------------------------------------------------- thresholds


def test_thresholds_are_minimums_except_where_lower_is_better(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.toml", '[quorum]\n"hit@5" = 0.8\nfalse_abstention = 0.2\nlatency_p95_ms = 500')
    thresholds = load_thresholds(path)
    metrics = aggregate([_score(True, False, True, latency=900.0), _score(True, True, False)])
    problems = failures({"quorum": metrics}, thresholds)
    assert problems == [
        "quorum false_abstention = 0.5, needs <= 0.2",
        "quorum latency_p95_ms = 855.5, needs <= 500",
    ]
    assert failures({}, [Threshold("bm25", "hit@1", 0.5)]) == ["bm25 hit@1 = null, needs >= 0.5"]
    with pytest.raises(ConfigError, match="unknown metric 'hit@3'"):
        load_thresholds(_write(tmp_path, "bad.toml", '[quorum]\n"hit@3" = 0.5'))


def test_the_shipped_thresholds_cover_every_quorum_metric() -> None:
    assert {t.metric for t in load_thresholds(THRESHOLDS_FILE) if t.system == "quorum"} == set(METRIC_KEYS)


# ---------------------------------------------------------------- the whole evaluation


@pytest.fixture(scope="module")
def quality(tmp_path_factory: pytest.TempPathFactory) -> tuple[EvalResult, Settings]:
    """The built-in set through every system, from an empty QUORUM home (so it ingests first)."""
    settings = Settings(home=tmp_path_factory.mktemp("eval") / "home", corpus=CORPUS)
    return run_eval(load_dataset(), settings), settings


@pytest.mark.gate
def test_quality_meets_thresholds(quality: tuple[EvalResult, Settings]) -> None:
    result, _ = quality
    problems = failures(result.systems, load_thresholds())
    assert not problems, "below the thresholds in evals/thresholds.toml:\n" + "\n".join(problems)


@pytest.mark.gate
@pytest.mark.parametrize("metric", ["hit@5", "answer_correct"])
def test_quorum_beats_every_baseline_on_both_splits(quality: tuple[EvalResult, Settings], metric: str) -> None:
    result, _ = quality
    for split, systems in result.by_split.items():
        ours = systems["quorum"].get(metric)
        for name, metrics in systems.items():
            if name != "quorum":
                assert ours > metrics.get(metric), f"{split}: quorum {metric} {ours} <= {name} {metrics.get(metric)}"


def test_every_system_reports_every_metric_overall_by_type_and_by_split(
    quality: tuple[EvalResult, Settings],
) -> None:
    from evals.report import result_json

    report = json.loads(json.dumps(result_json(quality[0])))
    names = ["quorum", "llamaindex-default", "bm25", "dense"]
    assert set(report) == {"dataset", "n", "systems", "by_type", "by_split", "commit", "date", "items"}
    assert report["n"] == 169 + 45
    assert list(report["systems"]) == names
    assert set(report["by_split"]) == {"dev", "heldout"}
    assert "unanswerable" in report["by_type"]
    for group in [report["systems"], *report["by_type"].values(), *report["by_split"].values()]:
        for name in names:
            # conflict metrics appear where the group holds conflict items (issue 10's and 20's)
            assert set(group[name]) - {"conflict_both_cited", "conflict_flagged", "false_conflict"} == {
                "n", *METRIC_KEYS
            }
    assert report["systems"]["quorum"]["conflict_both_cited"] is not None
    assert report["systems"]["quorum"]["conflict_flagged"] is not None
    assert "conflict_both_cited" not in report["by_type"]["unanswerable"]["quorum"]
    assert "conflict_flagged" not in report["by_type"]["unanswerable"]["quorum"]
    assert report["by_split"]["dev"]["quorum"]["n"] + report["by_split"]["heldout"]["quorum"]["n"] == 214


def test_baselines_answer_with_their_top_passage_and_never_abstain(
    quality: tuple[EvalResult, Settings],
) -> None:
    result, _ = quality
    for name in ["llamaindex-default", "bm25", "dense"]:
        metrics = result.systems[name]
        assert metrics.abstention_accuracy == 0.0 and metrics.false_abstention == 0.0
        assert metrics.citation_precision == 1.0  # the answer is the cited passage itself
        assert metrics.citation_recall == metrics.hit_at_1


def test_eval_command_prints_only_json_for_a_set_of_ones_own(
    quality: tuple[EvalResult, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer

    import evals.report
    from evals.cli import eval_command

    monkeypatch.setattr(evals.report, "RESULTS_DIR", tmp_path / "results")
    own = _write(
        tmp_path,
        "own.jsonl",
        '{"question": "What Net Budget Requirement has the PCC set?", "doc": "budget.pdf",'
        ' "quote": "The PCC has set a Net Budget Requirement of £273m.", "must_contain": ["£273 million"]}',
    )
    app = typer.Typer()
    app.command()(eval_command)
    home = str(quality[1].home)
    run = CliRunner().invoke(app, ["--dataset", str(own), "--json", "--systems", "bm25", "--home", home])
    assert run.exit_code == 0, run.output
    report = json.loads(run.stdout)
    assert report["systems"]["bm25"]["hit@1"] == 1.0
    assert report["systems"]["bm25"]["answer_correct"] == 1.0
    assert report["by_split"] == {}
    assert [p.name for p in (tmp_path / "results").iterdir()] == [
        f"{report['date'][:10]}-{report['commit']}-own.json"
    ]


def test_eval_command_shows_a_bad_dataset_as_one_line(tmp_path: Path) -> None:
    import typer

    from evals.cli import eval_command

    app = typer.Typer()
    app.command()(eval_command)
    bad = _write(tmp_path, "bad.jsonl", '{"question": "Why?"}')
    run = CliRunner().invoke(app, ["--dataset", str(bad)])
    assert run.exit_code == 1
    assert run.output.strip().splitlines() == [
        f"error: {bad}:1: 'quote' is missing (use null for a question the documents do not answer)"
    ]


def test_built_in_files_exist() -> None:
    assert all(path.is_file() for path in BUILT_IN)
