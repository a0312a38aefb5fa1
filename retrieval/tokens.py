"""Words and terms as search reads them: figures kept whole, stopwords dropped, stems (PyStemmer), as bm25s does."""

from __future__ import annotations

import functools
import re

import bm25s
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

# Keep figures such as 2023/24, 1,166 and 1.337m whole; single characters count too.
TOKEN_PATTERN = r"(?u)\b\w+(?:[.,/]\w+)*\b"
STEMMER = Stemmer.Stemmer("english")

def tokenize(texts: list[str]) -> list[list[str]]:
    if len(texts) == 1:  # a question, a sentence, a word: asked again and again while answering
        return [list(_tokenize_one(texts[0]))]
    return _tokenize(texts)


# "the Commissioner's proposals": the "s" of a possessive is no term ("the chief constable's salary"
# would otherwise match every possessive in the index).
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b", re.I)


def _tokenize(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(
        [_POSSESSIVE.sub("", text) for text in texts],
        token_pattern=TOKEN_PATTERN,
        stopwords="en",
        stemmer=STEMMER,
        return_ids=False,
        show_progress=False,
    )


_SPLIT = re.compile(TOKEN_PATTERN).findall
_STOPWORDS = frozenset(STOPWORDS_EN)


@functools.lru_cache(maxsize=65_536)
def _tokenize_one(text: str) -> tuple[str, ...]:
    # What bm25s.tokenize does for one text (lower, split, drop stopwords, stem), without its ~0.1 ms
    # of setup a call: answering a question tokenises hundreds of sentences and words.
    return tuple(STEMMER.stemWords([t for t in _SPLIT(_POSSESSIVE.sub("", text).lower()) if t not in _STOPWORDS]))


# Words that shape a question but say nothing about its subject.
QUESTION_WORDS = frozenset(
    tokenize(
        [
            "what which who whom whose when where why how many much did does do is are was were "
            "has have had find finding findings say says said tell me about there any give list describe "
            "explain please happen happened mention mentioned according documents document show shows "
            "can could would should will us know"
        ]
    )[0]
)


def question_terms(question: str) -> list[str]:
    """The question's subject terms, tokenised as the index is, in order, once each."""
    return [t for t in dict.fromkeys(tokenize([question])[0]) if t not in QUESTION_WORDS]


def query_terms_text(question: str) -> str:
    """The question without its question words, for BM25."""
    kept = [w for w in words(question) if not set(tokenize([w])[0]) <= QUESTION_WORDS]
    return " ".join(kept) or question


def words(text: str) -> list[str]:
    return re.findall(TOKEN_PATTERN, text.lower())
