"""A ModernGov site served on loopback, in the shapes of ../shared/moderngov/, with Kent's real papers.

Used by the sync tests and the sync benchmark; it needs ../shared/kent-2025-03 beside the repository.

``Site`` holds committees, meetings, agenda items and documents that a test may
change between syncs (minutes published, a document withdrawn); ``Faults``
makes chosen paths answer 500, slowly, with malformed XML, or with a document
too large. Every request is counted by kind, so a test can say what a sync fetched.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

KENT = Path(__file__).resolve().parents[2] / "shared" / "kent-2025-03"


@dataclass
class Doc:
    id: int
    title: str
    path: Path | None = None  # the file served; None with ``body``
    body: bytes = b""
    restricted: bool = False
    url: str = ""  # overrides the site's mgConvert2PDF link (an off-site link)
    published: str = ""  # ISO

    def content(self) -> bytes:
        return self.path.read_bytes() if self.path else self.body


@dataclass
class Item:
    id: int
    number: str
    title: str
    docs: list[Doc] = field(default_factory=list)
    minute: str = ""  # HTML; "" until published
    restricted: bool = False


@dataclass
class Meeting:
    id: int
    committee: int
    date: str  # ISO
    status: str = "Confirmed"
    items: list[Item] = field(default_factory=list)


@dataclass
class Faults:
    status: dict[str, list[int]] = field(default_factory=dict)  # path+query prefix → statuses to answer first
    slow: dict[str, float] = field(default_factory=dict)  # path+query prefix → seconds to wait
    malformed: set[str] = field(default_factory=set)  # path+query prefixes answered with broken XML


@dataclass
class Site:
    committees: dict[int, str]
    meetings: list[Meeting]
    faults: Faults = field(default_factory=Faults)
    base: str = ""
    requests: collections.Counter = field(default_factory=collections.Counter)  # by kind: GetMeeting, document...

    def doc(self, doc_id: int) -> Doc | None:
        return next((d for m in self.meetings for i in m.items for d in i.docs if d.id == doc_id), None)

    # -- XML in the web service's shapes -------------------------------------

    def committees_xml(self) -> str:
        rows = "".join(
            f"<committee><committeeid>{cid}</committeeid><committeetitle>{escape(title)}</committeetitle>"
            "<committeedeleted>False</committeedeleted><committeeexpired>False</committeeexpired>"
            "<committeecategory>Committees</committeecategory></committee>"
            for cid, title in self.committees.items()
        )
        return f'<?xml version="1.0" encoding="utf-8"?><committees><committeescount> {len(self.committees)}</committeescount>{rows}</committees>'

    def meetings_xml(self, committee: int, start: date, end: date) -> str:
        chosen = [m for m in self.meetings if m.committee == committee and start <= date.fromisoformat(m.date) <= end]
        rows = "".join(
            f"<meeting><meetingid>{m.id}</meetingid><meetingdate>{_uk(m.date)}</meetingdate>"
            f"<meetingstatus>{m.status}</meetingstatus><meetingtime>10.00 am</meetingtime><iswebcast>False</iswebcast></meeting>"
            for m in chosen
        )
        title = escape(self.committees.get(committee, ""))
        return (f'<?xml version="1.0" encoding="utf-8"?><getmeetings><meetingscount> {len(chosen)}</meetingscount>'
                f"<committee><committeeid>{committee}</committeeid><committeetitle>{title}</committeetitle>"
                f"<committeemeetings>{rows}</committeemeetings></committee></getmeetings>")

    def meeting_xml(self, meeting: Meeting) -> str:
        items = "".join(self._item_xml(meeting, item) for item in meeting.items)
        published = any(i.minute for i in meeting.items)
        return (f'<?xml version="1.0" encoding="utf-8"?><meeting><meetingid>{meeting.id}</meetingid>'
                f"<meetingdate>{_uk(meeting.date)}</meetingdate><meetingstatus>{meeting.status}</meetingstatus>"
                f"<meetinglocation>Council Chamber, Sessions House, Maidstone</meetinglocation>"
                f"<minutepublished>{published}</minutepublished><agendaitems>{items}</agendaitems>"
                "<attendees></attendees></meeting>")

    def _item_xml(self, meeting: Meeting, item: Item) -> str:
        docs = "".join(
            f"<linkeddoc><attachmentid>{d.id}</attachmentid><title>{escape(d.title)}</title><isurl>False</isurl>"
            f"<url>{escape(d.url or f'{self.base}/mgConvert2PDF.aspx?ID={d.id}')}</url>"
            f"<isrestricted>{d.restricted or item.restricted}</isrestricted>"
            f"<publicationdate>{_uk(d.published or meeting.date)}</publicationdate>"
            f"<meetingdate>{_uk(meeting.date)}</meetingdate></linkeddoc>"
            for d in item.docs
        )
        minute = escape(f'<div class="WordSection1"><p class="MsoNormal">{item.minute}</p></div>') if item.minute else ""
        return (f"<agendaitem><agendaitemid>{item.id}</agendaitemid><agendaitemtitle>{escape(item.title)}</agendaitemtitle>"
                f"<agendatext>{escape('<p>See the report.</p>')}</agendatext>"
                f"<fulldisplaynumberformat>{item.number}.</fulldisplaynumberformat>"
                f"<minutesnonemptyhtmlbody>{minute}</minutesnonemptyhtmlbody>"
                f"<isminutepublished>{bool(item.minute)}</isminutepublished><isrestricted>{item.restricted}</isrestricted>"
                f"<meetingdate>{_uk(meeting.date)}</meetingdate><linkeddocuments>{docs}</linkeddocuments></agendaitem>")


def _uk(iso: str) -> str:
    return datetime.strptime(iso, "%Y-%m-%d").strftime("%d/%m/%Y")


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, *_: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        site = self.site
        parts = urlsplit(self.path)
        target = parts.path + ("?" + parts.query if parts.query else "")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        kind = parts.path.rsplit("/", 1)[-1]
        site.requests["document" if kind == "mgConvert2PDF.aspx" else kind] += 1
        for prefix, seconds in site.faults.slow.items():
            if target.startswith(prefix):
                time.sleep(seconds)
        for prefix, statuses in site.faults.status.items():
            if target.startswith(prefix) and statuses:
                return self._send(statuses.pop(0), b"<html>Server Error</html>", "text/html")
        if any(target.startswith(p) for p in site.faults.malformed):
            return self._send(200, b'<?xml version="1.0"?><meeting><meetingid>1</meeting', "text/xml")
        if kind == "GetCommittees":
            return self._xml(site.committees_xml())
        if kind == "GetMeetings":
            day = lambda s: datetime.strptime(s, "%d/%m/%Y").date()  # noqa: E731
            return self._xml(site.meetings_xml(int(query["lCommitteeId"]), day(query["sFromDate"]), day(query["sToDate"])))
        if kind == "GetMeeting":
            meeting = next((m for m in site.meetings if m.id == int(query.get("lMeetingId", 0))), None)
            return self._xml(site.meeting_xml(meeting)) if meeting else self._send(500, b"no such meeting", "text/plain")
        if kind == "mgConvert2PDF.aspx":
            doc = site.doc(int(query.get("ID", 0)))
            if doc is None or doc.restricted:
                return self._send(404, b"not found", "text/plain")
            return self._send(200, doc.content(), "application/pdf")
        return self._send(404, b"not found", "text/plain")

    def _xml(self, text: str) -> None:
        self._send(200, text.encode(), "text/xml; charset=utf-8")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@contextmanager
def serving(site: Site) -> Iterator[Site]:
    """Serve ``site`` on a free loopback port; ``site.base`` is its address while the block runs."""
    handler = type("Handler", (_Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def kent_site(recent: str, only: int | None = None) -> Site:
    """Kent's Cabinet and County Council: two real meetings of March 2025, a cancelled one, and a County
    Council meeting on ``recent`` (ISO) whose minutes are not yet published. ``only``: one committee's id."""
    cabinet = KENT / "cabinet" / "2025-03-04" / "originals"
    council = KENT / "full_council" / "2025-03-13" / "originals"
    site = Site(
        committees={115: "Cabinet", 144: "County Council", 312: "Appointment Sub Committee"},
        meetings=[
            Meeting(9701, 115, "2025-03-04", items=[
                Item(51001, "1", "Apologies and Substitutes"),
                Item(51004, "4", "Quarterly Performance Report, Quarter 3 2024/25",
                     docs=[Doc(70001, "Cabinet QPR Q3 Cover", cabinet / "Cabinet QPR Q3 Cover.pdf", published="2025-02-24")]),
                Item(51006, "6", "Budget update", docs=[
                    Doc(70002, "Cabinet Report 4 March 2025", cabinet / "Cabinet Report 4 March 2025.pdf"),
                    Doc(70003, "Exempt appendix: contract prices", body=b"%PDF-1.4 secret", restricted=True),
                ]),
                Item(51007, "7", "Exempt item: property disposal", restricted=True,
                     docs=[Doc(70004, "Valuation", body=b"%PDF-1.4 secret")]),
            ]),
            Meeting(9702, 115, "2025-03-20", status="Cancelled", items=[
                Item(51100, "1", "Never held", docs=[Doc(70100, "Never fetched", body=b"%PDF-1.4 never")]),
            ]),
            Meeting(9801, 144, "2025-03-13", items=[
                Item(52001, "5", "Governance and Audit Committee terms of reference",
                     docs=[Doc(70201, "GAC TOR Update CC March 2025 Final", council / "GAC TOR Update CC March 2025 Final.pdf")],
                     minute="RESOLVED that the revised terms of reference of the Governance and Audit Committee be agreed."),
                Item(52002, "6", "Consultation responses",
                     docs=[Doc(70202, "Consultation letter", url="https://elsewhere.example.org/letter.pdf")]),
            ]),
            Meeting(9802, 144, recent, items=[
                Item(52101, "4", "Governance update",
                     docs=[Doc(70301, "Governance Update Report", council / "Governance Update Report.pdf"),
                           Doc(70302, "Appendix 2 - Constitution changes", council / "Appendix 2 - Constitution changes.pdf")]),
            ]),
        ],
    )
    if only is not None:
        site.meetings = [m for m in site.meetings if m.committee == only]
    return site


def kent_archive(limit: int | None = None, only: int | None = None) -> Site:
    """Every Kent paper of ../shared/kent-2025-03 as a ModernGov site: Cabinet's two meetings and the
    County Council's, one agenda item per paper. ``limit``: the smallest papers of each meeting, at most
    that many in all (kept in proportion); ``only``: one committee's id."""
    meetings = [
        Meeting(9701, 115, "2025-03-04"), Meeting(9703, 115, "2025-03-13"), Meeting(9801, 144, "2025-03-13"),
    ]
    folders = {9701: KENT / "cabinet" / "2025-03-04", 9703: KENT / "cabinet" / "2025-03-13",
               9801: KENT / "full_council" / "2025-03-13"}
    papers = {mid: sorted((p for p in folder.rglob("*.pdf")), key=lambda p: p.stat().st_size)
              for mid, folder in folders.items()}
    total = sum(len(p) for p in papers.values())
    next_id = 80000
    for meeting in meetings:
        chosen = papers[meeting.id]
        if limit is not None:
            chosen = chosen[: max(1, round(limit * len(chosen) / total))]
        for n, path in enumerate(sorted(chosen), start=1):
            next_id += 1
            meeting.items.append(Item(next_id, str(n), path.stem, docs=[Doc(next_id, path.stem, path)]))
    site = Site(committees={115: "Cabinet", 144: "County Council"}, meetings=meetings)
    if only is not None:
        site.meetings = [m for m in site.meetings if m.committee == only]
    return site
