"""Following a topic: digests of quoted, cited sentences after new papers, by Atom feed and by email.

A real SMTP server (aiosmtpd) on loopback receives the mail; the feed is fetched from the running app
and read by a feed parser; the store is real Chroma.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import feedparser
import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from ingest.pipeline import ingest
from retrieval.follows.service import after_new_papers, follow
from retrieval.follows.store import FollowStore
from retrieval.search import Searcher
from retrieval.settings import Settings
from retrieval.store import Store
from tests.conftest import CORPUS, free_port, served

PRECEPT = ("1. The Police and Crime Panel agreed a Band D precept of £282.42 for 2025/26, an increase of £14.\n\n"
           "2. The Commissioner said the increase pays for 45 more neighbourhood officers.\n")
REPEAT = "1. The Police and Crime Panel agreed a Band D precept of £282.42 for 2025/26, an increase of £14.\n"


class Inbox:
    """Messages a loopback SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def _settings(tmp_path: Path, corpus: Path, port: int | None = None) -> Settings:
    mail = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False, "mail_from": "quorum@example.org",
            "public_url": "https://quorum.example.org"} if port else {}
    return Settings(home=tmp_path / "home", corpus=corpus, **mail)


@pytest.fixture
def papers(tmp_path: Path, embedder) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    ingest([corpus], Settings(home=tmp_path / "home", corpus=corpus), embedder=embedder)
    return corpus


def _text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_follower_confirms_then_gets_a_digest_quoting_the_new_paper_with_its_citation(
    tmp_path: Path, papers: Path, smtp, embedder
) -> None:
    controller, inbox = smtp
    settings = _settings(tmp_path, papers, controller.port)
    followed, subscriber = follow(settings, "the Band D precept", email="member@example.org")
    (confirm,) = inbox.messages
    assert confirm["To"] == "member@example.org" and "confirm" in _text(confirm)
    assert f"https://quorum.example.org/follows/confirm?token={subscriber.token}" in _text(confirm)
    FollowStore.of(settings.home).confirm(subscriber.token)
    follow(settings, "custody suite opening hours")  # nothing new speaks of it: it gives nothing

    (papers / "panel-precept-2025-02-04.txt").write_text(PRECEPT, encoding="utf-8")
    report = ingest([papers], settings, embedder=embedder)
    checked = after_new_papers(settings, report.added, Searcher(settings, embedder=embedder))

    assert [f.topic for f, _ in checked.entries] == ["the Band D precept"] and checked.delivery.sent == 1
    digest = inbox.messages[-1]
    body = _text(digest)
    assert "“The Police and Crime Panel agreed a Band D precept of £282.42 for 2025/26, an increase of £14." in body
    title = Store(settings).documents()["panel-precept-2025-02-04.txt"].info.title
    assert f"[1] {title} — " in body, body
    assert digest["List-Unsubscribe"] == f"<https://quorum.example.org/follows/unsubscribe?token={subscriber.token}>"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "£282.42" in digest.get_body(("html",)).get_content()

    again = after_new_papers(settings, [], Searcher(settings, embedder=embedder))
    assert again.delivery.sent == 0  # each digest reaches each follower once


def test_a_new_paper_that_repeats_an_older_ones_sentence_is_not_news(tmp_path: Path, papers: Path, embedder) -> None:
    settings = _settings(tmp_path, papers)
    follow(settings, "the Band D precept")
    (papers / "panel-precept-2025-02-04.txt").write_text(PRECEPT, encoding="utf-8")
    first = ingest([papers], settings, embedder=embedder)
    assert after_new_papers(settings, first.added, Searcher(settings, embedder=embedder)).entries
    (papers / "council-pack-2025-02-20.txt").write_text(REPEAT, encoding="utf-8")  # a pack repeating the report
    second = ingest([papers], settings, embedder=embedder)
    assert after_new_papers(settings, second.added, Searcher(settings, embedder=embedder)).entries == []


def test_mail_that_cannot_be_sent_never_stops_the_check_and_goes_out_next_time(
    tmp_path: Path, papers: Path, smtp, embedder
) -> None:
    controller, inbox = smtp
    settings = _settings(tmp_path, papers, controller.port)
    followed, subscriber = follow(settings, "the Band D precept", email="member@example.org")
    FollowStore.of(settings.home).confirm(subscriber.token)
    down = settings.model_copy(update={"smtp_port": free_port()})  # nothing listens there
    (papers / "panel-precept-2025-02-04.txt").write_text(PRECEPT, encoding="utf-8")
    report = ingest([papers], settings, embedder=embedder)
    checked = after_new_papers(down, report.added, Searcher(settings, embedder=embedder))
    assert len(checked.entries) == 1 and checked.delivery.sent == 0 and len(checked.delivery.failed) == 1
    later = after_new_papers(settings, [], Searcher(settings, embedder=embedder))
    assert later.delivery.sent == 1 and "£282.42" in _text(inbox.messages[-1])


def test_an_address_is_refused_when_it_is_not_one_or_when_the_site_sends_no_mail(tmp_path: Path) -> None:
    from retrieval.errors import ConfigError
    from retrieval.follows.service import InvalidAddress

    with pytest.raises(InvalidAddress, match="not an email address"):
        follow(_settings(tmp_path, CORPUS, 25), "precept", email="member@example")
    with pytest.raises(ConfigError, match="smtp_host"):
        follow(_settings(tmp_path, CORPUS), "precept", email="member@example.org")


# -- the running app: feed, page, confirm and unsubscribe ------------------


@pytest.fixture
def app_with_news(tmp_path: Path, papers: Path, smtp, embedder):
    controller, inbox = smtp
    settings = _settings(tmp_path, papers, controller.port)
    followed, subscriber = follow(settings, "the Band D precept", email="member@example.org")
    (papers / "panel-precept-2025-02-04.txt").write_text(PRECEPT, encoding="utf-8")
    report = ingest([papers], settings, embedder=embedder)
    searcher = Searcher(settings, embedder=embedder)
    after_new_papers(settings, report.added, searcher)
    for url in served(searcher):
        yield url.rstrip("/"), followed, subscriber, inbox, settings


def test_the_feed_is_valid_atom_served_by_the_app_and_each_entry_links_to_its_page(app_with_news) -> None:
    base, followed, _, _, _ = app_with_news
    with urllib.request.urlopen(f"{base}/feeds/{followed.id}.atom") as response:
        assert response.headers["Content-Type"].startswith("application/atom+xml")
        feed = feedparser.parse(response.read())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Quorum: the Band D precept"
    (entry,) = feed.entries
    assert "£282.42" in entry.content[0].value and "member@example.org" not in str(feed)
    assert entry.link.startswith(f"https://quorum.example.org/follows/{followed.id}#entry-")
    with urllib.request.urlopen(f"{base}/follows/{followed.id}") as response:
        assert "£282.42" in response.read().decode()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/feeds/nope.atom")
    assert missing.value.code == 404


def test_a_confirm_link_confirms_and_the_one_click_unsubscribe_deletes_the_address(app_with_news) -> None:
    base, followed, subscriber, _, settings = app_with_news
    store = FollowStore.of(settings.home)
    assert store.subscribers(followed.id) == []  # not confirmed: nothing is sent
    with urllib.request.urlopen(f"{base}/follows/confirm?token={subscriber.token}") as response:
        assert "will be emailed" in response.read().decode()
    assert [s.email for s in store.subscribers(followed.id)] == ["member@example.org"]
    with urllib.request.urlopen(f"{base}/follows/unsubscribe?token={subscriber.token}") as response:
        assert "<form method='post'" in response.read().decode()  # a link scanner's GET unsubscribes no one
    assert store.subscribers(followed.id) != []
    one_click = urllib.request.Request(f"{base}/follows/unsubscribe?token={subscriber.token}",
                                       data=b"List-Unsubscribe=One-Click", method="POST")
    with urllib.request.urlopen(one_click) as response:
        assert "address has been deleted" in response.read().decode()
    assert store.subscribers(followed.id) == [] and store.subscribers(followed.id, confirmed=False) == []


def test_in_public_mode_follows_by_email_are_limited_per_client_and_per_address(tmp_path: Path, smtp) -> None:
    from ui.follow_ui import FollowDesk

    controller, inbox = smtp
    settings = _settings(tmp_path, CORPUS, controller.port).model_copy(update={"follow_emails_per_hour": 2})
    desk = FollowDesk(settings, public=True)
    said = [desk.follow_topic(f"topic {n}", "member@example.org") for n in range(3)]
    assert "Too many follows by email" in said[2] and "confirm the link" in said[0]
    assert len(inbox.messages) == 2
    assert "feed" in desk.follow_topic("topic 9", "")  # following by feed is not limited


def test_the_cli_follows_lists_and_unfollows(tmp_path: Path) -> None:
    import json

    from ui.cli import app

    runner = CliRunner()
    home = str(tmp_path / "home")
    out = runner.invoke(app, ["follow", "What is the Band D precept?", "--home", home])
    assert out.exit_code == 0 and "/feeds/" in out.output
    listed = json.loads(runner.invoke(app, ["follows", "--json", "--home", home]).output)["follows"]
    assert listed[0]["topic"] == "What is the Band D precept?" and listed[0]["feed"].endswith(".atom")
    gone = runner.invoke(app, ["unfollow", listed[0]["id"], "--home", home])
    assert gone.exit_code == 0 and json.loads(runner.invoke(app, ["follows", "--json", "--home", home]).output) == {
        "follows": []}
    bad = runner.invoke(app, ["unfollow", "nope", "--home", home])
    assert bad.exit_code == 1 and "no follow 'nope'" in bad.output


def test_a_sync_checks_the_follows_and_reports_them(tmp_path: Path, embedder) -> None:
    from datetime import date, timedelta

    from evals.moderngov_site import kent_site, serving
    from ingest.sources.registry import add_moderngov
    from ingest.sources.sync import sync

    settings = Settings(home=tmp_path / "home", corpus=CORPUS)
    follow(settings, "Governance and Audit Committee terms of reference")
    with serving(kent_site((date.today() - timedelta(days=10)).isoformat(), only=144)) as site:
        add_moderngov(settings, site.base, ["County Council"], since="2025-01-01")
        report = sync(settings)
    assert report.follows["checked"] == 1 and report.follows["with_news"] == 1
    (followed,) = FollowStore.of(settings.home).follows()
    (entry,) = FollowStore.of(settings.home).entries(followed.id)
    assert any(q["meeting"].startswith("County Council, 13 March 2025, item 5") for q in entry.body["quotes"])



