"""Follow-up questions: rewrite a question that leans on the conversation
into a standalone query, without an LLM.

"And when was it?" after "What did the inspection say about vetting?" is
searched as "when was it inspection vetting": the follow-up keeps its own
words and borrows the key terms of the turn it refers to. A question that
already stands alone (it names its own subject) is searched as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from retrieval.answer import answer_question
from retrieval.tokens import question_terms
from retrieval.llm import get_writer
from retrieval.models import Answer
from retrieval.search import Searcher
from retrieval.filters import Filters

_REFERRING = re.compile(
    r"\b(?:it|its|it's|they|them|their|theirs|that|this|those|these|he|she|him|her|his|there|then|"
    r"the same|the latter|the former|which one|which ones|which part|which parts|what else|the rest|"
    r"meantime|meanwhile)\b",
    re.I,
)
_CONTINUING = re.compile(r"^\s*(?:and|but|also|so|what about|how about|and what|then)\b", re.I)


@dataclass(frozen=True)
class Turn:
    question: str
    query: str  # what was searched for this turn
    cited: tuple[str, ...] = ()  # chunk ids of the passages its answer cited

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        return cls(answer.question, answer.query, tuple(c.passage.chunk.chunk_id for c in answer.citations))


def needs_context(question: str) -> bool:
    """Does the question lean on what came before?

    It does when it refers back ("it", "that", "and ..."), or when it is short
    and names nothing of its own: no name, acronym or figure ("Who wrote up the findings?").
    """
    if _CONTINUING.search(question) or _REFERRING.search(question):
        return True
    names = re.findall(r"(?<!^)\b[A-Z][\w'’&-]*|\d", question.strip())
    return len(question_terms(question)) <= (3 if not names else 1)


def condense(question: str, history: list[Turn]) -> str:
    """A standalone query for ``question`` given earlier turns (latest last)."""
    if not history or not needs_context(question):
        return question
    own = set(question_terms(question))
    borrowed: list[str] = []
    for turn in reversed(history):
        words = _key_words(turn.question)
        borrowed.extend(w for w in words if w.lower() not in {b.lower() for b in borrowed})
        if not needs_context(turn.question):
            break  # the turn that set the subject
    extra = [w for w in borrowed if not set(question_terms(w)) <= own]
    return f"{question.rstrip()} {' '.join(extra)}".strip() if extra else question


def _key_words(question: str) -> list[str]:
    """The question's own subject words, in their original spelling."""
    keep = set(question_terms(question))
    words = re.findall(r"[A-Za-z0-9£][\w'’/.&-]*", question)
    words = [re.sub(r"['’]s$", "", w.rstrip(".")) for w in words]
    return [w for w in words if set(question_terms(w)) & keep]


def follows_from(question: str, history: list[Turn]) -> tuple[str, ...]:
    """The passages a follow-up leans on: those the previous answer cited."""
    return history[-1].cited if history and needs_context(question) else ()


def ask(
    question: str,
    searcher: Searcher,
    history: list[Turn] | None = None,
    *,
    k: int | None = None,
    filters: Filters | None = None,
    on_token: Callable[[str], None] | None = None,
) -> Answer:
    """Answer a question in a conversation; ``Answer.query`` shows what was searched.

    With a language model configured the answer is written by it and verified
    (``on_token`` sees the draft as it streams); otherwise it is extractive.
    """
    history = history or []
    query = condense(question, history)
    near = follows_from(question, history)
    writer = get_writer(searcher.settings)
    if writer is None:
        return answer_question(question, searcher, k=k, filters=filters, query=query, near=near)
    from retrieval.generate import generate_answer

    return generate_answer(
        question, searcher, writer, k=k, filters=filters, query=query, near=near, on_token=on_token
    )
