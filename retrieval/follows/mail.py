"""Digests and confirmations by email: plain text and HTML, a one-click unsubscribe on every message.

Sent through the SMTP server the settings name (``smtp_host``...). A message
that cannot be sent is retried with back-off, then left for the next run (the
entries a subscriber has not received are found again); it never stops a sync.
"""

from __future__ import annotations

import html
import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

from retrieval.follows.store import Entry, Follow, FollowStore, Subscriber
from retrieval.models import long_date
from retrieval.settings import Settings

log = logging.getLogger("quorum.mail")
RETRIES = 2
BACKOFF_SECONDS = 1.0


@dataclass
class Delivery:
    sent: int = 0
    failed: list[str] = field(default_factory=list)  # one line per message left for the next run


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.mail_from)


def links(settings: Settings) -> Callable[[str], str]:
    """An absolute link to a path of the app (``public_url`` + path)."""
    base = (settings.public_url or "http://127.0.0.1:7860").rstrip("/")
    return lambda path: f"{base}{path}"


def send(settings: Settings, message: EmailMessage, sleep: Callable[[float], None] = time.sleep) -> None:
    """Send one message, retried with back-off; raises ``OSError`` or ``smtplib.SMTPException`` when it cannot."""
    wait = BACKOFF_SECONDS
    for attempt in range(RETRIES + 1):
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if settings.smtp_user:
                    password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                    smtp.login(settings.smtp_user, password)
                smtp.send_message(message)
                return
        except (OSError, smtplib.SMTPException):
            if attempt == RETRIES:
                raise
            sleep(wait)
            wait *= 2


def confirmation(settings: Settings, follow: Follow, subscriber: Subscriber) -> EmailMessage:
    link = links(settings)
    confirm = link(f"/follows/confirm?token={subscriber.token}")
    message = _message(settings, subscriber, f"Confirm: follow “{follow.topic}” in Quorum")
    text = (f"Someone (we hope you) asked Quorum to email this address when new papers speak of:\n\n"
            f"  {follow.topic}\n\nTo start, confirm: {confirm}\n\n"
            "If it was not you, ignore this message: nothing more will be sent, and the address is deleted "
            "unless it is confirmed.\n")
    body = (f"<p>Someone (we hope you) asked Quorum to email this address when new papers speak of "
            f"<b>{html.escape(follow.topic)}</b>.</p><p><a href=\"{html.escape(confirm)}\">Confirm</a> to start.</p>"
            "<p>If it was not you, ignore this message: nothing more will be sent.</p>")
    message.set_content(text)
    message.add_alternative(_page(body), subtype="html")
    return message


def digest(settings: Settings, follow: Follow, entry: Entry, subscriber: Subscriber) -> EmailMessage:
    """New papers on the topic: each quoted sentence with its citation and link."""
    link = links(settings)
    quotes = entry.body["quotes"]
    message = _message(settings, subscriber, f"{follow.topic}: {_count(len(quotes), 'new passage')} in Quorum")
    unsubscribe = link(f"/follows/unsubscribe?token={subscriber.token}")
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    lines = [f"New papers speak of “{follow.topic}”:", ""]
    items = []
    for n, quote in enumerate(quotes, start=1):
        lines += [f"“{quote['text']}” [{n}]", f"  [{n}] {citation(quote)}"]
        lines += [f"      {u}" for u in dict.fromkeys((quote["url"], quote["meeting_url"])) if u]
        lines.append("")
        anchors = " · ".join(f'<a href="{html.escape(u)}">{label}</a>' for label, u in _links(quote))
        items.append(f"<li><blockquote>“{html.escape(quote['text'])}”</blockquote>"
                     f"<div>{html.escape(citation(quote))}{' · ' + anchors if anchors else ''}</div></li>")
    page = link(f"/follows/{follow.id}#entry-{entry.id}")
    lines += [f"All entries: {page}", f"Stop these emails: {unsubscribe}"]
    message.set_content("\n".join(lines) + "\n")
    body = (f"<p>New papers speak of <b>{html.escape(follow.topic)}</b>:</p><ol>{''.join(items)}</ol>"
            f"<p><a href=\"{html.escape(page)}\">All entries</a> · "
            f"<a href=\"{html.escape(unsubscribe)}\">Stop these emails</a></p>")
    message.add_alternative(_page(body), subtype="html")
    return message


def citation(quote: dict) -> str:  # type: ignore[type-arg]
    """ "Cabinet Report 4 March 2025 — Cabinet, 4 March 2025, item 6: Budget update, p. 3" """
    meeting = quote.get("meeting") or ""
    where = [meeting if meeting not in quote["title"] else "" if meeting else long_date(quote.get("date") or "")]
    if quote.get("page"):
        where.append(f"p. {quote['page']}")
    elif quote.get("paragraph"):
        where.append(f"para {quote['paragraph']}")
    details = ", ".join(w for w in where if w)
    return f"{quote['title']} — {details}" if details else quote["title"]


def deliver(settings: Settings, store: FollowStore, entries: list[tuple[Follow, Entry]]) -> Delivery:
    """Send each entry to each confirmed subscriber it has not reached; failures are left for the next run."""
    done = Delivery()
    if not mail_configured(settings):
        return done
    for follow, entry in entries:
        for subscriber in store.unsent(entry.id, follow.id):
            try:
                send(settings, digest(settings, follow, entry, subscriber))
            except (OSError, smtplib.SMTPException) as error:
                done.failed.append(f"{subscriber.email}: {error}")
                log.warning("could not send a digest of %r to %s (%s); it is sent next time",
                            follow.topic, subscriber.email, error)
                continue
            store.mark_sent(entry.id, subscriber.token)
            done.sent += 1
    return done


def _links(quote: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    """("paper", its link) and ("meeting", the agenda item's page), each once."""
    found = [("paper", quote["url"])]
    if quote["meeting_url"] and quote["meeting_url"] != quote["url"]:
        found.append(("meeting", quote["meeting_url"]))
    return [(label, url) for label, url in found if url]


def _message(settings: Settings, subscriber: Subscriber, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = subscriber.email
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    return message


def _page(body: str) -> str:
    return f"<!doctype html><html><body style=\"font-family: sans-serif\">{body}</body></html>"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
