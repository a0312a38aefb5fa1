"""Everyday words and the official terms the documents use for them.

People ask about a "gun licence" or "the acting chief"; the documents write
"firearms licensing" and "T/CC". BM25 cannot match one to the other, and a small
embedding model matches them weakly, so a question holding an everyday phrase
also searches for its official terms. The shipped list (``plain_words.toml``)
covers policing and panel business; a deployment can bring its own.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from retrieval.errors import ConfigError

BUILTIN = Path(__file__).with_name("plain_words.toml")

Vocabulary = dict[str, tuple[str, ...]]


def load_vocabulary(setting: str) -> Vocabulary:
    """The vocabulary a ``vocabulary`` setting names: "builtin", "none", or a TOML file's path."""
    if setting.strip().lower() == "none":
        return {}
    path = BUILTIN if setting.strip().lower() in ("", "builtin") else Path(setting).expanduser()
    return _read(path.resolve())


@lru_cache(maxsize=8)
def _read(path: Path) -> Vocabulary:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("terms", {})
    except OSError as error:
        raise ConfigError(f"cannot read the vocabulary {path}: {error.strerror or error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"the vocabulary {path} is not valid TOML: {error}") from error
    if not isinstance(table, dict):
        raise ConfigError(f"the vocabulary {path} needs a [terms] table")
    vocabulary: Vocabulary = {}
    for phrase, terms in table.items():
        if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
            raise ConfigError(f'the vocabulary {path}: "{phrase}" needs a list of terms, e.g. ["firearms licensing"]')
        vocabulary[phrase.strip().lower()] = tuple(terms)
    return vocabulary


def everyday_phrases(question: str, vocabulary: Vocabulary) -> Vocabulary:
    """The vocabulary's phrases that ``question`` holds, with their official terms."""
    return {phrase: terms for phrase, terms in vocabulary.items() if phrase_pattern(phrase).search(question)}


def official_terms(question: str, vocabulary: Vocabulary) -> list[str]:
    """The official terms for the everyday phrases in ``question``, each once."""
    return list(dict.fromkeys(t for terms in everyday_phrases(question, vocabulary).values() for t in terms))


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """The phrase in any case, each word singular or plural."""
    words = [re.escape(w.removesuffix("s")) + "s?" for w in phrase.split()]
    return re.compile(r"(?<![\w-])" + r"\s+".join(words) + r"(?![\w-])", re.I)
