"""Scoring: each sentence of the candidate passages against the question's profile.

A sentence is scored by its own embedding's similarity to the question, by how
much of the question's weight (IDF of its terms) it covers (an everyday phrase,
"people giving evidence", is covered by its official terms, "witnesses"), and
by whether it holds the kind of thing asked for (a sum of money, a figure, a
date; for "why", a reason; for yes or no, a verdict). A sentence that cannot
answer (of the wrong kind, or for another period) is kept with ``fits_kind``
or ``fits_period`` false, so that abstention can say why nothing answered.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from retrieval import answer_model
from retrieval.answer_model import AnswerModel, Pair
from retrieval.conflicts import GRADE
from retrieval.errors import ConfigError
from retrieval.lexical import LexicalIndex
from retrieval.tokens import question_terms, tokenize
from retrieval.models import Passage
from retrieval.periods import Period
from retrieval.profile import ANYONE, RESPONSE_NOUN, RESPONSE_VERB, QuestionProfile
from retrieval.quoting import is_heading, quoted
from retrieval.relative_dates import RELATIVE
from retrieval.search import Evidence
from retrieval.windows import weighted_share
from retrieval.sentences import sentence_spans
from retrieval.settings import SentenceScoring, Settings
from retrieval.speakers import introduced_for, is_party, speaker_at
from retrieval.vocabulary import Vocabulary, everyday_phrases


_NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand|million|half"
_KIND_NEEDS = {
    "grade": GRADE,
    "money": re.compile(r"£\s?\d"),
    "figure": re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.I),
    "date": re.compile(
        r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
        r"|\b(?:19|20)\d{2}\b|\bQ[1-4]\b|\b\d+\s+(?:days?|weeks?|months?|years?)\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"
        rf"|(?i:{RELATIVE.pattern})",  # "last month": the document’s date says which
    ),
}
# Numbers that name rather than count: "Grade 2 and 3", "Quarter 2", "AFI 4", "Safer Streets Five", the 999 line.
_LABEL = re.compile(
    r"\b(?:grade|quarter|tier|phase|level|stage|section|priority|schedule|part|op|operation|afi|recommendation"
    r"|paragraph|appendix|annex|item|streets|round)\s+(?:\d{1,3}|one|two|three|four|five|six)\b"
    r"(?:\s*(?:,|and|or|&)\s*\d{1,3}\b)*|\bQ[1-4]\b|\b(?:to|via|on|ring|dial)\s+(?:999|101)\b|\b(?:999|101)(?=\s+(?:and\s+(?:999|101)\s+)?(?:calls?|callers?|lines?|services?|numbers?))",
    re.I,
)


@dataclass(frozen=True)
class Candidate:
    """An answer sentence and the signals it is scored by."""

    passage_index: int
    text: str
    coverage: float  # share of the question's IDF weight it holds (context counts part)
    similarity: float  # cosine with the question
    fits_kind: bool
    fits_period: bool
    gives_reason: bool = False  # a "why" question, and the sentence says because, due to, result of...
    gives_verdict: bool = False  # a yes-or-no question, and the sentence says not, still, remains, met...
    span: tuple[int, int] = (0, 0)  # where it stands in the passage's text
    answers: float | None = None  # the answer model's probability that it answers (None: not read)

    def score(self, weights: SentenceScoring) -> float:
        return (
            weights.model * (self.answers or 0.0)
            + weights.coverage * self.coverage
            + weights.similarity * self.similarity
            + weights.rank / (1 + self.passage_index)
            + (weights.kind if self.fits_kind else 0.0)
            + (weights.reason if self.gives_reason else 0.0)
            + (weights.verdict if self.gives_verdict else 0.0)
        )


_BECAUSE = re.compile(
    r"\b(?:because|due to|as a result|result of|owing to|caused by|driven by|reflects?|reasons?|attributed to"
    r"|following|in order to|so that|lack of|limits|limited by|prevents|hinders|hampers)\b",
    re.I,
)


# What says yes or no: a negation, a state that lasts, or a standard reached.
_VERDICT = re.compile(
    r"\b(?:not|no|never|none|nor|yet|still|remains?|remained|continues?|continued|met|achieved|resolved|lifted"
    r"|removed|closed|discharged|completed)\b|n['’]t\b",
    re.I,
)


def responds(sentence: str, party: str) -> bool:
    """Does the party act in the sentence ("the Home Secretary replied", "a reply from the Home Secretary")?

    Being written to does not count: "the PCC response to the Home Secretary".
    """
    name = re.escape(party)
    return bool(
        re.search(rf"\b{name}\b(?:['’]s)?\W+(?:[\w'’-]+\W+){{0,4}}?{RESPONSE_VERB}", sentence, re.I)
        or re.search(rf"\b{RESPONSE_NOUN}\s+(?:from|of|by)\s+(?:the\s+)?{name}\b", sentence, re.I)
    )


_MONTHS = "January February March April May June July August September October November December".split()


def _name_runs(question: str) -> list[str]:
    """Runs of two or more capitalised words ("Norfolk Constabulary"), not opening the question."""
    runs: list[list[str]] = []
    current: list[str] = []
    for i, token in enumerate(re.findall(r"[\w&-]+(?:['’]s)?|[^\w\s]", question)):
        word = re.sub(r"['’]s$", "", token)
        capital = i > 0 and word[:1].isupper() and word not in _MONTHS and word.isalpha()
        if capital or (word == "of" and current):
            current.append(word)
        if not capital and not (word == "of" and current) or word != token:
            runs.append(current)
            current = []
    runs.append(current)
    return [" ".join(r).removesuffix(" of") for r in runs if len([w for w in r if w != "of"]) >= 2]


def unknown_names(question: str, lexical: LexicalIndex) -> list[str]:
    """Names and years in the question that no document contains.

    A capitalised word, a run of them ("Greater Manchester", "Norfolk
    Constabulary": every word may occur, but not together), or a year counts.
    """
    words_ = re.findall(r"[A-Za-z0-9£][\w'’/.-]*", question)
    singles = [
        w.strip(".") for i, w in enumerate(words_)
        if (i > 0 and w[0].isupper() and not w.isupper() and len(w) > 2) or re.fullmatch(r"(?:19|20)\d{2}", w)
    ]
    missing = [w for w in singles if not lexical.knows_spelling(w)]
    for phrase in _name_runs(question):
        if not all(lexical.knows(w) for w in phrase.split() if w != "of"):
            continue  # a word of it is missing (said above) or misspelt: no phrase to look for
        if not lexical.has_phrase(phrase):
            missing.append(phrase)
    return missing


def _fits_period(asked: tuple[Period, ...], passage: Passage) -> bool:
    """Does the passage speak for the period asked about (all of one, or any of several)?

    Any report is written in a period and names the ones it covers; a
    passage of a 2023 letter speaks for 2023 and 2023/24 without saying so.
    """
    if not asked:
        return True
    haystack = f"{passage.chunk.context}\n{passage.text}"
    found = [period.speaks_for(haystack, passage.chunk.doc.date) for period in asked]
    return any(found) if len(asked) > 1 else all(found)


def candidates(profile: QuestionProfile, evidence: Evidence) -> list[Candidate]:
    """Every answer-worthy sentence of the evidence's passages, with its signals."""
    lexical, passages = evidence.lexical, evidence.passages
    idf = lexical.idf(list(profile.terms))
    kind = profile.kind
    counted = list(profile.counted)
    named = _rarest(list(profile.measured), lexical)
    stand_ins = _stand_ins(profile.text, evidence.vocabulary)

    def held(term: str, where: set[str]) -> bool:
        return term in where or not stand_ins.get(term, frozenset()).isdisjoint(where)

    document_text = functools.cache(lambda doc_id: _document_text(doc_id, lexical))

    @functools.cache
    def speaks_for(speaker: str, doc_id: str) -> bool:
        return introduced_for(speaker, str(profile.responder), document_text(doc_id))

    found: list[Candidate] = []
    for index, passage in enumerate(passages):
        heading = set(tokenize([passage.chunk.context])[0])
        body = set(tokenize([passage.text])[0])
        vectors = {(a, b): v for a, b, v in evidence.vectors.get(passage.chunk.chunk_id, [])}
        fits_period = _fits_period(profile.periods, passage)
        # The sentence before ("this disposal ... for £1.2m" names its subject one sentence earlier).
        present = set(tokenize([_lead_in(passage, lexical)])[0])
        for start, end in sentence_spans(passage.text):
            raw = passage.text[start:end]
            text = quoted(raw)
            lead, present = present, set(tokenize([text])[0])
            context = heading | lead
            if len(text.split()) < 4 or (start, end) not in vectors or is_heading(raw) or _asks(text):
                continue
            coverage = weighted_share(
                idf, lambda t: 1.0 if held(t, present) else 0.5 if held(t, context) else 0.3 if held(t, body) else 0.0
            )
            similarity = float(np.dot(evidence.query_vector, vectors[(start, end)]))
            # Labels first: "999 and 101 calls" names two lines even when the question's "101" is blanked after.
            plain = _without(_LABEL.sub(" ", text) if kind == "figure" else text, profile.numbers)
            fits_kind = kind == "any" or bool(_KIND_NEEDS[kind].search(plain))
            if fits_kind and counted:
                fits_kind = _counts(plain, counted, body | context)
            if fits_kind and named:
                fits_kind = named in present | lead  # a figure of what was asked about, not of something else
            if fits_kind and profile.responder:
                # In a transcript a party responds by speaking, itself or through someone introduced as its own.
                speaker = speaker_at(passage.text, start, passage.chunk.speaker)
                fits_kind = responds(text, profile.responder) or bool(speaker) and (
                    is_party(speaker, profile.responder) or speaks_for(speaker, passage.chunk.doc.doc_id)
                )
            reason = profile.why and bool(_BECAUSE.search(text))
            verdict = profile.whether and bool(_VERDICT.search(text))
            found.append(
                Candidate(index, text, coverage, similarity, fits_kind, fits_period, reason, verdict, (start, end))
            )
    return found


def judged(question: str, found: list[Candidate], passages: list[Passage], settings: Settings) -> list[Candidate]:
    """``found`` with the answer model's probability on the ``answer_model_candidates`` best of them
    (by the other signals); the rest keep ``answers`` None. Unchanged when no model is in use."""
    model = answer_model_of(settings)
    if model is None or not found:
        return found
    weights = settings.sentence_scoring
    best = sorted(range(len(found)), key=lambda i: found[i].score(weights), reverse=True)
    read = best[: settings.answer_model_candidates]
    pairs = [Pair(found[i].text, _leans_on(passages[found[i].passage_index], found[i].span)) for i in read]
    judged_ = list(found)
    for i, probability in zip(read, model.score(question, pairs), strict=True):
        judged_[i] = replace(found[i], answers=float(probability))
    return judged_


def answer_model_of(settings: Settings) -> AnswerModel | None:
    """The answer model the settings name, loaded once; None for 'none'."""
    if settings.answer_model == "none":
        return None
    folder = answer_model.HERE if settings.answer_model == "packaged" else Path(settings.answer_model).expanduser()
    if not answer_model.available(folder):
        raise ConfigError(f"no answer model in {folder} (answer_model: 'packaged', a folder holding one, or 'none')")
    return answer_model.load(folder.resolve())


def _leans_on(passage: Passage, span: tuple[int, int]) -> str:
    """What a sentence leans on: its passage's heading (and a table's header row), and the sentence before."""
    before = [s for s in sentence_spans(passage.text) if s[1] <= span[0]]
    previous = passage.text[before[-1][0] : before[-1][1]] if before else ""
    return " | ".join(part for part in (passage.chunk.section, passage.chunk.header, previous) if part)


def _stand_ins(query: str, vocabulary: Vocabulary) -> dict[str, frozenset[str]]:
    """Each word of an everyday phrase in the query, with the words of its official terms that stand in for it.

    "people giving evidence" is held by a sentence about witnesses.
    """
    found: dict[str, frozenset[str]] = {}
    for phrase, terms in everyday_phrases(query, vocabulary).items():
        official = frozenset(tokenize([" ".join(terms)])[0])
        for term in question_terms(phrase):
            found[term] = found.get(term, frozenset()) | official
    return found


def _document_text(doc_id: str, snapshot: LexicalIndex) -> str:
    """A document's text as its passages hold it, in order.

    Read from the searcher's snapshot rather than ``Store.document_text``: the same state the passages
    came from, and no read from the store while answering.
    """
    ids = itertools.takewhile(bool, (snapshot.by_position.get((doc_id, i), "") for i in itertools.count()))
    return "\n\n".join(snapshot.by_id[i].text for i in ids)


def _lead_in(passage: Passage, snapshot: LexicalIndex) -> str:
    """The sentence before the passage when it continues a paragraph split across chunks."""
    chunk = passage.chunk
    previous = snapshot.by_id.get(snapshot.by_position.get((chunk.doc.doc_id, chunk.index - 1), ""))
    if (
        previous is None
        or not chunk.paragraph
        or (previous.paragraph, previous.section) != (chunk.paragraph, chunk.section)
    ):
        return ""
    spans = sentence_spans(previous.text)
    return previous.text[spans[-1][0] : spans[-1][1]] if spans else ""


def answers_well(candidate: Candidate, settings: Settings) -> bool:
    """Is this sentence good enough to be quoted as an answer? Every abstention on weak evidence is decided here.

    A sentence whose passage holds none of the question's words is only like it in meaning:
    on a small corpus, a question about anything at all finds one (the nearest of a few).
    """
    if candidate.coverage == 0 or candidate.score(settings.sentence_scoring) < settings.abstain_below:
        return False
    return candidate.answers is None or candidate.answers >= settings.answer_model_floor


def choose(found: list[Candidate], settings: Settings, parts: int = 1) -> list[Candidate]:
    """The answer's sentences, best first; empty when Quorum should abstain.

    ``parts`` is how many parts the question was split into: each gets a share of the sentences.
    """
    weights = settings.sentence_scoring
    usable = sorted((c for c in found if c.fits_kind and c.fits_period), key=lambda c: c.score(weights), reverse=True)
    if not usable or not answers_well(usable[0], settings):
        return []
    best = usable[0].score(weights)
    chosen = [usable[0]]
    for candidate in usable[1:]:
        if len(chosen) >= max(1, settings.max_answer_sentences // parts):
            break
        if candidate.score(weights) >= settings.keep_ratio * best and candidate.text not in {c.text for c in chosen}:
            chosen.append(candidate)
    return chosen


_DURATION = r"(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?)\b|(?:hrs?|mins?)\b"
# A number that counts: not a sum (£), a share (%), a year, or a length of time.
_A_COUNT = re.compile(rf"(?<![£\d.,/])(?!(?:19|20)\d\d\b)\d[\d,]*(?![\d.,]*\s*(?:%|per ?cent|{_DURATION}))", re.I)


def _rarest(terms: list[str], lexical: LexicalIndex) -> str | None:
    """The term that says most precisely what is meant: the one fewest passages hold."""
    if not terms:
        return None
    idf = lexical.idf(terms)
    return max(terms, key=lambda t: idf[t])


def _counts(text: str, things: list[str], passage_terms: set[str]) -> bool:
    """Does a number count the thing asked about? The head noun must stand next to it: after it
    within five words ("85 officers"), or before it within four ("the number of mounted officers
    rises from 6 to 9", a bare number only), as any writer names what a figure counts; the noun's modifiers
    ("community support") must occur in the passage."""
    head, modifiers = things[-1], set(things[:-1])
    if not modifiers <= passage_terms:
        return False
    if head in ANYONE:  # "how many people": any count, but not a sum, a share, a year or a length of time
        return bool(_A_COUNT.search(text))
    tokens = re.findall(r"[\w£%.,/'’-]+", text)
    for i, token in enumerate(tokens):
        if re.fullmatch(r"£?\d[\d,.]*%?", token) or token.lower() in _NUMBER_WORDS.split("|"):
            if head in tokenize([" ".join(tokens[i + 1 : i + 6])])[0]:
                return True
            after = " ".join(tokens[i + 1 : i + 2])
            bare = not re.search(r"[£%]", token) and not re.match(rf"(?:{_DURATION}|per ?cent)", after, re.I)
            if bare and head in tokenize([" ".join(tokens[max(0, i - 4) : i])])[0]:
                return True  # a bare number after the noun: not a sum, a share or a length of time
    return False


def _asks(sentence: str) -> bool:
    """A question the document asks ("How effective is the force ...?"): it heads an answer, it is not one."""
    return sentence.rstrip("”\"’' ").endswith("?")


def _without(text: str, numbers: tuple[str, ...]) -> str:
    """The text with the question's own numbers blanked (they cannot be its answer)."""
    for number in numbers:
        text = re.sub(rf"(?<![\d.,/]){re.escape(number)}(?![\d.,/]*\d)", " ", text)
    return text
