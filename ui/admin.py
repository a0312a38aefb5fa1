"""The admin tab: add a document (checked, then indexed in the background) or remove one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from ingest.library import UploadMetadata, add_upload, remove_upload
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.manifest import DOCUMENT_TYPES
from ingest.pipeline import IngestReport, Progress, ingest, remove_documents
from retrieval.follows.service import after_new_papers
from retrieval.errors import QuorumError
from retrieval.search import Searcher
from ui.documents import choices
from ui.highlight import escape_markdown

log = logging.getLogger("quorum.admin")

POLL_SECONDS = 0.3


@dataclass
class IngestJob:
    """An ingest running in a background thread; it finishes even if the page is closed."""

    step: Progress | None = None
    report: IngestReport | None = None
    error: str = ""
    done: threading.Event = field(default_factory=threading.Event)

    def status(self) -> str:
        if self.step is None:
            return "Indexing: reading the document…"
        return f"Indexing: {escape_markdown(self.step.name)} ({self.step.status}, file {self.step.done} of {self.step.total})"


def start_ingest(searcher: Searcher) -> IngestJob:
    """Ingest the uploads folder in the background, then show the new state to every reader."""
    job = IngestJob()
    settings = searcher.settings

    def run() -> None:
        try:
            job.report = ingest(
                [settings.uploads_path], settings, store=searcher.store, embedder=searcher.embedder,
                on_progress=lambda step: setattr(job, "step", step),
            )
            searcher.refresh(now=True)
        except QuorumError as error:
            job.error = str(error)
        except Exception as error:  # the admin sees one line; the log keeps the traceback
            log.exception("background ingest failed")
            job.error = f"indexing failed ({type(error).__name__})"
        finally:
            job.done.set()
        if job.report is not None and not job.error:
            _tell_followers(job.report, searcher)

    threading.Thread(target=run, name="quorum-ingest", daemon=True).start()
    return job


def _tell_followers(report, searcher: Searcher) -> None:  # noqa: ANN001
    """Followed topics hear of the new paper from the app, as they would from the CLI (never failing the upload)."""
    changed = [*report.added, *report.updated]
    try:
        followed = after_new_papers(searcher.settings, changed, searcher)
    except Exception:  # the upload is done; a follow that cannot be checked is logged
        log.exception("follows were not checked after an upload")
        return
    if followed.summary():
        log.info("%s", followed.summary())


def _outcome(job: IngestJob, kept: Path, searcher: Searcher) -> str:
    if job.error:
        remove_upload(searcher.settings, kept.name)
        return f"✗ Not added: {escape_markdown(job.error)}"
    report = job.report
    assert report is not None
    failure = next((reason for path, reason in report.failed if Path(path).name == kept.name), None)
    if failure:
        remove_upload(searcher.settings, kept.name)
        return f"✗ Not added: {escape_markdown(failure)}"
    chunks = searcher.store.documents().get(kept.name)
    passages = f" as {chunks.n_chunks} passage{'s' if chunks.n_chunks != 1 else ''}" if chunks else ""
    return f"✓ Added **{escape_markdown(kept.name)}**{passages} ({report.seconds:.1f} s)."


def build_admin_tab(searcher: Searcher) -> list[Any]:
    """The tab's components and events; returns the events that change the index."""
    settings = searcher.settings
    with gr.Tab("Admin", id="admin"):
        gr.Markdown("### Add a document\nTXT, Markdown, HTML, PDF or DOCX, up to "
                    f"{settings.upload_max_mb} MB. Empty fields are read from the document itself.")
        upload = gr.File(
            label="Document", file_types=sorted(SUPPORTED_SUFFIXES), type="filepath", elem_id="q-upload"
        )
        with gr.Row():
            title = gr.Textbox(label="Title", elem_id="q-meta-title")
            doc_type = gr.Dropdown(["", *DOCUMENT_TYPES], value="", label="Type", elem_id="q-meta-type")
            date = gr.Textbox(label="Date", placeholder="YYYY-MM-DD", elem_id="q-meta-date")
        with gr.Row():
            organisation = gr.Textbox(label="Organisation", elem_id="q-meta-org")
            url = gr.Textbox(label="Source URL", placeholder="https://…", elem_id="q-meta-url")
        add = gr.Button("Add and index", variant="primary", elem_id="q-add")
        add_status = gr.Markdown(elem_id="q-add-status")

        gr.Markdown("### Remove a document\nRemoved from the index (Chroma and BM25) at once.")
        with gr.Row():
            victim = gr.Dropdown(
                choices(searcher.store.documents()), value=None, label="Document", elem_id="q-remove-pick", scale=4
            )
            remove = gr.Button("Remove", variant="stop", elem_id="q-remove", scale=1)
        remove_status = gr.Markdown(elem_id="q-remove-status")

    def add_document(
        path: str | None, title: str, doc_type: str, date: str, organisation: str, url: str
    ) -> Iterator[tuple[Any, ...]]:
        if not path:
            yield "Choose a file first.", gr.skip()
            return
        metadata = UploadMetadata(title, doc_type or "", date, organisation, url)
        try:
            kept = add_upload(settings, Path(path), Path(path).name, metadata, set(searcher.store.documents()))
        except QuorumError as error:
            yield f"✗ Not added: {escape_markdown(str(error))}", gr.skip()
            return
        job = start_ingest(searcher)
        while not job.done.wait(POLL_SECONDS):
            yield job.status(), gr.skip()
        yield _outcome(job, kept, searcher), gr.Dropdown(choices=choices(searcher.store.documents()), value=None)

    def remove_document(doc_id: str | None) -> tuple[str, Any]:
        if not doc_id:
            return "Choose a document to remove.", gr.skip()
        try:
            removed = remove_documents([doc_id], settings, searcher.store)
        except QuorumError as error:
            return f"✗ {escape_markdown(str(error))}", gr.skip()
        was_upload = remove_upload(settings, doc_id)
        searcher.refresh(now=True)
        lists = gr.Dropdown(choices=choices(searcher.store.documents()), value=None)
        if not removed:
            return f"{escape_markdown(doc_id)} was not in the index.", lists
        note = "" if was_upload else " Its file is still in the corpus folder: delete it there too, or the next `quorum ingest` adds it again."
        return f"✓ Removed **{escape_markdown(doc_id)}**.{note}", lists

    return [
        add.click(
            add_document, [upload, title, doc_type, date, organisation, url], [add_status, victim],
            api_visibility="private", concurrency_limit=1, concurrency_id="quorum-admin",
        ),
        remove.click(
            remove_document, victim, [remove_status, victim],
            api_visibility="private", concurrency_limit=1, concurrency_id="quorum-admin",
        ),
    ]
