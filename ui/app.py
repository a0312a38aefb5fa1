"""The Gradio app: a thin layer over retrieval.conversation.ask and the Store.

Layout: an "Ask" tab (filters, chat, sources panel, Markdown export), a
"Documents" tab (the indexed documents and a viewer) and, in admin mode only,
an "Admin" tab (ui/admin.py). The named endpoint `ask` (ui/api.py) returns the
same JSON as `quorum ask --json`; page and endpoint pass the same Guard.

Modes: "local" (one user, no limits), "public" (read-only, rate-limited),
"admin" (password, uploads and removals).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr
from starlette.middleware import Middleware
from starlette.responses import JSONResponse

from retrieval.conversation import Turn, ask
from retrieval.errors import InvalidFilter, QuorumError
from retrieval.llm import get_writer
from retrieval.models import Answer
from retrieval.search import Searcher
from retrieval.settings import Settings
from retrieval.store import Filters, Store, StoredDocument
from retrieval.timeline import timeline
from ui.admin import build_admin_tab
from ui.briefing import BriefingFiles, briefing_of
from ui.api import ask_endpoint
from ui.auth import admin_check
from ui.chat import GENERIC_ERROR, draft_message, error_reply, reply_steps
from ui.timeline import TIMELINE_EMPTY, timeline_html
from ui.highlight import escape
from ui.documents import VIEWER_EMPTY, choices, document_html, documents_table
from ui.export import answer_markdown
from ui.filters import describe, make_filters, status_line
from ui.guard import Guard, Limits, NoUploads, QueueShare, SignInThrottle, log_question
from ui.highlight import escape_markdown
from ui.pages import add_routes as add_page_routes
from ui.sources import EMPTY as SOURCES_EMPTY
from ui.sources import sources_html
from ui.theme import CSS, SOURCES_JS, VIEWER_JS, theme
from ui.welcome import example_questions, overview

log = logging.getLogger("quorum.app")

STEP_SECONDS = 0.02  # pause between streamed steps: quick, but visibly progressive
ASK_QUEUE = "quorum-ask"  # chat and API share one searcher, so they take turns


def _answer_at(answers: list[Answer | None], turn: int) -> Answer | None:
    return answers[turn] if 0 <= turn < len(answers) else None


def new_conversation() -> tuple[Any, ...]:
    """Empty chat, question, turns, answers, sources panel and export."""
    return [], "", [], [], SOURCES_EMPTY, ""


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


def _offset(event: gr.EventData, name: str) -> int | None:
    value = getattr(event, name, None)
    return value if isinstance(value, int) and value >= 0 else None


def example_text(event: gr.SelectData) -> str:
    return str(event.value.get("text", "")) if isinstance(event.value, dict) else ""


MODES = ("local", "public", "admin")


def build_app(searcher: Searcher, mode: str = "local") -> gr.Blocks:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    settings = searcher.settings
    guard = Guard(Limits.public(settings) if mode == "public" else Limits.private(settings))
    listed: dict[str, Any] = {"stamp": None, "documents": {}}

    def current_documents() -> dict[str, StoredDocument]:
        """The documents readers see now (re-read when the index changed)."""
        if listed["stamp"] != searcher.lexical.stamp:
            listed["documents"] = searcher.store.documents()
            listed["stamp"] = searcher.lexical.stamp
        return listed["documents"]

    writing = get_writer(settings) is not None  # a language model drafts answers: stream its tokens
    documents = current_documents()
    doc_types = sorted({d.info.type for d in documents.values() if d.info.type})

    def answer_or_reply(
        question: str,
        turns: list[Turn],
        types: list[str],
        doc_ids: list[str],
        date_from: str,
        date_to: str,
        request: gr.Request | None,
        on_token: Callable[[str], None] | None = None,
    ) -> tuple[Answer, Filters] | str:
        """The answer and the filters it used, or a short message saying why there is none."""
        began = time.perf_counter()
        client = guard.client(request)
        try:
            guard.admit(client, question, len(turns))
            filters = make_filters(types, doc_ids, date_from, date_to)
            answer = ask(question, searcher, turns, filters=filters or None, on_token=on_token)
        except Exception as error:  # the page shows one line; the log keeps the traceback
            if not isinstance(error, QuorumError):
                log.exception("question failed")
            log_question(client, began, type(error).__name__)
            return error_reply(error)
        log_question(client, began, "abstained" if answer.abstained else "answered")
        return answer, filters

    def respond(
        question: str,
        chat: list[dict[str, Any]],
        turns: list[Turn],
        answers: list[Answer | None],
        types: list[str],
        doc_ids: list[str],
        date_from: str,
        date_to: str,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        question = (question or "").strip()
        if not question:
            yield (gr.skip(),) * 6
            return
        chat = [*chat, {"role": "user", "content": escape_markdown(question[: guard.limits.max_question_chars])}]
        yield chat, "", gr.skip(), gr.skip(), gr.skip(), gr.skip()  # only this yield empties the box
        turn = len(answers)
        if writing:
            drafting = _drafted(lambda on_token: answer_or_reply(
                question, turns, types, doc_ids, date_from, date_to, request, on_token
            ))
            outcome = None
            chat.append({"role": "assistant", "content": ""})
            for draft, outcome in drafting:
                if draft:
                    chat[-1] = {"role": "assistant", "content": draft_message(draft)}
                    yield chat, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            chat.pop()
        else:
            outcome = answer_or_reply(question, turns, types, doc_ids, date_from, date_to, request)
        if isinstance(outcome, str):
            chat.append({"role": "assistant", "content": outcome})
            yield chat, gr.skip(), turns, [*answers, None], gr.skip(), gr.skip()
            return
        answer, filters = outcome
        chat.append({"role": "assistant", "content": ""})
        steps = list(reply_steps(answer, turn, describe(filters, current_documents()), searcher.lexical.glossary))
        for step in steps[-1:] if writing else steps:  # a checked draft replaces the draft at once
            chat[-1] = {"role": "assistant", "content": step}
            yield chat, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            time.sleep(STEP_SECONDS)
        yield (
            chat,
            gr.skip(),  # the reader may already be typing the next question
            [*turns, Turn.of(answer)],
            [*answers, answer],
            sources_html(answer),
            answer_markdown(answer),
        )

    def show_timeline(text: str, request: gr.Request) -> str:
        began = time.perf_counter()
        client = guard.client(request)
        try:
            guard.admit(client, text or "", 0)
            entries = timeline(text or "", searcher)
        except Exception as error:
            if not isinstance(error, QuorumError):
                log.exception("timeline failed")
            log_question(client, began, type(error).__name__)
            return f"<p>{escape(error_reply(error))}</p>"
        log_question(client, began, "timeline")
        return timeline_html(text, entries)

    def briefing_choices(answers: list[Answer | None], picked: list[int]) -> Any:
        """One box per answered question; a new answer comes ticked, the reader's choices stay."""
        offered = [(f"{turn + 1}. {a.question[:90]}", turn) for turn, a in enumerate(answers) if a is not None]
        newest = [turn for _, turn in offered[-1:] if turn == len(answers) - 1]
        return gr.CheckboxGroup(choices=offered, value=sorted({*picked, *newest} & {t for _, t in offered}))

    def download_briefing(answers: list[Answer | None], picked: list[int]) -> tuple[Any, Any]:
        brief = briefing_of(answers, picked)
        if brief is None:
            return gr.DownloadButton(value=None, interactive=False), gr.DownloadButton(value=None, interactive=False)
        docx_path, markdown_path = briefings.write(brief)
        return (
            gr.DownloadButton(value=str(docx_path), interactive=True),
            gr.DownloadButton(value=str(markdown_path), interactive=True),
        )

    def show_citation(answers: list[Answer | None], event: gr.EventData) -> tuple[str, str]:
        answer = _answer_at(answers, int(getattr(event, "turn", -1)))
        if answer is None:
            return gr.skip(), gr.skip()
        chosen = sources_html(answer, selected=int(getattr(event, "n", 0)), focus=True)
        return chosen, answer_markdown(answer)

    def open_document(event: gr.EventData) -> tuple[Any, Any, str]:
        """Show a document in the Documents tab, its passage start..end marked when given."""
        doc_id = str(getattr(event, "doc", ""))
        documents = current_documents()
        if doc_id not in documents:
            return gr.skip(), gr.skip(), gr.skip()
        start, end = _offset(event, "start"), _offset(event, "end")
        html = document_html(documents[doc_id], searcher.store.document_text(doc_id), start, end)
        return gr.Tabs(selected="documents"), gr.Dropdown(value=doc_id), html

    def read_document(doc_id: str | None) -> str:
        documents = current_documents()
        if not doc_id or doc_id not in documents:
            return VIEWER_EMPTY
        return document_html(documents[doc_id], searcher.store.document_text(doc_id))

    def show_filters(types: list[str], doc_ids: list[str], date_from: str, date_to: str) -> tuple[str, Any]:
        try:
            filters = make_filters(types, doc_ids, date_from, date_to)
        except InvalidFilter as error:
            return f"⚠ {error}", gr.Accordion(label="Filters (check the dates)")
        count = sum(bool(x) for x in (filters.types, filters.doc_ids, filters.date_from or filters.date_to))
        label = f"Filters ({count} on)" if count else "Filters"
        return status_line(filters, current_documents()), gr.Accordion(label=label)

    def document_lists() -> tuple[Any, ...]:
        """The lists that name documents, as they are now (after a page load or an admin change)."""
        documents = current_documents()
        named = choices(documents)
        kinds = sorted({d.info.type for d in documents.values() if d.info.type})
        return (
            gr.CheckboxGroup(choices=kinds),
            gr.Dropdown(choices=named),
            gr.Dropdown(choices=named),
            documents_table(documents),
        )

    briefings = BriefingFiles()
    with gr.Blocks(title="Quorum", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        turns = gr.State([])
        answers = gr.State([])
        gr.Markdown(
            "# Quorum\nAnswers quoted from public governance documents, every sentence cited.",
            elem_id="q-title",
        )
        with gr.Tabs() as tabs:
            with gr.Tab("Ask", id="ask"):
                with gr.Accordion("Filters", open=False, elem_id="q-filters") as filter_box:
                    with gr.Row():
                        type_box = gr.CheckboxGroup(doc_types, label="Document type", elem_id="q-filter-types")
                        date_from = gr.Textbox(label="Dated from", placeholder="YYYY-MM-DD", elem_id="q-filter-from")
                        date_to = gr.Textbox(label="Dated to", placeholder="YYYY-MM-DD", elem_id="q-filter-to")
                    with gr.Row():
                        doc_box = gr.Dropdown(
                            choices(documents), multiselect=True, label="Only these documents",
                            elem_id="q-filter-docs", scale=4,
                        )
                        clear_filters = gr.Button("Clear filters", size="sm", scale=1)
                with gr.Row(elem_id="q-status-row"):
                    filter_status = gr.Markdown(status_line(Filters(), documents), elem_id="q-filter-status")
                    new_chat = gr.Button(
                        "New conversation", variant="secondary", size="sm", elem_id="q-new", scale=0, min_width=150
                    )
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=360):
                        chat = gr.Chatbot(
                            label="Conversation",
                            show_label=False,
                            elem_id="q-chat",
                            height=560,
                            placeholder=overview(documents),
                            examples=[{"text": q} for q in example_questions(documents)],
                            latex_delimiters=[],
                            buttons=["copy_all"],
                            feedback_options=None,
                        )
                        question = gr.Textbox(
                            placeholder="Ask a question about the documents…",
                            show_label=False,
                            submit_btn="Ask",
                            elem_id="q-question",
                            max_length=settings.max_question_chars,
                        )
                    with gr.Column(scale=2, min_width=320):
                        sources = gr.HTML(
                            SOURCES_EMPTY, js_on_load=SOURCES_JS, elem_id="q-sources", max_height=640, padding=True
                        )
                        with gr.Accordion("Copy as Markdown", open=False, elem_id="q-export-box"):
                            export = gr.Code(
                                "",
                                language="markdown",
                                interactive=False,
                                wrap_lines=True,
                                show_line_numbers=False,
                                lines=6,
                                buttons=["copy", "download"],
                                elem_id="q-export",
                                label="Answer and references (Markdown)",
                            )
                        with gr.Accordion("Briefing", open=False, elem_id="q-briefing-box"):
                            picked = gr.CheckboxGroup(
                                [], value=[], label="Answers in the briefing", elem_id="q-briefing-pick"
                            )
                            with gr.Row():
                                briefing = gr.DownloadButton(
                                    "Briefing (.docx)", size="sm", elem_id="q-briefing", interactive=False
                                )
                                briefing_md = gr.DownloadButton(
                                    "Briefing (.md)", size="sm", elem_id="q-briefing-md", interactive=False
                                )
            with gr.Tab("Timeline", id="timeline"):
                with gr.Row():
                    topic = gr.Textbox(
                        placeholder="A topic to follow through the documents, e.g. the victim service assessment",
                        show_label=False, submit_btn="Show timeline", elem_id="q-topic", scale=4,
                        max_length=settings.max_question_chars,
                    )
                timeline_view = gr.HTML(TIMELINE_EMPTY, elem_id="q-timeline", padding=True)
            with gr.Tab("Documents", id="documents"):
                table = gr.HTML(documents_table(documents), elem_id="q-documents", padding=True)
                doc_pick = gr.Dropdown(choices(documents), value=None, label="Read a document", elem_id="q-doc-pick")
                viewer = gr.HTML(VIEWER_EMPTY, js_on_load=VIEWER_JS, elem_id="q-viewer", max_height=720, padding=True)
            changes = build_admin_tab(searcher) if mode == "admin" else []

        filter_inputs = [type_box, doc_box, date_from, date_to]
        ask_inputs = [question, chat, turns, answers, *filter_inputs]
        ask_outputs = [chat, question, turns, answers, sources, export]
        answering = {"concurrency_id": ASK_QUEUE, "concurrency_limit": settings.concurrency}
        # The briefing files are made after each answer and each change of the picked answers,
        # so that the download buttons hold them before a click.
        briefing_files = [answers, picked], [briefing, briefing_md]

        def refresh_briefing(event: Any) -> Any:
            return event.then(briefing_choices, [answers, picked], picked, api_visibility="private").then(
                download_briefing, *briefing_files, api_visibility="private"
            )

        refresh_briefing(question.submit(
            respond, ask_inputs, ask_outputs, api_visibility="private", trigger_mode="always_last", **answering
        ))
        refresh_briefing(chat.example_select(example_text, None, question, api_visibility="private").then(
            respond, ask_inputs, ask_outputs, api_visibility="private", **answering
        ))
        picked.input(download_briefing, *briefing_files, api_visibility="private")
        for cleared in (new_chat.click, chat.clear):
            refresh_briefing(cleared(new_conversation, None, ask_outputs, api_visibility="private"))
        sources.cite(show_citation, [answers], [sources, export], api_visibility="private")
        sources.open(open_document, None, [tabs, doc_pick, viewer], api_visibility="private")
        doc_pick.input(read_document, doc_pick, viewer, api_visibility="private")
        gr.on(
            [c.change for c in filter_inputs], show_filters, filter_inputs, [filter_status, filter_box],
            api_visibility="private",
        )
        topic.submit(show_timeline, topic, timeline_view, api_visibility="private", **answering)
        clear_filters.click(lambda: ([], [], "", ""), None, filter_inputs, api_visibility="private")

        list_outputs = [type_box, doc_box, doc_pick, table]
        app.load(document_lists, None, list_outputs, api_visibility="private")
        for change in changes:
            change.then(document_lists, None, list_outputs, api_visibility="private")

        gr.api(ask_endpoint(searcher, guard), api_name="ask", **answering)
    return app


def start(
    app: gr.Blocks,
    host: str = "127.0.0.1",
    port: int = 7860,
    *,
    block: bool = True,
    settings: Settings | None = None,
    auth: Callable[[str, str], bool] | None = None,
    public: bool = False,
    health: Callable[[], dict[str, object]] | None = None,
    store: Store | None = None,
) -> None:
    """Serve the app with its theme and styles; ``block=False`` returns once it is up.

    The queue is bounded: beyond ``queue_size`` waiting requests, new ones are
    turned away with a message instead of piling up in memory.
    """
    settings = settings or Settings()
    app.queue(max_size=settings.queue_size, default_concurrency_limit=settings.concurrency)
    app.launch(
        server_name=host,
        server_port=port,
        css=CSS,
        theme=theme(),
        show_error=False,
        prevent_thread_lock=True,  # the health route is added before blocking
        quiet=not block,
        auth=auth,
        auth_message="Quorum admin: sign in as “admin” with the admin password." if auth else None,
        max_file_size=f"{settings.upload_max_mb}mb",
        app_kwargs={"middleware": _middleware(settings, public=public, signing_in=auth is not None)},
    )
    if health is not None:
        app.server_app.add_api_route("/health", _health_route(health), methods=["GET"])
    if store is not None:
        add_page_routes(app.server_app, store)  # cited PDF pages, and the PDFs themselves
    if block:
        app.block_thread()


def _middleware(settings: Settings, *, public: bool, signing_in: bool) -> list[Middleware]:
    """What stands at the door: no uploads and a fair share of the queue in public mode; few sign-in tries."""
    layers = [Middleware(NoUploads), Middleware(QueueShare, limit=settings.public_queue_share)] if public else []
    return layers + [Middleware(SignInThrottle)] if signing_in else layers


def _share_cores(concurrency: int) -> None:
    """Give each concurrent answer its own cores: two answers on two threads each thrash a 2-core machine."""
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 1) // concurrency))


def _health_route(health: Callable[[], dict[str, object]]) -> Callable[[], JSONResponse]:
    """GET /health: 200 when questions can be answered, 503 when the store is unreachable."""

    def route() -> JSONResponse:
        report = health()
        return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)

    return route


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860, mode: str = "local") -> None:
    auth = admin_check(settings) if mode == "admin" else None  # refuses before anything starts
    _share_cores(settings.concurrency)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per question is ours to write
    searcher = Searcher(settings)
    start(
        build_app(searcher, mode), host, port,
        settings=settings, auth=auth, public=mode == "public", health=searcher.health, store=searcher.store,
    )
