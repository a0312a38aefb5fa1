"""The app in real headless Chromium (Debian's /usr/bin/chromium), driven by Playwright.

Screenshots land in tests/artifacts/ (git-ignored) at 1280×800 and 390×844.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import HOSTILE_QUESTION, served, sharing

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
WAIT_MS = 60_000  # a loaded CI machine renders a streamed answer slowly


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `apt-get install -y chromium` (.ci/run does this in CI)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def corpus_url(searcher) -> Iterator[str]:
    yield from served(searcher)


@pytest.fixture(scope="module")
def pdf_url(pdf_searcher) -> Iterator[str]:
    yield from served(pdf_searcher)


@pytest.fixture(scope="module")
def hostile_url(hostile_searcher) -> Iterator[str]:
    yield from served(hostile_searcher)


RECORD_CSP = """
window.__quorumCsp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__quorumCsp.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Session:
    """One page of the app, recording any dialog (alert, confirm) that opens."""

    def __init__(self, browser: Browser, url: str, viewport: dict[str, int]) -> None:
        self.page: Page = browser.new_page(viewport=viewport)
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.add_init_script(RECORD_CSP)
        self.page.set_default_timeout(WAIT_MS)
        self.page.goto(url)
        self.page.wait_for_selector("#q-question textarea")
        self.page.wait_for_selector("#q-chat", state="attached")  # Gradio may render the chat after the question box

    def csp_violations(self) -> list[str]:
        """What the page's Content-Security-Policy blocked so far (recorded from its first script on)."""
        return self.page.evaluate("window.__quorumCsp || []")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def ask(self, question: str) -> None:
        """Type a question, press Enter, and wait until its answer is complete."""
        done = self.page.locator("#q-chat small.q-query").count() + 1
        self.page.locator("#q-question textarea").fill(question)
        self.page.keyboard.press("Enter")
        self.wait_for_answers(done)

    def wait_for_answers(self, count: int) -> None:
        try:
            self.page.wait_for_function(
                f"document.querySelectorAll('#q-chat small.q-query').length >= {count}", timeout=WAIT_MS
            )
        except PlaywrightTimeout:
            self.page.screenshot(path=str(ARTIFACTS / "timeout.png"), full_page=True)
            chat = self.page.locator("#q-chat").inner_text()[-1500:]
            raise AssertionError(f"no answer {count} within {WAIT_MS} ms; the chat ends with:\n{chat}") from None

    def shot(self, name: str, full_page: bool = False) -> None:
        self.page.wait_for_timeout(300)  # let layout and scrolling settle
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)

    def close(self) -> None:
        """Close the page; every test's page must have worked within the security policy."""
        blocked = self.csp_violations()
        self.page.close()
        assert blocked == [], f"the Content-Security-Policy blocked: {blocked}"


@pytest.fixture
def desktop(browser: Browser, corpus_url: str) -> Iterator[Session]:
    session = Session(browser, corpus_url, DESKTOP)
    yield session
    session.close()


@pytest.fixture
def phone(browser: Browser, corpus_url: str) -> Iterator[Session]:
    session = Session(browser, corpus_url, PHONE)
    yield session
    session.close()


def test_a_typed_question_streams_an_answer_whose_citation_opens_its_passage(desktop: Session) -> None:
    page = desktop.page
    expect(page.locator("#q-chat .placeholder-content")).to_contain_text("Ask about 5 governance documents")
    desktop.shot("desktop-empty.png")
    page.evaluate(
        """() => {
          window.__chatLengths = [];
          const chat = document.querySelector('#q-chat');
          new MutationObserver(() => window.__chatLengths.push(chat.innerText.length))
            .observe(chat, {subtree: true, childList: true, characterData: true});
        }"""
    )
    desktop.ask("What is the Net Budget Requirement for 2023/24?")
    growth = page.evaluate("() => new Set(window.__chatLengths).size")
    assert growth > 3, "the answer should appear progressively"
    reply = page.locator("#q-chat .q-query").last
    expect(reply).to_contain_text("searched:")
    expect(reply).to_contain_text("as reported on 17 November 2023")
    expect(page.locator("#q-chat abbr.q-abbr").first).to_have_attribute("title", "Police and Crime Commissioner")
    desktop.shot("desktop-answer.png")

    page.locator('#q-chat a.q-cite[href="#q-cite-0-1"]').first.click()
    chosen = page.locator("#q-sources .q-source.q-selected")
    expect(chosen).to_have_attribute("id", "q-src-1")
    expect(chosen.locator("mark").first).to_have_text("The PCC has set a Net Budget Requirement of £273m.")
    expect(chosen).to_contain_text("para 47")
    desktop.shot("desktop-sources.png")

    chosen.locator("a.q-open").click()
    mark = page.locator("#q-viewer #q-doc-mark")
    expect(mark).to_be_visible()
    expect(mark).to_contain_text("Reforming West Mercia")
    expect(page.locator("#q-viewer mark.q-passage").nth(1)).to_contain_text("Net Budget Requirement of £273m")
    desktop.shot("desktop-document.png")
    assert desktop.dialogs == []


def test_on_a_phone_a_follow_up_shows_its_query_and_the_page_fits_the_screen(phone: Session) -> None:
    page = phone.page
    phone.shot("phone-empty.png")
    page.locator("#q-chat .examples button", has_text="What did the inspection say about vetting?").click()
    phone.wait_for_answers(1)
    phone.ask("And when was it?")
    expect(page.locator("#q-chat .q-query").nth(1)).to_contain_text("vetting")
    phone.shot("phone-answer.png")

    page.locator('#q-chat a.q-cite[href^="#q-cite-1-"]').first.click()
    chosen = page.locator("#q-sources .q-source.q-selected")
    expect(chosen).to_be_in_viewport()
    expect(chosen).to_contain_text("Police & Crime Plan activity")
    phone.shot("phone-sources.png")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#q-chat .placeholder-content")).to_be_visible()
    expect(page.locator("#q-sources")).to_contain_text("Ask a question")


def test_filters_chosen_in_the_page_are_shown_and_applied_and_bad_dates_are_reported(desktop: Session) -> None:
    page = desktop.page
    page.locator("#q-filters").get_by_text("Filters").first.click()
    page.locator("#q-filter-types label", has_text="inspection").click()
    expect(page.locator("#q-filter-status")).to_contain_text("type inspection")
    expect(page.locator("#q-filter-status")).to_contain_text("searching 1 of 5 documents")
    desktop.shot("desktop-filters.png")
    desktop.ask("What did the inspection find about preventing crime?")
    expect(page.locator("#q-chat .q-query").last).to_contain_text("filters: type inspection")
    expect(page.locator("#q-sources .q-source-meta").first).to_contain_text("inspection")

    page.locator("#q-filter-from textarea, #q-filter-from input").first.fill("2023-13-45")
    expect(page.locator("#q-filter-status")).to_contain_text("not a date")
    page.locator("#q-question textarea").fill("What is the budget?")
    page.keyboard.press("Enter")
    reply = page.locator("#q-chat .message-wrap").get_by_text("Sorry: the from date")
    expect(reply).to_be_visible()
    assert "Traceback" not in page.locator("#q-chat").inner_text()


def test_tags_in_a_document_show_as_text_and_never_run(browser: Browser, hostile_url: str) -> None:
    session = Session(browser, hostile_url, DESKTOP)
    page = session.page
    session.ask(HOSTILE_QUESTION)
    expect(page.locator("#q-chat")).to_contain_text("<script>alert('xss')</script>")
    page.locator("#q-chat a.q-cite").first.click()
    expect(page.locator("#q-sources .q-selected")).to_contain_text("<script>alert('xss')</script>")
    expect(page.locator("#q-sources .q-selected")).to_contain_text("Hostile note <img src=x onerror=alert('title')>")
    page.locator("#q-sources .q-selected a.q-open").click()
    expect(page.locator("#q-viewer")).to_contain_text("<img src=x onerror=alert('img')>")
    session.shot("desktop-hostile-document.png")
    page.wait_for_timeout(500)
    assert session.dialogs == []
    assert page.locator("img[src='x'], #q-sources script, #q-viewer script, #q-chat script").count() == 0
    session.close()


@pytest.fixture(scope="module")
def public_url(searcher) -> Iterator[str]:
    yield from served(searcher, "public")


def test_hostile_questions_typed_into_the_public_page_show_as_text(browser: Browser, public_url: str) -> None:
    session = Session(browser, public_url, DESKTOP)
    page = session.page
    questions = [
        "<img src=x onerror=alert('q')> What is the budget?",
        "![x](http://127.0.0.1:9/x.png) [click](javascript:alert(1)) **What** is the budget?",
        "\u202eWhat is the budget?\u202c ما هي الميزانية؟ 🚓💷",
        "'; DROP TABLE chunks; -- \x07",
        "Sign in again at https://example.org/login, www.example.org or help@example.org: what is the budget?",
    ]
    for question in questions:
        session.ask(question)
    chat = page.locator("#q-chat")
    expect(chat).to_contain_text("<img src=x onerror=alert('q')> What is the budget?")
    expect(chat).to_contain_text("![x](http://127.0.0.1:9/x.png) [click](javascript:alert(1))")
    expect(chat).to_contain_text("ما هي الميزانية؟ 🚓💷")
    expect(chat).to_contain_text("'; DROP TABLE chunks; --")
    session.shot("desktop-hostile-questions.png")
    page.wait_for_timeout(500)
    assert session.dialogs == []
    expect(chat).to_contain_text("Sign in again at https://example.org/login, www.example.org or help@example.org")
    assert page.locator("#q-chat img[src='x'], #q-chat img[src*='127.0.0.1:9'], #q-chat a[href^='javascript']").count() == 0
    assert page.locator("#q-chat a[href*='example.org']:not(.q-share)").count() == 0  # no text becomes a link
    session.close()


HOSTILE_VALUES = {
    "a link": '<a href="https://example.org/login">Your session expired: sign in again</a>',
    "an image": "<img src=x onerror=alert('link')>",
    "a script": "<script>alert('link')</script><svg onload=alert(2)>",
    "a javascript URL": "javascript:alert(1)",
    "entities": "&lt;img src=x onerror=alert(3)&gt; &#60;b&#62;bold&#60;/b&#62;",
    "10 KB": "budget " * 1500,
    "control characters": "\x00\x07\x1b[31m\x7f\u0085",
    "right-to-left marks": "\u202eexe.fdp\u202c \u200fما هي الميزانية؟\u200e",
}
SHARED_QUESTION = "What is the Net Budget Requirement for 2023/24?"


@pytest.fixture(scope="module")
def share_url(searcher) -> Iterator[str]:
    """The public app, its limits raised: every page here comes from one address, and asks once."""
    yield from served(sharing(searcher, public_questions_per_minute=100, public_budget_per_minute=1000), "public")


def _nothing_made_from_the_link(session: Session) -> None:
    page = session.page
    page.wait_for_timeout(300)
    assert session.dialogs == []
    # The answer's own share link holds the question, percent-encoded, in a relative URL: that one is ours.
    made = ("a[href*='example.org']:not(.q-share), a[href^='javascript'], img[src='x'], svg[onload], "
            "#q-chat script, #q-share-note *[onerror]")
    assert page.locator(made).count() == 0, page.locator(made).evaluate_all("els => els.map(e => e.outerHTML)")
    shares = page.locator("a.q-share").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert all(href.startswith("?q=") for href in shares)
    assert page.locator(".toast-body").count() == 0, page.locator(".toast-body").all_inner_texts()
    assert page.get_by_text("Error", exact=True).count() == 0


@pytest.mark.parametrize("name", HOSTILE_VALUES)
def test_a_share_link_with_hostile_values_in_every_filter_is_answered_and_makes_nothing(
    browser: Browser, share_url: str, name: str
) -> None:
    from urllib.parse import urlencode

    value = HOSTILE_VALUES[name]
    query = urlencode([("q", SHARED_QUESTION), *((key, value) for key in ("type", "doc", "from", "to", "v"))])
    session = Session(browser, share_url.rstrip("/") + "/?" + query, DESKTOP)
    session.wait_for_answers(1)
    page = session.page
    expect(page.locator("#q-chat")).to_contain_text("Net Budget Requirement of £273m")
    note = page.locator("#q-share-note")
    expect(note).to_contain_text("This link asked for a document type this site does not have; it was ignored.")
    expect(note).to_contain_text("This link named a document this site does not hold; it was ignored.")
    assert "example.org" not in note.inner_text() and "alert" not in note.inner_text()
    _nothing_made_from_the_link(session)
    if name == "a link":
        session.shot("desktop-hostile-share-link.png")
    session.close()


def test_a_share_link_whose_question_is_hostile_shows_it_as_text(browser: Browser, share_url: str) -> None:
    from urllib.parse import urlencode

    question = " ".join(v for k, v in HOSTILE_VALUES.items() if k != "10 KB") + " What is the budget?"
    session = Session(browser, share_url.rstrip("/") + "/?" + urlencode({"q": question}), DESKTOP)
    session.wait_for_answers(1)
    chat = session.page.locator("#q-chat")
    expect(chat).to_contain_text('<a href="https://example.org/login">Your session expired: sign in again</a>')
    expect(chat).to_contain_text("&lt;img src=x onerror=alert(3)&gt;")
    expect(session.page.locator("#q-share-note")).to_have_text(
        "Invisible control characters in this link's question were removed."
    )
    _nothing_made_from_the_link(session)
    session.close()


def test_a_share_link_with_a_question_too_long_asks_nothing_and_says_why(browser: Browser, share_url: str) -> None:
    from urllib.parse import urlencode

    session = Session(browser, share_url.rstrip("/") + "/?" + urlencode({"q": HOSTILE_VALUES["10 KB"]}), DESKTOP)
    expect(session.page.locator("#q-share-note")).to_contain_text("so it was not asked")
    assert session.page.locator("#q-chat small.q-query").count() == 0
    _nothing_made_from_the_link(session)
    session.close()


def test_a_question_sent_while_an_answer_is_still_streaming_is_answered_next(desktop: Session) -> None:
    page = desktop.page
    page.locator("#q-question textarea").fill("What is the Net Budget Requirement for 2023/24?")
    page.keyboard.press("Enter")
    expect(page.locator("#q-chat")).to_contain_text("Requirement for 2023/24?")  # sent; its answer is on its way
    expect(page.locator("#q-question textarea")).to_have_value("")
    page.locator("#q-question textarea").fill("Who chairs the panel?")
    page.keyboard.press("Enter")
    desktop.wait_for_answers(2)
    expect(page.locator("#q-chat")).to_contain_text("Who chairs the panel?")


def test_the_timeline_tab_lists_cited_entries_oldest_first(desktop: Session) -> None:
    page = desktop.page
    page.get_by_role("tab", name="Timeline").click()
    page.locator("#q-topic textarea").fill("victim service assessment and services to victims")
    page.keyboard.press("Enter")
    entries = page.locator("#q-timeline li.q-tl-entry")
    expect(entries.first).to_be_visible()
    whens = entries.locator(".q-tl-when").all_inner_texts()
    assert whens[0].endswith("2017") and whens[-1].endswith("2025")
    desktop.shot("desktop-timeline.png")


def test_a_conversation_downloads_as_a_briefing_of_the_answers_picked(desktop: Session, tmp_path: Path) -> None:
    import docx

    page = desktop.page
    desktop.ask("What is the Net Budget Requirement for 2023/24?")
    desktop.ask("Who chairs the panel?")
    page.locator("#q-briefing-box").get_by_text("Briefing", exact=True).first.click()
    picks = page.locator("#q-briefing-pick label")
    expect(picks).to_have_count(2)
    expect(page.locator("#q-briefing-pick input:checked")).to_have_count(2)  # each new answer comes ticked
    page.wait_for_timeout(1500)  # the files are made after the boxes are ticked
    with page.expect_download() as download:
        page.locator("#q-briefing").click()
    path = tmp_path / "briefing.docx"
    download.value.save_as(path)
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
    assert "References" in paragraphs and any("para 47" in p for p in paragraphs)
    assert "Who chairs the panel?" in paragraphs

    picks.nth(1).click()  # leave the second answer out
    page.wait_for_timeout(1500)  # the files are made again after the change
    with page.expect_download() as download:
        page.locator("#q-briefing-md").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## What is the Net Budget Requirement for 2023/24?" in markdown
    assert "Who chairs the panel?" not in markdown and "## References" in markdown


def test_with_a_local_model_the_draft_streams_then_the_checked_answer_replaces_it(
    browser: Browser, searcher
) -> None:
    for url in served(sharing(searcher, llm="local")):
        session = Session(browser, url, DESKTOP)
        page = session.page
        page.evaluate(
            """() => {
              window.__drafting = false;
              const chat = document.querySelector('#q-chat');
              new MutationObserver(() => {
                if (chat.querySelector('.q-drafting')) window.__drafting = true;
              }).observe(chat, {subtree: true, childList: true, characterData: true});
            }"""
        )
        session.ask("What is the Net Budget Requirement for 2023/24?")
        assert page.evaluate("() => window.__drafting"), "the model's draft should stream into the chat"
        expect(page.locator("#q-chat .q-drafting")).to_have_count(0)  # the checked answer replaced the draft
        expect(page.locator("#q-chat .q-query").last).to_contain_text("searched:")
        expect(page.locator("#q-chat")).to_contain_text(re.compile(r"£273m|Net Budget Requirement"))
        session.shot("desktop-llm-answer.png")
        session.close()


def test_a_cited_pdf_passage_shows_its_page_with_the_lines_marked_and_opens_the_pdf(
    browser: Browser, pdf_url: str
) -> None:
    session = Session(browser, pdf_url, DESKTOP)
    page = session.page
    session.ask("What is the Band D precept for 2024/25?")
    expect(page.locator("#q-chat")).to_contain_text("Band D precept | £268.42 | £282.42")
    source = page.locator("#q-sources .q-source", has_text="Band D precept").first
    expect(source.locator(".q-source-meta")).to_contain_text("pp. 1–2")
    image = source.locator("figure.q-page img").first
    expect(image).to_have_attribute("alt", re.compile(r"^Page 2 of .*cited lines marked"))  # the cited row's page
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    source.screenshot(path=str(ARTIFACTS / "desktop-pdf-page.png"))
    expect(source.locator(".q-source-text")).to_contain_text("Band D precept | £268.42 | £282.42")  # as text too
    link = source.locator("a", has_text="Open the PDF at this page")
    assert link.get_attribute("href") == "/pdf/budget.pdf#page=2"
    response = page.request.get(pdf_url.rstrip("/") + "/pdf/budget.pdf")
    assert response.status == 200 and response.body().startswith(b"%PDF-")
    assert session.dialogs == []
    session.close()


def test_a_page_image_past_the_readers_budget_says_why_in_its_place(browser: Browser, pdf_searcher) -> None:
    for url in served(sharing(pdf_searcher, public_budget_per_minute=10), "public"):  # a question 4, an image 2
        session = Session(browser, url, DESKTOP)
        page = session.page
        session.ask("What is the Band D precept for 2024/25?")
        page.evaluate("document.querySelectorAll('#q-sources img').forEach(img => { img.loading = 'eager'; })")
        note = page.locator("#q-sources figure.q-page .q-page-note").first
        expect(note).to_contain_text("Sorry: you have asked this site for a lot in the last minute; please wait")
        expect(note).to_have_attribute("role", "status")
        session.shot("desktop-page-image-refused.png")
        assert session.dialogs == [] and page.locator(".toast-body").count() == 0
        session.close()


def test_a_link_to_an_answer_opened_by_anyone_answers_it_again_and_a_rating_is_kept(
    browser: Browser, public_url: str, searcher
) -> None:
    from ui.feedback import FeedbackStore

    session = Session(browser, public_url, DESKTOP)
    session.ask("What is the Net Budget Requirement for 2023/24?")
    link = session.page.locator("#q-chat a.q-share").last.get_attribute("href")
    assert link.startswith("?q=") and "v=" in link
    session.page.locator("#q-chat button[aria-label='Dislike']").last.click()
    expect(session.page.locator("#q-feedback-note")).to_contain_text("Thank you: rated not helpful")
    session.close()
    stored = FeedbackStore(searcher.settings.home).all()
    assert stored and stored[-1].link == link and not stored[-1].liked

    opened = browser.new_page(viewport=DESKTOP)
    opened.set_default_timeout(WAIT_MS)
    opened.goto(public_url.rstrip("/") + "/" + link)
    expect(opened.locator("#q-chat")).to_contain_text("Net Budget Requirement of £273m", timeout=WAIT_MS)
    expect(opened.locator("#q-share-note")).to_have_text("")  # the documents are as they were
    opened.screenshot(path=str(ARTIFACTS / "desktop-shared-link.png"))
    opened.close()


@pytest.fixture(scope="module")
def synced_url(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[str]:
    """The app over two Kent committees synced from a ModernGov site on loopback."""
    from datetime import date, timedelta

    from ingest.sources.registry import add_moderngov
    from ingest.sources.sync import sync
    from retrieval.search import Searcher
    from retrieval.settings import Settings
    from tests.conftest import CORPUS
    from evals.moderngov_site import kent_site, serving

    settings = Settings(home=tmp_path_factory.mktemp("synced-app") / "home", corpus=CORPUS)
    with serving(kent_site((date.today() - timedelta(days=10)).isoformat())) as site:
        add_moderngov(settings, site.base, ["Cabinet", "County Council"], since="2025-01-01")
        assert sync(settings).ok
        yield from served(Searcher(settings, embedder=embedder))


def test_the_meetings_tab_lists_committees_meetings_and_items_and_a_citation_links_its_meeting(
    browser: Browser, synced_url: str
) -> None:
    session = Session(browser, synced_url, DESKTOP)
    page = session.page
    page.get_by_role("tab", name="Meetings").click()
    meetings = page.locator("#q-meetings")
    expect(meetings.locator("h3")).to_have_text(["Cabinet", "County Council"])
    expect(meetings).to_contain_text("Papers as of")
    cabinet = meetings.locator("section.q-committee").first.locator("details.q-meeting").first
    expect(cabinet.locator("summary")).to_contain_text("4 March 2025")
    expect(cabinet.locator("summary")).to_contain_text("minutes not yet published")
    cabinet.locator("summary").click()
    expect(cabinet.locator(".q-item").nth(1)).to_contain_text("6. Budget update")
    session.shot("desktop-meetings.png")
    cabinet.get_by_text("Cabinet Report 4 March 2025").click()
    expect(page.locator("#q-viewer .q-doc-meta")).to_contain_text("Cabinet, 4 March 2025, item 6: Budget update")

    page.get_by_role("tab", name="Ask").click()
    session.ask("What did the County Council resolve about the Governance and Audit Committee terms of reference?")
    meeting_link = page.locator("#q-sources .q-source-meeting a").first
    expect(meeting_link).to_contain_text("County Council, 13 March 2025, item 5")
    assert re.search(r"/mgAi\.aspx\?ID=52001$", meeting_link.get_attribute("href") or "")
    session.close()


def test_a_topic_is_followed_from_the_timeline_tab_and_its_feed_opens(desktop: Session) -> None:
    page = desktop.page
    page.get_by_role("tab", name="Timeline").click()
    page.locator("#q-topic textarea").fill("vetting")
    page.locator("#q-follow-topic-button").click()
    note = page.locator("#q-follow-topic-note")
    expect(note).to_contain_text("Following “vetting”")
    feed = note.locator("a").first.get_attribute("href") or ""
    assert re.fullmatch(r"/feeds/[0-9a-f]{12}\.atom", feed)
    response = page.request.get(page.url.rstrip("/") + feed)
    assert response.ok and "<feed" in response.text()
