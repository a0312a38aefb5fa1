"""The app's named `ask` endpoint: the same JSON object as `quorum ask --json`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gradio as gr

from retrieval.conversation import Turn, ask, condense
from retrieval.errors import InvalidQuestion
from retrieval.search import Searcher
from ui.chat import message_text, public_message
from ui.filters import check_known, make_filters
from ui.guard import Guard, host_of, log_question
from ui.handlers import failed



def turns_from_messages(history: list[dict[str, Any]] | None, guard: Guard | None = None) -> list[Turn]:
    """The turns behind a conversation given as chat messages (only the user's count)."""
    turns: list[Turn] = []
    for message in history or []:
        if isinstance(message, dict) and message.get("role") == "user":
            question = message_text(message.get("content"))
            if guard is not None and len(question) > guard.limits.max_question_chars:
                raise InvalidQuestion("a question in the conversation history is too long")
            if question:
                turns.append(Turn(question, condense(question, turns)))
    return turns


def ask_endpoint(searcher: Searcher, guard: Guard) -> Callable[..., dict[str, Any]]:
    def ask_api(
        question: str,
        history: list[dict[str, str]] | None = None,
        types: list[str] | None = None,
        doc_ids: list[str] | None = None,
        date_from: str = "",
        date_to: str = "",
        request: gr.Request = None,  # type: ignore[assignment]  # given by Gradio, not by callers
    ) -> dict[str, Any]:
        """Answer a question; ``history`` is the conversation so far as chat messages.

        ``types``, ``doc_ids``, ``date_from`` and ``date_to`` (YYYY-MM-DD) restrict
        the search. Returns the same object as `quorum ask --json`, or
        ``{"question": ..., "error": ...}``.
        """
        began = time.perf_counter()
        client = guard.client(request)
        question = question if isinstance(question, str) else ""
        try:
            asked = [m for m in history or [] if isinstance(m, dict) and m.get("role") == "user"]
            guard.admit(client, question, len(asked), host_of(request))
            filters = make_filters(types, doc_ids, date_from, date_to)
            check_known(filters, searcher.lexical.documents())
            answer = ask(question, searcher, turns_from_messages(asked, guard), filters=filters or None)
        except Exception as error:  # an API client gets a message, never a traceback or a path
            failed(error, client, began, "API question")
            return {"question": question[:200], "error": public_message(error)}
        log_question(client, began, "abstained" if answer.abstained else "answered")
        return answer.to_json()

    return ask_api
