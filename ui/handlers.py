"""What the app does when a reader acts: plain methods over one small state object.

``ui/app.py`` lays the page out and wires these to its events; nothing here
builds a component, so each handler can be called, and tested, without a server
(pass ``request=None``). A handler's arguments are the components' values, in
the order the wiring lists them.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from ingest.sources.report import papers_as_of
from retrieval.conversation import Turn, ask
from retrieval.errors import InvalidFilter, InvalidQuestion, QuorumError, RateLimited
from retrieval.llm import get_writer
from retrieval.models import Answer
from retrieval.search import Searcher
from retrieval.store import StoredDocument
from retrieval.filters import Filters
from retrieval.timeline import timeline
from ui.briefing import BriefingFiles, briefing_of
from ui.chat import GENERIC_ERROR, announcement, draft_message, error_reply, reply_steps
from ui.documents import VIEWER_EMPTY, choices, document_html, documents_table
from ui.export import answer_markdown
from ui.feedback import FeedbackStore
from ui.filters import describe, make_filters, status_line
from ui.meetings import committees, meetings_html
from ui.budget import Budget
from ui.guard import Guard, Limits, host_of, log_question
from ui.highlight import escape, escape_markdown
from ui.share import read_link, share_link
from ui.sources import EMPTY as SOURCES_EMPTY
from ui.sources import sources_html
from ui.timeline import TIMELINE_EMPTY, timeline_html

log = logging.getLogger("quorum.app")

STEP_SECONDS = 0.02  # pause between streamed steps: quick, but visibly progressive
MODES = ("local", "public", "admin")
SKIP = gr.skip


# What a reader did wrong, and was told; anything else is the operator's to know about.
_READERS_OWN = (InvalidQuestion, InvalidFilter, RateLimited)


def failed(error: Exception, client: str, began: float, what: str) -> None:
    """Log a failure once: the traceback for a bug, the cause for a known failure the reader
    cannot mend (store, index, model), one line for every failure. The reader gets a message."""
    if not isinstance(error, QuorumError):
        log.exception("%s failed", what)
    elif not isinstance(error, _READERS_OWN):
        log.warning("%s failed: %s", what, error)
    log_question(client, began, type(error).__name__)


def _answer_at(answers: list[Answer | None], turn: int) -> Answer | None:
    return answers[turn] if 0 <= turn < len(answers) else None


def _offset(event: Any, name: str) -> int | None:
    value = getattr(event, name, None)
    return value if isinstance(value, int) and value >= 0 else None


def _drafted(run: Callable[[Callable[[str], None]], Any]) -> Iterator[tuple[str, Any]]:
    """Run ``run(on_token)`` in a thread; yield (draft so far, None) as tokens come, then ("", outcome)."""
    tokens: queue.Queue[str] = queue.Queue()
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.update(outcome=run(tokens.put)), daemon=True)
    worker.start()
    draft = ""
    while worker.is_alive() or not tokens.empty():
        try:
            draft += tokens.get(timeout=0.1)
        except queue.Empty:
            continue
        yield draft, None
    worker.join()
    yield "", result.get("outcome", GENERIC_ERROR)


def new_conversation() -> tuple[Any, ...]:
    """Empty chat, question, turns, answers, links, sources panel, export, announcement and ratings."""
    return [], "", [], [], [], SOURCES_EMPTY, "", "", {}


def example_text(event: gr.SelectData) -> str:
    return str(event.value.get("text", "")) if isinstance(event.value, dict) else ""


@dataclass
class Handlers:
    """The app's state (the searcher, its limits, where files and ratings go) and what it does."""

    searcher: Searcher
    mode: str = "local"
    budget: Budget | None = None  # public mode: what each client may spend, shared with the routes' door
    guard: Guard = field(init=False)
    writing: bool = field(init=False)  # a language model drafts answers: stream its tokens
    briefings: BriefingFiles = field(init=False)
    feedback: FeedbackStore = field(init=False)
    _listed: tuple[str | None, dict[str, StoredDocument]] = field(init=False, default=(None, {}))

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        settings = self.searcher.settings
        public = self.mode == "public"
        self.guard = Guard(Limits.public(settings) if public else Limits.private(settings), self.budget if public else None)
        self.writing = get_writer(settings) is not None
        self.briefings = BriefingFiles()
        self.feedback = FeedbackStore(settings.home)

    # -- documents -------------------------------------------------------------------

    def documents(self) -> dict[str, StoredDocument]:
        """The documents readers see now (re-read when the index changed)."""
        stamp = self.searcher.lexical.stamp
        if self._listed[0] != stamp:
            self._listed = (stamp, self.searcher.store.documents())
        return self._listed[1]

    def document_lists(self) -> tuple[Any, ...]:
        """The lists that name documents, as they are now (after a page load or an admin change)."""
        documents = self.documents()
        named = choices(documents)
        kinds = sorted({d.info.type for d in documents.values() if d.info.type})
        held = committees(documents)
        return (
            gr.CheckboxGroup(choices=kinds), gr.Dropdown(choices=named), gr.Dropdown(choices=named),
            documents_table(documents), gr.Dropdown(choices=held, visible=bool(held)),
            meetings_html(documents, papers_as_of(self.searcher.settings)),
        )

    def open_document(self, event: gr.EventData) -> tuple[Any, Any, str]:
        """Show a document in the Documents tab, its passage start..end marked when given."""
        doc_id = str(getattr(event, "doc", ""))
        documents = self.documents()
        if doc_id not in documents:
            return SKIP(), SKIP(), SKIP()
        start, end = _offset(event, "start"), _offset(event, "end")
        html = document_html(documents[doc_id], self.searcher.store.document_text(doc_id), start, end)
        return gr.Tabs(selected="documents"), gr.Dropdown(value=doc_id), html

    def read_document(self, doc_id: str | None) -> str:
        documents = self.documents()
        if not doc_id or doc_id not in documents:
            return VIEWER_EMPTY
        return document_html(documents[doc_id], self.searcher.store.document_text(doc_id))

    # -- asking ----------------------------------------------------------------------

    def answer_or_reply(
        self, question: str, turns: list[Turn], filters_given: tuple[Any, Any, Any, Any, Any],
        request: gr.Request | None, on_token: Callable[[str], None] | None = None,
    ) -> tuple[Answer, Filters] | str:
        """The answer and the filters it used, or a short message saying why there is none."""
        began = time.perf_counter()
        client = self.guard.client(request)
        try:
            self.guard.admit(client, question, len(turns), host_of(request))
            filters = make_filters(*filters_given)
            answer = ask(question, self.searcher, turns, filters=filters or None, on_token=on_token)
        except Exception as error:  # the page shows one line; the log keeps the traceback
            failed(error, client, began, "question")
            return error_reply(error)
        log_question(client, began, "abstained" if answer.abstained else "answered")
        return answer, filters

    def respond(
        self, question: str, chat: list[dict[str, Any]], turns: list[Turn], answers: list[Answer | None],
        links: list[str], types: list[str], doc_ids: list[str], date_from: str, date_to: str, committees: list[str],
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the reply to ``question``.

        Yields (chat, question box, turns, answers, links, sources, export, announcement); ``links``
        holds, for each answer, the query string of a link to it (question, filters, index stamp).
        """
        question = (question or "").strip()
        if not question:
            yield (SKIP(),) * 8
            return
        limit = self.guard.limits.max_question_chars
        if len(question) > limit:  # kept in the box, to be shortened there
            note = error_reply(InvalidQuestion(
                f"questions are limited to {limit:,} characters; this one has {len(question):,}. Shorten it and ask again"
            ))
            asked = {"role": "user", "content": escape_markdown(question[:200]) + "…"}
            chat = [*chat, asked, {"role": "assistant", "content": note}]
            yield chat, SKIP(), SKIP(), [*answers, None], [*links, ""], SKIP(), SKIP(), note
            return
        chat = [*chat, {"role": "user", "content": escape_markdown(question)}]
        yield chat, "", SKIP(), SKIP(), SKIP(), SKIP(), SKIP(), "Answering…"  # only this yield empties the box
        turn = len(answers)
        given = (types, doc_ids, date_from, date_to, committees)
        if self.writing:
            outcome = None
            chat.append({"role": "assistant", "content": ""})
            for draft, outcome in _drafted(lambda on_token: self.answer_or_reply(question, turns, given, request, on_token)):
                if draft:
                    chat[-1] = {"role": "assistant", "content": draft_message(draft)}
                    yield chat, SKIP(), SKIP(), SKIP(), SKIP(), SKIP(), SKIP(), SKIP()
            chat.pop()
        else:
            outcome = self.answer_or_reply(question, turns, given, request)
        if isinstance(outcome, str):
            chat.append({"role": "assistant", "content": outcome})
            yield chat, SKIP(), turns, [*answers, None], [*links, ""], SKIP(), SKIP(), announcement(outcome)
            return
        answer, filters = outcome
        chat.append({"role": "assistant", "content": ""})
        link = share_link(answer.query or answer.question, filters, self.searcher.lexical.stamp)
        steps = list(reply_steps(
            answer, turn, describe(filters, self.documents()), self.searcher.lexical.glossary, link
        ))
        for step in steps[-1:] if self.writing else steps:  # a checked draft replaces the draft at once
            chat[-1] = {"role": "assistant", "content": step}
            yield chat, SKIP(), SKIP(), SKIP(), SKIP(), SKIP(), SKIP(), SKIP()
            time.sleep(STEP_SECONDS)
        yield (
            chat,
            SKIP(),  # the reader may already be typing the next question
            [*turns, Turn.of(answer)],
            [*answers, answer],
            [*links, link],
            sources_html(answer),
            answer_markdown(answer),
            announcement(answer),
        )

    def opened(self, request: gr.Request | None) -> tuple[Any, ...]:
        """A link to an answer opened: its question and filters, checked against what this site holds,
        in the page, and a note naming what the link asked for that was dropped, or that the documents changed."""
        known = self.documents()
        shared = read_link(
            getattr(request, "query_params", {}) or {}, self.guard.limits.max_question_chars,
            types={d.info.type for d in known.values() if d.info.type}, doc_ids=known.keys(),
            committees={d.info.committee for d in known.values() if d.info.committee},
        )
        if shared is None:
            return SKIP(), SKIP(), SKIP(), SKIP(), SKIP(), SKIP(), ""
        notes = list(shared.ignored)
        if shared.changed_since(self.searcher.lexical.stamp):
            notes.append("This link was made when the documents were different: the answer below is given from the "
                         "documents as they are now, and may differ from the one that was shared.")
        return (
            shared.question, list(shared.types), list(shared.doc_ids),
            shared.date_from, shared.date_to, list(shared.committees), escape_markdown(" ".join(notes)),
        )

    def show_citation(self, answers: list[Answer | None], event: gr.EventData) -> tuple[str, str]:
        answer = _answer_at(answers, int(getattr(event, "turn", -1)))
        if answer is None:
            return SKIP(), SKIP()
        return sources_html(answer, selected=int(getattr(event, "n", 0)), focus=True), answer_markdown(answer)

    def show_filters(
        self, types: list[str], doc_ids: list[str], date_from: str, date_to: str, committees: list[str] | None = None
    ) -> tuple[str, Any]:
        try:
            filters = make_filters(types, doc_ids, date_from, date_to, committees)
        except InvalidFilter as error:
            return f"⚠ {error}", gr.Accordion(label="Filters (check the dates)")
        count = sum(bool(x) for x in (filters.types, filters.doc_ids, filters.date_from or filters.date_to,
                                      filters.committees))
        label = f"Filters ({count} on)" if count else "Filters"
        return status_line(filters, self.documents()), gr.Accordion(label=label)

    def show_timeline(self, text: str, request: gr.Request | None) -> str:
        if not (text or "").strip():
            return TIMELINE_EMPTY
        began = time.perf_counter()
        client = self.guard.client(request)
        try:
            self.guard.admit(client, text or "", 0, host_of(request))
            found = timeline(text or "", self.searcher)
        except Exception as error:
            failed(error, client, began, "timeline")
            return f"<p>{escape(error_reply(error))}</p>"
        log_question(client, began, "timeline")
        return timeline_html(found)

    # -- briefings -------------------------------------------------------------------

    @staticmethod
    def briefing_choices(answers: list[Answer | None], picked: list[int]) -> Any:
        """One box per answered question; a new answer comes ticked, the reader's choices stay."""
        offered = [(f"{turn + 1}. {a.question[:90]}", turn) for turn, a in enumerate(answers) if a is not None]
        newest = [turn for _, turn in offered[-1:] if turn == len(answers) - 1]
        return gr.CheckboxGroup(choices=offered, value=sorted({*picked, *newest} & {t for _, t in offered}))

    def download_briefing(self, answers: list[Answer | None], picked: list[int]) -> tuple[Any, Any]:
        brief = briefing_of(answers, picked)
        if brief is None:
            return gr.DownloadButton(value=None, interactive=False), gr.DownloadButton(value=None, interactive=False)
        docx_path, markdown_path = self.briefings.write(brief)
        return (
            gr.DownloadButton(value=str(docx_path), interactive=True),
            gr.DownloadButton(value=str(markdown_path), interactive=True),
        )

    # -- ratings ---------------------------------------------------------------------

    def rate(
        self, chat: list[dict[str, Any]], answers: list[Answer | None], links: list[str], rated: dict[int, int],
        event: gr.LikeData, request: gr.Request | None,
    ) -> tuple[Any, ...]:
        """A thumbs up or down on an answer, or taken back: one rating per answer, stored as it now stands.

        ``rated``: each rated answer's rating id, by turn. Returns (note, rating id to comment on,
        comment box, rated).
        """
        index = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        turn = sum(1 for m in chat[: int(index)] if isinstance(m, dict) and m.get("role") == "assistant")
        answer = _answer_at(answers, turn)
        rated = dict(rated or {})
        withdrawn = event.liked is None or event.liked == ""
        if answer is None or (withdrawn and turn not in rated):
            return "", None, gr.Accordion(visible=False), rated
        began = time.perf_counter()
        client = self.guard.client(request)
        try:
            self.guard.admit_rating(client)
            liked = event.liked is True or event.liked == "Like"
            if withdrawn:
                self.feedback.withdraw(rated.pop(turn))
            elif turn in rated and self.feedback.change(rated[turn], liked):
                pass
            else:
                link = links[turn] if turn < len(links) else ""
                rated[turn] = self.feedback.add(answer, link, liked, self.searcher.lexical.stamp)
        except Exception as error:
            failed(error, client, began, "rating")
            return error_reply(error), None, gr.Accordion(visible=False), rated
        log_question(client, began, "unrated" if withdrawn else "rated")
        if withdrawn:
            return "Rating withdrawn.", None, gr.Accordion(visible=False), rated
        word = "helpful" if liked else "not helpful"
        note = f"Thank you: rated {word}. Add a comment below if you wish."
        return note, rated[turn], gr.Accordion(visible=True, open=not liked), rated

    def comment(self, rating: int | None, text: str, request: gr.Request | None) -> tuple[str, str]:
        """The comment on the last rating. (note, comment box text)"""
        if rating is None or not (text or "").strip():
            return "Rate an answer first, then add a comment.", SKIP()
        began = time.perf_counter()
        client = self.guard.client(request)
        try:
            self.guard.admit_rating(client)
            self.feedback.comment(int(rating), text)
        except Exception as error:
            failed(error, client, began, "comment")
            return error_reply(error), SKIP()
        return "Thank you: your comment was saved with the rating.", ""

