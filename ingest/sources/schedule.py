"""Syncing in the background: `quorum serve --sync-every 6h` keeps the papers current by itself.

One thread syncs every source at start and then every interval; a sync that
fails is logged and tried again at the next turn. Readers pick the new papers
up as they do after any ingest (the searcher follows the store's stamp).
"""

from __future__ import annotations

import logging
import re
import threading

from ingest.sources.sync import sync
from retrieval.errors import ConfigError, QuorumError
from retrieval.settings import Settings

log = logging.getLogger("quorum.sync")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def interval_seconds(text: str) -> float:
    """ "6h" → 21600; "30m", "1d", "90s" likewise. Refuses anything else in one line."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", text or "")
    if not found or float(found.group(1)) <= 0:
        raise ConfigError(f"sync interval {text!r} is not a duration like 6h, 30m or 1d")
    return float(found.group(1)) * _UNITS[found.group(2)]


class BackgroundSync:
    """A daemon thread that runs ``sync`` now and then every ``seconds``."""

    def __init__(self, settings: Settings, seconds: float) -> None:
        self.settings = settings
        self.seconds = seconds
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="quorum-sync", daemon=True)

    def start(self) -> BackgroundSync:
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                report = sync(self.settings)
                for source in report.sources:
                    log.info("sync %s: %s", source.source, source.error or source.summary())
            except QuorumError as error:
                log.warning("sync failed: %s; trying again in %.0f s", error, self.seconds)
            except Exception:  # a bug must not stop the schedule; the log keeps the traceback
                log.exception("sync failed unexpectedly; trying again in %.0f s", self.seconds)
            self.runs += 1
            self._stop.wait(self.seconds)
