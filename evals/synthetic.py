"""Synthetic governance-like documents, at any size, deterministic from a seed.

For the scale benchmark (``evals/bench.py``): minutes, reports and letters of
fictional police areas, with numbered paragraphs, agenda items, figures
(£1.2m, 14%), dates and named roles ("the Chief Constable"). Each numbered
paragraph fits one chunk (well under 200 word pieces), so a corpus is sized by
counting paragraphs. The shipped corpus (with its manifest) is copied beside
the synthetic documents, so that the evaluation set's questions keep their
answers as the corpus grows.

The synthetic areas, people and services are invented and share no names with
the shipped corpus (West Mercia and its counties): the documents compete for
the same vocabulary (budgets, officers, victims, the PCC) without answering the
known questions a second time.

Document ``i`` of seed ``s`` depends on ``(s, i)`` only: a larger corpus holds a
smaller one of the same seed, and the same seed gives the same bytes.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import tomli_w

# Chunks the shipped corpus makes with the default settings (measured; the
# benchmark reports the actual count, so this only steers the sizing).
SHIPPED_CHUNKS = 168
SHIPPED_FOLDER = "corpus"
SYNTHETIC_FOLDER = "synthetic"

AREAS = (
    "Northmoor", "Eastvale", "Southmarsh", "Highfield", "Lowmere", "Ashdown", "Kingsford", "Ravensworth",
    "Brackenridge", "Coldharbour", "Fenwick", "Greystone", "Hollinbrook", "Marrowdale", "Oakhurst", "Pellworth",
    "Quarrington", "Redcastle", "Stanmoor", "Tallowfield", "Underby", "Wexley", "Yarrowby", "Ellerdown",
)
ROLES = (
    ("the Chief Constable", "Chief Constable"),
    ("the Deputy Chief Constable", "Deputy Chief Constable"),
    ("the Assistant Chief Constable", "Assistant Chief Constable"),
    ("the Police and Crime Commissioner", "Police and Crime Commissioner"),
    ("the Deputy Police and Crime Commissioner", "Deputy Police and Crime Commissioner"),
    ("the Chief Finance Officer", "Chief Finance Officer"),
    ("the Chief Executive", "Chief Executive of the Commissioner's office"),
    ("the Head of Commissioning", "Head of Commissioning"),
    ("the Director of Estates", "Director of Estates"),
    ("the Head of Contact Management", "Head of Contact Management"),
    ("the Panel Chair", "Chair of the Police and Crime Panel"),
    ("the Monitoring Officer", "Monitoring Officer"),
)
FIRST_NAMES = (
    "Alys", "Bernard", "Carys", "Dominic", "Elspeth", "Fergus", "Gwen", "Harriet", "Idris", "Jocelyn",
    "Kester", "Lorna", "Magnus", "Nerys", "Oswin", "Philippa", "Quentin", "Rosalind", "Silas", "Tamsin",
)
LAST_NAMES = (
    "Abernethy", "Blackwood", "Cardew", "Danvers", "Ellery", "Fairweather", "Gadsby", "Hollings", "Ingleby",
    "Jessop", "Kettering", "Lindqvist", "Maitland", "Northcott", "Ormerod", "Pendry", "Quayle", "Rudd",
    "Strachan", "Thackeray", "Upton", "Vane", "Winstanley", "Yeoman",
)
TOPICS = (
    "rural crime", "road safety", "domestic abuse", "fraud and cyber crime", "the estates programme",
    "fleet replacement", "neighbourhood policing", "custody provision", "emergency call handling",
    "youth diversion", "drug-related harm", "violence against women and girls", "victim services",
    "officer wellbeing", "digital forensics", "body-worn video", "community speed watch", "retail crime",
    "hate crime", "missing persons", "county lines", "modern slavery", "wildlife crime", "the control room",
    "stop and search", "knife crime", "the rural watch scheme", "firearms licensing", "vehicle crime",
    "anti-social behaviour on public transport",
)
OFFENCES = ("burglary", "vehicle", "shoplifting", "criminal damage", "robbery", "public order", "stalking")
SERVICES = (
    "the Horizon victim support service", "the Beacon restorative justice service", "the Lantern drug treatment pathway",
    "the Compass youth mentoring scheme", "the Harbour independent advocacy service", "the Keystone custody healthcare contract",
    "the Meridian mediation service", "the Anchor stalking advocacy service",
)
PROVIDERS = (
    "Brightwater Trust", "Oakleaf Partnership", "Northgate Community Services", "Three Rivers CIC",
    "Harrowgate Health", "Pennine Support Ltd", "Cobalt Care", "Fieldhouse Foundation",
)
OPERATIONS = ("Kestrel", "Bramble", "Flint", "Heron", "Juniper", "Lynx", "Osprey", "Pike", "Sorrel", "Wren")
BODIES = ("Police and Crime Panel", "Joint Audit Committee", "Ethics Committee", "Strategic Governance Board",
          "Performance Scrutiny Meeting", "Accountability Board")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class SyntheticDocument:
    path: str  # relative to the corpus folder, e.g. "synthetic/northmoor/2022/minutes-000017.txt"
    text: str
    manifest: dict[str, str]  # its manifest entry
    estimated_chunks: int


@dataclass(frozen=True)
class GeneratedCorpus:
    folder: Path
    documents: int  # synthetic ones
    estimated_chunks: int  # synthetic plus shipped


class _Writer:
    """Fills sentence templates for one document from its own random stream."""

    def __init__(self, rng: random.Random, area: str, year: int) -> None:
        self.rng = rng
        self.area = area
        self.year = year

    def pick(self, options):  # type: ignore[no-untyped-def]
        return self.rng.choice(options)

    def role(self) -> str:
        return self.pick(ROLES)[0]

    def person(self) -> str:
        return f"{self.pick(FIRST_NAMES)} {self.pick(LAST_NAMES)}"

    def money(self) -> str:
        if self.rng.random() < 0.5:
            return f"£{self.rng.randint(2, 480) / 10:.1f}m"
        return f"£{self.rng.randint(12, 950) * 1000:,}"

    def pct(self) -> str:
        return f"{self.rng.randint(2, 96)}%"

    def date(self) -> str:
        return f"{self.rng.randint(1, 28)} {self.pick(MONTHS)} {self.year + self.rng.randint(0, 1)}"

    def fy(self) -> str:
        start = self.year + self.rng.randint(0, 1)
        return f"{start}/{(start + 1) % 100:02d}"

    def quarter(self) -> str:
        return f"Q{self.rng.randint(1, 4)} {self.fy()}"

    def sentence(self) -> str:
        r, t = self.rng, self.pick(TOPICS)
        templates = (
            lambda: f"{_cap(self.role())} reported that demand linked to {t} in {self.area} had "
            f"{self.pick(('risen', 'fallen'))} by {self.pct()} compared with the same period last year.",
            lambda: f"A budget of {self.money()} has been allocated to {t} for {self.fy()}, funded from "
            f"{self.pick(('the precept', 'reserves', 'a Home Office grant', 'the capital programme'))}.",
            lambda: f"{_cap(self.role())} asked for an update on {t} to be brought to the "
            f"{self.pick(BODIES)} on {self.date()}.",
            lambda: f"The {self.pick(BODIES)} noted that {r.randint(3, 240)} officers and {r.randint(2, 90)} "
            f"staff are now deployed on {t} across {self.area}.",
            lambda: f"Spending on {t} stood at {self.money()} at the end of {self.quarter()}, against a "
            f"forecast of {self.money()}.",
            lambda: f"{_cap(self.role())} confirmed that the review of {t} would conclude by "
            f"{self.pick(MONTHS)} {self.year + 1}.",
            lambda: f"Of the victims surveyed in {self.quarter()}, {self.pct()} said they were satisfied with "
            f"the response to {t}.",
            lambda: f"The contract for {self.pick(SERVICES)} was awarded to {self.pick(PROVIDERS)} at a cost "
            f"of {self.money()} over {r.randint(2, 5)} years.",
            lambda: f"Recruitment to the {t.removeprefix('the ')} teams remains {r.randint(2, 40)} posts below establishment, "
            f"and {self.role()} expects the gap to close by {self.date()}.",
            lambda: f"The number of recorded {self.pick(OFFENCES)} offences in {self.area} was "
            f"{r.randint(120, 9800):,} in {self.fy()}, a {self.pick(('rise', 'fall'))} of {self.pct()}.",
            lambda: f"Operation {self.pick(OPERATIONS)} led to {r.randint(4, 300)} arrests and the seizure of "
            f"{self.money()} in criminal assets during {self.quarter()}.",
            lambda: f"{_cap(self.role())} challenged whether the current approach to {t} offers "
            f"value for money, given a projected overspend of {self.money()}.",
            lambda: f"It was agreed that {t} would remain a standing item on the agenda of the "
            f"{self.pick(BODIES)}.",
            lambda: f"The average time to answer a non-emergency call was {r.randint(40, 900)} seconds in "
            f"{self.pick(MONTHS)}, against a target of {r.randint(30, 300)} seconds.",
            lambda: f"{_cap(self.role())} stated that {self.pct()} of the savings target of "
            f"{self.money()} for {self.fy()} had already been delivered.",
            lambda: f"Members were told that the {self.area} hub on {t} will open on {self.date()} with "
            f"{r.randint(6, 60)} staff.",
        )
        return self.pick(templates)()

    def paragraph(self, number: int) -> str:
        return f"{number}. " + " ".join(self.sentence() for _ in range(self.rng.randint(2, 4)))

    def heading(self) -> str:
        return _cap(self.pick(TOPICS))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def synthetic_document(seed: int, index: int) -> SyntheticDocument:
    """Document ``index`` of a seeded synthetic corpus; depends on (seed, index) only."""
    rng = random.Random(f"quorum-synthetic:{seed}:{index}")
    area = rng.choice(AREAS)
    year = rng.randint(2018, 2025)
    writer = _Writer(rng, area, year)
    kind = rng.choice(("minutes", "minutes", "report", "report", "letter"))
    paragraphs = rng.randint(15, 60)
    build = {"minutes": _minutes, "report": _report, "letter": _letter}[kind]
    title, text, extra_chunks, date = build(writer, paragraphs)
    folder = f"{SYNTHETIC_FOLDER}/{area.lower()}/{year}"
    suffix = ".md" if kind == "report" else ".txt"
    entry = {
        "title": title,
        "type": kind,
        "organisation": f"{area} Police and Crime Commissioner" if kind != "report" else f"{area} Police and Crime Panel",
        "date": date,
        "licence": "Synthetic benchmark document; no real body or person is described.",
    }
    return SyntheticDocument(f"{folder}/{kind}-{index:06d}{suffix}", text, entry, paragraphs + extra_chunks)


def _iso(writer: _Writer) -> tuple[str, str]:
    month = writer.rng.randint(1, 12)
    day = writer.rng.randint(1, 28)
    return f"{writer.year}-{month:02d}-{day:02d}", f"{day} {MONTHS[month - 1]} {writer.year}"


def _minutes(w: _Writer, paragraphs: int) -> tuple[str, str, int, str]:
    iso, spoken = _iso(w)
    body = w.pick(BODIES)
    title = f"{w.area} {body}: minutes of the meeting held on {spoken}"
    present = "; ".join(f"{w.person()}, {w.pick(ROLES)[1]}" for _ in range(w.rng.randint(4, 7)))
    lines = [f"{w.area} {body}", f"Minutes of the meeting held on {spoken}", f"Present: {present}."]
    number = 1
    item = 1
    while number <= paragraphs:
        lines.append(f"Agenda item {item}: {w.heading()}")
        for _ in range(min(w.rng.randint(2, 6), paragraphs - number + 1)):
            text = w.paragraph(number)
            if w.rng.random() < 0.3:
                text += f" Action: {w.role()} to report back on {w.pick(TOPICS)} by {w.date()}."
            lines.append(text)
            number += 1
        item += 1
    lines.append(f"The meeting closed at {w.rng.randint(12, 17)}.{w.rng.choice(('00', '15', '30', '45'))}. "
                 f"Date of next meeting: {w.date()}.")
    return title, "\n\n".join(lines) + "\n", 1, iso


def _report(w: _Writer, paragraphs: int) -> tuple[str, str, int, str]:
    iso, spoken = _iso(w)
    subject = w.heading()
    title = f"{w.area} Police and Crime Panel: {subject} report"
    lines = [
        f"## **{w.area.upper()} POLICE AND CRIME PANEL {spoken.upper()}**",
        f"### **{subject.upper()}: ACTIVITY AND PERFORMANCE REPORT**",
        "#### **Recommendation**",
        f"1. Members of the Panel are invited to consider the report on {subject[:1].lower() + subject[1:]} and to note "
        f"the Commissioner's response of {w.date()}.",
    ]
    number = 2
    extra = 0
    while number <= paragraphs:
        lines.append(f"#### **{w.heading()}**")
        for _ in range(min(w.rng.randint(2, 5), paragraphs - number + 1)):
            lines.append(w.paragraph(number))
            number += 1
        if w.rng.random() < 0.15:  # a small table of figures, a chunk of its own
            lines.append("#### **Performance summary**")
            rows = [f"| {_cap(w.pick(OFFENCES))} offences | {w.rng.randint(100, 5000):,} | "
                    f"{w.rng.randint(100, 5000):,} | {w.pct()} |" for _ in range(w.rng.randint(3, 5))]
            lines.append("\n".join(["| Measure | Last year | This year | Solved |", "|---|---|---|---|", *rows]))
            extra += 1
    lines.append(f"Contact: {w.person()}, {w.pick(ROLES)[1]}, Office of the Police and Crime Commissioner for {w.area}")
    return title, "\n\n".join(lines) + "\n", extra + 1, iso


def _letter(w: _Writer, paragraphs: int) -> tuple[str, str, int, str]:
    iso, spoken = _iso(w)
    subject = w.heading()
    recipient = w.person()
    title = f"Letter from the {w.area} Police and Crime Commissioner: {subject}"
    lines = [
        f"Office of the Police and Crime Commissioner for {w.area}",
        spoken,
        f"Dear {recipient},",
        f"Re: {subject} in {w.area}",
    ]
    for number in range(1, paragraphs + 1):
        paragraph = w.paragraph(number)
        if number == 1:
            paragraph = f"1. I am writing to set out my position on {subject[:1].lower() + subject[1:]}. {paragraph[3:]}"
        lines.append(paragraph)
    lines += ["Yours sincerely,", f"{w.person()}\nPolice and Crime Commissioner for {w.area}"]
    return title, "\n\n".join(lines) + "\n", 2, iso


def synthetic_questions(seed: int, n: int) -> list[str]:
    """Questions of the kind the synthetic documents answer, for timing queries."""
    rng = random.Random(f"quorum-synthetic-questions:{seed}")
    w = _Writer(rng, rng.choice(AREAS), 2022)
    templates = (
        lambda: f"How much was allocated to {w.pick(TOPICS)} in {w.pick(AREAS)} for {w.fy()}?",
        lambda: f"What did {w.role()} report about {w.pick(TOPICS)} in {w.pick(AREAS)}?",
        lambda: f"Who was awarded the contract for {w.pick(SERVICES)}?",
        lambda: f"How many arrests did Operation {w.pick(OPERATIONS)} lead to?",
        lambda: f"How many {w.pick(OFFENCES)} offences were recorded in {w.pick(AREAS)}?",
        lambda: f"When will the review of {w.pick(TOPICS)} conclude?",
        lambda: f"What was the average time to answer a non-emergency call in {w.pick(MONTHS)}?",
        lambda: f"How many posts are vacant in the {w.pick(TOPICS)} teams?",
    )
    return [rng.choice(templates)() for _ in range(n)]


def write_corpus(folder: Path, chunks: int, seed: int = 0, shipped: Path | None = Path("corpus")) -> GeneratedCorpus:
    """Write about ``chunks`` chunks' worth of documents into ``folder`` (which must not exist).

    The shipped corpus (with its manifest) goes to ``folder/corpus``; synthetic
    documents fill the rest, in a folder per area and year (each with its
    ``manifest.toml``, which ingest reads once per file, so none grows large).
    """
    folder.mkdir(parents=True)
    estimated = 0
    if shipped is not None:
        shutil.copytree(shipped, folder / SHIPPED_FOLDER)
        estimated = SHIPPED_CHUNKS
    manifests: dict[Path, dict[str, dict[str, str]]] = {}
    index = 0
    while estimated < chunks:
        document = synthetic_document(seed, index)
        if estimated + document.estimated_chunks > chunks * 1.05 and estimated > chunks * 0.9:
            break  # stop close to the target rather than overshoot it by a whole document
        path = folder / document.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(document.text, encoding="utf-8")
        manifests.setdefault(path.parent, {})[path.name] = document.manifest
        estimated += document.estimated_chunks
        index += 1
    for where, entries in manifests.items():
        (where / "manifest.toml").write_bytes(tomli_w.dumps(entries).encode())
    return GeneratedCorpus(folder, index, estimated)
