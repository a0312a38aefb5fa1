"""WCAG 2.2 AA, checked in the real browser: axe-core on every state of the app, the keyboard alone, reflow.

axe-core comes bundled in the PyPI package axe-playwright-python. Screenshots go to
tests/artifacts/ (a11y-*.png). A waived rule would be listed in WAIVED with its reason;
there is none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.conftest import served
from tests.test_browser import ARTIFACTS, DESKTOP, PHONE, Session, browser  # noqa: F401  (fixture)
from ui.accessibility import RULE_SETS

pytestmark = pytest.mark.browser

WAIVED: dict[str, str] = {}  # rule id -> why it cannot apply here
OPTIONS = {"runOnly": {"type": "tag", "values": list(RULE_SETS)}, "resultTypes": ["violations"]}
QUESTION = "What is the Net Budget Requirement for 2023/24?"


@pytest.fixture(scope="module")
def app_url(searcher) -> Iterator[str]:
    yield from served(searcher)


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def violations(axe: Axe, page: Page, state: str) -> list[str]:
    """The rules broken on the page at rest, one line each (rule, impact, first elements); a report file too.

    At rest: Gradio shows a component whose update is on its way at 20% opacity, for a moment.
    """
    page.wait_for_function("() => !document.querySelector('.pending')")
    page.wait_for_timeout(200)
    results = axe.run(page, options=OPTIONS).response
    found = [v for v in results["violations"] if v["id"] not in WAIVED]
    (ARTIFACTS / f"axe-{state}.json").write_text(json.dumps(results["violations"], indent=1))
    return [
        f"{state}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:3])
        for v in found
    ]


@pytest.fixture
def desktop(browser: Browser, app_url: str) -> Iterator[Session]:  # noqa: F811
    session = Session(browser, app_url, DESKTOP)
    yield session
    session.close()


def test_every_state_of_the_app_passes_axe_wcag_2_2_aa(desktop: Session, axe: Axe) -> None:
    page = desktop.page
    broken = violations(axe, page, "empty")
    desktop.shot("a11y-empty.png")

    desktop.ask(QUESTION)
    broken += violations(axe, page, "answered")

    page.locator('#q-chat a.q-cite[href="#q-cite-0-1"]').first.click()
    expect(page.locator("#q-sources .q-source.q-selected")).to_be_visible()
    broken += violations(axe, page, "sources")
    desktop.shot("a11y-sources.png")

    page.locator("#q-filters").get_by_text("Filters").first.click()
    page.locator("#q-filter-from input, #q-filter-from textarea").first.fill("2023-13-45")
    expect(page.locator("#q-filter-status")).to_contain_text("is not a date")
    broken += violations(axe, page, "filters")

    page.locator("#q-question textarea").fill("What did the panel decide?")  # asked with the bad date: an error
    page.keyboard.press("Enter")
    expect(page.locator("#q-chat")).to_contain_text("Sorry: the from date")
    broken += violations(axe, page, "error")
    desktop.shot("a11y-error.png")

    page.goto(page.url.split("?")[0].rstrip("/") + "/accessibility")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement for Quorum")
    broken += violations(axe, page, "statement")
    assert broken == [], "\n".join(broken)


def test_the_admin_sign_in_page_passes_axe(browser: Browser, axe: Axe, tmp_path: Path, searcher) -> None:  # noqa: F811
    from tests.conftest import sharing
    from ui.auth import admin_check

    from pydantic import SecretStr

    admin = sharing(searcher, admin_password=SecretStr("correct horse battery staple"))
    for url in served(admin, "admin", auth=admin_check(admin.settings)):
        page = browser.new_page(viewport=DESKTOP)
        page.goto(url)
        page.locator("input[type=password]").wait_for()
        broken = violations(axe, page, "sign-in")
        page.screenshot(path=str(ARTIFACTS / "a11y-sign-in.png"))
        page.close()
        assert broken == [], "\n".join(broken)


def test_keyboard_alone_asks_moves_to_a_citation_opens_it_and_returns(desktop: Session) -> None:
    page = desktop.page
    page.locator("#q-question textarea").focus()
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    desktop.wait_for_answers(1)
    citation = page.locator('#q-chat a.q-cite[href="#q-cite-0-1"]').first
    for _ in range(60):  # Tab forward until the first citation marker has the focus
        page.keyboard.press("Tab")
        if citation.evaluate("link => link === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the first citation marker")
    assert _focus_visible(page), "the focused citation has no visible focus indicator"
    expect(page.get_by_role("link", name=re.compile(r"^source 1: .+, 17 Nov 2023, para 47"))).to_have_count(1)
    desktop.shot("a11y-keyboard-citation.png")
    page.keyboard.press("Enter")
    chosen = page.locator("#q-sources .q-source.q-selected")
    expect(chosen).to_be_focused()
    assert _focus_visible(page)
    desktop.shot("a11y-keyboard-passage.png")
    page.keyboard.press("Escape")
    expect(citation).to_be_focused()


def test_a_new_answer_is_announced_in_a_live_region(desktop: Session) -> None:
    page = desktop.page
    region = page.locator("#q-announce")
    assert region.get_attribute("aria-live") == "polite" and region.get_attribute("role") == "status"
    desktop.ask(QUESTION)
    expect(region).to_contain_text("Answer ready, citing")


@pytest.mark.parametrize(("name", "width"), [("reflow-320", 320), ("zoom-200", DESKTOP["width"] // 2)])
def test_the_page_reflows_without_sideways_scrolling(browser: Browser, app_url: str, name: str, width: int) -> None:  # noqa: F811
    session = Session(browser, app_url, {"width": width, "height": PHONE["height"]})
    session.ask(QUESTION)
    page = session.page
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    session.shot(f"a11y-{name}.png", full_page=True)
    session.close()
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px at {width}px wide"


def _focus_visible(page: Page) -> bool:
    """Does the focused element draw an outline (or a box shadow) at least 2px wide?"""
    return page.evaluate(
        """() => {
          const el = document.activeElement; if (!el) return false;
          const s = getComputedStyle(el);
          return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
        }"""
    )
