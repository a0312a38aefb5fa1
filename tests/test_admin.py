"""Admin mode: a password to get in, uploads checked before they touch the index, removals complete."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from ingest.library import UploadMetadata, add_upload, remove_upload
from ingest.pipeline import ingest, remove_documents
from retrieval.errors import ConfigError, InvalidMetadata, QuorumError
from retrieval.lexical import LexicalIndex
from retrieval.search import Searcher
from retrieval.settings import Settings
from retrieval.store import Store
from tests.conftest import CORPUS, post_status, served
from tests.hostile_files import HOSTILE_EXPECTATIONS, make_hostile_files, write_docx
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, WAIT_MS
from ui.auth import admin_check, hash_password, verify_password

PASSWORD = "correct horse battery"
NEW_FACT = "The panel agreed a budget of £4.2m for rural crime patrols in the Wyre Forest district."


@pytest.fixture
def own_home(indexed_home: Path, tmp_path: Path) -> Settings:
    """A private copy of the indexed corpus that a test may change."""
    home = tmp_path / "home"
    shutil.copytree(indexed_home, home)
    return Settings(home=home, corpus=CORPUS, admin_password=PASSWORD)


def _index_state(settings: Settings) -> tuple[str, int, set[str]]:
    store = Store(settings)
    return store.fingerprint(), store.count(), {c.chunk_id for c in LexicalIndex.load(settings.lexical_path).chunks}


def test_admin_mode_refuses_to_start_without_a_password(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUORUM_")}
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "serve", "--admin", "--home", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 1
    assert "admin mode needs a password" in done.stderr and "Traceback" not in done.stderr


def test_a_password_hash_verifies_only_its_password() -> None:
    stored = hash_password(PASSWORD)
    assert verify_password(PASSWORD, stored) and not verify_password("wrong", stored)
    check = admin_check(Settings(admin_password_hash=stored))
    assert check("admin", PASSWORD) and not check("admin", "wrong") and not check("root", PASSWORD)
    with pytest.raises(ConfigError, match="not a hash"):
        admin_check(Settings(admin_password_hash="plain-text"))


@pytest.mark.parametrize("name", sorted(HOSTILE_EXPECTATIONS))
def test_a_hostile_upload_is_refused_and_leaves_the_index_unchanged(
    own_home: Settings, tmp_path: Path, name: str
) -> None:
    files = make_hostile_files(tmp_path / "hostile")
    before = _index_state(own_home)
    expected = HOSTILE_EXPECTATIONS[name]
    taken = set(Store(own_home).documents())
    if expected.startswith("rejected"):
        with pytest.raises(QuorumError) as refused:
            add_upload(own_home, files[name], name, UploadMetadata(), taken)
        assert expected.split(":", 1)[1].strip().lower() in str(refused.value).lower()
        assert str(tmp_path) not in str(refused.value)
        assert not own_home.uploads_path.exists() or not any(own_home.uploads_path.iterdir())
        assert _index_state(own_home) == before
    else:  # accepted: indexed as plain text, nothing executable kept
        add_upload(own_home, files[name], name, UploadMetadata(), taken)
        report = ingest([own_home.corpus], own_home)
        assert not report.failed and report.added == [name]
        text = Store(own_home).document_text(name) or ""
        assert "<script" not in text and "onerror" not in text


def test_upload_metadata_is_checked_before_anything_is_stored(own_home: Settings, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text(NEW_FACT, encoding="utf-8")
    for bad in (UploadMetadata(date="31/12/2024"), UploadMetadata(date="2024-02-30"),
                UploadMetadata(url="javascript:alert(1)"), UploadMetadata(type="memo")):
        with pytest.raises(InvalidMetadata):
            add_upload(own_home, note, "note.txt", bad, set())
    with pytest.raises(InvalidMetadata, match="already indexed"):
        add_upload(own_home, note, "pcc-letter-home-secretary-2023-12-18.txt", UploadMetadata(), {
            "pcc-letter-home-secretary-2023-12-18.txt"})
    assert not own_home.uploads_path.exists() or not any(own_home.uploads_path.iterdir())


def test_an_uploaded_document_survives_a_pruning_ingest_and_removal_clears_chroma_and_bm25(
    own_home: Settings, tmp_path: Path, embedder
) -> None:
    note = write_docx(tmp_path / "Rural crime update.docx", ["Rural crime update", NEW_FACT])
    metadata = UploadMetadata("Rural crime update", "report", "2024-05-01", "West Mercia Police and Crime Panel")
    add_upload(own_home, note, note.name, metadata, set())
    report = ingest([own_home.corpus], own_home, prune=True, embedder=embedder)
    assert report.added == ["Rural-crime-update.docx"] and not report.removed
    stored = Store(own_home).documents()["Rural-crime-update.docx"]
    assert (stored.info.title, stored.info.type, stored.info.date) == ("Rural crime update", "report", "2024-05-01")

    remove_documents(["Rural-crime-update.docx"], own_home)
    assert remove_upload(own_home, "Rural-crime-update.docx")
    store = Store(own_home)
    assert "Rural-crime-update.docx" not in store.documents() and store.check() == []
    bm25 = LexicalIndex.load(own_home.lexical_path)
    assert not any(c.doc.doc_id == "Rural-crime-update.docx" for c in bm25.chunks)
    assert {c.chunk_id for c in bm25.chunks} == {c.chunk_id for c in store.all_chunks()}


# -- in the browser ------------------------------------------------------------


@pytest.fixture
def admin_url(own_home: Settings, embedder) -> Iterator[str]:
    searcher = Searcher(own_home, embedder=embedder)
    yield from served(searcher, "admin", auth=admin_check(own_home))


def test_the_admin_app_needs_signing_in(admin_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(admin_url + "config")
    assert refused.value.code == 401


def test_cited_pdf_pages_and_files_ask_for_the_same_sign_in(admin_url: str) -> None:
    import http.cookiejar

    for path in ("pdf/report.pdf", "page.png?doc=report.pdf&page=1"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(admin_url + path)
        assert refused.value.code == 401
    signed_in = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = urllib.parse.urlencode({"username": "admin", "password": PASSWORD}).encode()
    assert signed_in.open(admin_url + "login", form).status == 200
    with pytest.raises(urllib.error.HTTPError) as missing:
        signed_in.open(admin_url + "pdf/report.pdf")
    assert missing.value.code == 404  # signed in: refused only because no such PDF is in the index


def _sign_in(url: str, password: str, address: str) -> int:
    form = urllib.parse.urlencode({"username": "admin", "password": password}).encode()
    return post_status(url + "login", form, "application/x-www-form-urlencoded", address)


def test_repeated_failed_sign_ins_lock_that_address_out_for_a_while(admin_url: str) -> None:
    assert [_sign_in(admin_url, "guess", "10.6.0.1") for _ in range(10)] == [400] * 10
    assert _sign_in(admin_url, PASSWORD, "10.6.0.1") == 429  # even the right password waits now
    assert _sign_in(admin_url, PASSWORD, "10.6.0.2") == 200


@pytest.mark.browser
def test_an_admin_uploads_a_document_that_is_then_answerable_and_removes_it(
    admin_url: str, tmp_path: Path
) -> None:
    note = write_docx(tmp_path / "rural-crime.docx", ["Rural crime update", NEW_FACT])
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=DESKTOP)
        page.set_default_timeout(WAIT_MS)
        page.goto(admin_url)
        page.locator("input[type=text]").fill("admin")
        page.locator("input[type=password]").fill(PASSWORD)
        page.get_by_role("button", name="Login").click()
        page.get_by_role("tab", name="Admin").click()
        page.locator("#q-upload input[type=file]").set_input_files(str(note))
        page.locator("#q-meta-title textarea, #q-meta-title input").first.fill("Rural crime update")
        page.locator("#q-meta-date textarea, #q-meta-date input").first.fill("2024-05-01")
        page.locator("#q-add").click()
        expect(page.locator("#q-add-status")).to_contain_text("✓ Added", timeout=120_000)

        page.get_by_role("tab", name="Ask").click()
        page.locator("#q-question textarea").fill("How much was agreed for rural crime patrols?")
        page.keyboard.press("Enter")
        expect(page.locator("#q-chat")).to_contain_text("£4.2m", timeout=WAIT_MS)
        expect(page.locator("#q-sources")).to_contain_text("Rural crime update")

        page.get_by_role("tab", name="Admin").click()
        page.locator("#q-remove-pick input").click()
        page.get_by_role("option", name="Rural crime update").click()
        page.locator("#q-remove").click()
        expect(page.locator("#q-remove-status")).to_contain_text("✓ Removed")
        page.screenshot(path=str(Path(__file__).parent / "artifacts" / "admin-removed.png"))
        browser.close()
