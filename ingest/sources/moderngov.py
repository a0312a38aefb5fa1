"""A ModernGov site's web service: committees, meetings, agenda items and their documents.

ModernGov sites answer plain GET requests to ``{base}/mgWebService.asmx/{Method}``
with XML (dates dd/mm/yyyy; agenda text and minutes as HTML escaped inside the
XML, some sites escaping twice). The client is polite and patient: one request
at a time, a User-Agent that names Quorum and a contact, a minute's timeout
(self-hosted sites are slow), retries with back-off on timeouts and 5xx. XML is
parsed with defusedxml (entity declarations refused). Every failure is a
``SiteError`` with one line a user can act on.
"""

from __future__ import annotations

import html
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeXML
import httpx
from defusedxml import DefusedXmlException

from retrieval.errors import SiteError

USER_AGENT = "Quorum/1.0 (committee papers reader; +https://github.com/quorum-civic/quorum)"


class TooLarge(SiteError):
    """A document over the size limit; it was not downloaded."""


@dataclass(frozen=True)
class Committee:
    id: int
    title: str
    expired: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class MeetingDate:
    """A meeting as a committee's list gives it."""

    id: int
    committee_id: int
    date: str  # ISO yyyy-mm-dd
    status: str = ""

    @property
    def cancelled(self) -> bool:
        return self.status.strip().lower() == "cancelled"


@dataclass(frozen=True)
class LinkedDocument:
    id: int
    title: str
    url: str
    restricted: bool = False
    published: str = ""  # ISO yyyy-mm-dd


@dataclass(frozen=True)
class AgendaItem:
    id: int
    number: str  # as the agenda prints it: "6", "6a"
    title: str
    restricted: bool = False
    minute_html: str = ""  # the item's published minute, HTML
    documents: tuple[LinkedDocument, ...] = ()


@dataclass(frozen=True)
class Meeting:
    id: int
    date: str  # ISO yyyy-mm-dd
    status: str = ""
    location: str = ""
    minutes_published: bool = False
    items: tuple[AgendaItem, ...] = ()

    @property
    def cancelled(self) -> bool:
        return self.status.strip().lower() == "cancelled"


@dataclass(frozen=True)
class Links:
    """The pages a person reads on the council's site."""

    base: str

    def meeting(self, committee_id: int, meeting_id: int) -> str:
        return f"{self.base}/ieListDocuments.aspx?CId={committee_id}&MId={meeting_id}"

    def item(self, item_id: int) -> str:
        return f"{self.base}/mgAi.aspx?ID={item_id}"


@dataclass(frozen=True)
class Politeness:
    """How the client treats a site."""

    timeout: float = 60.0  # seconds: self-hosted sites take up to a minute
    retries: int = 3  # after the first try, on timeouts, dropped connections and 5xx
    backoff: float = 2.0  # seconds before the first retry; doubled each time
    contact: str = ""  # an address the site's admins can write to, sent in the User-Agent


class ModernGov:
    """One ModernGov site, read one request at a time."""

    def __init__(
        self,
        base_url: str,
        politeness: Politeness = Politeness(),
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base = normalise_base(base_url)
        self.host = urlsplit(self.base).hostname or ""
        self.links = Links(self.base)
        self.politeness = politeness
        self._sleep = sleep
        agent = f"{USER_AGENT} {politeness.contact}".strip() if politeness.contact else USER_AGENT
        self._http = httpx.Client(
            headers={"User-Agent": agent}, timeout=politeness.timeout, follow_redirects=False, transport=transport
        )
        self.requests = 0  # how many requests this client made, retries included

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ModernGov:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the web service ---------------------------------------------------

    def committees(self) -> list[Committee]:
        root = self._service("GetCommittees")
        return [
            Committee(_int(c, "committeeid"), _text(c, "committeetitle"), _flag(c, "committeeexpired"),
                      _flag(c, "committeedeleted"))
            for c in root.iter("committee")
        ]

    def meetings(self, committee_id: int, start: date, end: date) -> list[MeetingDate]:
        params = {"lCommitteeId": str(committee_id), "sFromDate": start.strftime("%d/%m/%Y"),
                  "sToDate": end.strftime("%d/%m/%Y")}
        root = self._service("GetMeetings", params)
        return [
            MeetingDate(_int(m, "meetingid"), committee_id, uk_date(_text(m, "meetingdate")), _text(m, "meetingstatus"))
            for m in root.iter("meeting")
        ]

    def meeting(self, meeting_id: int) -> Meeting:
        root = self._service("GetMeeting", {"lMeetingId": str(meeting_id)})
        items = tuple(_agenda_item(a) for a in root.iter("agendaitem"))
        return Meeting(
            _int(root, "meetingid"), uk_date(_text(root, "meetingdate")), _text(root, "meetingstatus"),
            _text(root, "meetinglocation"), _flag(root, "minutepublished"), items,
        )

    # -- documents ---------------------------------------------------------

    def on_site(self, url: str) -> str | None:
        """``url`` made absolute against the site; None when it leaves the site's host or is not http(s)."""
        absolute = urljoin(self.base + "/", url.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or (parts.hostname or "") != self.host:
            return None
        return absolute

    def download(self, url: str, out: IO[bytes], max_bytes: int) -> str:
        """Stream a document into ``out``; returns its Content-Type. Raises ``TooLarge`` past ``max_bytes``."""

        def attempt() -> str:
            out.seek(0)
            out.truncate()
            with self._http.stream("GET", url) as response:
                _check_status(response, url)
                declared = int(response.headers.get("Content-Length") or 0)
                if declared > max_bytes:
                    raise TooLarge(f"{_mb(declared)} MB, over the {_mb(max_bytes)} MB limit")
                size = 0
                for block in response.iter_bytes():
                    size += len(block)
                    if size > max_bytes:
                        raise TooLarge(f"over the {_mb(max_bytes)} MB limit")
                    out.write(block)
                return response.headers.get("Content-Type", "")

        return self._with_retries(attempt, url)

    # -- plumbing ----------------------------------------------------------

    def _service(self, method: str, params: dict[str, str] | None = None) -> Element:
        url = f"{self.base}/mgWebService.asmx/{method}"

        def attempt() -> bytes:
            response = self._http.get(url, params=params)
            _check_status(response, url, service=True)
            return response.content

        body = self._with_retries(attempt, url)
        return parse_xml(body, f"{method} from {self.host}")

    def _with_retries(self, attempt: Callable[[], object], url: str):  # type: ignore[no-untyped-def]
        wait = self.politeness.backoff
        for tried in range(self.politeness.retries + 1):
            self.requests += 1
            try:
                return attempt()
            except _Retryable as error:
                last = error
            except httpx.TimeoutException:
                last = _Retryable(f"{self.host} did not answer within {self.politeness.timeout:g} s")
            except httpx.ConnectError as error:
                if _is_tls(error):
                    raise SiteError(f"{self.host}: its TLS certificate or connection is broken ({_reason(error)})") from error
                last = _Retryable(f"cannot connect to {self.host} ({_reason(error)})")
            except (httpx.RemoteProtocolError, httpx.ReadError) as error:
                last = _Retryable(f"{self.host} dropped the connection ({_reason(error)})")
            if tried < self.politeness.retries:
                self._sleep(wait)
                wait *= 2
        raise SiteError(f"{last} (tried {self.politeness.retries + 1} times)")


class _Retryable(SiteError):
    """A failure worth another try: a 5xx, a timeout, a dropped connection."""


def _check_status(response: httpx.Response, url: str, service: bool = False) -> None:
    host = response.url.host
    status = response.status_code
    if status >= 500:
        raise _Retryable(f"{host} answered {status} for {urlsplit(url).path}")
    if status in (401, 403):
        raise SiteError(f"{host} refused Quorum ({status}): the site blocks this client or needs a login")
    if status == 404 and service:
        raise SiteError(f"{host} has no ModernGov web service at {urlsplit(url).path} (404): "
                        "it may be disabled, or the address is not the site's base")
    if 300 <= status < 400:
        raise SiteError(f"{host} redirected {urlsplit(url).path} to {response.headers.get('Location', '?')}; "
                        "give the site's base address as it redirects")
    if status >= 400:
        raise SiteError(f"{host} answered {status} for {urlsplit(url).path}")


def parse_xml(body: bytes, what: str) -> Element:
    """XML parsed safely: entity declarations (billion laughs, external entities) are refused."""
    try:
        return SafeXML.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as error:
        raise SiteError(f"{what}: the XML declares entities, which Quorum refuses ({type(error).__name__})") from error
    except ParseError as error:
        head = body[:200].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")):
            raise SiteError(f"{what}: an HTML page came back, not the web service's XML "
                            "(the service may be disabled)") from error
        raise SiteError(f"{what}: malformed XML ({error})") from error


def normalise_base(url: str) -> str:
    """The site's base address: scheme and host (and any folder), without a page or a trailing slash.

    "https://democracy.kent.gov.uk/mgCommitteeDetails.aspx?ID=144" → "https://democracy.kent.gov.uk".
    """
    url = url.strip()
    parts = urlsplit(url if "://" in url else f"https://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SiteError(f"{url!r} is not a web address (https://democracy.example.gov.uk)")
    path = re.sub(r"/(?:mg|ie)[\w]*\.aspx.*$|/mgWebService\.asmx.*$", "", parts.path).rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"


def uk_date(text: str) -> str:
    """dd/mm/yyyy as ISO yyyy-mm-dd; "" when empty or not a date."""
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date().isoformat()
    except ValueError:
        return ""


def unescaped(text: str) -> str:
    """Text a site escaped once too often ("&amp;#39;" arrives as "&#39;") read as written."""
    return html.unescape(text) if re.search(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", text, re.I) else text


def minute_html(text: str) -> str:
    """A minute's HTML; a site that escaped it twice sends "&lt;p&gt;" where tags belong."""
    text = text.strip()
    if "<" not in text and "&lt;" in text:
        text = html.unescape(text)
    return text


def _agenda_item(element: Element) -> AgendaItem:
    documents = tuple(
        LinkedDocument(
            _int(d, "attachmentid"), unescaped(_text(d, "title")), _text(d, "url"), _flag(d, "isrestricted"),
            uk_date(_text(d, "publicationdate")),
        )
        for d in element.iter("linkeddoc")
    )
    number = _text(element, "fulldisplaynumberformat").rstrip(".") or _text(element, "agendaitemnumber")
    minute = minute_html(_text(element, "minutesnonemptyhtmlbody")) if _flag(element, "isminutepublished", True) else ""
    return AgendaItem(
        _int(element, "agendaitemid"), number, unescaped(_text(element, "agendaitemtitle")),
        _flag(element, "isrestricted"), minute, documents,
    )


def _text(element: Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _int(element: Element, tag: str) -> int:
    text = _text(element, tag)
    if not text.isdigit():
        raise SiteError(f"malformed XML: <{tag}> is {text[:20]!r}, not a number")
    return int(text)


def _flag(element: Element, tag: str, default: bool = False) -> bool:
    text = _text(element, tag).lower()
    return default if not text else text == "true"


def _is_tls(error: Exception) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError) or "CERTIFICATE" in str(cause).upper() or "SSL" in str(cause).upper():
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _reason(error: Exception) -> str:
    return str(error).splitlines()[0][:160] if str(error) else type(error).__name__


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def suffix_for(content_type: str, url: str) -> str:
    """The file suffix a downloaded document should be checked as (its content decides in the end)."""
    kind = content_type.split(";")[0].strip().lower()
    by_type = {
        "application/pdf": ".pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
        "text/html": ".html",
        "text/plain": ".txt",
    }
    if kind in by_type:
        return by_type[kind]
    path_suffix = Path(urlsplit(url).path).suffix.lower()
    return path_suffix if path_suffix in (".pdf", ".docx", ".html", ".htm", ".txt", ".md") else ".pdf"
