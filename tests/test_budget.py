"""Public mode: every costly route is paid for from one budget per client, and a flood is turned away cheaply."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client

import tests.pdf_factory as make
from tests.conftest import served, sharing
from ui.budget import Budget, Costs
from ui.pages import PageImages
from ui.sources import page_image_url

BUDGET = 10  # units a minute: a question costs 4, a page image or a PDF 2


def test_a_client_spends_its_budget_then_waits_for_it_to_refill() -> None:
    budget = Budget(60, Costs(question=4, page_image=2, pdf=2))
    assert [budget.spend("a", 20, now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert budget.spend("a", 4, now=0.0) == pytest.approx(4.0)  # a unit a second flows back in
    assert budget.spend("b", 4, now=0.0) == 0.0  # another client has its own
    assert budget.spend("a", 4, now=4.0) == 0.0


def test_an_idle_client_saves_no_more_than_a_minute_of_budget() -> None:
    budget = Budget(60)
    assert budget.spend("a", 60, now=0.0) == 0.0
    assert budget.spend("a", 61, now=3600.0) > 0  # an hour idle refills to 60, not 3,600


def test_a_page_asked_for_twice_is_drawn_once(tmp_path: Path) -> None:
    pdf = tmp_path / "budget.pdf"
    make.table_across_pages(pdf)
    images = PageImages()
    threads = [threading.Thread(target=images.png, args=(pdf, 2, "Band D precept")) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert images.drawn == 1
    assert images.png(pdf, 2, "Band D precept").startswith(b"\x89PNG")
    assert images.png(pdf, 1, "Band D precept") and images.drawn == 2


@pytest.fixture(scope="module")
def pdf_public_url(pdf_searcher) -> Iterator[str]:
    yield from served(sharing(pdf_searcher, public_budget_per_minute=BUDGET), "public")


def _get(url: str, address: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"X-Forwarded-For": address})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_page_images_past_the_budget_are_refused_with_a_reason_and_retry_after(pdf_public_url: str) -> None:
    image = pdf_public_url.rstrip("/") + page_image_url("budget.pdf", 2, 0, 40)
    statuses = [_get(image, "10.9.0.1")[0] for _ in range(BUDGET // 2)]
    assert statuses == [200] * (BUDGET // 2)
    began = time.monotonic()
    status, headers, body = _get(image, "10.9.0.1")
    assert status == 429 and int(headers["retry-after"]) >= 1
    assert b"please wait" in body and b"seconds and try again" in body
    assert time.monotonic() - began >= 0.9  # a refusal is held back a moment: a flood costs little
    assert _get(image, "10.9.0.2")[0] == 200  # another visitor is not affected


def test_pdfs_and_questions_spend_the_same_budget(pdf_public_url: str) -> None:
    address = "10.9.0.3"
    client = Client(pdf_public_url, headers={"X-Forwarded-For": address}, verbose=False)
    answered = client.predict("What is the Band D precept for 2024/25?", [], api_name="/ask")
    assert "error" not in answered  # 4 of 10 units
    pdf = pdf_public_url.rstrip("/") + "/pdf/budget.pdf"
    assert [_get(pdf, address)[0] for _ in range(3)] == [200, 200, 200]  # 6 more
    assert _get(pdf, address)[0] == 429
    refused = client.predict("What is the Band D precept for 2024/25?", [], api_name="/ask")
    assert "please wait" in refused["error"]


def test_the_local_app_has_no_budget(pdf_searcher) -> None:
    for url in served(sharing(pdf_searcher, public_budget_per_minute=BUDGET)):
        image = url.rstrip("/") + page_image_url("budget.pdf", 1, 0, 40)
        assert {_get(image, "10.9.0.4")[0] for _ in range(BUDGET)} == {200}
