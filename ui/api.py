"""The app's named `ask` endpoint: the same JSON object as `quorum ask --json`."""

from __future__ import annotations

import time
from collections.abc import Callable, Container
from dataclasses import replace
from typing import Any

import gradio as gr

from retrieval.conversation import Turn, ask, condense
from retrieval.errors import InvalidQuestion
from retrieval.search import Searcher
from ui.chat import message_text, public_message
from ui.filters import check_known, make_filters
from ui.guard import Guard, host_of, log_question
from ui.handlers import failed



def turns_from_messages(
    history: list[dict[str, Any]] | None, guard: Guard | None = None, known: Container[str] = ()
) -> list[Turn]:
    """The turns behind a conversation given as chat messages.

    Each user message is a turn. The assistant message after it may carry the answer's
    ``citations`` as this endpoint returned them: the passages of those ``known`` here are
    what a follow-up leans on, as on the page and in the CLI.
    """
    turns: list[Turn] = []
    for message in history or []:
        if not isinstance(message, dict):
            continue
        if message.get("role") == "user":
            question = message_text(message.get("content"))
            if guard is not None and len(question) > guard.limits.max_question_chars:
                raise InvalidQuestion("a question in the conversation history is too long")
            if question:
                turns.append(Turn(question, condense(question, turns)))
        elif message.get("role") == "assistant" and turns and not turns[-1].cited:
            turns[-1] = replace(turns[-1], cited=_cited(message.get("citations"), known))
    return turns


def _cited(citations: Any, known: Container[str]) -> tuple[str, ...]:
    """The chunk ids of an answer's citations that this site holds (at most 20; anything else is ignored)."""
    if not isinstance(citations, list):
        return ()
    ids = (c.get("chunk_id") for c in citations[:20] if isinstance(c, dict))
    return tuple(dict.fromkeys(i for i in ids if isinstance(i, str) and i in known))


def ask_endpoint(searcher: Searcher, guard: Guard) -> Callable[..., dict[str, Any]]:
    def ask_api(
        question: str,
        history: list[dict[str, Any]] | None = None,
        types: list[str] | None = None,
        doc_ids: list[str] | None = None,
        date_from: str = "",
        date_to: str = "",
        committees: list[str] | None = None,
        meetings: list[str] | None = None,
        request: gr.Request = None,  # type: ignore[assignment]  # given by Gradio, not by callers
    ) -> dict[str, Any]:
        """Answer a question; ``history`` is the conversation so far as chat messages.

        An assistant message may carry the ``citations`` its answer returned; a
        follow-up ("and who seconded it?") then leans on the passages they cite.

        ``types``, ``doc_ids``, ``date_from`` and ``date_to`` (YYYY-MM-DD), ``committees``
        (titles) and ``meetings`` (ids) restrict the search. Returns the same object as `quorum ask --json`, or
        ``{"question": ..., "error": ...}``.
        """
        began = time.perf_counter()
        client = guard.client(request)
        question = question if isinstance(question, str) else ""
        try:
            asked = [m for m in history or [] if isinstance(m, dict) and m.get("role") == "user"]
            guard.admit(client, question, len(asked), host_of(request))
            filters = make_filters(types, doc_ids, date_from, date_to, committees, meetings)
            check_known(filters, searcher.lexical.documents())
            turns = turns_from_messages(history, guard, searcher.lexical.by_id)
            answer = ask(question, searcher, turns, filters=filters or None)
        except Exception as error:  # an API client gets a message, never a traceback or a path
            failed(error, client, began, "API question")
            return {"question": question[:200], "error": public_message(error)}
        log_question(client, began, "abstained" if answer.abstained else "answered")
        return answer.to_json()

    return ask_api
