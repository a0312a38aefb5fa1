"""Following, as the CLI, the app and sync use it: follow a topic (by email too), and check follows after new papers."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from retrieval.errors import ConfigError, QuorumError, ReaderError
from retrieval.follows.digest import check_follows
from retrieval.follows.mail import Delivery, confirmation, deliver, mail_configured, send
from retrieval.follows.store import Entry, Follow, FollowStore, Subscriber
from retrieval.settings import Settings

log = logging.getLogger("quorum.follows")
_ADDRESS = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[A-Za-z]{2,}")
RESEND_DAYS = 7  # entries not yet delivered (a mail server was down) are tried again for a week


class InvalidAddress(ReaderError):
    """An email address that cannot be used."""


@dataclass
class FollowsChecked:
    """What checking the follows after an ingest or sync found and sent."""

    follows: int = 0
    documents: int = 0
    entries: list[tuple[Follow, Entry]] = field(default_factory=list)
    delivery: Delivery = field(default_factory=Delivery)
    seconds: float = 0.0

    def summary(self) -> str:
        if not self.follows:
            return ""
        found = f"{len(self.entries)} of {self.follows} followed topics have news"
        mailed = f"; {self.delivery.sent} emails sent" if self.delivery.sent else ""
        failed = f"; {len(self.delivery.failed)} left for next time" if self.delivery.failed else ""
        return f"Follows: {found}{mailed}{failed} ({self.seconds:.1f} s)."


def follow(settings: Settings, topic: str, committee: str = "", email: str = "") -> tuple[Follow, Subscriber | None]:
    """Follow ``topic``; with ``email``, subscribe the address, unconfirmed, and mail it a link to confirm."""
    store = FollowStore.of(settings.home)
    email = email.strip()
    if email:
        if len(email) > 254 or not _ADDRESS.fullmatch(email):
            raise InvalidAddress(f"{email[:80]!r} is not an email address")
        if not mail_configured(settings):
            raise ConfigError("following by email needs smtp_host and mail_from in the settings")
    followed = store.follow(topic, " ".join(committee.split()))
    if not email:
        return followed, None
    subscriber = store.subscribe(followed.id, email)
    if not subscriber.confirmed:
        send(settings, confirmation(settings, followed, subscriber))
    return followed, subscriber


def after_new_papers(settings: Settings, changed: Sequence[str], searcher=None) -> FollowsChecked:  # noqa: ANN001
    """Check every follow against the ``changed`` documents, record the news, and mail it; never raises
    for a follow or a mail that fails (logged; mail is tried again next time)."""
    began = time.perf_counter()
    store = FollowStore.of(settings.home)
    follows = store.follows()
    if not follows:
        return FollowsChecked()
    found = FollowsChecked(follows=len(follows))
    if changed:
        from retrieval.search import Searcher

        try:
            checked = check_follows(store, searcher or Searcher(settings), changed)
        except QuorumError as error:
            log.warning("follows were not checked: %s", error)
        else:
            found.entries, found.documents = checked.entries, checked.documents
    recent = [(store.get(e.follow_id), e) for e in store.pending_entries(time.time() - RESEND_DAYS * 86400)]
    found.delivery = deliver(settings, store, recent)
    found.seconds = time.perf_counter() - began
    return found
