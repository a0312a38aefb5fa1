"""Nothing lost: interrupted ingests, readers during ingests, two ingests at once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.pipeline import discover, document_hash, ingest, ingest_lock, prepare
from retrieval.answer import answer_question
from retrieval.errors import IngestLocked
from retrieval.lexical import LexicalIndex
from retrieval.search import Searcher
from retrieval.settings import Settings
from retrieval.store import DocumentWrite, Store
from retrieval.records import version_of
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow


LETTER = "pcc-letter-home-secretary-2023-12-18.txt"
NEWS = "peel-2025-news-2025-05-14.txt"


def _consistent_state(settings: Settings) -> set[str]:
    """The committed chunk ids, after checking Chroma and BM25 agree and nothing is stray."""
    store = Store(settings)
    assert store.check() == []
    chunk_ids = [c.chunk_id for c in store.all_chunks()]
    assert len(chunk_ids) == len(set(chunk_ids)) == store.count()  # no duplicates, no orphans
    assert {c.chunk_id for c in LexicalIndex.load(settings.lexical_path).chunks} == set(chunk_ids)
    return set(chunk_ids)


def _ingest_command(corpus: Path, home: Path) -> list[str]:
    return [sys.executable, "-m", "ui.cli", "ingest", str(corpus), "--home", str(home), "--prune"]


def _ingest_process(corpus: Path, home: Path) -> subprocess.Popen:
    return subprocess.Popen(
        _ingest_command(corpus, home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ | {"HF_HUB_OFFLINE": "1"},
        start_new_session=True,
    )


def _run_ingest(corpus: Path, home: Path) -> None:
    done = subprocess.run(_ingest_command(corpus, home), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _wait_for_writes(home: Path, timeout: float = 120.0) -> None:
    """Until the ingest has started writing to Chroma (its SQLite file grows)."""
    database = home / "chroma" / "chroma.sqlite3"
    began = time.monotonic()
    size = database.stat().st_size if database.exists() else 0
    while time.monotonic() - began < timeout:
        if database.exists() and database.stat().st_size > size and size > 0:
            return
        size = database.stat().st_size if database.exists() else size
        time.sleep(0.05)


def test_ingest_killed_mid_run_leaves_chroma_and_bm25_consistent_after_the_next_run(
    tmp_path, corpus_copy
) -> None:
    home = tmp_path / "home"
    settings = Settings(home=home, corpus=corpus_copy)
    for delay in (0.0, 0.4, 1.5):
        process = _ingest_process(corpus_copy, home)
        _wait_for_writes(home)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    # Change a file before the next run too, as a user fixing a typo might.
    letter = corpus_copy / LETTER
    letter.write_text(letter.read_text(encoding="utf-8").replace("Dear", "Dear  ", 1), encoding="utf-8")
    process = _ingest_process(corpus_copy, home)
    _wait_for_writes(home)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    _run_ingest(corpus_copy, home)
    recovered = _consistent_state(settings)
    fresh = tmp_path / "fresh"
    _run_ingest(corpus_copy, fresh)
    assert recovered == _consistent_state(Settings(home=fresh, corpus=corpus_copy))


def test_a_reader_sees_the_old_version_until_the_new_one_is_published(settings, corpus_copy, embedder) -> None:
    ingest([corpus_copy], settings, embedder=embedder)
    searcher = Searcher(settings, embedder=embedder, refresh_seconds=0)
    question = "How many more police officers does the Commissioner want?"
    before = {p.chunk.chunk_id for p in searcher.search(question, k=20)}

    # Write a new version of the letter as an ingest would, but stop before publishing it.
    letter = corpus_copy / LETTER
    letter.write_text(letter.read_text(encoding="utf-8") + "\n\nA new closing paragraph.\n", encoding="utf-8")
    source = next(s for s in discover([corpus_copy])[0] if s.doc_id == LETTER)
    doc_hash = document_hash(source, settings)
    doc = prepare(source, settings, embedder, version_of(doc_hash))
    store = Store(settings)
    store.write_documents([DocumentWrite(
        doc.info, doc.text, doc_hash, doc.chunks, embedder.embed(doc.chunk_texts),
        doc.sentences, embedder.embed([s.text for s in doc.sentences]),
    )])

    during = {p.chunk.chunk_id for p in searcher.search(question, k=20)}
    assert during == before  # the half-published document is invisible

    ingest([corpus_copy], settings, embedder=embedder)
    after = {p.chunk.chunk_id for p in searcher.search(question, k=20)}
    new_version = f"{LETTER}:{version_of(doc_hash)}:"
    assert any(i.startswith(new_version) for i in after)
    assert not any(i.startswith(LETTER) and not i.startswith(new_version) for i in after)
    _consistent_state(settings)


def test_a_running_reader_answers_from_an_ingest_another_process_published(tmp_path, embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / LETTER, corpus)
    home = tmp_path / "home"
    _run_ingest(corpus, home)
    searcher = Searcher(Settings(home=home, corpus=corpus), embedder=embedder, refresh_seconds=0)
    question = "In how many areas did the inspectorate find West Mercia Police requiring improvement?"
    assert answer_question(question, searcher).abstained

    shutil.copy(CORPUS / NEWS, corpus)
    _run_ingest(corpus, home)  # a separate process: this one's embedded Chroma still holds the old index
    found = answer_question(question, searcher)
    assert not found.abstained
    assert NEWS in {c.passage.chunk.doc.doc_id for c in found.citations}
    assert searcher.health()["status"] == "ok"


def test_a_second_ingest_is_refused_while_one_runs(settings, corpus_copy, embedder) -> None:
    with ingest_lock(settings):
        with pytest.raises(IngestLocked, match="another ingest is running"):
            ingest([corpus_copy], settings, embedder=embedder)


def test_rebuild_repairs_a_store_with_a_damaged_document(settings, corpus_copy, embedder) -> None:
    ingest([corpus_copy], settings, embedder=embedder)
    store = Store(settings)
    victim = next(iter(store.documents()))
    some = store.chunks.get(where={"doc_id": victim}, include=[], limit=2)["ids"]
    store.chunks.delete(ids=some)  # damage beyond what a crash can do
    assert any(victim in p for p in store.check())

    report = ingest([corpus_copy], settings, rebuild=True, embedder=embedder)
    assert report.added == [victim] and not report.failed
    _consistent_state(settings)
