"""A flood of page images beside people asking: does one client's flood reach anyone else?

    python -m evals.flood [--askers 20] [--questions 4] [--think 3] [--connections 32] [--pages 24]
                          [--budget N] [--json]

It ingests the shipped corpus and a generated ``--pages``-page agenda pack into a
temporary home, then serves the public app as it is deployed: ``quorum serve
--public``, a process of its own, so that the clients here do not share its
interpreter. Every client is seen as its own address (``X-Forwarded-For``, which
uvicorn trusts from loopback, as from a proxy).

- quiet: ``--askers`` clients ask ``--questions`` questions each (the built-in
  set's, seeded) through the ``ask`` API, reading each answer ``--think`` seconds
  before the next, so that latency is the answer's, not the queue's: the baseline;
- flood: the same again from new addresses, while one more client asks for page
  images of the pack from ``--connections`` connections, each a different page
  or passage (nothing cached helps it), as fast as it is answered.

The table gives the askers' latencies in each phase, the flood's p95 as a ratio
of the quiet one, and what the flooder was served and refused. Exit code 1 when
an asker saw an error or the ratio is over ``--most-ratio`` (2).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from evals.load import (
    Reply, Timing, _address, ask_once, connect, eval_questions, free_port, next_prefix, plan_questions,
    released_together,
)

PACK = "pack.pdf"
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MOST_RATIO = 2.0


@dataclass(frozen=True)
class Phase:
    """The askers' replies in one phase, and how long it took."""

    name: str
    replies: tuple[Reply, ...]
    seconds: float

    @property
    def timing(self) -> Timing:
        return Timing(tuple(r.latency_ms for r in self.replies), self.seconds)

    @property
    def errors(self) -> list[str]:
        return [r.detail or r.outcome for r in self.replies if r.outcome not in ("answered", "abstained")]


@dataclass(frozen=True)
class Flooder:
    """What one client asking for page images from many connections was given."""

    connections: int
    served: int
    refused: int  # 429: over its budget
    busy: int  # 503: every drawing slot taken
    failed: int  # anything else, or no reply

    @property
    def requests(self) -> int:
        return self.served + self.refused + self.busy + self.failed


@dataclass(frozen=True)
class FloodResult:
    quiet: Phase
    flood: Phase
    flooder: Flooder
    most_ratio: float = MOST_RATIO

    @property
    def ratio(self) -> float | None:
        quiet, flood = self.quiet.timing.p(95), self.flood.timing.p(95)
        return flood / quiet if quiet and flood is not None else None

    @property
    def ok(self) -> bool:
        ratio = self.ratio
        return not self.quiet.errors and not self.flood.errors and ratio is not None and ratio <= self.most_ratio


# --- the served app ----------------------------------------------------------------------------


def _quorum(*args: str, home: Path) -> list[str]:
    return [sys.executable, "-c", "from ui.cli import main; main()", *args, "--home", str(home)]


def prepare(home: Path, pages: int) -> None:
    """The shipped corpus and a ``pages``-page agenda pack, ingested into ``home``."""
    from evals.pdf_pack import agenda_pack

    pack = home.parent / "pack"
    pack.mkdir(parents=True, exist_ok=True)
    agenda_pack(pack / PACK, pages=pages, table_every=3)
    subprocess.run(_quorum("ingest", str(CORPUS), str(pack), home=home), check=True, capture_output=True)


@contextmanager
def serving(home: Path, budget: int | None = None) -> Iterator[str]:
    """``quorum serve --public`` over ``home`` on a free loopback port, until the block ends;
    ``budget``: its ``public_budget_per_minute``, when not the default."""
    port = free_port()
    env = os.environ | {"HF_HUB_OFFLINE": "1"}
    if budget is not None:
        env["QUORUM_PUBLIC_BUDGET_PER_MINUTE"] = str(budget)
    server = subprocess.Popen(
        _quorum("serve", "--public", "--port", str(port), home=home),
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while _status(url + "health", "10.0.0.1") != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the public app did not start")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def _status(url: str, address: str, timeout: float = 30) -> int:
    request = urllib.request.Request(url, headers={"X-Forwarded-For": address})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


# --- the phases --------------------------------------------------------------------------------


def ask_all(
    url: str, name: str, askers: int, per_asker: int, questions: Sequence[str], seed: int, think: float = 0.0
) -> Phase:
    """``askers`` clients at once, each asking its planned questions one after another, ``think``
    seconds apart, the first at a (seeded) random moment of the first ``think`` seconds."""
    prefix = next_prefix()
    offsets = [random.Random(seed + n).uniform(0, think) for n in range(askers)]
    plans = plan_questions(askers, per_asker, questions, seed=seed)
    clients = [connect(url, _address(prefix, n)) for n in range(askers)]
    outs: list[list[Reply]] = [[] for _ in range(askers)]
    start = threading.Barrier(askers + 1, timeout=300)

    def asker(n: int) -> None:
        start.wait()
        time.sleep(offsets[n])
        for k, item in enumerate(plans[n]):
            if k:
                time.sleep(think)
            outs[n].append(ask_once(clients[n], item.question))

    threads = [threading.Thread(target=asker, args=(n,), daemon=True) for n in range(askers)]
    seconds = released_together(threads, start)
    for client in clients:
        client.close()
    return Phase(name, tuple(r for out in outs for r in out), seconds)


@contextmanager
def flooding(url: str, connections: int, pages: int) -> Iterator[list[int]]:
    """One client asking for page images from ``connections`` threads until the block ends; yields the statuses."""
    from ui.sources import page_image_url

    statuses: list[int] = []
    stop = threading.Event()
    address = f"{next_prefix()}.250.250"

    def flood(n: int) -> None:
        asked = 0
        while not stop.is_set():
            asked += 1
            page = (n + asked) % pages + 1
            image = url.rstrip("/") + page_image_url(PACK, page, 0, 200 + n * 1000 + asked)  # a new passage each time
            statuses.append(_status(image, address))

    threads = [threading.Thread(target=flood, args=(n,), daemon=True) for n in range(connections)]
    for thread in threads:
        thread.start()
    try:
        yield statuses
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)


def run_flood(
    url: str, askers: int, per_asker: int, connections: int, pages: int, think: float = 0.0, seed: int = 0
) -> FloodResult:
    questions, _ = eval_questions()
    ask_all(url, "warm-up", 2, 1, questions, seed + 99)
    quiet = ask_all(url, "quiet", askers, per_asker, questions, seed, think)
    with flooding(url, connections, pages) as statuses:
        time.sleep(2.0)  # the flood is under way before anyone asks
        flood = ask_all(url, "flood", askers, per_asker, questions, seed, think)
    flooder = Flooder(
        connections,
        served=statuses.count(200), refused=statuses.count(429), busy=statuses.count(503),
        failed=sum(s not in (200, 429, 503) for s in statuses),
    )
    return FloodResult(quiet, flood, flooder)


# --- report ------------------------------------------------------------------------------------


def result_json(result: FloodResult) -> dict[str, object]:
    def phase(p: Phase) -> dict[str, object]:
        timing = p.timing
        return {"questions": timing.requests, "p50_ms": _round(timing.p(50)), "p95_ms": _round(timing.p(95)),
                "seconds": round(p.seconds, 2), "errors": p.errors}

    return {
        "quiet": phase(result.quiet), "flood": phase(result.flood),
        "p95_ratio": _round(result.ratio, 2), "most_ratio": result.most_ratio,
        "flooder": asdict(result.flooder) | {"requests": result.flooder.requests},
        "ok": result.ok,
    }


def _round(value: float | None, digits: int = 0) -> float | None:
    return None if value is None else round(value, digits)


def print_report(result: FloodResult) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=120)
    table = Table(title="Askers' latency, quiet and while one client floods page images")
    for column in ("phase", "questions", "p50 ms", "p95 ms", "p95 vs quiet", "errors"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    for phase in (result.quiet, result.flood):
        timing = phase.timing
        ratio = 1.0 if phase is result.quiet else result.ratio
        table.add_row(phase.name, str(timing.requests), f"{timing.p(50):.0f}", f"{timing.p(95):.0f}",
                      "–" if ratio is None else f"{ratio:.2f}×", str(len(phase.errors)))
    console.print(table)
    f = result.flooder
    console.print(f"flooder: {f.requests} page-image requests from {f.connections} connections: "
                  f"{f.served} served, {f.refused} refused (429), {f.busy} busy (503), {f.failed} failed")
    for error in (result.quiet.errors + result.flood.errors)[:5]:
        console.print(f"[red]error:[/red] {error}", highlight=False)
    console.print("[green]OK[/green]" if result.ok else f"[red]FAILED[/red] (most ratio {result.most_ratio}×)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--askers", type=int, default=20)
    parser.add_argument("--questions", type=int, default=4, help="Questions each asker asks in each phase.")
    parser.add_argument("--think", type=float, default=3.0,
                        help="Seconds an asker reads an answer before the next question (0: none, they queue).")
    parser.add_argument("--connections", type=int, default=32, help="The flooder's connections.")
    parser.add_argument("--pages", type=int, default=24, help="Pages of the generated agenda pack.")
    parser.add_argument("--most-ratio", type=float, default=MOST_RATIO)
    parser.add_argument("--budget", type=int, help="The app's public_budget_per_minute (default: its own).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="Print one JSON object only.")
    args = parser.parse_args(argv)
    made = Path(tempfile.mkdtemp(prefix="quorum-flood-"))
    try:
        home = made / "home"
        print(f"ingesting the corpus and a {args.pages}-page pack into {home}", file=sys.stderr)
        prepare(home, args.pages)
        with serving(home, args.budget) as url:
            result = run_flood(url, args.askers, args.questions, args.connections, args.pages, args.think, args.seed)
    finally:
        shutil.rmtree(made, ignore_errors=True)
    result = FloodResult(result.quiet, result.flood, result.flooder, args.most_ratio)
    if args.json:
        sys.stdout.write(json.dumps(result_json(result), indent=2) + "\n")
    else:
        print_report(result)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
