"""The Gradio app: a thin layer over retrieval.conversation.ask and the Store.

Layout: an "Ask" tab (filters, chat, sources panel, Markdown export), a
"Timeline" tab, a "Meetings" tab (committees, meetings, items and their papers;
ui/meetings.py), a "Documents" tab (the indexed documents and a viewer) and, in admin mode only,
an "Admin" tab (ui/admin.py). The named endpoint `ask` (ui/api.py) returns the
same JSON as `quorum ask --json`; page and endpoint pass the same Guard.

Modes: "local" (one user, no limits), "public" (read-only, rate-limited),
"admin" (password, uploads and removals).
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Callable
from typing import Any

import gradio as gr
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from ingest.sources.report import papers_as_of
from retrieval.search import Searcher
from retrieval.settings import Settings
from retrieval.store import Store
from retrieval.filters import Filters
from ui.accessibility import statement_html
from ui.admin import build_admin_tab
from ui.api import ask_endpoint
from ui.auth import admin_check
from ui.budget import Budget, BudgetedRoutes
from ui.documents import VIEWER_EMPTY, choices, documents_table
from ui.feeds import add_follow_routes
from ui.follow_ui import FollowDesk, follow_controls
from ui.meetings import committees, meetings_html
from ui.filters import status_line
from ui.guard import Answering, NoUploads, PageTitle, QueueShare, SignInThrottle
from ui.handlers import Handlers, example_text, new_conversation
from ui.pages import add_routes as add_page_routes
from ui.headers import SecurityHeaders
from ui.sources import EMPTY as SOURCES_EMPTY
from ui.sources import PAGE_ROUTE, PDF_ROUTE
from ui.theme import ANNOUNCE_JS, CSS, FOOTER, SOURCES_JS, VIEWER_JS, theme
from ui.timeline import TIMELINE_EMPTY
from ui.welcome import example_questions, overview

log = logging.getLogger("quorum.app")

ASK_QUEUE = "quorum-ask"  # chat and API share one searcher, so they take turns


def build_app(searcher: Searcher, mode: str = "local") -> gr.Blocks:
    """The page: its layout, and each event wired to a ``Handlers`` method (ui/handlers.py)."""
    act = Handlers(searcher, mode, Budget.public(searcher.settings) if mode == "public" else None)
    desk = FollowDesk(searcher.settings, public=mode == "public")
    settings = searcher.settings
    documents = act.documents()
    doc_types = sorted({d.info.type for d in documents.values() if d.info.type})
    with gr.Blocks(title="Quorum", analytics_enabled=False, delete_cache=(3600, 3600)) as app:
        turns = gr.State([])
        answers = gr.State([])
        links = gr.State([])
        rating = gr.State(None)
        rated = gr.State({})
        gr.Markdown(
            "# Quorum\nAnswers quoted from public governance documents, every sentence cited.",
            elem_id="q-title",
        )
        share_note = gr.Markdown("", elem_id="q-share-note")
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
                        committee_box = gr.Dropdown(
                            committees(documents), multiselect=True, label="Only these committees",
                            elem_id="q-filter-committees", scale=2, visible=bool(committees(documents)),
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
                            feedback_options=("Like", "Dislike"),
                        )
                        question = gr.Textbox(
                            placeholder="Ask a question about the documents…",
                            label="Your question",
                            show_label=False,
                            submit_btn="Ask",
                            elem_id="q-question",  # no max_length: a pasted question would be cut without a word
                        )
                        announce = gr.HTML("", elem_id="q-announce", js_on_load=ANNOUNCE_JS)
                        feedback_note = gr.Markdown("", elem_id="q-feedback-note")
                        with gr.Accordion("Comment on your rating", open=False, visible=False, elem_id="q-comment-box") as comment_box:
                            comment_text = gr.Textbox(
                                label="What was wrong or missing? (optional; do not include personal details)",
                                lines=2, max_length=2000, elem_id="q-comment",
                            )
                            send_comment = gr.Button("Send comment", size="sm", elem_id="q-send-comment")
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
                        with gr.Accordion("Follow this question", open=False, elem_id="q-follow-box"):
                            answer_email, follow_answer, answer_note = follow_controls(
                                desk, "q-follow-answer", "Follow this question"
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
                        label="Topic", show_label=False, submit_btn="Show timeline", elem_id="q-topic", scale=4,
                    )
                topic_email, follow_topic, topic_note = follow_controls(desk, "q-follow-topic", "Follow this topic")
                timeline_view = gr.HTML(TIMELINE_EMPTY, elem_id="q-timeline", padding=True)
            with gr.Tab("Meetings", id="meetings"):
                meetings_view = gr.HTML(meetings_html(documents, papers_as_of(settings)), elem_id="q-meetings", padding=True)
            with gr.Tab("Documents", id="documents"):
                table = gr.HTML(documents_table(documents), elem_id="q-documents", padding=True)
                doc_pick = gr.Dropdown(choices(documents), value=None, label="Read a document", elem_id="q-doc-pick")
                viewer = gr.HTML(VIEWER_EMPTY, js_on_load=VIEWER_JS, elem_id="q-viewer", max_height=720, padding=True)
            changes = build_admin_tab(searcher) if mode == "admin" else []
        gr.HTML(FOOTER, elem_id="q-footer")

        filter_inputs = [type_box, doc_box, date_from, date_to, committee_box]
        ask_inputs = [question, chat, turns, answers, links, *filter_inputs]
        ask_outputs = [chat, question, turns, answers, links, sources, export, announce]
        answering = {"concurrency_id": ASK_QUEUE, "concurrency_limit": settings.concurrency}
        private = {"api_visibility": "private"}
        # The briefing files are made after each answer and each change of the picked answers,
        # so that the download buttons hold them before a click.
        briefing_files = [answers, picked], [briefing, briefing_md]

        def refresh_briefing(event: Any) -> Any:
            return event.then(act.briefing_choices, [answers, picked], picked, **private).then(
                act.download_briefing, *briefing_files, **private
            )

        refresh_briefing(question.submit(act.respond, ask_inputs, ask_outputs, trigger_mode="always_last", **private, **answering))
        refresh_briefing(chat.example_select(example_text, None, question, **private).then(
            act.respond, ask_inputs, ask_outputs, **private, **answering
        ))
        picked.input(act.download_briefing, *briefing_files, **private)
        for cleared in (new_chat.click, chat.clear):
            refresh_briefing(cleared(new_conversation, None, [*ask_outputs, rated], **private))
        chat.like(act.rate, [chat, answers, links, rated], [feedback_note, rating, comment_box, rated], **private)
        send_comment.click(act.comment, [rating, comment_text], [feedback_note, comment_text], **private)
        sources.cite(act.show_citation, [answers], [sources, export], **private)
        sources.open(act.open_document, None, [tabs, doc_pick, viewer], **private)
        doc_pick.input(act.read_document, doc_pick, viewer, **private)
        gr.on([c.change for c in filter_inputs], act.show_filters, filter_inputs, [filter_status, filter_box], **private)
        topic.submit(act.show_timeline, topic, timeline_view, **private, **answering)
        follow_topic.click(desk.follow_topic, [topic, topic_email], topic_note, **private)
        follow_answer.click(desk.follow_answer, [answers, answer_email], answer_note, **private)
        clear_filters.click(lambda: ([], [], "", "", []), None, filter_inputs, **private)

        list_outputs = [type_box, doc_box, doc_pick, table, committee_box, meetings_view]
        # A link to an answer (?q=...) asks its question again, once the page's lists are filled.
        refresh_briefing(
            app.load(act.document_lists, None, list_outputs, **private)
            .then(act.opened, None, [question, *filter_inputs, share_note], **private)
            .then(act.respond, ask_inputs, ask_outputs, **private, **answering)
        )
        for change in changes:
            change.then(act.document_lists, None, list_outputs, **private)

        gr.api(ask_endpoint(searcher, act.guard), api_name="ask", **answering)
    if act.budget is not None:
        _budgets[app] = act.budget
    return app


# Each public app's budget, spent by its questions (the handlers) and by its costly routes (the door).
_budgets: weakref.WeakKeyDictionary[gr.Blocks, Budget] = weakref.WeakKeyDictionary()


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
        app_kwargs={"middleware": _middleware(
            settings, public=public, signing_in=auth is not None, answering=answering_requests(app),
            budget=_budgets.get(app) or Budget.public(settings),
        )},
    )
    if health is not None:
        app.server_app.add_api_route("/health", _health_route(health), methods=["GET"])
    if store is not None:
        add_page_routes(app.server_app, store)  # cited PDF pages, and the PDFs themselves
    app.server_app.add_api_route("/accessibility", _statement_route(settings), methods=["GET"])
    add_follow_routes(app.server_app, settings)  # feeds and pages of followed topics; the mail links
    if block:
        app.block_thread()


def answering_requests(app: gr.Blocks) -> Answering:
    """The app's events and API routes that answer a question: those in the answering queue."""
    answering = [(index, fn) for index, fn in app.fns.items() if fn.concurrency_id == ASK_QUEUE]
    return Answering(
        events=frozenset(index for index, _ in answering),
        routes=frozenset(fn.api_name for _, fn in answering if isinstance(fn.api_name, str)),
    )


def _middleware(
    settings: Settings, *, public: bool, signing_in: bool, answering: Answering, budget: Budget
) -> list[Middleware]:
    """What stands at the door: security headers on everything; no uploads, a fair share of the queue
    and a budget for costly routes in public mode; few sign-in tries."""
    layers = [Middleware(SecurityHeaders), Middleware(PageTitle)]
    if public:
        share = Middleware(QueueShare, limit=settings.public_queue_share, answering=answering)
        routes = Middleware(BudgetedRoutes, budget=budget, page_route=PAGE_ROUTE, pdf_route=PDF_ROUTE)
        layers += [Middleware(NoUploads), share, routes]
    return layers + [Middleware(SignInThrottle)] if signing_in else layers


def _share_cores(concurrency: int) -> None:
    """Give each concurrent answer its own cores: two answers on two threads each thrash a 2-core machine."""
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 1) // concurrency))


def _statement_route(settings: Settings) -> Callable[[Request], HTMLResponse]:
    """GET /accessibility: the accessibility statement (ui/accessibility.py)."""

    def route(request: Request) -> HTMLResponse:
        return HTMLResponse(statement_html(settings, request.url.netloc))

    return route


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
    if settings.sync_every:
        from ingest.sources.schedule import BackgroundSync, interval_seconds

        BackgroundSync(settings, interval_seconds(settings.sync_every)).start()
    searcher = Searcher(settings)
    start(
        build_app(searcher, mode), host, port,
        settings=settings, auth=auth, public=mode == "public", health=searcher.health, store=searcher.store,
    )
