"""The Gradio chat: a thin layer over retrieval.conversation.ask."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from retrieval.conversation import Turn, ask, condense
from retrieval.errors import QuorumError
from retrieval.models import Answer
from retrieval.search import Searcher
from retrieval.settings import Settings
from ui.sources import sources_html

log = logging.getLogger("quorum.app")

EXAMPLES = [
    "What is the Net Budget Requirement for 2023/24?",
    "How many extra officers has the PCC funded for investigation teams?",
    "What did the 2016 PEEL inspection find about preventing crime?",
    "How long are people waiting for a shotgun certificate?",
]
CSS = """
.q-source { border-left: 3px solid #2563eb; padding: 6px 10px; margin-bottom: 12px; }
.q-source-text { white-space: pre-wrap; font-size: 0.92em; }
.q-source mark { background: #fde68a; }
"""


def _reply(answer: Answer) -> str:
    text = answer.text
    if answer.notice:
        text += f"\n\n*{answer.notice}*"
    if answer.query != answer.question:
        text += f"\n\n<small>searched: {answer.query}</small>"
    return text


def build_app(searcher: Searcher) -> gr.Blocks:
    def respond(question: str, chat: list[dict[str, Any]], turns: list[Turn]) -> tuple[Any, ...]:
        chat = chat + [{"role": "user", "content": question}]
        try:
            answer = ask(question, searcher, turns)
        except QuorumError as error:
            chat.append({"role": "assistant", "content": f"Sorry: {error}."})
            return chat, turns, gr.update(), ""
        except Exception:  # never show a traceback in the page
            log.exception("question failed")
            chat.append({"role": "assistant", "content": "Sorry, something went wrong answering that."})
            return chat, turns, gr.update(), ""
        chat.append({"role": "assistant", "content": _reply(answer)})
        return chat, turns + [Turn(question, answer.query)], sources_html(answer), ""

    with gr.Blocks(title="Quorum") as app:
        gr.Markdown("## Quorum\nAsk about the governance documents; every answer cites its sources.")
        turns = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Conversation", height=520, sanitize_html=True)
                question = gr.Textbox(placeholder="Ask a question…", show_label=False, submit_btn=True)
                gr.Examples(EXAMPLES, inputs=question)
                clear = gr.Button("New conversation", variant="secondary")
            with gr.Column(scale=2):
                sources = gr.HTML(sources_html(None), label="Sources")
        question.submit(respond, [question, chat, turns], [chat, turns, sources, question], api_name=False)
        clear.click(lambda: ([], [], sources_html(None), ""), None, [chat, turns, sources, question], api_name=False)

        def ask_api(question: str, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
            """Answer a question; ``history`` is the conversation so far as chat messages.

            Returns the same object as `quorum ask --json`.
            """
            earlier = [m["content"] for m in (history or []) if m.get("role") == "user"]
            past: list[Turn] = []
            for previous in earlier:
                past.append(Turn(previous, condense(previous, past)))
            try:
                return ask(question, searcher, past).to_json()
            except QuorumError as error:
                return {"question": question, "error": str(error)}

        gr.api(ask_api, api_name="ask")
    return app


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    app = build_app(Searcher(settings))
    app.launch(server_name=host, server_port=port, css=CSS, show_error=False)
