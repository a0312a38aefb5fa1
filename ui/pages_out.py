"""Editing the app's HTML pages on their way out, for middleware that must add to them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Headers = list[tuple[bytes, bytes]]
# Given a page's body, the body to send and headers to add to it.
PageEdit = Callable[[bytes], tuple[bytes, Headers]]


def editing_pages(send: Any, edit: PageEdit, others: Headers | None = None) -> Callable[[dict], Awaitable[None]]:
    """A ``send`` that gathers each HTML response whole, edits it, and sends it with its new length.

    Any other response (JSON, images, PDFs, event streams) goes through as it comes, with ``others``
    added to its headers.
    """
    start: dict | None = None
    body = b""

    async def edited(message: dict) -> None:
        nonlocal start, body
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if is_html(headers):
                start = {**message, "headers": headers}
            else:
                await send({**message, "headers": headers + list(others or [])})
            return
        if start is None:
            await send(message)
            return
        body += message.get("body", b"")
        if message.get("more_body"):
            return
        page, added = edit(body)
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers += [*added, (b"content-length", str(len(page)).encode())]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": page})

    return edited


def is_html(headers: Headers) -> bool:
    return any(k.lower() == b"content-type" and v.lower().startswith(b"text/html") for k, v in headers)
