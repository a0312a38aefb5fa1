"""Extractive answers: sentences quoted verbatim from the passages, each cited.

No model writes anything here. Candidate passages from hybrid search are split
into sentences, and each sentence is scored by its own embedding's similarity
to the question, by how much of the question's weight (IDF of its terms) it
covers (an everyday phrase, "people giving evidence", is covered by its
official terms, "witnesses"), and by whether it holds the kind of thing asked
for (a sum of money, a figure, a date; for "why", a reason). The best
sentences become the answer.

Quorum abstains rather than guess when the question names something no
document mentions, when it asks for a kind of fact (a sum, a count, a date) or
a period (2024/25) that no good sentence supplies, when no figure is of the
thing measured ("the satisfaction rate" needs a sentence about satisfaction;
"Grade 2" and "the 101 line" name, they do not count), when it asks how a named
party responded and no sentence has that party respond, or when no sentence is
close enough to the question.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from retrieval.errors import InvalidQuestion
from retrieval.lexical import LexicalIndex, question_terms, tokenize
from retrieval.conflicts import GRADE, Side, disagreement, stated_values
from retrieval.models import Answer, Citation, Conflict, Passage, long_date
from retrieval.relative_dates import RELATIVE
from retrieval.search import Searcher
from retrieval.sentences import sentence_spans
from retrieval.settings import SentenceScoring, Settings
from retrieval.store import Filters
from retrieval.vocabulary import everyday_phrases

NO_ANSWER = "The documents do not answer this question."
MAX_QUESTION_CHARS = 1000
CANDIDATE_PASSAGES = 8

_MARKER = re.compile(r"^(?:\d{1,3}\.\s+|•\s*)")
_BARE_MARKER = re.compile(r"\d{1,3}\.|•")  # a paragraph's number, split off as a sentence of its own
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
# An inspectorate's graded judgement ("What grades did West Mercia get?"), not an incident grade.
_ASKS_GRADE = re.compile(
    r"\b(?:what|which)\s+(?:[\w-]+\s+){0,2}(?:grades?|gradings?|ratings?|judgements?|judgments?)\b"
    r"|\bhow (?:was|were|is|are|did)\b.*\b(?:rated|graded|judged|do)\b.*\b(?:inspection|peel|hmicfrs|inspectorate)\b"
    r"|\b(?:rated|graded|judged)\b"
)
_PERIOD = re.compile(r"\b(?:19|20)\d{2}(?:/\d{2})?\b")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b(?!/\d)")


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

    def score(self, weights: SentenceScoring) -> float:
        return (
            weights.coverage * self.coverage
            + weights.similarity * self.similarity
            + weights.rank / (1 + self.passage_index)
            + (weights.kind if self.fits_kind else 0.0)
            + (weights.reason if self.gives_reason else 0.0)
            + (weights.verdict if self.gives_verdict else 0.0)
        )


def answer_kind(question: str) -> str:
    """What sort of fact the question asks for: grade, money, figure, date, or any."""
    q = question.lower()
    if _ASKS_GRADE.search(q) and not re.search(r"\b(?:incident|call|response)s?\b", q):
        return "grade"
    # Words between "what is the" and the measure, none a preposition: "the position on the budget" asks no sum.
    modifier = r"(?:(?!(?:on|of|for|about|with|in|to|at|from|by|regarding)\b)[\w'’/-]+ )"
    measures = r"(?:percentage|proportion|share|rate|number|figure|count|level|average|ratio|total)"
    if re.search(
        rf"\bhow many\b|\bwhat {measures}\b|\bper ?cent\b|\baverage\b"
        rf"|\b(?:what|which) (?:is|was|were|are) (?:the )?{modifier}{{0,5}}{measures}\b",
        q,
    ):
        return "figure"
    money = r"(?:cost|costs|budget|funding|spend|spent|precept|money|worth|price|amount|sum|value|requirement|total)"
    if re.search(
        rf"\bhow much (?:\w+ ){{0,3}}{money}\b|\bfor how much\b|\bhow much did\b.*\b(?:cost|pay|spend|sell)\b"
        rf"|\b(?:what|which) (?:is|was|were|are|will be) (?:the )?{modifier}{{0,4}}{money}\b|\bcost\b",
        q,
    ):
        return "money"
    if re.search(r"\bhow much\b", q):
        return "figure"
    # "When ...", "and when ...", "by when": a date; "Why can't it tell when staff ask?": not.
    if re.search(r"(?:^|,|\band|\bby)\s*when\b|\bwhat (?:date|year|month|day)\b|\bhow long\b|\bby what date\b", q):
        return "date"
    return "any"


_WHY = re.compile(r"^\s*why\b|\bwhat (?:is|was|were|are) (?:the )?(?:reason|cause)s?\b|\bwhat caused\b|\bhow come\b", re.I)
_BECAUSE = re.compile(
    r"\b(?:because|due to|as a result|result of|owing to|caused by|driven by|reflects?|reasons?|attributed to"
    r"|following|in order to|so that|lack of|limits|limited by|prevents|hinders|hampers)\b",
    re.I,
)


def asks_why(question: str) -> bool:
    return bool(_WHY.search(question))


# "Was the recommendation met?", "So has the cause of concern been removed?": yes or no.
_WHETHER = re.compile(
    r"^\s*(?:(?:and|so|but)\s+)?(?:is|are|was|were|has|have|had|did|does|do|will|would|can|could)\b(?!.*\bor\b)",
    re.I,
)
# What says yes or no: a negation, a state that lasts, or a standard reached.
_VERDICT = re.compile(
    r"\b(?:not|no|never|none|nor|yet|still|remains?|remained|continues?|continued|met|achieved|resolved|lifted"
    r"|removed|closed|discharged|completed)\b|n['’]t\b",
    re.I,
)


def asks_whether(question: str) -> bool:
    """A yes-or-no question ("Has the cause of concern been lifted?"), not a choice ("Is it A or B?")."""
    return bool(_WHETHER.search(question))


_RESPONSE_VERB = r"(?:respond|replie|reply|react|answer|wrote|write|said|state|agree|accept|reject|decline|refuse|confirm)\w*"
_RESPONSE_NOUN = r"(?:response|reply|replies|reaction|answer|letter)s?"
_NAMED = r"[A-Z][\w&'’-]*(?:\s+(?:of\s+)?[A-Z][\w&'’-]*)*"
_ASKS_RESPONSE = re.compile(  # the words around the name in any case; the name capitalised
    rf"(?i:\bhow (?:did|has|have|does|do|will|would) (?:the )?)({_NAMED})(?i: (?:respond|react|reply|answer)\b)"
    rf"|(?i:\bwhat (?:was|is|were|are) (?:the )?)({_NAMED})(?i:['’]s? {_RESPONSE_NOUN}\b)"
    rf"|(?i:\bwhat (?:was|is) the {_RESPONSE_NOUN} (?:from|of|by) (?:the )?)({_NAMED})"
)


def responding_party(question: str) -> str | None:
    """Who a question asks the response of, when it names them: "How did the Home Secretary respond ...?"

    Only a named party (capitalised): "how did people react" may be answered by
    "representatives ... expressed reservations".
    """
    match = _ASKS_RESPONSE.search(question)
    return next((group for group in match.groups() if group), None) if match else None


def responds(sentence: str, party: str) -> bool:
    """Does the party act in the sentence ("the Home Secretary replied", "a reply from the Home Secretary")?

    Being written to does not count: "the PCC response to the Home Secretary".
    """
    name = re.escape(party)
    return bool(
        re.search(rf"\b{name}\b(?:['’]s)?\W+(?:[\w'’-]+\W+){{0,4}}?{_RESPONSE_VERB}", sentence, re.I)
        or re.search(rf"\b{_RESPONSE_NOUN}\s+(?:from|of|by)\s+(?:the\s+)?{name}\b", sentence, re.I)
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


def unknown_names(question: str, searcher: Searcher) -> list[str]:
    """Names and years in the question that no document contains.

    A capitalised word, a run of them ("Greater Manchester", "Norfolk
    Constabulary": every word may occur, but not together), or a year counts.
    """
    lexical = searcher.lexical
    words_ = re.findall(r"[A-Za-z0-9£][\w'’/.-]*", question)
    singles = [
        w.strip(".") for i, w in enumerate(words_)
        if (i > 0 and w[0].isupper() and not w.isupper() and len(w) > 2) or re.fullmatch(r"(?:19|20)\d{2}", w)
    ]
    missing = [w for w in singles if not lexical.knows(w)]
    for phrase in _name_runs(question):
        if not any(w in phrase for w in missing) and not lexical.has_phrase(phrase):
            missing.append(phrase)
    return missing


def _financial_year(iso_date: str) -> set[str]:
    """The periods a dated document speaks for: its year and its April-to-March year."""
    if len(iso_date) < 7:
        return set()
    year, month = int(iso_date[:4]), int(iso_date[5:7])
    start = year if month >= 4 else year - 1
    return {str(year), f"{start}/{(start + 1) % 100:02d}"}


def _fits_period(periods: list[str], passage: Passage) -> bool:
    if not periods:
        return True
    haystack = f"{passage.chunk.context}\n{passage.text}"
    own = _financial_year(passage.chunk.doc.date)
    found = [p in haystack or p in own for p in periods]
    return any(found) if len(periods) > 1 else all(found)


def candidates(
    query: str, passages: list[Passage], query_vector: np.ndarray, searcher: Searcher
) -> list[Candidate]:
    """Every answer-worthy sentence of the passages, with its signals."""
    terms = question_terms(query)
    idf = searcher.lexical.idf(terms)
    total = sum(idf.values()) or 1.0
    kind = answer_kind(query)
    periods = _PERIOD.findall(query)
    counted = counted_things(query)
    named = _rarest(measured_terms(query), searcher)
    why = asks_why(query)
    whether = asks_whether(query)
    responder = responding_party(query)
    own_numbers = sorted(set(re.findall(r"\d[\d,./]*\d|\d", query)), key=len, reverse=True)
    stand_ins = _stand_ins(query, searcher)

    def held(term: str, where: set[str]) -> bool:
        return term in where or not stand_ins.get(term, frozenset()).isdisjoint(where)

    stored = searcher.store.sentence_vectors([p.chunk for p in passages])
    found: list[Candidate] = []
    for index, passage in enumerate(passages):
        heading = set(tokenize([passage.chunk.context])[0])
        body = set(tokenize([passage.text])[0])
        vectors = {(a, b): v for a, b, v in stored.get(passage.chunk.chunk_id, [])}
        fits_period = _fits_period(periods, passage)
        # The sentence before ("this disposal ... for £1.2m" names its subject one sentence earlier).
        present = set(tokenize([_lead_in(passage, searcher.lexical)])[0])
        for start, end in sentence_spans(passage.text):
            raw = passage.text[start:end]
            text = _quoted(raw)
            lead, present = present, set(tokenize([text])[0])
            context = heading | lead
            if len(text.split()) < 4 or (start, end) not in vectors or _is_heading(raw) or _asks(text):
                continue
            coverage = sum(
                weight * (1.0 if held(t, present) else 0.5 if held(t, context) else 0.3 if held(t, body) else 0.0)
                for t, weight in idf.items()
            ) / total
            similarity = float(np.dot(query_vector, vectors[(start, end)]))
            plain = _without(text, own_numbers)
            if kind == "figure":
                plain = _LABEL.sub(" ", plain)
            fits_kind = kind == "any" or bool(_KIND_NEEDS[kind].search(plain))
            if fits_kind and counted:
                fits_kind = _counts(plain, counted, body | context)
            if fits_kind and named:
                fits_kind = named in present | lead  # a figure of what was asked about, not of something else
            if fits_kind and responder:
                fits_kind = responds(text, responder)
            reason = why and bool(_BECAUSE.search(text))
            verdict = whether and bool(_VERDICT.search(text))
            found.append(
                Candidate(index, text, coverage, similarity, fits_kind, fits_period, reason, verdict, (start, end))
            )
    return found


def _stand_ins(query: str, searcher: Searcher) -> dict[str, frozenset[str]]:
    """Each word of an everyday phrase in the query, with the words of its official terms that stand in for it.

    "people giving evidence" is held by a sentence about witnesses.
    """
    found: dict[str, frozenset[str]] = {}
    for phrase, terms in everyday_phrases(query, searcher.vocabulary).items():
        official = frozenset(tokenize([" ".join(terms)])[0])
        for term in question_terms(phrase):
            found[term] = found.get(term, frozenset()) | official
    return found


def _quoted(raw: str) -> str:
    """A sentence as an answer quotes it: without its paragraph number or bullet."""
    return _MARKER.sub("", raw).strip()


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


def choose(found: list[Candidate], settings: Settings, parts: int = 1) -> list[Candidate]:
    """The answer's sentences, best first; empty when Quorum should abstain.

    ``parts`` is how many parts the question was split into: each gets a share of the sentences.
    """
    weights = settings.sentence_scoring
    usable = sorted((c for c in found if c.fits_kind and c.fits_period), key=lambda c: c.score(weights), reverse=True)
    if not usable or usable[0].score(weights) < settings.abstain_below:
        return []
    best = usable[0].score(weights)
    chosen = [usable[0]]
    for candidate in usable[1:]:
        if len(chosen) >= max(1, settings.max_answer_sentences // parts):
            break
        if candidate.score(weights) >= settings.keep_ratio * best and candidate.text not in {c.text for c in chosen}:
            chosen.append(candidate)
    return chosen


# A sentence that opens so leans on the one before it: "This", "However", "As a result".
_LEANS_BACK = re.compile(
    r"(?:this|these|those|such|however|but|by contrast|in contrast|conversely|in particular|despite this"
    r"|as a result|consequently|therefore|in addition|additionally|furthermore|moreover)\b",
    re.I,
)
Span = tuple[int, int]


@dataclass(frozen=True)
class Quotation:
    """Sentences quoted together from one passage, in the passage's order."""

    passage: Passage
    sentences: tuple[str, ...]


def context_of(passage: Passage, span: Span) -> list[Span]:
    """The sentence at ``span``, with the sentence before when it leans on that one,
    and the sentence after when that one leans on it; both from the same paragraph."""
    spans = sentence_spans(passage.text)
    if span not in spans:
        return [span]
    return [spans[i] for i in _context(passage, spans, spans.index(span))]


def _context(passage: Passage, spans: list[Span], i: int) -> list[int]:
    """``context_of`` over the passage's sentences, already split: the numbers of the sentences to quote."""
    run = [i]
    leans_back = _LEANS_BACK.match(_quoted(_text(passage, spans[i])))
    if i > 0 and leans_back and _continues(passage, spans[i - 1], spans[i]):
        run.insert(0, i - 1)
    if i + 1 < len(spans) and _continues(passage, spans[i], spans[i + 1]):
        following = _quoted(_text(passage, spans[i + 1]))
        if _LEANS_BACK.match(following) and len(following.split()) >= 4:
            run.append(i + 1)
    return run


def _text(passage: Passage, span: Span) -> str:
    return passage.text[span[0] : span[1]]


def _continues(passage: Passage, first: Span, second: Span) -> bool:
    """Do two neighbouring sentences belong to one paragraph, neither of them a heading?"""
    texts = (_text(passage, first), _text(passage, second))
    return (
        "\n\n" not in passage.text[first[1] : second[0]]
        and not _MARKER.match(texts[1])
        and not any(_is_heading(t) or _BARE_MARKER.fullmatch(t) for t in texts)
    )


def quotations(chosen: Sequence[tuple[Passage, Candidate]], with_context: bool = True) -> list[Quotation]:
    """The chosen sentences as the answer quotes them, best first.

    With ``with_context``, each comes with the neighbours it leans on (see
    ``context_of``). Sentences of one passage that follow one another are
    quoted as one run; no sentence is quoted twice.
    """
    runs: list[tuple[Passage, list[Span], list[int]]] = []  # passage, its sentences, the run's sentence numbers
    quoted: set[tuple[str, int]] = set()
    for passage, candidate in chosen:
        spans = sentence_spans(passage.text)
        if candidate.span not in spans:
            continue
        i = spans.index(candidate.span)
        indices = _context(passage, spans, i) if with_context else [i]
        fresh = [j for j in indices if (passage.chunk.chunk_id, j) not in quoted]
        if not fresh:
            continue
        quoted.update((passage.chunk.chunk_id, i) for i in fresh)
        joined = next(
            (run for other, _, run in runs
             if other.chunk.chunk_id == passage.chunk.chunk_id and (run[-1] + 1 == fresh[0] or fresh[-1] + 1 == run[0])),
            None,
        )
        if joined is None:
            runs.append((passage, spans, fresh))
        else:
            joined[:] = sorted(joined + fresh)
    return [Quotation(p, tuple(_quoted(_text(p, spans[i])) for i in run)) for p, spans, run in runs]


_ADJECTIVES = frozenset("extra additional new more further other different separate total police".split())
_VERBS = frozenset("has have had did does do are is were was will would could can should been being".split())


_DURATION = r"(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?)\b|(?:hrs?|mins?)\b"
# A number that counts: not a sum (£), a share (%), a year, or a length of time.
_A_COUNT = re.compile(rf"(?<![£\d.,/])(?!(?:19|20)\d\d\b)\d[\d,]*(?![\d.,]*\s*(?:%|per ?cent|{_DURATION}))", re.I)
_ANYONE = frozenset(tokenize(["people persons individuals ones members public"])[0])
_STOPS = frozenset("the a an of in on at to for by from with and or that which who than as".split())


def counted_things(question: str) -> list[str]:
    """Stems of what "how many ..." counts: "how many police community support officers does" -> all four
    but "police"; the words run until a verb, a preposition or a participle."""
    match = re.search(r"\bhow many\s+(.*)", question, re.I)
    if not match:
        return []
    nouns: list[str] = []
    for word in re.findall(r"[\w'’-]+", match.group(1))[:5]:
        lower = word.lower()
        if lower in _VERBS or lower in _STOPS or (lower.endswith("ed") and nouns):
            break
        if lower not in _ADJECTIVES and not lower.isdigit():
            nouns.append(word)
    return [t for w in nouns[-3:] for t in tokenize([w])[0]]


_MEASURED = re.compile(
    r"\b(?:what|which) (?:is|was|were|are|will be) (?:the )?((?:[\w'’/-]+ ){0,5}?)"
    r"(?:percentage|proportion|share|rate|number|figure|count|level|average|ratio|total|cost|costs|budget|funding"
    r"|spend|precept|price|amount|sum|value|requirement)\b",
    re.I,
)


def measured_terms(question: str) -> list[str]:
    """What a question for a sum or a figure measures: "the victim satisfaction rate" -> victim, satisfaction.

    Empty for other questions, and when the question does not say.
    """
    if answer_kind(question) not in ("money", "figure"):
        return []
    phrase: list[str] = []
    if re.search(r"\bfor how much\b", question, re.I):  # the price of the deal asked about: no measure named
        return []
    if counted := counted_things(question):  # "how many people used it": people; anyone counts as people
        return [] if counted[-1] in _ANYONE else counted
    if asked := re.search(r"\bhow (?:much|many)\s+(.*)", question, re.I):
        phrase = _words_until_verb(asked.group(1), 5)
    elif measured := _MEASURED.search(question):
        # "the average Grade 1 response time": the measured thing may also follow the measure word
        phrase = measured.group(1).split() + _words_until_verb(question[measured.end():], 4)
    return question_terms(" ".join(w for w in phrase if not re.search(r"\d", w)))


def _words_until_verb(text: str, most: int) -> list[str]:
    """The first words of ``text``, up to a verb or a function word ("officers does West Mercia" -> officers)."""
    found: list[str] = []
    for word in re.findall(r"[\w'’-]+", text)[:most]:
        if word.lower() in _VERBS or word.lower() in _STOPS:
            break
        found.append(word)
    return found


def _rarest(terms: list[str], searcher: Searcher) -> str | None:
    """The term that says most precisely what is meant: the one fewest passages hold."""
    if not terms:
        return None
    idf = searcher.lexical.idf(terms)
    return max(terms, key=lambda t: idf[t])


def _counts(text: str, things: list[str], passage_terms: set[str]) -> bool:
    """Does a number count the thing asked about? The head noun ("officers") must follow it
    within five words; its modifiers ("community support") must occur in the passage."""
    head, modifiers = things[-1], set(things[:-1])
    if not modifiers <= passage_terms:
        return False
    if head in _ANYONE:  # "how many people": any count, but not a sum, a share, a year or a length of time
        return bool(_A_COUNT.search(text))
    tokens = re.findall(r"[\w£%.,/'’-]+", text)
    for i, token in enumerate(tokens):
        if re.fullmatch(r"£?\d[\d,.]*%?", token) or token.lower() in _NUMBER_WORDS.split("|"):
            if head in tokenize([" ".join(tokens[i + 1 : i + 6])])[0]:
                return True
    return False


def _asks(sentence: str) -> bool:
    """A question the document asks ("How effective is the force ...?"): it heads an answer, it is not one."""
    return sentence.rstrip("”\"’' ").endswith("?")


def _is_heading(line: str) -> bool:
    return not line.startswith("•") and line.rstrip()[-1:] not in ".!?”\"’" and len(line.split()) < 15


def _without(text: str, numbers: list[str]) -> str:
    """The text with the question's own numbers blanked (they cannot be its answer)."""
    for number in numbers:
        text = re.sub(rf"(?<![\d.,/]){re.escape(number)}(?![\d.,/]*\d)", " ", text)
    return text


def check_question(question: str) -> str:
    cleaned = " ".join("".join(ch for ch in question if ch.isprintable() or ch.isspace()).split())
    if not cleaned:
        raise InvalidQuestion("please type a question")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"questions are limited to {MAX_QUESTION_CHARS} characters")
    return cleaned


_PART_BREAK = re.compile(
    r",?\s+and\s+(?=(?:for\s+)?(?:what|when|who|whom|which|where|why|how|is|are|was|were|has|have|had|did|does|do)\b)"
    r"|,\s+(?=(?:what|when|who|which|where|why|how)\b)",
    re.I,
)


_ASKS = re.compile(r"(?:what|when|who|whom|which|where|why|how|is|are|was|were|has|have|had|did|does|do|can|could)\b", re.I)


def question_parts(question: str) -> list[str]:
    """A question asking several things, split into its parts ("What are DVPNs used for, and do they work?")."""
    parts = [p.strip(" ,?") for p in _PART_BREAK.split(question)]
    if len(parts) < 2 or not _ASKS.match(parts[0]) or any(len(p.split()) < 2 for p in parts):
        return [question]
    return parts


def answer_question(
    question: str,
    searcher: Searcher,
    *,
    k: int | None = None,
    filters: Filters | None = None,
    query: str | None = None,
    near: Sequence[str] = (),
) -> Answer:
    """Answer ``question`` by searching ``query`` (a condensed follow-up) or the question itself.

    ``near``: the passages a follow-up's previous answer cited (see ``Searcher.retrieve``).

    A question with several parts is answered part by part; the answer joins
    the parts' sentences, each cited to its own passage.
    """
    began = time.perf_counter()
    question = check_question(question)
    query = check_question(query) if query else question
    settings = searcher.settings
    k = k or settings.top_k
    passages, chosen, missing, considered = _gather(question, query, searcher, k, filters, near)
    if missing or not chosen:
        notice = f"No document mentions {', '.join(missing)}." if missing else ""
        timing = {"total": (time.perf_counter() - began) * 1000}
        return Answer(question, NO_ANSWER, True, [], passages[:k], query, timing, notice)
    pair = _disagreement(question, considered, settings)
    if pair is not None:
        chosen = list(pair)

    numbers: dict[str, int] = {}
    cited: dict[str, tuple[Passage, list[str]]] = {}
    text_parts: list[str] = []
    for quotation in quotations(chosen, settings.quote_context):
        passage = quotation.passage
        n = numbers.setdefault(passage.chunk.chunk_id, len(numbers) + 1)
        text_parts.append(f"{' '.join(quotation.sentences)} [{n}]")
        cited.setdefault(passage.chunk.chunk_id, (passage, []))[1].extend(quotation.sentences)
    citations = [Citation(numbers[i], p, tuple(texts)) for i, (p, texts) in cited.items()]
    shown = _passages_to_show(passages, [c.passage for c in citations], k)
    timing = {"total": (time.perf_counter() - began) * 1000}
    answer = Answer(question, " ".join(text_parts), False, citations, shown, query, timing)
    if pair is not None:
        answer.conflicts = [
            Conflict(candidate.text, (numbers[passage.chunk.chunk_id],), passage.chunk.doc.title, passage.chunk.doc.date)
            for passage, candidate in pair
        ]
        sides = " and ".join(
            f"the {p.chunk.doc.type or 'document'} of {long_date(p.chunk.doc.date) or 'no date'} [{c.citations[0]}]"
            for c, (p, _) in zip(answer.conflicts, pair, strict=True)
        )
        answer.notice = f"The documents disagree: {sides} give different answers."
    return answer


def _disagreement(
    question: str, considered: list[tuple[Passage, Candidate]], settings: Settings
) -> tuple[tuple[Passage, Candidate], tuple[Passage, Candidate]] | None:
    """Two strong answers from different documents that state different values, if there are."""
    kind = answer_kind(question)
    scored = [
        (Side(c.text, p.chunk.doc.doc_id, stated_values(c.text, kind), (p, c)), c.score(settings.sentence_scoring),
         c.coverage)
        for p, c in considered
    ]
    pair = disagreement(kind, scored)
    return (pair[0].key, pair[1].key) if pair else None


def _gather(
    question: str, query: str, searcher: Searcher, k: int, filters: Filters | None, near: Sequence[str]
) -> tuple[list[Passage], list[tuple[Passage, Candidate]], list[str], list[tuple[Passage, Candidate]]]:
    """Search each part of the question.

    Returns the passages, the chosen sentences, unknown names, and (for a
    one-part question) every sentence considered, for spotting disagreements.
    """
    # A condensed follow-up is the question plus borrowed words: split the question, keep the words for each part.
    borrowed = query[len(question):] if query.startswith(question) else ""
    parts = [f"{part}{borrowed}" for part in question_parts(query[: len(query) - len(borrowed)])]
    subject = _key_terms_of(question_parts(question)[0]) if len(parts) > 1 else ""
    passages: list[Passage] = []
    chosen: list[tuple[Passage, Candidate]] = []
    missing: list[str] = []
    considered: list[tuple[Passage, Candidate]] = []
    for number, part in enumerate(parts):
        part_query = part if number == 0 else f"{part} {subject}".strip()
        found = searcher.retrieve(part_query, max(k, CANDIDATE_PASSAGES), filters, near)
        seen = {p.chunk.chunk_id for p in passages}
        passages.extend(p for p in found.passages if p.chunk.chunk_id not in seen)
        pool = found.passages[:CANDIDATE_PASSAGES]
        taken = {c.text for _, c in chosen}
        fresh = [c for c in candidates(part_query, pool, found.query_vector, searcher) if c.text not in taken]
        chosen.extend((pool[c.passage_index], c) for c in choose(fresh, searcher.settings, len(parts)))
        missing.extend(w for w in unknown_names(part_query, searcher) if w not in missing)
        if len(parts) == 1:
            considered = [(pool[c.passage_index], c) for c in fresh if c.fits_kind and c.fits_period]
    if len(parts) == 1 and chosen:
        for year in compared_years(query):
            best = _best_of_year(year, query, searcher, filters, near)
            if best is not None and best[1].text not in {c.text for _, c in chosen}:
                chosen.append(best)
                if best[0].chunk.chunk_id not in {p.chunk.chunk_id for p in passages}:
                    passages.append(best[0])
    return passages, chosen, missing, considered


def compared_years(question: str) -> list[str]:
    """The years a question compares ("between 2016 and 2025", "at the 2023 revisit ... by 2025"): two or more."""
    years = list(dict.fromkeys(_YEAR.findall(question)))
    return years if len(years) >= 2 else []


def _best_of_year(
    year: str, query: str, searcher: Searcher, filters: Filters | None, near: Sequence[str]
) -> tuple[Passage, Candidate] | None:
    """The best sentence from the documents dated ``year``, if one is good enough.

    A question comparing two years wants each year's own word; the best
    sentences overall may all come from one of them.
    """
    given = filters or Filters()
    within = replace(
        given, date_from=max(given.date_from, f"{year}-01-01"), date_to=min(given.date_to or "9999", f"{year}-12-31")
    )
    if within.date_from > within.date_to:
        return None
    found = searcher.retrieve(query, CANDIDATE_PASSAGES, within, near)
    pool = found.passages[:CANDIDATE_PASSAGES]
    best = choose(candidates(query, pool, found.query_vector, searcher), searcher.settings)
    return (pool[best[0].passage_index], best[0]) if best else None


def _key_terms_of(part: str) -> str:
    """The subject words of a question's first part, for its later parts ("it", "they")."""
    return " ".join(w for w in re.findall(r"[\w£/.&'’-]+", part) if question_terms(w))


def _passages_to_show(candidates: list[Passage], cited: list[Passage], k: int) -> list[Passage]:
    """The cited passages first, then the best of the rest, k in all."""
    ids = {p.chunk.chunk_id for p in cited}
    return cited + [p for p in candidates if p.chunk.chunk_id not in ids][: max(0, k - len(cited))]
