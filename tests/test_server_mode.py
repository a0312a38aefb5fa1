"""Client/server mode: a real `chroma run` server, shared by ingests and several app replicas."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

from ingest.pipeline import ingest
from retrieval.errors import IngestLocked, StoreUnavailable
from retrieval.lexical import LexicalIndex
from retrieval.search import Searcher
from retrieval.settings import Settings
from retrieval import leases
from retrieval.leases import Owner
from retrieval.store import Store
from tests.conftest import free_port

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).with_name("chroma")
LETTER = "pcc-letter-home-secretary-2023-12-18.txt"
NEW_FACT = "1. The panel agreed a budget of £4.2m for rural crime patrols in the Wyre Forest district.\n"
RURAL = "How much did the panel agree for rural crime patrols?"


class ChromaServer:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _wait_for(f"{self.url}/api/v2/heartbeat")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


def _wait_for(url: str, timeout: float = 60.0, status: int = 200) -> None:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == status:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    chroma = ChromaServer(tmp_path / "server")
    chroma.start()
    yield chroma
    chroma.stop()


def _settings(tmp_path: Path, server: ChromaServer, name: str, corpus: Path) -> Settings:
    """A replica's settings: its own home (for its BM25 copy), the shared server."""
    return Settings(home=tmp_path / name, corpus=corpus, chroma_url=server.url, store_retries=1)


def test_ingest_ask_reingest_and_prune_work_against_a_chroma_server(
    tmp_path: Path, server: ChromaServer, corpus_copy: Path, embedder
) -> None:
    settings = _settings(tmp_path, server, "replica", corpus_copy)
    first = ingest([corpus_copy], settings, embedder=embedder)
    assert len(first.added) == 5 and not first.failed
    searcher = Searcher(settings, embedder=embedder)
    assert "£273m" in searcher.search("What is the Net Budget Requirement for 2023/24?")[0].text

    again = ingest([corpus_copy], settings, embedder=embedder)
    assert len(again.unchanged) == 5 and again.chunks_embedded == 0

    (corpus_copy / LETTER).unlink()
    (corpus_copy / "rural.txt").write_text(NEW_FACT, encoding="utf-8")
    pruned = ingest([corpus_copy], settings, prune=True, embedder=embedder)
    assert pruned.removed == [LETTER] and pruned.added == ["rural.txt"]
    store = Store(settings)
    assert store.check() == [] and LETTER not in store.documents()
    assert {c.chunk_id for c in LexicalIndex.load(settings.lexical_path).chunks} == {
        c.chunk_id for c in store.all_chunks()
    }
    searcher.refresh(now=True)
    assert "£4.2m" in searcher.search(RURAL)[0].text


def test_a_second_ingest_against_the_same_server_is_refused_while_one_holds_the_lease(
    tmp_path: Path, server: ChromaServer, corpus_copy: Path, embedder
) -> None:
    settings = _settings(tmp_path, server, "replica", corpus_copy)
    store = Store(settings)
    elsewhere = Owner("another-host", 4242, "t0k3n", time.time())
    leases.acquire(store, elsewhere, 60)
    with pytest.raises(IngestLocked, match="another-host"):
        ingest([corpus_copy], settings, embedder=embedder)
    leases.renew(store, elsewhere, -1)  # its holder stopped renewing: the lease has lapsed
    assert len(ingest([corpus_copy], settings, embedder=embedder).added) == 5


def _serve(settings: Settings, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "serve", "--public", "--port", str(port),
         "--home", str(settings.home), "--chroma-url", str(settings.chroma_url)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=os.environ | {"HF_HUB_OFFLINE": "1", "QUORUM_STORE_RETRIES": "1"},
    )


def _ask(url: str, question: str) -> dict:
    return Client(url, verbose=False).predict(question, [], api_name="/ask")


def _health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url + "health", timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_two_replicas_sharing_a_server_give_the_same_answers_before_and_after_an_ingest(
    tmp_path: Path, server: ChromaServer, corpus_copy: Path, embedder
) -> None:
    loader = _settings(tmp_path, server, "loader", corpus_copy)
    ingest([corpus_copy], loader, embedder=embedder)
    ports = [free_port(), free_port()]
    replicas = [_serve(_settings(tmp_path, server, f"replica{i}", corpus_copy), port) for i, port in enumerate(ports)]
    urls = [f"http://127.0.0.1:{port}/" for port in ports]
    try:
        for url in urls:
            _wait_for(url + "health", timeout=180)
        question = "What is the Net Budget Requirement for 2023/24?"
        before = [_ask(url, question) for url in urls]
        assert before[0]["answer"] == before[1]["answer"] and "£273m" in before[0]["answer"]
        assert not any("£4.2m" in _ask(url, RURAL)["answer"] for url in urls)

        (corpus_copy / "rural.txt").write_text(NEW_FACT, encoding="utf-8")
        ingest([corpus_copy], loader, embedder=embedder)
        time.sleep(3)  # replicas look for a new published state at most every 2 s
        after = [_ask(url, RURAL) for url in urls]
        assert after[0]["answer"] == after[1]["answer"] and "£4.2m" in after[0]["answer"]
        assert after[0]["citations"][0]["doc_id"] == "rural.txt"  # the new fact comes first, from the new file

        server.stop()
        status, report = _health(urls[0])
        assert status == 503 and report["store"] == "unreachable"
        down = _ask(urls[0], question)
        assert down["error"] == "the documents cannot be searched at the moment. Please try again shortly."
        assert all(replica.poll() is None for replica in replicas)  # still up: no crash loop

        server.start()
        assert _health(urls[0])[0] == 200
        assert "£273m" in _ask(urls[0], question)["answer"]
    finally:
        for replica in replicas:
            replica.terminate()
            replica.wait(timeout=30)


def test_an_unreachable_server_gives_one_clear_line_after_retrying(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", chroma_url=f"http://127.0.0.1:{free_port()}", store_retries=1)
    with pytest.raises(StoreUnavailable, match=r"cannot reach the Chroma server at http://127\.0\.0\.1:\d+ "
                                               r"\(connection refused, tried 2 times\); is it running\?"):
        Store(settings)
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "ask", "What is the budget?", "--chroma-url", settings.chroma_url,
         "--home", str(settings.home)],
        capture_output=True, text=True, env=os.environ | {"HF_HUB_OFFLINE": "1", "QUORUM_STORE_RETRIES": "1"},
    )
    assert done.returncode == 1 and "cannot reach the Chroma server" in done.stderr
    assert "Traceback" not in done.stderr
    shutil.rmtree(settings.home, ignore_errors=True)


def test_two_sync_workers_sync_two_councils_into_one_server_at_once(
    tmp_path: Path, server: ChromaServer, embedder
) -> None:
    from datetime import date, timedelta

    from evals.moderngov_site import kent_site, serving
    from ingest.sources.registry import add_moderngov

    recent = (date.today() - timedelta(days=10)).isoformat()
    with serving(kent_site(recent, only=115)) as cabinet, serving(kent_site(recent, only=144)) as council:
        workers = []
        for name, site, committee in (("worker-a", cabinet, "Cabinet"), ("worker-b", council, "County Council")):
            settings = _settings(tmp_path, server, name, tmp_path / "no-corpus")
            add_moderngov(settings, site.base, [committee], since="2025-01-01")
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "ui.cli", "sync", "--json", "--home", str(settings.home),
                 "--chroma-url", server.url],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ | {"HF_HUB_OFFLINE": "1"},
            ))
        outputs = [w.communicate(timeout=600) for w in workers]
    reports = [json.loads(out) for out, _ in outputs]
    assert [w.returncode for w in workers] == [0, 0], [err[-2000:] for _, err in outputs]
    assert [r["indexed"]["added"] for r in reports] == [2, 4]  # each worker its own council's papers
    reader = Searcher(_settings(tmp_path, server, "reader", tmp_path / "no-corpus"), embedder=embedder)
    committees = {d.committee for d in reader.lexical.documents()}
    assert committees == {"Cabinet", "County Council"}


def test_a_sources_lease_and_the_whole_stores_lease_exclude_each_other(tmp_path: Path, server: ChromaServer) -> None:
    settings = _settings(tmp_path, server, "replica", tmp_path / "no-corpus")
    store = Store(settings)
    syncing = Owner("sync-host", 4242, "s0urce", time.time())
    leases.acquire(store, syncing, 60, scope="kent")
    leases.acquire(store, Owner("other-host", 4343, "0ther", time.time()), 60, scope="manchester")  # another council
    with pytest.raises(IngestLocked, match="sync-host|other-host"):
        leases.acquire(store, Owner.me(), 60)
    leases.release(store, syncing, scope="kent")
    leases.release(store, Owner("other-host", 4343, "0ther", time.time()), scope="manchester")
    whole = Owner.me()
    leases.acquire(store, whole, 60)
    with pytest.raises(IngestLocked, match="whole-store ingest"):
        leases.acquire(store, syncing, 60, scope="kent")
