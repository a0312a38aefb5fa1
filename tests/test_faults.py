"""Faults a host meets: a damaged BM25 index, a read-only store, a full disk.

Each must end in a clear message and a way back (`quorum ingest --rebuild`), never
a traceback or a crash loop. The read-only and disk-full cases use real mounts
(a read-only bind mount, a tiny tmpfs), so they need root; elsewhere they skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest.library import UploadMetadata, add_upload
from retrieval.errors import StoreWriteFailed
from retrieval.search import Searcher
from retrieval.settings import Settings
from retrieval.store import Store

from tests.conftest import CORPUS


def quorum(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        capture_output=True,
        text=True,
        env=os.environ | {"HF_HUB_OFFLINE": "1", "COLUMNS": "300"},
    )


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or 'not root'})")


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    if os.geteuid() != 0:
        pytest.skip("a read-only mount needs root")
    _mount("--bind", str(path), str(path))
    try:
        _mount("-o", "remount,ro,bind", str(path))
        yield
    finally:
        subprocess.run(["umount", "--lazy", str(path)], check=True)


@contextmanager
def tiny_disk(path: Path, size: str) -> Iterator[None]:
    if os.geteuid() != 0:
        pytest.skip("a size-limited tmpfs needs root")
    path.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    try:
        yield
    finally:
        subprocess.run(["umount", "--lazy", str(path)], check=True)


def _copy_home(indexed_home: Path, tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    shutil.copytree(indexed_home, home)
    return Settings(home=home, corpus=CORPUS)


def _assert_clear_failure(done: subprocess.CompletedProcess, *phrases: str) -> None:
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Error executing" not in done.stderr
    for phrase in phrases:
        assert phrase in done.stderr, done.stderr


def test_a_missing_bm25_index_is_rebuilt_from_chroma(indexed_home, tmp_path, embedder) -> None:
    settings = _copy_home(indexed_home, tmp_path)
    shutil.rmtree(settings.lexical_path)
    searcher = Searcher(settings, embedder=embedder)
    assert "273" in searcher.search("What is the force's budget?")[0].text or len(searcher.lexical) > 100
    assert (settings.lexical_path / "stamp.json").is_file()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong chunk list"])
def test_a_corrupt_bm25_index_is_rebuilt_not_trusted(indexed_home, tmp_path, embedder, damage) -> None:
    settings = _copy_home(indexed_home, tmp_path)
    chunks_file = settings.lexical_path / "chunks.jsonl"
    if damage == "garbage":
        for file in settings.lexical_path.rglob("*"):
            if file.is_file():
                file.write_bytes(os.urandom(256))
    elif damage == "truncated":
        chunks_file.write_bytes(chunks_file.read_bytes()[:1000])
    else:
        lines = chunks_file.read_text(encoding="utf-8").splitlines()
        chunks_file.write_text("\n".join(lines[:-3]) + "\n", encoding="utf-8")
    expected = {c.chunk_id for c in Store(settings).all_chunks()}
    searcher = Searcher(settings, embedder=embedder)
    assert {c.chunk_id for c in searcher.lexical.chunks} == expected


def test_rebuild_recovers_from_a_destroyed_bm25_index(indexed_home, tmp_path) -> None:
    settings = _copy_home(indexed_home, tmp_path)
    for file in settings.lexical_path.rglob("*"):
        if file.is_file():
            file.write_bytes(b"\x00" * 10)
    done = quorum("ingest", str(CORPUS), "--home", str(settings.home), "--rebuild")
    assert done.returncode == 0, done.stderr
    assert "5 unchanged" in done.stdout
    assert Store(settings).check() == []
    answer = quorum("ask", "What is the overall budget?", "--home", str(settings.home), "--json")
    assert answer.returncode == 0 and "273" in answer.stdout


def test_a_read_only_store_gives_a_clear_message(indexed_home, tmp_path) -> None:
    settings = _copy_home(indexed_home, tmp_path)
    with read_only(settings.chroma_path):
        _assert_clear_failure(
            quorum("ask", "What is the overall budget?", "--home", str(settings.home)), "read-only"
        )
        _assert_clear_failure(quorum("ingest", str(CORPUS), "--home", str(settings.home)), "read-only")
    assert quorum("ask", "What is the overall budget?", "--home", str(settings.home)).returncode == 0


def test_a_full_disk_stops_ingest_cleanly_and_the_next_run_completes(tmp_path) -> None:
    disk = tmp_path / "disk"
    home = disk / "home"
    with tiny_disk(disk, "3m"):
        failed = quorum("ingest", str(CORPUS), "--home", str(home))
        _assert_clear_failure(failed, "disk is full", "quorum ingest")
        asked = quorum("ask", "What is the overall budget?", "--home", str(home))
        assert "Traceback" not in asked.stderr
        subprocess.run(["mount", "-o", "remount,size=300m", str(disk)], check=True)
        done = quorum("ingest", str(CORPUS), "--home", str(home))
        assert done.returncode == 0, done.stderr
        assert Store(Settings(home=home, corpus=CORPUS)).check() == []
        answer = quorum("ask", "What is the overall budget?", "--home", str(home), "--json")
        assert answer.returncode == 0 and "273" in answer.stdout


def test_an_upload_that_does_not_fit_on_the_disk_is_refused_and_leaves_nothing_behind(tmp_path) -> None:
    disk = tmp_path / "disk"
    settings = Settings(home=disk / "home", corpus=CORPUS)
    document = tmp_path / "minutes.txt"
    document.write_text("1. The panel met on 3 May 2024 and agreed the budget.\n" * 40_000)  # ~2 MB
    with tiny_disk(disk, "1m"):
        with pytest.raises(StoreWriteFailed, match="disk is full"):
            add_upload(settings, document, document.name, UploadMetadata(title="Minutes"), taken=set())
        assert sorted(p.name for p in settings.uploads_path.iterdir()) == []
