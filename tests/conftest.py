"""Shared fixtures: one embedding model per session, a real Chroma per test."""

from __future__ import annotations

import json

import shutil
from collections.abc import Iterator
import socket
from pathlib import Path

import pytest

from retrieval.embedding import Embedder, get_embedder
from retrieval.settings import Settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return get_embedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", corpus=CORPUS)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped corpus that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def indexed_home(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """The shipped corpus ingested once, for tests that only read."""
    from ingest.pipeline import ingest

    home = tmp_path_factory.mktemp("indexed") / "home"
    report = ingest([CORPUS], Settings(home=home, corpus=CORPUS), embedder=embedder)
    assert not report.failed, report.failed
    return home


@pytest.fixture(scope="session")
def searcher(indexed_home: Path, embedder: Embedder):
    from retrieval.search import Searcher

    return Searcher(Settings(home=indexed_home, corpus=CORPUS), embedder=embedder)


# Entities in a .txt file are unescaped by ingest, so the stored text holds real tags.
HOSTILE_TEXT = """Hostile note &lt;img src=x onerror=alert('title')&gt;

1. The committee reviewed the budget for &lt;script&gt;alert('xss')&lt;/script&gt; community safety projects in 2024.

2. A second line shows &lt;img src=x onerror=alert('img')&gt; as plain text beside the library budget.
"""
HOSTILE_QUESTION = "What did the committee review for community safety projects?"


@pytest.fixture(scope="session")
def pdf_searcher(tmp_path_factory: pytest.TempPathFactory, embedder):
    """An agenda pack, a table across two pages, a two-column page and a scan, ingested once."""
    import tests.pdf_factory as make
    from ingest.pipeline import ingest
    from retrieval.search import Searcher

    root = tmp_path_factory.mktemp("pdfs")
    corpus = root / "corpus"
    corpus.mkdir()
    make.agenda_pack(corpus / "pack.pdf", pages=6)
    make.table_across_pages(corpus / "budget.pdf")
    make.two_column_page(corpus / "columns.pdf")
    make.scanned_page(corpus / "scan.pdf")
    settings = Settings(home=root / "home", corpus=corpus)
    report = ingest([corpus], settings, embedder=embedder)
    assert not report.failed, report.failed
    return Searcher(settings, embedder=embedder)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def hostile_searcher(tmp_path_factory: pytest.TempPathFactory, embedder):
    """A store holding one document whose text and title contain HTML tags."""
    from ingest.pipeline import ingest
    from retrieval.search import Searcher

    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "hostile-note.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    settings = Settings(home=root / "home", corpus=corpus)
    report = ingest([corpus], settings, embedder=embedder)
    assert not report.failed, report.failed
    return Searcher(settings, embedder=embedder)


def sharing(searcher, **settings):
    """A searcher over the same store, model and index, with some settings changed."""
    from retrieval.search import Searcher

    changed = searcher.settings.model_copy(update=settings)
    return Searcher(changed, store=searcher.store, embedder=searcher.embedder, lexical=searcher.lexical)


def served(searcher, mode: str = "local", auth=None) -> Iterator[str]:
    """The app over ``searcher`` on a free loopback port, for the length of a fixture."""
    from ui.app import build_app, start

    app = build_app(searcher, mode)
    port = free_port()
    start(
        app, "127.0.0.1", port,
        block=False, settings=searcher.settings, auth=auth, public=mode == "public", health=searcher.health,
        store=searcher.store,
    )
    yield f"http://127.0.0.1:{port}/"
    app.close()


def post_status(url: str, body: bytes, content_type: str, address: str) -> int:
    """POST ``body`` as a client at ``address`` (X-Forwarded-For, trusted from loopback); the HTTP status."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": content_type, "X-Forwarded-For": address}, method="POST"
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def eval_report(dataset: Path, corpus: Path, home: Path) -> dict:
    """`quorum eval --corpus ... --systems quorum,bm25 --json`, as a user would run it; its JSON report.

    Results are written under ``home``, not into the project's evals/results.
    """
    import typer
    from typer.testing import CliRunner

    import evals.report
    from evals.cli import eval_command

    patch = pytest.MonkeyPatch()
    patch.setattr(evals.report, "RESULTS_DIR", home / "results")
    app = typer.Typer()
    app.command()(eval_command)
    try:
        run = CliRunner().invoke(app, [
            "--dataset", str(dataset), "--corpus", str(corpus), "--systems", "quorum,bm25",
            "--home", str(home / "data"), "--json",
        ])
    finally:
        patch.undo()
    assert run.exit_code == 0, run.output
    return json.loads(run.stdout)

