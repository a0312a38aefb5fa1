"""What stands between the public and the answerer: limits, and a log line per question.

The chat page and the `ask` API both pass through one ``Guard``, so a script
cannot do what the page may not. Clients are told apart by their address as
uvicorn reports it (it honours ``X-Forwarded-For`` only from a trusted proxy,
by default the loopback one), and are logged only as a salted hash of it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import gradio as gr

from retrieval.errors import InvalidQuestion, RateLimited
from retrieval.settings import Settings
from ui.budget import Budget, refusal, refuse
from ui.pages_out import editing_pages

questions_log = logging.getLogger("quorum.questions")


@dataclass(frozen=True)
class Limits:
    """The public mode's limits; ``None`` means unlimited."""

    questions_per_minute: int | None = None
    max_question_chars: int = 1000
    max_turns: int | None = None

    @classmethod
    def public(cls, settings: Settings) -> Limits:
        return cls(settings.public_questions_per_minute, settings.max_question_chars, settings.public_max_turns)

    @classmethod
    def private(cls, settings: Settings) -> Limits:
        return cls(None, settings.max_question_chars, None)


class RateLimiter:
    """At most ``limit`` events per client in any sliding window of ``window`` seconds."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, client: str, now: float | None = None, count: bool = True) -> float:
        """0 and the event is counted (unless ``count`` is false), or how long the client must wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.setdefault(client, deque())
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return self.window - (now - times[0])
            if not count:
                return 0.0
            times.append(now)
            if len(self._seen) > 10_000:  # forget idle clients, so memory stays bounded
                self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < self.window}
            return 0.0


class Guard:
    """The limits a question passes, and (in public mode) the client's budget it is paid from."""

    def __init__(self, limits: Limits, budget: Budget | None = None) -> None:
        self.limits = limits
        self.budget = budget
        self._rate = RateLimiter(limits.questions_per_minute) if limits.questions_per_minute else None
        self._ratings = RateLimiter(limits.questions_per_minute) if limits.questions_per_minute else None
        self._salt = secrets.token_bytes(16)  # per process: log lines cannot be joined across restarts

    def client(self, request: gr.Request | None) -> str:
        """An anonymous, stable-per-process name for the client behind ``request``."""
        return hashlib.sha256(self._salt + host_of(request).encode()).hexdigest()[:10]

    def admit(self, client: str, question: str, turns: int, host: str = "unknown") -> None:
        """Raise if this question may not be asked now; counts it against the rate limit and
        pays for it from the budget of the client at ``host`` (``host_of(request)``)."""
        limits = self.limits
        if len(question) > limits.max_question_chars:
            raise InvalidQuestion(
                f"questions are limited to {limits.max_question_chars:,} characters; "
                f"this one has {len(question):,}"
            )
        if limits.max_turns is not None and turns >= limits.max_turns:
            raise InvalidQuestion(
                f"this conversation has reached {limits.max_turns} questions; start a new conversation to go on"
            )
        if self._rate is not None:
            wait = self._rate.wait_seconds(client)
            if wait > 0:
                raise RateLimited(
                    f"you have asked {limits.questions_per_minute} questions in the last minute; "
                    f"please wait {math.ceil(wait)} seconds and ask again"
                )
        if self.budget is not None:
            wait = self.budget.spend(host, self.budget.costs.question)
            if wait > 0:
                raise RateLimited(refusal(wait))

    def admit_rating(self, client: str) -> None:
        """Raise if this client may not rate or comment now: as many a minute as questions."""
        if self._ratings is not None:
            wait = self._ratings.wait_seconds(client)
            if wait > 0:
                raise RateLimited(f"too many ratings in the last minute; please wait {math.ceil(wait)} seconds")


def host_of(request: gr.Request | None) -> str:
    """The address of the client behind ``request`` (uvicorn has read X-Forwarded-For from a trusted proxy)."""
    return getattr(getattr(request, "client", None), "host", None) or "unknown"


def log_question(client: str, began: float, outcome: str) -> None:
    """One line per question: anonymous client, latency, outcome. Never the question itself."""
    latency = (time.perf_counter() - began) * 1000
    questions_log.info("question client=%s latency_ms=%.0f outcome=%s", client, latency, outcome)


class NoUploads:
    """ASGI middleware for public mode: Gradio's file-upload route refuses every request.

    Gradio accepts uploads on ``/gradio_api/upload`` whether or not a page has a
    file field; a read-only demo must not store anything a visitor sends.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and str(scope.get("path", "")).rstrip("/").endswith("/upload"):
            await refuse(send, 403, "uploads are not accepted here")
            return
        await self.app(scope, receive, send)


class PageTitle:
    """ASGI middleware: the app's HTML page always has a <title> (WCAG 2.4.2).

    Gradio's page takes its title from the app once it loads; the admin sign-in
    page, shown before, has none.
    """

    def __init__(self, app: Any, title: str = "Quorum") -> None:
        self.app = app
        self.tag = f"<title>{title}</title>".encode()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("method") != "GET" or scope.get("path") not in ("/", ""):
            await self.app(scope, receive, send)
            return
        def titled(page: bytes) -> tuple[bytes, list]:
            return (page if b"<title>" in page else page.replace(b"<head>", b"<head>" + self.tag, 1)), []

        await self.app(scope, receive, editing_pages(send, titled))


# Routes that put a request in Gradio's queue: the page's events and the API's calls.
_QUEUED = re.compile(r"/(?:queue/join|call/(?P<call>[\w-]+)|run/(?P<run>[\w-]+))/?$")


@dataclass(frozen=True)
class Answering:
    """Which queued requests answer a question (the costly ones): page events by index, API routes by name."""

    events: frozenset[int] = frozenset()
    routes: frozenset[str] = frozenset()


class QueueShare:
    """ASGI middleware for public mode: one client may hold only a share of the request queue.

    The question rate limit is checked when a request is answered, after it has
    waited in the queue everyone shares; a script sending a hundred requests at
    once would fill that queue and turn other visitors away before any of its
    requests was refused. This refuses, at the door, more than ``limit`` queued
    questions from one address in any ``window`` seconds, and any request body
    larger than ``max_bytes`` (a question is capped anyway; a huge payload would
    be read into memory before the cap could say so).

    Only requests that answer (``answering``) count against ``limit``: one question
    on the page also queues the briefing's refresh, and typing a date filter queues an
    event a keystroke, none of which costs a search. Every queued request counts
    against ``limit * every``, so a flood of cheap ones is refused too.
    """

    def __init__(
        self, app: Any, limit: int = 20, window: float = 10.0, max_bytes: int = 256 * 1024,
        answering: Answering | None = None, every: int = 5,
    ) -> None:
        self.app = app
        self._questions = RateLimiter(limit, window)
        self._requests = RateLimiter(limit * every, window)
        self.max_bytes = max_bytes
        self.answering = answering

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        queued = _QUEUED.search(scope.get("path", "")) if scope.get("type") == "http" else None
        if scope.get("method") != "POST" or queued is None:
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if not length.isdigit():
            await refuse(send, 411, "a request must say its length")
            return
        if int(length) > self.max_bytes:
            await refuse(send, 413, f"requests are limited to {self.max_bytes // 1024} KB")
            return
        body, receive = await _buffered(receive)
        host = _host(scope)
        route = queued.group("call") or queued.group("run")
        if self._answers(route, body):
            wait = self._questions.wait_seconds(host)
        else:
            wait = self._requests.wait_seconds(host)
        if wait > 0:
            await _too_many(send, "too many requests at once", wait)
            return
        await self.app(scope, receive, send)

    def _answers(self, route: str | None, body: bytes) -> bool:
        if self.answering is None:
            return True  # nothing known about the app: every request counts
        if route is not None:
            return route in self.answering.routes
        try:
            fn_index = json.loads(body).get("fn_index")
        except (ValueError, AttributeError):
            return True  # not an event the page sends: counted as costly
        return fn_index in self.answering.events or not isinstance(fn_index, int)


async def _buffered(receive: Any) -> tuple[bytes, Any]:
    """The whole request body (its size already checked), and a ``receive`` that replays it."""
    messages: list[dict] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body"):
            break
    body = b"".join(m.get("body", b"") for m in messages)

    async def replay() -> dict:
        return messages.pop(0) if messages else await receive()

    return body, replay


class SignInThrottle:
    """ASGI middleware for admin mode: after ``limit`` failed sign-ins from one address in
    ``window`` seconds, that address may not try again until the window has moved on."""

    def __init__(self, app: Any, limit: int = 10, window: float = 300.0) -> None:
        self.app = app
        self._failures = RateLimiter(limit, window)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = str(scope.get("path", "")).rstrip("/")
        if scope.get("type") != "http" or scope.get("method") != "POST" or not path.endswith("/login"):
            await self.app(scope, receive, send)
            return
        host = _host(scope)
        wait = self._failures.wait_seconds(host, count=False)
        if wait > 0:
            await _too_many(send, "too many failed sign-ins", wait)
            return

        async def counting_failures(message: dict) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                self._failures.wait_seconds(host)
            await send(message)

        await self.app(scope, receive, counting_failures)


def _host(scope: dict) -> str:
    """The client's address (uvicorn has already read X-Forwarded-For from a trusted proxy)."""
    return (scope.get("client") or ("unknown", 0))[0]


async def _too_many(send: Any, what: str, wait: float) -> None:
    seconds = math.ceil(wait)
    await refuse(send, 429, f"{what}; please wait {seconds} seconds", seconds)
