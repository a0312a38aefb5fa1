"""A bounded load test of the public app: many users at once, then the rate limit.

    python -m evals.load [--users 50] [--questions-per-user 4] [--think SECONDS]
                         [--url URL] [--home DIR] [--limit N] [--seed N] [--json]

Without ``--url`` it serves the public app in this process on a free loopback
port, over the index in ``--home`` (default: a temporary directory, into which
``settings.corpus`` is ingested), and closes it at the end. With ``--url`` it
drives an app already running in public mode (``quorum serve --public``).

Phase 1 (load): ``--users`` simulated users ask concurrently, each through its own
client seen as its own address (``X-Forwarded-For``, which uvicorn trusts from
loopback), each ``--questions-per-user`` questions drawn (seeded) from the
built-in evaluation set; one user in four opens with a two-turn conversation
from the set, its follow-up sent with the history. ``--think`` seconds pass
between a user's questions (0: the next question goes as soon as the answer
is back, the hardest case); with think time, each user's first question comes at
a random moment of the first think time, so the users are not synchronised. Each user asks fewer questions than the per-minute
limit, so no phase 1 question should be refused.

Phase 2 (rate limit): one new client asks ``limit + 5`` questions as fast as it
can; exactly the last 5 should be refused.

Baseline: the phase 1 questions answered one after another in this process
by ``retrieval.conversation.ask`` (no HTTP, no queue), over the local index, in
the same run; served throughput is reported as a ratio of it.

Exit code 1 when any request failed or phase 2 did not refuse exactly 5.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.metrics import percentile

# Runs in one process take the next address prefix (from a random start), so that runs against
# one server within a minute never share a client address, and so never share a rate limit.
_prefixes = itertools.count(random.SystemRandom().randrange(254))

RATE_LIMITED = "questions in the last minute"  # in the refusal text of ui/guard.py
EXTRA = 5  # questions phase 2 asks beyond the limit
FOLLOW_UP_EVERY = 4  # one user in this many opens with a two-turn conversation


@dataclass(frozen=True)
class Ask:
    """One planned question; ``follows`` is the question it follows up (sent as history)."""

    question: str
    follows: str | None = None


@dataclass(frozen=True)
class Reply:
    """One request as the client saw it."""

    latency_ms: float
    outcome: str  # "answered" | "abstained" | "rate_limited" | "error"
    detail: str = ""  # what went wrong, for errors
    server_ms: float | None = None  # the answer's own timing_ms.total (time spent answering, not waiting)
    text: str = ""  # the answer text, sent back as history for a follow-up


@dataclass(frozen=True)
class Timing:
    """Latencies of a batch of requests and the wall time the batch took."""

    latencies_ms: tuple[float, ...]
    seconds: float

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def p(self, q: float) -> float | None:
        return percentile(self.latencies_ms, q)


@dataclass
class LoadResult:
    url: str
    users: int
    questions_per_user: int
    think: float
    limit: int
    load: list[Reply]  # phase 1, every request
    load_seconds: float  # phase 1 wall time, from the first question to the last answer
    limit_replies: list[Reply]  # phase 2, in order
    follow_ups: int = 0  # phase 1 questions sent with a conversation history
    baseline: Timing | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # the served app's queue, concurrency, limit

    @property
    def timing(self) -> Timing:
        return Timing(tuple(r.latency_ms for r in self.load), self.load_seconds)

    @property
    def errors(self) -> list[Reply]:
        return [r for r in self.load + self.limit_replies if r.outcome == "error"]

    @property
    def rate_limited(self) -> int:
        """Phase 1 questions refused by the rate limit (should be 0)."""
        return sum(r.outcome == "rate_limited" for r in self.load)

    @property
    def refused(self) -> int:
        return sum(r.outcome == "rate_limited" for r in self.limit_replies)

    @property
    def expected_refused(self) -> int:
        return EXTRA

    @property
    def ratio(self) -> float | None:
        """Served throughput over in-process sequential throughput (same questions, same run)."""
        if self.baseline is None or not self.baseline.per_second:
            return None
        return self.timing.per_second / self.baseline.per_second

    @property
    def ok(self) -> bool:
        return not self.errors and self.refused == self.expected_refused


# --- planning ----------------------------------------------------------------------------------


def plan_questions(
    users: int,
    questions_per_user: int,
    questions: Sequence[str],
    conversations: Sequence[tuple[str, str]] = (),
    seed: int = 0,
) -> list[list[Ask]]:
    """Each user's questions, the same for the same arguments.

    Users ``FOLLOW_UP_EVERY - 1``, ``2 * FOLLOW_UP_EVERY - 1``, ... open with a
    two-turn conversation (when there are conversations and room for two questions).
    """
    if not questions:
        raise ValueError("no questions to ask")
    rng = random.Random(seed)
    plans: list[list[Ask]] = []
    for user in range(users):
        asks: list[Ask] = []
        if conversations and questions_per_user >= 2 and user % FOLLOW_UP_EVERY == FOLLOW_UP_EVERY - 1:
            first, second = rng.choice(list(conversations))
            asks = [Ask(first), Ask(second, follows=first)]
        rest = questions_per_user - len(asks)
        pool = list(questions)
        picked = rng.sample(pool, rest) if rest <= len(pool) else [rng.choice(pool) for _ in range(rest)]
        plans.append(asks + [Ask(q) for q in picked])
    return plans


def eval_questions() -> tuple[list[str], list[tuple[str, str]]]:
    """The built-in set's standalone questions, and each conversation's first two turns."""
    from evals.dataset import load_dataset

    data = load_dataset()
    questions = [item.question for item in data.questions]
    conversations = [(c.turns[0].question, c.turns[1].question) for c in data.conversations if len(c.turns) >= 2]
    return questions, conversations


# --- asking over HTTP --------------------------------------------------------------------------


def classify(reply: Any, latency_ms: float) -> Reply:
    """What a reply of the ``/ask`` endpoint was; anything but an answer, abstention or refusal is an error."""
    if not isinstance(reply, dict):
        return Reply(latency_ms, "error", f"not a JSON object: {type(reply).__name__}")
    if "error" in reply:
        message = str(reply["error"])
        if RATE_LIMITED in message:
            return Reply(latency_ms, "rate_limited", message)
        return Reply(latency_ms, "error", message)
    problem = malformed(reply)
    if problem:
        return Reply(latency_ms, "error", problem)
    total = (reply.get("timing_ms") or {}).get("total")
    return Reply(
        latency_ms,
        "abstained" if reply["abstained"] else "answered",
        server_ms=float(total) if isinstance(total, int | float) else None,
        text=reply["answer"],
    )


def malformed(reply: dict[str, Any]) -> str:
    """Why ``reply`` is not an answer as `quorum ask --json` gives it, or ""."""
    if not isinstance(reply.get("answer"), str):
        return "no answer text"
    if not isinstance(reply.get("abstained"), bool):
        return "no abstained flag"
    citations = reply.get("citations")
    if not isinstance(citations, list):
        return "no citations list"
    if not reply["abstained"] and not reply["answer"].strip():
        return "an empty answer that is not an abstention"
    if any(not isinstance(c, dict) or not isinstance(c.get("n"), int) for c in citations):
        return "a citation without its number"
    return ""


def connect(url: str, address: str) -> Any:
    """A client the app sees as ``address``."""
    from gradio_client import Client

    return Client(url, headers={"X-Forwarded-For": address}, verbose=False)


def ask_once(client: Any, question: str, history: list[dict[str, str]] | None = None) -> Reply:
    began = time.perf_counter()
    try:
        reply = client.predict(question, history or [], api_name="/ask")
    except Exception as error:  # a failed request is a result, not a crash
        return Reply((time.perf_counter() - began) * 1000, "error", f"{type(error).__name__}: {error}"[:300])
    return classify(reply, (time.perf_counter() - began) * 1000)


def _user(
    url: str, address: str, asks: list[Ask], think: float, offset: float, start: threading.Barrier,
    out: list[Reply],
) -> None:
    client = None
    try:
        client = connect(url, address)
    except Exception as error:
        out.extend(Reply(0.0, "error", f"connecting: {type(error).__name__}: {error}"[:300]) for _ in asks)
    try:
        start.wait()
    except threading.BrokenBarrierError:
        return
    if client is None:
        return
    time.sleep(offset)
    try:
        answers: dict[str, str] = {}
        for n, item in enumerate(asks):
            if n and think > 0:
                time.sleep(think)
            history = None
            if item.follows is not None:
                history = [
                    {"role": "user", "content": item.follows},
                    {"role": "assistant", "content": answers.get(item.follows, "")},
                ]
            reply = ask_once(client, item.question, history)
            answers[item.question] = reply.text
            out.append(reply)
    finally:
        client.close()


def released_together(threads: Sequence[threading.Thread], start: threading.Barrier) -> float:
    """Start ``threads``, release them at once through ``start``; seconds from release until all are done."""
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def next_prefix() -> str:
    """``10.<n>``: a different ``n`` for each of up to 254 runs in a row."""
    return f"10.{next(_prefixes) % 254 + 1}"


def _address(prefix: str, n: int) -> str:
    return f"{prefix}.{n // 250}.{n % 250 + 1}"


def run_load(
    url: str,
    users: int,
    questions_per_user: int,
    think: float,
    questions: Sequence[str],
    limit: int,
    *,
    conversations: Sequence[tuple[str, str]] = (),
    seed: int = 0,
    prefix: str | None = None,
) -> LoadResult:
    """Phase 1 (``users`` at once) then phase 2 (one client past ``limit``) against the app at ``url``.

    Clients are seen as addresses ``<prefix>.x.y`` (default ``10.<n>``, a different ``n`` for
    each run in this process, so that runs against one server do not share a rate limit).
    """
    if questions_per_user >= limit:
        raise ValueError(
            f"{questions_per_user} questions per user would reach the limit of {limit} a minute; ask fewer"
        )
    prefix = prefix or next_prefix()
    plans = plan_questions(users, questions_per_user, questions, conversations, seed)

    # Phase 1: connect every user first (not timed), then release them together. With think time,
    # each user's first question comes at a (seeded) random moment of the first think time: people
    # reading answers are not synchronised, and a run should not measure a burst no one sends.
    start = threading.Barrier(users + 1, timeout=600)
    offsets = [random.Random(seed + n).uniform(0, think) for n in range(users)]
    outs: list[list[Reply]] = [[] for _ in range(users)]
    threads = [
        threading.Thread(
            target=_user, args=(url, _address(prefix, n), plans[n], think, offsets[n], start, outs[n]),
            daemon=True,
            name=f"load-user-{n}",
        )
        for n in range(users)
    ]
    seconds = released_together(threads, start)

    # Phase 2: a new client, as fast as it can, past its limit.
    client = connect(url, _address(prefix, users + 1))
    try:
        plan2 = [questions[n % len(questions)] for n in range(limit + EXTRA)]
        limit_replies = [ask_once(client, q) for q in plan2]
    finally:
        client.close()
    return LoadResult(
        url=url,
        users=users,
        questions_per_user=questions_per_user,
        think=think,
        limit=limit,
        load=[r for out in outs for r in out],
        load_seconds=seconds,
        limit_replies=limit_replies,
        follow_ups=sum(a.follows is not None for plan in plans for a in plan),
    )


# --- the in-process baseline and server ---------------------------------------------------------


def run_baseline(searcher: Any, plans: list[list[Ask]]) -> Timing:
    """The planned questions answered one after another by ``ask``, in this process (after one warm-up)."""
    from retrieval.conversation import Turn, ask, condense

    flat = [a for plan in plans for a in plan]
    if flat:
        ask(flat[0].question, searcher)
    latencies: list[float] = []
    began = time.perf_counter()
    for item in flat:
        history = [Turn(item.follows, condense(item.follows, []))] if item.follows else None
        t0 = time.perf_counter()
        ask(item.question, searcher, history)
        latencies.append((time.perf_counter() - t0) * 1000)
    return Timing(tuple(latencies), time.perf_counter() - began)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(searcher: Any) -> Iterator[str]:
    """The public app over ``searcher`` on a free loopback port, as `quorum serve --public` starts it."""
    from ui.app import build_app, start

    app = build_app(searcher, "public")
    port = free_port()
    with redirect_stdout(sys.stderr):  # Gradio prints; stdout is kept for --json
        start(app, "127.0.0.1", port, block=False, settings=searcher.settings, public=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        with redirect_stdout(sys.stderr):
            app.close()


def warm_up(url: str) -> None:
    """One untimed question, from an address of its own."""
    client = connect(url, "10.0.0.1")
    try:
        client.predict("What is this about?", [], api_name="/ask")
    finally:
        client.close()


# --- report ------------------------------------------------------------------------------------


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def result_json(result: LoadResult) -> dict[str, Any]:
    timing = result.timing
    served = [r.server_ms for r in result.load if r.server_ms is not None]
    answered2 = [r.latency_ms for r in result.limit_replies if r.outcome != "rate_limited"]
    refused2 = [r.latency_ms for r in result.limit_replies if r.outcome == "rate_limited"]
    baseline = result.baseline
    return {
        "url": result.url,
        "settings": result.settings,
        "load": {
            "users": result.users,
            "questions_per_user": result.questions_per_user,
            "think_s": result.think,
            "requests": timing.requests,
            "follow_ups": result.follow_ups,
            "seconds": round(timing.seconds, 2),
            "per_second": round(timing.per_second, 2),
            "p50_ms": _ms(timing.p(50)),
            "p95_ms": _ms(timing.p(95)),
            "p99_ms": _ms(timing.p(99)),
            "answer_p50_ms": _ms(percentile(served, 50)),
            "answer_p95_ms": _ms(percentile(served, 95)),
            "answered": sum(r.outcome == "answered" for r in result.load),
            "abstained": sum(r.outcome == "abstained" for r in result.load),
            "errors": sum(r.outcome == "error" for r in result.load),
            "rate_limited": result.rate_limited,
        },
        "rate_limit": {
            "limit_per_minute": result.limit,
            "asked": len(result.limit_replies),
            "expected_refused": result.expected_refused,
            "refused": result.refused,
            "errors": sum(r.outcome == "error" for r in result.limit_replies),
            "seconds": round(sum(r.latency_ms for r in result.limit_replies) / 1000, 2),
            "p50_ms": _ms(percentile([r.latency_ms for r in result.limit_replies], 50)),
            "p95_ms": _ms(percentile([r.latency_ms for r in result.limit_replies], 95)),
            "p99_ms": _ms(percentile([r.latency_ms for r in result.limit_replies], 99)),
            "answered_p50_ms": _ms(percentile(answered2, 50)),
            "refused_p50_ms": _ms(percentile(refused2, 50)),
            "refused_max_ms": _ms(max(refused2) if refused2 else None),
        },
        "baseline": None
        if baseline is None
        else {
            "requests": baseline.requests,
            "seconds": round(baseline.seconds, 2),
            "per_second": round(baseline.per_second, 2),
            "p50_ms": _ms(baseline.p(50)),
            "p95_ms": _ms(baseline.p(95)),
            "p99_ms": _ms(baseline.p(99)),
        },
        "throughput_ratio": None if result.ratio is None else round(result.ratio, 3),
        "error_samples": sorted({r.detail for r in result.errors})[:10],
        "ok": result.ok,
    }


def print_report(result: LoadResult, console: Any) -> None:
    from rich import box
    from rich.table import Table

    data = result_json(result)
    load, limit, base = data["load"], data["rate_limit"], data["baseline"]

    def n(value: Any, digits: int = 0) -> str:
        return "–" if value is None else f"{value:,.{digits}f}" if isinstance(value, float) else str(value)

    table = Table(title="Quorum public app under load", header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("run", "users", "requests", "duration s", "q/s", "p50 ms", "p95 ms", "p99 ms",
                 "answering p50/p95 ms", "errors", "rate limited"):
        table.add_column(name, justify="left" if name == "run" else "right")
    think = f"think {result.think:g} s" if result.think else "closed loop"
    table.add_row(
        f"served ({think})", n(load["users"]), n(load["requests"]), n(load["seconds"], 1), n(load["per_second"], 2),
        n(load["p50_ms"]), n(load["p95_ms"]), n(load["p99_ms"]),
        f"{n(load['answer_p50_ms'])} / {n(load['answer_p95_ms'])}", n(load["errors"]), n(load["rate_limited"]),
    )
    if base:
        table.add_row(
            "in-process, sequential", "1", n(base["requests"]), n(base["seconds"], 1), n(base["per_second"], 2),
            n(base["p50_ms"]), n(base["p95_ms"]), n(base["p99_ms"]), "", "", "",
        )
    table.add_row(
        f"rate limit {limit['limit_per_minute']}/min", "1", n(limit["asked"]), n(limit["seconds"], 1), "",
        n(limit["p50_ms"]), n(limit["p95_ms"]), n(limit["p99_ms"]), "", n(limit["errors"]),
        f"{limit['refused']} (expected {limit['expected_refused']})",
    )
    console.print(table)
    console.print(
        "answering: the app's own time per answer (timing_ms.total); the rest of a served latency is "
        "waiting in the queue, and HTTP",
        highlight=False,
    )
    if data["throughput_ratio"] is not None:
        console.print(f"served / in-process throughput: {data['throughput_ratio']:.2f}", highlight=False)
    console.print(
        f"rate limit ({limit['limit_per_minute']}/min; one client asked {limit['asked']} back to back): "
        f"expected {limit['expected_refused']} refused, got {limit['refused']}; "
        f"refusal p50 {n(limit['refused_p50_ms'])} ms (max {n(limit['refused_max_ms'])}) "
        f"vs answer p50 {n(limit['answered_p50_ms'])} ms; errors {limit['errors']}",
        highlight=False,
    )
    settings = data["settings"]
    if settings:
        console.print(
            "settings: " + ", ".join(f"{k}={v}" for k, v in settings.items())
            + f"; {load['follow_ups']} follow-ups sent with history",
            highlight=False,
        )
    for detail in data["error_samples"]:
        console.print(f"[red]error:[/red] {detail}", highlight=False, soft_wrap=True)
    console.print("[green]OK[/green]" if data["ok"] else "[red]FAILED[/red]")


# --- command line ------------------------------------------------------------------------------


@contextmanager
def _home(home: Path | None) -> Iterator[Path]:
    if home is not None:
        yield home
        return
    made = Path(tempfile.mkdtemp(prefix="quorum-load-"))
    try:
        yield made / "home"
    finally:
        shutil.rmtree(made, ignore_errors=True)


def main(argv: list[str] | None = None, note: Callable[[str], None] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions-per-user", type=int, default=4)
    parser.add_argument("--think", type=float, default=0.0, help="Seconds between a user's questions (default 0).")
    parser.add_argument("--url", help="A running public app; default: serve one in this process.")
    parser.add_argument("--home", type=Path, help="Index for the served app and the baseline (default: a temp dir).")
    parser.add_argument("--limit", type=int, help="The app's questions per minute (default: from settings).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--torch-threads", type=int,
                        help="torch threads in this process (default: torch's own, as `quorum serve` runs).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object only.")
    args = parser.parse_args(argv)

    from rich.console import Console

    from evals.runner import open_searcher
    from retrieval.errors import QuorumError
    from retrieval.settings import load_settings

    import torch

    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    console = Console() if sys.stdout.isatty() else Console(width=160)
    errors = Console(stderr=True)
    load_before = os.getloadavg()[0]
    say = note or (lambda text: errors.print(text, highlight=False, soft_wrap=True))
    try:
        with _home(args.home) as home:
            settings = load_settings(home=home)
            limit = args.limit or settings.public_questions_per_minute
            per_user = args.questions_per_user
            if per_user >= limit:
                per_user = max(1, limit - 1)
                say(f"note: {args.questions_per_user} questions per user would reach the limit of {limit}/min; "
                    f"asking {per_user} each")
            questions, conversations = eval_questions()
            if settings.queue_size < args.users:
                say(f"note: {args.users} users and a queue of {settings.queue_size}: some may be turned away")
            say(f"index in {home}" + (" (ingesting the corpus first)" if not (home / "chroma").exists() else ""))
            searcher = open_searcher(settings)
            plans = plan_questions(args.users, per_user, questions, conversations, args.seed)
            say("baseline: answering the same questions in-process, one at a time")
            baseline = run_baseline(searcher, plans)
            served_settings: dict[str, Any] = {"questions_per_minute": limit}
            with ExitStack() as stack:
                url = args.url
                if not url:
                    url = stack.enter_context(serving(searcher))
                    served_settings |= {"queue_size": settings.queue_size, "concurrency": settings.concurrency}
                warm_up(url)
                say(f"phase 1: {args.users} users x {per_user} questions against {url}; then phase 2")
                result = run_load(url, args.users, per_user, args.think, questions, limit,
                                  conversations=conversations, seed=args.seed)
    except (QuorumError, ValueError) as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        return 2
    result.baseline = baseline
    result.settings = served_settings | {
        "torch_threads": torch.get_num_threads(),  # in this process: the baseline, and the app unless --url
        "cpus": os.cpu_count(),
        "load_average_1min": f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
    }
    if args.json:
        sys.stdout.write(json.dumps(result_json(result), ensure_ascii=False, indent=2) + "\n")
    else:
        print_report(result, console)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
