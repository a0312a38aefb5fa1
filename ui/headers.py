"""Security headers on every response of the app, public or admin.

The Content-Security-Policy allows only what the app itself needs:

- ``script-src 'self' 'nonce-…' 'unsafe-eval'``: Gradio's page carries a few inline
  scripts (its configuration and start-up); each gets a fresh nonce per response,
  so no other inline script, ``javascript:`` URL or event-handler attribute runs.
  ``'unsafe-eval'`` is there because Gradio requires it: its HTML component builds
  what it shows by evaluating its template as a JavaScript template literal
  (``Function(...)``), and runs ``js_on_load`` the same way; without it, no
  ``gr.HTML`` (sources panel, timeline, documents) would render. It lets the
  app's own code turn strings into code; it does not let a document or a visitor
  add a script to the page.
- ``style-src 'self' 'unsafe-inline'``: Gradio sets styles inline and injects the
  theme's stylesheet as ``<style>`` elements. Styles cannot run script.
- ``img-src 'self' data: blob:``, ``font-src 'self' data:``, ``connect-src 'self'``:
  nothing is fetched from another site (the theme's fonts are Gradio's own files).
- ``frame-ancestors 'none'`` (and ``X-Frame-Options: DENY``): no site can frame the
  app to dress it up as its own; ``object-src 'none'``, ``base-uri 'self'``,
  ``form-action 'self'``.

Other responses (JSON, images, PDFs, event streams) get the same headers with a
policy that only forbids framing: a PDF opened in the browser is shown by its
own viewer, which a page policy would block.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from ui.pages_out import Headers, editing_pages

PAGE_POLICY = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "media-src 'self' blob:; "
    "worker-src 'self' blob:; "
    "manifest-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)
OTHER_POLICY = "frame-ancestors 'none'"

HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def with_nonce(page: bytes, nonce: str) -> bytes:
    """Every ``<script`` tag of an HTML page given ``nonce``.

    Text from documents or visitors never appears in the page as a tag: Gradio
    writes its configuration as JSON in which ``<`` is escaped.
    """
    return page.replace(b"<script", f'<script nonce="{nonce}"'.encode())


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response; HTML pages get their scripts' nonce."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return

        def secured(page: bytes) -> tuple[bytes, Headers]:
            nonce = base64.b64encode(secrets.token_bytes(16)).decode()
            policy = PAGE_POLICY.format(nonce=nonce).encode()
            return with_nonce(page, nonce), [*HEADERS.items(), (b"content-security-policy", policy)]

        others = [*HEADERS.items(), (b"content-security-policy", OTHER_POLICY.encode())]
        await self.app(scope, receive, _without_ours(editing_pages(send, secured, others)))


def _without_ours(send: Any) -> Any:
    """A ``send`` that drops the headers this middleware sets, should an inner layer have set them too."""

    async def replaced(message: dict) -> None:
        if message["type"] == "http.response.start":
            names = HEADERS.keys() | {b"content-security-policy"}
            message = {**message, "headers": [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]}
        await send(message)

    return replaced
