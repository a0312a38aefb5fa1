"""Security headers on every response of the public and admin apps; the page's scripts carry its nonce."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from tests.conftest import served, sharing
from ui.auth import admin_check
from ui.headers import with_nonce

FIXED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.fixture(scope="module")
def public_url(pdf_searcher) -> Iterator[str]:
    yield from served(sharing(pdf_searcher, public_budget_per_minute=10), "public")


@pytest.fixture(scope="module")
def admin_url(pdf_searcher, tmp_path_factory) -> Iterator[str]:
    settings = {"admin_password": SecretStr("correct horse battery staple"), "home": tmp_path_factory.mktemp("admin")}
    shared = sharing(pdf_searcher, **settings)
    yield from served(shared, "admin", auth=admin_check(shared.settings))


PATHS = ["", "gradio_api/info", "health", "accessibility", "pdf/budget.pdf", "page.png?doc=budget.pdf&page=1",
         "page.png?doc=nothing.pdf&page=1", "gradio_api/upload", "no/such/route", "config"]


@pytest.mark.parametrize("path", PATHS)
def test_every_public_response_carries_the_security_headers(public_url: str, path: str) -> None:
    _, headers, _ = _get(public_url + path)
    assert {k: headers.get(k) for k in FIXED} == FIXED
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


@pytest.mark.parametrize("path", ["", "login", "pdf/budget.pdf", "gradio_api/info"])
def test_every_admin_response_carries_the_security_headers(admin_url: str, path: str) -> None:
    _, headers, _ = _get(admin_url + path)
    assert {k: headers.get(k) for k in FIXED} == FIXED
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_the_page_policy_allows_only_its_own_scripts_and_no_other_site(public_url: str) -> None:
    status, headers, page = _get(public_url)
    policy = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
    nonce = re.fullmatch(r"'self' 'nonce-([A-Za-z0-9+/=]{20,})' 'unsafe-eval'", policy["script-src"]).group(1)
    assert status == 200 and "unsafe-inline" not in policy["script-src"]
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'self'"
    assert all("http" not in value for value in policy.values())  # nothing from another site
    scripts = re.findall(rb"<script[^>]*>", page)
    assert scripts and all(f'nonce="{nonce}"'.encode() in tag for tag in scripts)
    assert _get(public_url)[1]["content-security-policy"] != headers["content-security-policy"]  # fresh each time


def test_a_nonce_is_given_to_every_script_tag_and_nothing_else() -> None:
    page = b"<head><script>a()</script><script type=module src=x.js></script></head><p>&lt;script&gt;</p>"
    assert with_nonce(page, "N") == (
        b'<head><script nonce="N">a()</script><script nonce="N" type=module src=x.js></script></head>'
        b"<p>&lt;script&gt;</p>"
    )
