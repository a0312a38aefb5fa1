"""The routes that serve cited PDFs and their pages as images, and the drawn pages they keep.

Pages are drawn in a process of their own, below the app's priority (``ui.page_drawing``):
drawing holds a core and the interpreter for a moment, and answering questions must not
wait for it, however many pages are asked for.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, Response

from retrieval.store import Store
from ui.page_drawing import draw_page, ready, start_drawing_process
from ui.sources import PAGE_ROUTE, PDF_ROUTE


class Busy(Exception):
    """Every drawing slot stayed taken for ``DRAW_WAIT`` seconds."""


DRAW_WAIT = 10.0  # seconds a request waits for the drawing slot before it is told to come back
DRAW_LIMIT = 60.0  # seconds one drawing may take (a scanned page is read by OCR first)
_KEPT_IMAGES = 64  # drawn pages kept (about 100-200 KB each)


class PageImages:
    """Drawn pages, kept by (file, version, page, passage); one page is drawn at a time.

    Drawing a page takes a core for a moment; answers need the others, so however
    many requests come at once they take turns in one drawing process, and a page
    asked for again while (or after) it was drawn is drawn only once.
    """

    def __init__(self, kept: int = _KEPT_IMAGES) -> None:
        self.kept = kept
        self._images: OrderedDict[tuple[str, int, int, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._drawing = threading.Lock()
        self._worker: ProcessPoolExecutor | None = None
        self.drawn = 0

    def png(self, path: Path, page_number: int, passage: str) -> bytes:
        key = (str(path), path.stat().st_mtime_ns, page_number, passage)
        image = self._cached(key)
        if image is not None:
            return image
        if not self._drawing.acquire(timeout=DRAW_WAIT):
            raise Busy
        try:
            image = self._cached(key)  # drawn while this request waited
            if image is None:
                image = self._draw(path, page_number, passage)
                self.drawn += 1
                with self._lock:
                    self._images[key] = image
                    while len(self._images) > self.kept:
                        self._images.popitem(last=False)
        finally:
            self._drawing.release()
        return image

    def start(self) -> Future[bool]:
        """The drawing process, started now (in the background) rather than at the first page asked for."""
        return self._pool().submit(ready)

    def _pool(self) -> ProcessPoolExecutor:
        if self._worker is None:
            # spawn, not fork: the app's process holds threads (torch, uvicorn) a fork would copy mid-step.
            self._worker = ProcessPoolExecutor(
                1, mp_context=get_context("spawn"), initializer=start_drawing_process, initargs=(os.getpid(),)
            )
        return self._worker

    def _draw(self, path: Path, page_number: int, passage: str) -> bytes:
        try:
            return self._pool().submit(draw_page, path, page_number, passage).result(timeout=DRAW_LIMIT)
        except (BrokenProcessPool, FutureTimeout):  # a crashed or stuck drawing: a new process for the next
            worker, self._worker = self._worker, None
            if worker is not None:
                for process in list(getattr(worker, "_processes", {}).values()):  # a stuck one is not joined
                    process.kill()
                worker.shutdown(wait=False, cancel_futures=True)
            raise Busy from None

    def _cached(self, key: tuple[str, int, int, str]) -> bytes | None:
        with self._lock:
            image = self._images.get(key)
            if image is not None:
                self._images.move_to_end(key)
            return image


_page_images = PageImages()


def page_png(path: Path, page_number: int, passage: str) -> bytes:
    """Page ``page_number`` (from 1) of the PDF at ``path``, as PNG, the passage's lines marked."""
    return _page_images.png(path, page_number, passage)


# -- routes ------------------------------------------------------------------


def add_routes(server: FastAPI, store: Store) -> None:
    """GET /pdf/{doc_id}: the original PDF; GET /page.png?doc=&page=&start=&end=: a page, passage marked.

    Only documents in the index are served, and only while their file is the one
    ingested (``Store.original_file``): no path is ever taken from the request.
    Where the app signs users in (admin mode), these routes ask for the same sign-in.
    """

    def signed_in(request: Request) -> bool:
        if not getattr(server, "auth", None):
            return True
        # Gradio keeps its sign-in sessions in the app: the cookie's token must be one of them.
        cookie_id = getattr(server, "cookie_id", "")
        token = request.cookies.get(f"access-token-{cookie_id}") or request.cookies.get(
            f"access-token-unsecure-{cookie_id}"
        )
        return token is not None and token in getattr(server, "tokens", {})

    def original(doc_id: str) -> Path:
        path = store.original_file(doc_id)
        if path is None or path.suffix.lower() != ".pdf":
            raise HTTPException(404, "No such PDF in the index.")
        return path

    def pdf(doc_id: str, request: Request) -> Response:
        if not signed_in(request):
            raise HTTPException(401, "Sign in first.")
        path = original(doc_id)
        name = path.name.replace('"', "")
        return FileResponse(path, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{name}"', "X-Content-Type-Options": "nosniff",
        })

    def page(request: Request, doc: str, page: int, start: int = 0, end: int = 0) -> Response:
        if not signed_in(request):
            raise HTTPException(401, "Sign in first.")
        path = original(doc)
        text = store.document_text(doc) or ""
        passage = text[max(0, start) : max(0, end)] if end > start else ""
        try:
            image = page_png(path, page, passage)
        except ValueError as error:
            raise HTTPException(404, str(error)) from None
        except Busy:
            raise HTTPException(
                503, "the site is drawing other pages; please wait a few seconds and try again",
                headers={"Retry-After": "5"},
            ) from None
        return Response(image, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

    _page_images.start()
    server.add_api_route(f"{PDF_ROUTE}/{{doc_id:path}}", pdf, methods=["GET"])
    server.add_api_route(PAGE_ROUTE, page, methods=["GET"])
