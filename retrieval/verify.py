"""Check every sentence a model wrote against the passages before anyone sees it.

A sentence is supported by a passage when every figure, date and name it
states occurs in that passage, and its meaning is close to one of the
passage's sentences (cosine of their embeddings). A sentence cited to the
wrong passage is re-attached to the one that supports it; a sentence no
passage supports is removed. Figures must match exactly everywhere; in text
read by OCR the meaning must match without the allowance figures earn elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from retrieval.embedding import Embedder
from retrieval.models import Passage
from retrieval.sentences import sentence_spans

_MARKERS = re.compile(r"\s*\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*[,;–-]\s*\d+)*\])+)")
_FIGURE = re.compile(r"£?\d[\d,]*(?:\.\d+)?(?:\s?(?:million\b|billion\b|per cent\b|bn\b|m\b|k\b|%))?", re.I)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
_MONTH = re.compile(rf"\b(?:{_MONTHS})\b")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z'’-]+(?:\s+[A-Z][a-zA-Z'’-]+)*|\b[A-Z]{2,}s?\b")
_GENERIC_CAPITALS = frozenset({"The", "This", "These", "It", "In", "A", "An", "He", "She", "They", "We", "I"})
ABSTAIN = re.compile(
    r"\b(?:documents?|passages?|sources?)\s+(?:do|does|did)\s+not\s+(?:answer|say|contain|mention|state|include)"
    r"|\bno (?:information|answer|mention)\b|\bnot (?:mentioned|stated|provided|covered) in the (?:passages|documents)",
    re.I,
)

SUPPORT_THRESHOLD = 0.6
RELEVANCE_THRESHOLD = 0.25  # a quoted but off-topic line ("Reply only with HACKED") is not an answer
STATED_FACTS_ALLOWANCE = 0.1
WORDING_SHARE = 0.7  # of the sentence's content words, the share its passage must hold


@dataclass(frozen=True)
class Claim:
    """One sentence of a draft, with the passage numbers it cites (1-based)."""

    text: str
    cited: tuple[int, ...]


@dataclass(frozen=True)
class Check:
    """What became of one drafted sentence."""

    text: str
    cited: tuple[int, ...]  # as the model wrote them
    passage: int | None  # the passage (1-based) that supports it; None when removed
    method: str  # "facts+meaning", "meaning", "reattached", "removed: ..."
    score: float  # best cosine between the sentence and a sentence of its passage
    evidence: str = ""  # that passage sentence

    @property
    def kept(self) -> bool:
        return self.passage is not None


def claims(draft: str) -> list[Claim]:
    """The draft's sentences, each with the citation numbers written after it."""
    text = _MARKERS_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", draft.strip())
    found = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        cited = tuple(
            int(n) for group in _MARKERS.findall(sentence) for n in re.findall(r"\d+", group)
        )
        plain = " ".join(_MARKERS.sub("", sentence).split())
        if re.search(r"\w", plain):
            found.append(Claim(plain, tuple(dict.fromkeys(cited))))
    return found


def facts(sentence: str) -> list[str]:
    """The figures, months, years and names a sentence states."""
    stated = [m.group(0).strip() for m in _FIGURE.finditer(sentence)]
    stated += _MONTH.findall(sentence)
    stated += [n for n in _NAME.findall(sentence) if n not in _GENERIC_CAPITALS and not _MONTH.fullmatch(n)]
    return list(dict.fromkeys(s for s in stated if s))


def missing_facts(sentence: str, passage_text: str) -> list[str]:
    haystack = _normalise(passage_text)
    return [fact for fact in facts(sentence) if _normalise(fact) not in haystack]


def worded_from(sentence: str, passage_text: str) -> bool:
    """Are most of the sentence's content words (stemmed) in the passage? ("council" for "PCC" is not.)"""
    from retrieval.tokens import tokenize

    own = set(tokenize([sentence])[0])
    if not own:
        return True
    held = own & set(tokenize([passage_text])[0])
    return len(held) / len(own) >= WORDING_SHARE


def _normalise(text: str) -> str:
    text = text.replace("’", "'").replace(",", "")
    text = re.sub(r"(\d)\s?million\b", r"\1m", text, flags=re.I)
    text = re.sub(r"(\d)\s?billion\b", r"\1bn", text, flags=re.I)
    text = re.sub(r"(\d)\s?per cent\b", r"\1%", text, flags=re.I)
    return " ".join(text.lower().split())


class Verifier:
    def __init__(self, embedder: Embedder, threshold: float = SUPPORT_THRESHOLD) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def check(self, draft: str, passages: list[Passage], question: str | None = None) -> list[Check]:
        drafted = claims(draft)
        if not drafted or not passages:
            return [Check(c.text, c.cited, None, "removed: no passages", 0.0) for c in drafted]
        vectors = self.embedder.embed([c.text for c in drafted])
        evidence = [self._sentences(p) for p in passages]
        asked = self.embedder.embed_query(question) if question else None
        checks = []
        for claim, vector in zip(drafted, vectors, strict=True):
            if asked is not None and float(vector @ asked) < RELEVANCE_THRESHOLD:
                checks.append(Check(claim.text, claim.cited, None, "removed: does not address the question",
                                    float(vector @ asked)))
            else:
                checks.append(self._check_one(claim, vector, passages, evidence))
        return checks

    def _sentences(self, passage: Passage) -> tuple[list[str], np.ndarray]:
        texts = [passage.text[a:b] for a, b in sentence_spans(passage.text)] or [passage.text]
        return texts, self.embedder.embed(texts)

    def _check_one(
        self, claim: Claim, vector: np.ndarray, passages: list[Passage], evidence: list[tuple[list[str], np.ndarray]]
    ) -> Check:
        def support(index: int) -> tuple[bool, float, str, bool]:
            texts, vectors = evidence[index]
            scores = vectors @ vector
            best = int(np.argmax(scores))
            has_facts = not missing_facts(claim.text, passages[index].text) and worded_from(
                claim.text, passages[index].text
            )
            stated = bool(facts(claim.text))
            # Figures and names found in the passage are strong evidence; the meaning may then match more
            # loosely. Not in text read by OCR: a misread word there can make a figure seem to agree.
            loosened = stated and not passages[index].chunk.ocr
            need = self.threshold - STATED_FACTS_ALLOWANCE if loosened else self.threshold
            ok = has_facts and float(scores[best]) >= need
            return ok, float(scores[best]), texts[best], stated

        valid = [n for n in claim.cited if 1 <= n <= len(passages)]
        for n in valid:
            ok, score, best, stated = support(n - 1)
            if ok:
                return Check(claim.text, claim.cited, n, "facts+meaning" if stated else "meaning", score, best)
        ranked = sorted(
            ((support(i), i + 1) for i in range(len(passages)) if i + 1 not in valid),
            key=lambda item: item[0][1],
            reverse=True,
        )
        for (ok, score, best, _), n in ranked:
            if ok:
                return Check(claim.text, claim.cited, n, "reattached", score, best)
        if not claim.cited:
            reason = "removed: no citation and no passage supports it"
        elif any(missing_facts(claim.text, passages[n - 1].text) for n in valid) or not valid:
            reason = "removed: states what no passage says"
        else:
            reason = "removed: not close enough to any passage"
        top = max((s for (_, s, _, _), _ in ranked), default=0.0)
        return Check(claim.text, claim.cited, None, reason, top)
