"""The Meetings tab: each committee's meetings by date, each meeting's agenda items with their papers and minutes.

Built from what the index holds (every synced paper knows its committee,
meeting and item), so replicas sharing a Chroma server show the same meetings.
A paper's title opens it in the Documents tab; the meeting and item link to the
council's own pages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from retrieval.models import DocumentInfo, long_date
from retrieval.store import StoredDocument
from ui.highlight import escape, safe_url

MEETINGS_EMPTY = (
    "<p>No committee papers yet. Follow a committee with "
    "<code>quorum sources add moderngov https://democracy.example.gov.uk --committee 'Cabinet'</code>, "
    "then run <code>quorum sync</code>.</p>"
)


@dataclass
class _Meeting:
    committee: str
    id: str
    date: str
    url: str
    items: dict[str, list[DocumentInfo]] = field(default_factory=lambda: defaultdict(list))

    @property
    def has_minutes(self) -> bool:
        return any(d.type == "minutes" and d.doc_id.rsplit("/", 1)[-1].startswith("minute-")
                   for papers in self.items.values() for d in papers)


def meetings(documents: dict[str, StoredDocument]) -> dict[str, list[_Meeting]]:
    """Committees by title, each with its meetings newest first."""
    found: dict[tuple[str, str], _Meeting] = {}
    for stored in documents.values():
        info = stored.info
        if not info.committee or not info.meeting_id:
            continue
        meeting = found.setdefault((info.committee, info.meeting_id),
                                   _Meeting(info.committee, info.meeting_id, info.meeting_date, info.meeting_url))
        meeting.items[info.item].append(info)
    by_committee: dict[str, list[_Meeting]] = defaultdict(list)
    for meeting in found.values():
        by_committee[meeting.committee].append(meeting)
    return {c: sorted(ms, key=lambda m: m.date, reverse=True) for c, ms in sorted(by_committee.items())}


def meetings_html(documents: dict[str, StoredDocument], papers_as_of: str = "") -> str:
    held = meetings(documents)
    if not held:
        return MEETINGS_EMPTY
    note = f"<p class='q-as-of'>Papers as of {escape(papers_as_of)}.</p>" if papers_as_of else ""
    sections = "".join(
        f"<section class='q-committee'><h3>{escape(committee)}</h3>{''.join(_meeting(m) for m in ms)}</section>"
        for committee, ms in held.items()
    )
    return f"<div class='q-meetings'>{note}{sections}</div>"


def _meeting(meeting: _Meeting) -> str:
    when = long_date(meeting.date) if meeting.date else "undated"
    url = safe_url(meeting.url)
    page = f' · <a href="{escape(url)}" target="_blank" rel="noopener noreferrer">Meeting page ↗</a>' if url else ""
    minutes = "" if meeting.has_minutes else " · <span class='q-no-minutes'>minutes not yet published</span>"
    items = "".join(_item(number, papers) for number, papers in sorted(meeting.items.items(), key=_item_order))
    return (f"<details class='q-meeting'><summary><b>{escape(when)}</b>{minutes}</summary>"
            f"<div class='q-meeting-links'>{page.removeprefix(' · ')}</div><ol class='q-items'>{items}</ol></details>")


def _item(number: str, papers: list[DocumentInfo]) -> str:
    title = next((p.item_title for p in papers if p.item_title), "")
    url = safe_url(next((p.item_url for p in papers if p.item_url), ""))
    label = escape(f"{number}. {title}" if number else title or "Papers")
    heading = f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{label} ↗</a>' if url else label
    rows = "".join(_paper(p) for p in sorted(papers, key=lambda p: (p.type != "minutes", p.title)))
    return f"<li><div class='q-item'>{heading}</div><ul>{rows}</ul></li>"


def _paper(info: DocumentInfo) -> str:
    kind = "Minute" if info.doc_id.rsplit("/", 1)[-1].startswith("minute-") else info.type.capitalize()
    title = "Published minute" if kind == "Minute" else info.title
    withdrawn = f" <span class='q-withdrawn'>withdrawn {escape(info.withdrawn)}</span>" if info.withdrawn else ""
    return (f'<li>{escape(kind)}: <a class="q-open" href="#q-open" data-doc="{escape(info.doc_id)}">'
            f"{escape(title)}</a>{withdrawn}</li>")


def _item_order(entry: tuple[str, list[DocumentInfo]]) -> tuple[int, str]:
    number = entry[0]
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 10_000, number)


def committees(documents: dict[str, StoredDocument]) -> list[str]:
    return sorted({d.info.committee for d in documents.values() if d.info.committee})
