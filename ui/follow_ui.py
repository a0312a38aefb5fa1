"""Following from the page: "Follow this topic" on the Timeline tab and under an answer.

Anyone may follow by feed. Following by email sends a link to confirm first; in
public mode each client, and each address, may ask for only
``follow_emails_per_hour`` such links an hour, so the site cannot be made to mail
someone again and again.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Any

import gradio as gr

from retrieval.errors import QuorumError
from retrieval.follows.mail import mail_configured
from retrieval.follows.service import follow
from retrieval.models import Answer
from retrieval.settings import Settings
from ui.guard import host_of
from ui.highlight import escape_markdown

HOUR = 3600.0


class FollowDesk:
    def __init__(self, settings: Settings, public: bool) -> None:
        self.settings = settings
        self.public = public
        self.by_mail = mail_configured(settings)
        self._asked: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def follow_topic(self, topic: str, email: str, request: gr.Request | None = None) -> str:
        """Markdown saying what was followed and where its feed is, or why not."""
        topic = " ".join((topic or "").split())
        email = (email or "").strip()
        if not topic:
            return "Type a topic first, then follow it."
        if email and not self.by_mail:
            return "This site does not send email; follow the topic's feed instead."
        if email and self.public and not self._allowed(host_of(request), email.lower()):
            return "Too many follows by email from here or to that address; please try again in an hour."
        try:
            followed, subscriber = follow(self.settings, topic[: self.settings.max_question_chars], "", email)
        except QuorumError as error:
            return f"⚠ {escape_markdown(str(error))}"
        feed = f"/feeds/{followed.id}.atom"
        said = f"Following “{escape_markdown(followed.topic)}”: new papers that speak of it appear in [its feed]({feed})"
        if subscriber is not None and not subscriber.confirmed:
            said += " and, once you confirm the link just sent to that address, by email"
        return said + "."

    def follow_answer(self, answers: list[Answer | None], email: str, request: gr.Request | None = None) -> str:
        """Follow the question of the last answer in the conversation."""
        last = next((a for a in reversed(answers or []) if a is not None), None)
        if last is None:
            return "Ask a question first; then it can be followed."
        return self.follow_topic(last.question, email, request)

    def _allowed(self, client: str, address: str) -> bool:
        now = time.monotonic()
        limit = self.settings.follow_emails_per_hour
        with self._lock:
            windows = [self._asked[f"client:{client}"], self._asked[f"address:{address}"]]
            for window in windows:
                while window and now - window[0] > HOUR:
                    window.popleft()
            if any(len(w) >= limit for w in windows):
                return False
            for window in windows:
                window.append(now)
            return True


def follow_controls(desk: FollowDesk, elem_prefix: str, label: str) -> tuple[Any, Any, Any]:
    """An optional email box, a button and a note, in a row."""
    with gr.Row(elem_id=f"{elem_prefix}-row"):
        email = gr.Textbox(label="Email me digests (optional)", placeholder="you@example.org", scale=3,
                           visible=desk.by_mail, elem_id=f"{elem_prefix}-email", max_lines=1)
        button = gr.Button(label, size="sm", scale=1, elem_id=f"{elem_prefix}-button")
    note = gr.Markdown("", elem_id=f"{elem_prefix}-note")
    return email, button, note
