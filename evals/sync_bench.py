"""What syncing a committee costs, beside fetching and ingesting the same papers by hand.

    python -m evals.sync_bench [--papers 12] [--server] [--json]

Serves Kent's real papers (../shared/kent-2025-03) as a ModernGov site on
loopback (two committees, three meetings, one agenda item per paper; ``--papers``
of the smallest, in proportion; 0 for all 46), then measures in one run:

- direct: the same files downloaded over HTTP into a folder and ingested with
  ``quorum ingest`` (the baseline: what a user does by hand);
- sync: ``quorum sync`` of both committees into a fresh data directory;
- again: a second sync with nothing new (its cost as a share of the first);
- with ``--server``, against a real ``chroma run`` server: one worker syncing
  both councils' sources one after the other, then two workers (two data
  directories, as two machines) syncing one source each at the same time.

Every figure is documents per minute, with its ratio to the baseline measured
in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from evals.moderngov_site import KENT, kent_archive, serving
from ingest.pipeline import ingest
from ingest.sources.registry import add_moderngov
from ingest.sources.sync import sync
from retrieval.settings import Settings

CHROMA = Path(sys.executable).with_name("chroma")
CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@dataclass(frozen=True)
class Row:
    name: str
    documents: int
    seconds: float
    requests: int = 0

    @property
    def per_minute(self) -> float:
        return 60 * self.documents / self.seconds if self.seconds else 0.0


def _timed(run: Callable[[], int]) -> tuple[int, float]:
    began = time.perf_counter()
    documents = run()
    return documents, time.perf_counter() - began


def _settings(home: Path, chroma_url: str | None = None) -> Settings:
    return Settings(home=home, corpus=CORPUS, chroma_url=chroma_url)


def direct(base: str, urls: list[str], work: Path) -> Row:
    """Download every paper over HTTP and ingest the folder: the baseline."""
    folder = work / "downloaded"
    folder.mkdir()

    def run() -> int:
        with httpx.Client(timeout=60) as client:
            for n, url in enumerate(urls):
                (folder / f"{n:03d}.pdf").write_bytes(client.get(url).content)
        report = ingest([folder], _settings(work / "direct-home"))
        return len(report.added)

    documents, seconds = _timed(run)
    return Row("direct: download + quorum ingest", documents, seconds, len(urls))


def synced(base: str, work: Path, name: str) -> tuple[Row, Row]:
    """A first sync of both committees into a fresh home, then a second with nothing new."""
    settings = _settings(work / name)
    add_moderngov(settings, base, ["Cabinet", "County Council"], since="2025-01-01")
    first, first_seconds = _timed(lambda: sync(settings).indexed.get("added", 0))
    _, again_seconds = _timed(lambda: sync(settings).indexed.get("unchanged", 0))
    return (Row("quorum sync (first)", first, first_seconds),
            Row("quorum sync (again, nothing new)", first, again_seconds))


def server_workers(work: Path, limit: int | None) -> tuple[Row, Row]:
    """One worker syncing two councils' sources in turn, then two workers at once, into one chroma server."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    chroma = subprocess.Popen([str(CHROMA), "run", "--path", str(work / "chroma"), "--host", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{url}/api/v2/heartbeat")
        with ExitStack() as stack:
            cabinet = stack.enter_context(serving(kent_archive(limit, only=115)))
            council = stack.enter_context(serving(kent_archive(limit, only=144)))
            one = _settings(work / "one-worker", url)
            add_moderngov(one, cabinet.base, ["Cabinet"], since="2025-01-01")
            add_moderngov(one, council.base, ["County Council"], since="2025-01-01")
            documents, seconds = _timed(lambda: _run_workers([one]))
            single = Row("server: 1 worker, 2 sources in turn", documents, seconds)
            # The second run writes into a fresh collection of the same server, so nothing is reused.
            pair = []
            for name, site, committee in (("worker-a", cabinet, "Cabinet"), ("worker-b", council, "County Council")):
                settings = _settings(work / name, url).model_copy(update={"collection": "quorum_pair"})
                add_moderngov(settings, site.base, [committee], since="2025-01-01")
                pair.append(settings)
            documents, seconds = _timed(lambda: _run_workers(pair))
            return single, Row("server: 2 workers, 1 source each, at once", documents, seconds)
    finally:
        chroma.terminate()
        chroma.wait(timeout=30)


def _run_workers(homes: list[Settings]) -> int:
    """Run `quorum sync` for each home as a process of its own, all at once; the documents they added."""
    env = os.environ | {"HF_HUB_OFFLINE": "1"}
    procs = []
    for settings in homes:
        command = [sys.executable, "-m", "ui.cli", "sync", "--json", "--home", str(settings.home),
                   "--chroma-url", str(settings.chroma_url)]
        procs.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      env=env | {"QUORUM_COLLECTION": settings.collection}))
    added = 0
    for proc in procs:
        out, err = proc.communicate(timeout=3600)
        if proc.returncode != 0:
            raise SystemExit(f"a sync worker failed: {err[-1000:]}")
        added += json.loads(out)["indexed"]["added"]
    return added


def _wait(url: str, timeout: float = 60.0) -> None:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def table(rows: list[Row], baseline: Row) -> Table:
    out = Table(title="Syncing a committee's papers (documents per minute; ratio to the direct baseline)")
    for column in ("run", "documents", "seconds", "docs/min", "ratio"):
        out.add_column(column, justify="left" if column == "run" else "right")
    for row in rows:
        ratio = row.per_minute / baseline.per_minute if baseline.per_minute else 0.0
        out.add_row(row.name, str(row.documents), f"{row.seconds:.1f}", f"{row.per_minute:.1f}", f"{ratio:.2f}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=12, help="the smallest papers, in proportion; 0 for all 46")
    parser.add_argument("--server", action="store_true", help="also measure one and two workers against chroma run")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    if not KENT.is_dir():
        raise SystemExit(f"needs {KENT}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    limit = args.papers or None
    work = Path(tempfile.mkdtemp(prefix="quorum-sync-bench-"))
    try:
        with serving(kent_archive(limit)) as site:
            urls = [f"{site.base}/mgConvert2PDF.aspx?ID={d.id}" for m in site.meetings for i in m.items for d in i.docs]
            baseline = direct(site.base, urls, work)
            first, again = synced(site.base, work, "synced-home")
        rows = [baseline, first, again]
        if args.server:
            rows += list(server_workers(work, limit))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps([asdict(r) | {"per_minute": r.per_minute} for r in rows], indent=2))
    else:
        console = Console()
        console.print(table(rows, baseline))
        console.print(f"A second sync with nothing new costs {again.seconds / first.seconds:.1%} of the first.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
