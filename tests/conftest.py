"""Shared fixtures: one embedding model per session, a real Chroma per test."""

from __future__ import annotations

import shutil
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
