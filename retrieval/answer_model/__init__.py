"""The answer model: does this sentence answer the question?

A cross-encoder read from all-MiniLM-L6-v2's weights and trained on public QA
data (``python -m evals.train_answer_model``; see MODEL_CARD.md beside this
file). It reads the question together with one candidate sentence and the
context the sentence leans on (its heading, a table's header row, the sentence
before), and gives the probability that the sentence answers the question.

The weights ship in this folder as int8 (``weights.safetensors``: each matrix
stored row by row as int8 with one float scale a row), restored to float32 when
loaded, and run with torch on the CPU. Nothing is downloaded.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MAX_TOKENS = 96  # question + sentence + context, in word pieces: sentences, not passages
CONTEXT_WORDS = 24  # of the heading and the sentence before, kept after the sentence


@dataclass(frozen=True)
class Pair:
    """What the model reads for one candidate: the sentence, and the context it leans on."""

    sentence: str
    context: str = ""


def model_text(pair: Pair) -> str:
    """The second segment the model reads: the sentence first (truncation cuts context, never it)."""
    context = " ".join(pair.context.split()[:CONTEXT_WORDS])
    return f"{pair.sentence} [SEP] {context}" if context else pair.sentence


def quantize(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every matrix as int8 rows with a float32 scale a row (``name`` and ``name.scale``); the rest as float32."""
    out: dict[str, np.ndarray] = {}
    for name, value in weights.items():
        if not np.issubdtype(value.dtype, np.floating):
            out[name] = value  # ids kept as buffers (position ids)
            continue
        value = value.astype(np.float32)
        if value.ndim == 2 and value.size >= 4096:
            scale = np.maximum(np.abs(value).max(axis=1, keepdims=True), 1e-8) / 127.0
            out[name] = np.clip(np.round(value / scale), -127, 127).astype(np.int8)
            out[f"{name}.scale"] = scale.astype(np.float32)
        else:
            out[name] = value
    return out


def dequantize(stored: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The float32 weights ``quantize`` stored."""
    return {
        name: value.astype(np.float32) * stored[f"{name}.scale"] if f"{name}.scale" in stored else value
        for name, value in stored.items()
        if not name.endswith(".scale")
    }


class AnswerModel:
    """The trained cross-encoder, ready to score (question, sentence) pairs on the CPU."""

    def __init__(self, folder: Path = HERE) -> None:
        import torch
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
        from transformers import BertConfig, BertModel

        self.folder = folder
        config = json.loads((folder / "config.json").read_text())
        self.threshold = float(config.get("abstain_below", 0.5))
        self.encoder = BertModel(BertConfig(**config["bert"]), add_pooling_layer=False)
        weights = {k: torch.from_numpy(v) for k, v in dequantize(load_file(str(folder / "weights.safetensors"))).items()}
        self.head = torch.nn.Linear(config["bert"]["hidden_size"], 1)
        self.head.load_state_dict({"weight": weights.pop("head.weight"), "bias": weights.pop("head.bias")})
        self.encoder.load_state_dict(weights, strict=True)
        self.encoder.eval()
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS, strategy="only_second")
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._lock = threading.Lock()  # torch runs one batch at a time well on two cores; two at once thrash

    def score(self, question: str, pairs: Sequence[Pair]) -> np.ndarray:
        """The probability that each pair's sentence answers ``question``."""
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        import torch

        encoded = self.tokenizer.encode_batch([(question, model_text(p)) for p in pairs])
        ids = torch.tensor([e.ids for e in encoded])
        mask = torch.tensor([e.attention_mask for e in encoded])
        types = torch.tensor([e.type_ids for e in encoded])
        with self._lock, torch.inference_mode():
            logits = forward(self.encoder, self.head, ids, mask, types)
        return torch.sigmoid(logits).numpy()


def forward(encoder, head, ids, mask, types):  # noqa: ANN001, ANN201  (torch types, imported lazily)
    """Mean of the last layer over the real tokens, then one logit: shared by training and scoring."""
    hidden = encoder(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
    return head(pooled).squeeze(-1)


def available(folder: Path = HERE) -> bool:
    return (folder / "weights.safetensors").exists() and (folder / "config.json").exists()


@functools.cache
def load(folder: Path = HERE) -> AnswerModel:
    """The model in ``folder``, loaded once per process."""
    return AnswerModel(folder)
