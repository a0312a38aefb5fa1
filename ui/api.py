"""The app's named `ask` endpoint: the same JSON object as `quorum ask --json`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from retrieval.conversation import Turn, ask, condense
from retrieval.errors import QuorumError
from retrieval.search import Searcher
from ui.chat import message_text
from ui.filters import make_filters

log = logging.getLogger("quorum.app")


def turns_from_messages(history: list[dict[str, Any]] | None) -> list[Turn]:
    """The turns behind a conversation given as chat messages (only the user's count)."""
    turns: list[Turn] = []
    for message in history or []:
        if message.get("role") == "user":
            question = message_text(message.get("content"))
            if question:
                turns.append(Turn(question, condense(question, turns)))
    return turns


def ask_endpoint(searcher: Searcher) -> Callable[..., dict[str, Any]]:
    def ask_api(
        question: str,
        history: list[dict[str, str]] | None = None,
        types: list[str] | None = None,
        doc_ids: list[str] | None = None,
        date_from: str = "",
        date_to: str = "",
    ) -> dict[str, Any]:
        """Answer a question; ``history`` is the conversation so far as chat messages.

        ``types``, ``doc_ids``, ``date_from`` and ``date_to`` (YYYY-MM-DD) restrict
        the search. Returns the same object as `quorum ask --json`, or
        ``{"question": ..., "error": ...}``.
        """
        try:
            filters = make_filters(types, doc_ids, date_from, date_to)
            return ask(question, searcher, turns_from_messages(history), filters=filters or None).to_json()
        except QuorumError as error:
            return {"question": question, "error": str(error)}
        except Exception:  # an API client gets a message, not a traceback
            log.exception("API question failed")
            return {"question": question, "error": "something went wrong answering that"}

    return ask_api
