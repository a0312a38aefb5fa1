import socket
import threading

import pytest
from gradio_client import Client

from retrieval.settings import Settings
from tests.conftest import CORPUS
from ui.app import build_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(indexed_home, searcher):
    app = build_app(searcher)
    port = _free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()


def test_the_app_answers_through_its_ask_endpoint_with_citations(app_url) -> None:
    client = Client(app_url, verbose=False)
    out = client.predict("What is the Net Budget Requirement for 2023/24?", [], api_name="/ask")
    assert "£273m" in out["answer"] and not out["abstained"]
    assert out["citations"][0]["paragraph"] == "47"


def test_the_app_condenses_a_follow_up_from_the_conversation(app_url) -> None:
    client = Client(app_url, verbose=False)
    history = [
        {"role": "user", "content": "How long are people waiting for a new shotgun certificate?"},
        {"role": "assistant", "content": "..."},
    ]
    out = client.predict("And for a firearms certificate?", history, api_name="/ask")
    assert "shotgun" in out["query"].lower() or "certificate" in out["query"].lower()
    assert "660 days" in out["answer"]
