"""What a question asks, read once: the question profile.

Every later stage (search, scoring, quoting, abstention) needs the same facts
about a question: what kind of answer it wants (a sum, a figure, a date, a
grade, anything), which terms carry its meaning, which periods it names, what
"how many" counts, what a figure must measure, whether it asks why, whether it
asks yes or no, whose response it asks about. They are computed here, once per
question, by pure functions of its text; nothing here reads an index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.tokens import question_terms, tokenize
from retrieval.periods import Period, compared_years, periods


@dataclass(frozen=True)
class QuestionProfile:
    """The facts about one question that scoring and abstention use."""

    text: str
    kind: str  # "grade", "money", "figure", "date" or "any"
    terms: tuple[str, ...]  # subject terms, tokenised as the index is
    periods: tuple[Period, ...]  # the years and financial years it names
    compared_years: tuple[int, ...]  # two or more calendar years it compares, else ()
    counted: tuple[str, ...]  # stems of what "how many ..." counts
    measured: tuple[str, ...]  # what a sum or figure asked for measures ("victim satisfaction")
    direction: bool  # asks whether something went up or down
    why: bool  # asks for a reason
    whether: bool  # asks yes or no
    responder: str | None  # the named party whose response it asks about
    numbers: tuple[str, ...]  # its own numbers, longest first (they cannot be its answer)


def profile_question(question: str) -> QuestionProfile:
    """Read ``question`` once into its profile."""
    return QuestionProfile(
        text=question,
        kind=answer_kind(question),
        terms=tuple(question_terms(question)),
        periods=tuple(periods(question)),
        compared_years=tuple(compared_years(question)),
        counted=tuple(counted_things(question)),
        measured=tuple(measured_terms(question)),
        direction=asks_direction(question),
        why=asks_why(question),
        whether=asks_whether(question),
        responder=responding_party(question),
        numbers=tuple(sorted(set(re.findall(r"\d[\d,./]*\d|\d", question)), key=len, reverse=True)),
    )


# An inspectorate's graded judgement ("What grades did West Mercia get?"), not an incident grade.
_ASKS_GRADE = re.compile(
    r"\b(?:what|which)\s+(?:[\w-]+\s+){0,2}(?:grades?|gradings?|ratings?|judgements?|judgments?)\b"
    r"|\bhow (?:was|were|is|are|did)\b.*\b(?:rated|graded|judged|do)\b.*\b(?:inspection|peel|hmicfrs|inspectorate)\b"
    r"|\b(?:rated|graded|judged)\b"
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
    if re.search(r"(?:^|,|\band|\bby)\s*when\b|\b(?:what|which) (?:date|year|month|day)s?\b|\bhow long\b|\bby what date\b", q):
        return "date"
    return "any"


_WHY = re.compile(r"^\s*why\b|\bwhat (?:is|was|were|are) (?:the )?(?:reason|cause)s?\b|\bwhat caused\b|\bhow come\b", re.I)


_DIRECTION = re.compile(
    r"\b(?:up or down|down or up|(?:increase|rise|grow)[ds]? or (?:decrease|fall|drop)[ds]?"
    r"|(?:decrease|fall|drop)[ds]? or (?:increase|rise|grow)[ds]?|risen or fallen|fallen or risen"
    r"|gone (?:up|down)|go (?:up|down)|went (?:up|down))\b",
    re.I,
)


def asks_direction(question: str) -> bool:
    """Does the question ask which way something moved ("Did vehicle crime go up or down?")?"""
    return bool(_DIRECTION.search(question))


def asks_why(question: str) -> bool:
    return bool(_WHY.search(question))


# "Was the recommendation met?", "So has the cause of concern been removed?": yes or no.
_WHETHER = re.compile(
    r"^\s*(?:(?:and|so|but)\s+)?(?:is|are|was|were|has|have|had|did|does|do|will|would|can|could)\b(?!.*\bor\b)",
    re.I,
)


def asks_whether(question: str) -> bool:
    """A yes-or-no question ("Has the cause of concern been lifted?"), not a choice ("Is it A or B?")."""
    return bool(_WHETHER.search(question))


RESPONSE_VERB = r"(?:respond|replie|reply|react|answer|wrote|write|said|state|agree|accept|reject|decline|refuse|confirm)\w*"
RESPONSE_NOUN = r"(?:response|reply|replies|reaction|answer|letter)s?"
_NAMED = r"[A-Z][\w&'’-]*(?:\s+(?:of\s+)?[A-Z][\w&'’-]*)*"
_ASKS_RESPONSE = re.compile(  # the words around the name in any case; the name capitalised
    rf"(?i:\bhow (?:did|has|have|does|do|will|would) (?:the )?)({_NAMED})(?i: (?:respond|react|reply|answer)\b)"
    rf"|(?i:\bwhat (?:was|is|were|are) (?:the )?)({_NAMED})(?i:['’]s? {RESPONSE_NOUN}\b)"
    rf"|(?i:\bwhat (?:was|is) the {RESPONSE_NOUN} (?:from|of|by) (?:the )?)({_NAMED})"
)


def responding_party(question: str) -> str | None:
    """Who a question asks the response of, when it names them: "How did the Home Secretary respond ...?"

    Only a named party (capitalised): "how did people react" may be answered by
    "representatives ... expressed reservations".
    """
    match = _ASKS_RESPONSE.search(question)
    return next((group for group in match.groups() if group), None) if match else None


_ADJECTIVES = frozenset("extra additional new more further other different separate total police".split())
_VERBS = frozenset("has have had did does do are is were was will would could can should been being".split())


ANYONE = frozenset(tokenize(["people persons individuals ones members public"])[0])
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
        return [] if counted[-1] in ANYONE else counted
    if asked := re.search(r"\bhow (?:much|many)\s+(.*)", question, re.I):
        phrase = [w for w in _words_until_verb(asked.group(1), 5) if w.lower() not in _SUM_WORDS]
    elif measured := _MEASURED.search(question):
        # "the average Grade 1 response time": the measured thing may also follow the measure word;
        # "the planned number of mounted officers": it is what the number is "of", not how it is qualified.
        before = [w for w in measured.group(1).split() if not _qualifies(w)]
        after = question[measured.end():]
        of = re.match(r"\s+of\s+(.*)", after, re.I)
        phrase = before + _words_until_verb(of.group(1) if of else after, 4)
    return question_terms(" ".join(w for w in phrase if not re.search(r"\d", w)))


# "How much money": words that say a sum is asked for, not what it is a sum of.
_SUM_WORDS = frozenset("money cash amount sum".split())


def _qualifies(word: str) -> bool:
    """A word that qualifies a measure rather than naming what it measures ("planned", "total", "new")."""
    lower = word.lower()
    return lower in _ADJECTIVES or (lower.endswith("ed") and len(lower) > 4)


def _words_until_verb(text: str, most: int) -> list[str]:
    """The first words of ``text``, up to a verb or a function word ("officers does West Mercia" -> officers)."""
    found: list[str] = []
    for word in re.findall(r"[\w'’-]+", text)[:most]:
        if word.lower() in _VERBS or word.lower() in _STOPS:
            break
        found.append(word)
    return found


_PART_BREAK = re.compile(
    r",?\s+and\s+(?=(?:for\s+)?(?:what|when|who|whom|which|where|why|how|is|are|was|were|has|have|had|did|does|do)\b)"
    r"|,\s+(?=(?:what|when|where|why|how)\b)",  # after a comma, "who" and "which" open a relative clause
    re.I,
)


_ASKS = re.compile(r"(?:what|when|who|whom|which|where|why|how|is|are|was|were|has|have|had|did|does|do|can|could)\b", re.I)


def question_parts(question: str) -> list[str]:
    """A question asking several things, split into its parts ("What are DVPNs used for, and do they work?")."""
    parts = [p.strip(" ,?") for p in _PART_BREAK.split(question)]
    if len(parts) < 2 or not _ASKS.match(parts[0]) or any(len(p.split()) < 2 for p in parts):
        return [question]
    return parts
