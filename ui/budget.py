"""One budget per client for everything that costs the site work, in public mode.

A question searches and scores; a page image is drawn from its PDF; a PDF is
streamed. Each has its own price (``Costs``), and every client spends from one
``Budget`` refilled at ``public_budget_per_minute`` units a minute, so a script
cannot make the site unusable for others by picking the route nobody counted.

Questions are charged where they are answered (``ui.guard.Guard``), so the page
and the API give the reader the same one-line reason; the other routes are
charged at the door (``BudgetedRoutes``), refused with 429 and ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from retrieval.settings import Settings

# A refused request waits this long (at most) before its answer: a client that sends
# again at once from many connections then costs the server a few refusals a second,
# not thousands, which would take the interpreter from everyone else.
REFUSAL_DELAY = 1.0


@dataclass(frozen=True)
class Costs:
    """What each kind of request spends from a client's budget."""

    question: int = 4
    page_image: int = 2
    pdf: int = 2


class Budget:
    """A bucket per client: ``per_minute`` units a minute flow in, at most a minute's worth is kept."""

    def __init__(self, per_minute: int, costs: Costs | None = None) -> None:
        self.per_minute = per_minute
        self.costs = costs or Costs()
        self._rate = per_minute / 60.0
        self._held: dict[str, tuple[float, float]] = {}  # client -> (units, when counted)
        self._lock = threading.Lock()

    @classmethod
    def public(cls, settings: Settings) -> Budget:
        return cls(settings.public_budget_per_minute)

    def spend(self, client: str, units: int, now: float | None = None) -> float:
        """0 and the units are spent, or the seconds until the client has them (nothing is spent)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            held, when = self._held.get(client, (float(self.per_minute), now))
            held = min(float(self.per_minute), held + (now - when) * self._rate)
            if held < units:
                self._held[client] = (held, now)
                return (units - held) / self._rate
            self._held[client] = (held - units, now)
            if len(self._held) > 10_000:  # forget clients whose bucket has filled again
                full = self.per_minute / self._rate
                self._held = {k: v for k, v in self._held.items() if now - v[1] < full}
            return 0.0


def refusal(wait: float) -> str:
    """The one line a client over its budget is given."""
    return f"you have asked this site for a lot in the last minute; please wait {math.ceil(wait)} seconds and try again"


class BudgetedRoutes:
    """ASGI middleware for public mode: page images and PDFs are paid for from the client's budget."""

    def __init__(self, app: Any, budget: Budget, page_route: str, pdf_route: str) -> None:
        self.app = app
        self.budget = budget
        self.prices = ((page_route, budget.costs.page_image, True), (pdf_route + "/", budget.costs.pdf, False))

    def price(self, path: str) -> int:
        for route, units, exact in self.prices:
            if path == route if exact else path.startswith(route):
                return units
        return 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        units = self.price(str(scope.get("path", ""))) if scope.get("type") == "http" else 0
        if units:
            host = (scope.get("client") or ("unknown", 0))[0]
            wait = self.budget.spend(host, units)
            if wait > 0:
                delay = min(wait, REFUSAL_DELAY)
                await asyncio.sleep(delay)
                left = max(1, math.ceil(wait - delay))
                await refuse(send, 429, refusal(left), retry_after=left)
                return
        await self.app(scope, receive, send)


async def refuse(send: Any, status: int, message: str, retry_after: int | None = None) -> None:
    """A short JSON refusal, ``{"error": message}``, with ``Retry-After`` when given."""
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
