"""Evaluation sets: JSON Lines files of questions and of conversations.

A line with a ``turns`` field is a conversation; any other line is a single
question. Every line is checked on load, and the first problem is reported
as one line naming the file and line number (``ConfigError``). The format is
documented in ``evals/README.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.errors import ConfigError

DATA_DIR = Path(__file__).parent / "data"
BUILT_IN = (DATA_DIR / "questions.jsonl", DATA_DIR / "conversations.jsonl")
BUILT_IN_NAME = "built-in"


@dataclass(frozen=True)
class Item:
    """One question to answer: standalone, or one turn of a conversation."""

    id: str
    question: str
    quotes: tuple[str, ...]  # empty: the documents do not answer it
    must_contain: tuple[str, ...] = ()
    type: str = "untyped"
    split: str | None = None
    docs: tuple[str, ...] = ()  # informative only: evidence is matched by quote
    answer: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.quotes)


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[Item, ...]
    split: str | None = None


@dataclass(frozen=True)
class Dataset:
    name: str  # "built-in", or the files' paths joined by ", "
    files: tuple[Path, ...]
    questions: tuple[Item, ...]
    conversations: tuple[Conversation, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        """Every question and every conversation turn, in file order."""
        return self.questions + tuple(turn for c in self.conversations for turn in c.turns)

    @property
    def has_splits(self) -> bool:
        return any(item.split for item in self.items)


class _Invalid(ValueError):
    """A problem with one line; turned into a ConfigError naming file and line."""


def load_dataset(paths: list[Path] | None = None) -> Dataset:
    """Load and check one or more files; no paths means the built-in set."""
    files = list(paths) if paths else list(BUILT_IN)
    questions: list[Item] = []
    conversations: list[Conversation] = []
    seen: dict[str, str] = {}
    for path in files:
        found_q, found_c = _load_file(path)
        for key in [q.id for q in found_q] + [c.id for c in found_c]:
            if key in seen:
                raise ConfigError(f"{path}: id {key!r} is used twice (also in {seen[key]})")
            seen[key] = str(path)
        questions.extend(found_q)
        conversations.extend(found_c)
    name = BUILT_IN_NAME if not paths else ", ".join(str(p) for p in files)
    return Dataset(name, tuple(Path(f) for f in files), tuple(questions), tuple(conversations))


def _load_file(path: Path) -> tuple[list[Item], list[Conversation]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such dataset file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror or error})") from None
    questions: list[Item] = []
    conversations: list[Conversation] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        default_id = f"{Path(path).stem}:{number}"
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise _Invalid("each line must be a JSON object")
            if "turns" in record:
                conversations.append(_conversation(record, default_id))
            else:
                questions.append(_item(record, default_id, _optional_str(record, "split")))
        except json.JSONDecodeError as error:
            raise ConfigError(f"{path}:{number}: not valid JSON ({error.msg})") from None
        except _Invalid as error:
            raise ConfigError(f"{path}:{number}: {error}") from None
    if not questions and not conversations:
        raise ConfigError(f"{path}: no questions in the file")
    return questions, conversations


def _conversation(record: dict[str, Any], default_id: str) -> Conversation:
    conv_id = _id(record, default_id)
    split = _optional_str(record, "split")
    turns = record["turns"]
    if not isinstance(turns, list) or not turns:
        raise _Invalid("'turns' must be a non-empty list of questions")
    items = []
    for index, turn in enumerate(turns, start=1):
        try:
            if not isinstance(turn, dict):
                raise _Invalid("must be a JSON object")
            items.append(_item(turn, f"{conv_id}.{index}", split, own_id=False))
        except _Invalid as error:
            raise _Invalid(f"turn {index}: {error}") from None
    return Conversation(conv_id, tuple(items), split)


def _item(record: dict[str, Any], default_id: str, split: str | None, own_id: bool = True) -> Item:
    question = record.get("question")
    if not isinstance(question, str) or not question.strip():
        raise _Invalid("'question' must be a non-empty string")
    if "quote" not in record:
        raise _Invalid("'quote' is missing (use null for a question the documents do not answer)")
    quotes = _strings(record["quote"], "quote", allow_null=True)
    if not quotes and record["quote"] is not None:
        raise _Invalid("'quote' must hold at least one non-empty string, or be null")
    must_contain = _strings(record.get("must_contain"), "must_contain", allow_null=True)
    answer = record.get("answer") or ""
    if not isinstance(answer, str):
        raise _Invalid("'answer' must be a string")
    default_type = "unanswerable" if not quotes else "untyped"
    return Item(
        id=_id(record, default_id) if own_id else default_id,
        question=question.strip(),
        quotes=quotes,
        must_contain=must_contain,
        type=_optional_str(record, "type") or default_type,
        split=split,
        docs=_strings(record.get("doc"), "doc", allow_null=True),
        answer=answer,
    )


def _id(record: dict[str, Any], default: str) -> str:
    value = record.get("id")
    if value is None:
        return default
    if not isinstance(value, str | int) or not str(value).strip():
        raise _Invalid("'id' must be a non-empty string")
    return str(value)


def _optional_str(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Invalid(f"'{key}' must be a string")
    return value.strip() or None


def _strings(value: Any, key: str, allow_null: bool) -> tuple[str, ...]:
    """A string or a list of strings, as a tuple without blanks."""
    if value is None and allow_null:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v.strip())
    raise _Invalid(f"'{key}' must be a string or a list of strings")
