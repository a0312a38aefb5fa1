"""A followed topic as the public reads it: its Atom feed, its page of entries, and the mail links' pages.

Routes: ``GET /feeds/<id>.atom``, ``GET /follows/<id>``, ``GET /follows/confirm?token=``,
``GET|POST /follows/unsubscribe?token=`` (POST is the one-click unsubscribe of RFC 8058).
Feeds and pages hold no personal data: never an address, only the topic and quoted papers.
"""

from __future__ import annotations

from datetime import datetime, timezone
from xml.sax.saxutils import escape as xml_escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from retrieval.follows.mail import citation
from retrieval.follows.store import Entry, Follow, FollowStore, UnknownFollow
from retrieval.settings import Settings
from ui.highlight import escape, safe_url

ATOM = "application/atom+xml; charset=utf-8"


def atom(follow: Follow, entries: list[Entry], base: str) -> str:
    """The follow's entries, newest first, as an Atom 1.0 feed; each entry links to its place on the follow's page."""
    page = f"{base}/follows/{follow.id}"
    updated = _stamp(entries[0].created if entries else follow.created)
    items = "".join(_entry(follow, e, page) for e in entries)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>urn:quorum:follow:{follow.id}</id><title>{xml_escape(f'Quorum: {follow.topic}')}</title>"
        f"<subtitle>New passages of the papers on “{xml_escape(follow.topic)}”, quoted and cited.</subtitle>"
        f'<link rel="self" href="{xml_escape(f"{base}/feeds/{follow.id}.atom")}"/>'
        f'<link rel="alternate" type="text/html" href="{xml_escape(page)}"/>'
        f"<updated>{updated}</updated><author><name>Quorum</name></author>{items}</feed>\n"
    )


def _entry(follow: Follow, entry: Entry, page: str) -> str:
    quotes = entry.body["quotes"]
    titles = list(dict.fromkeys(q["title"] for q in quotes))
    title = f"{follow.topic}: {titles[0]}" + (f" and {len(titles) - 1} more" if len(titles) > 1 else "")
    content = "".join(f"<blockquote>“{escape(q['text'])}”</blockquote><p>{escape(citation(q))}</p>" for q in quotes)
    return (
        f"<entry><id>urn:quorum:entry:{entry.id}</id><title>{xml_escape(title)}</title>"
        f'<link rel="alternate" type="text/html" href="{xml_escape(f"{page}#entry-{entry.id}")}"/>'
        f"<updated>{_stamp(entry.created)}</updated>"
        f'<content type="html">{xml_escape(content)}</content></entry>'
    )


def follow_page(follow: Follow, entries: list[Entry]) -> str:
    items = "".join(_entry_html(e) for e in entries) or (
        "<p>Nothing new on this topic yet: entries appear after a sync or an ingest brings papers that speak of it.</p>"
    )
    feed = f'<a href="/feeds/{follow.id}.atom">Atom feed</a>'
    return _page(f"Following: {follow.topic}", f"<p>{feed}</p>{items}")


def _entry_html(entry: Entry) -> str:
    when = datetime.fromtimestamp(entry.created, timezone.utc)
    quotes = "".join(_quote_html(q) for q in entry.body["quotes"])
    return f'<article id="entry-{entry.id}"><h2>{when.day} {when:%B %Y, %H:%M} UTC</h2>{quotes}</article>'


def _quote_html(quote: dict) -> str:  # type: ignore[type-arg]
    links = " · ".join(f'<a href="{escape(u)}" rel="noopener noreferrer">{label}</a>'
                       for label, u in (("paper", safe_url(quote["url"])), ("meeting", safe_url(quote["meeting_url"]))) if u)
    return (f"<blockquote>“{escape(quote['text'])}”</blockquote>"
            f"<p class='cite'>{escape(citation(quote))}{' · ' + links if links else ''}</p>")


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'></head>"
            f"<body style='font-family: sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem'>"
            f"<h1>{escape(title)}</h1>{body}<p><a href='/'>Quorum</a></p></body></html>")


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def add_follow_routes(server, settings: Settings) -> None:  # noqa: ANN001
    """The feed, page, confirm and unsubscribe routes, on the app's server."""
    store = FollowStore.of(settings.home)

    def base(request: Request) -> str:
        return (settings.public_url or f"{request.url.scheme}://{request.url.netloc}").rstrip("/")

    def feed(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            follow = store.get(name.removesuffix(".atom")) if name.endswith(".atom") else None
        except UnknownFollow:
            follow = None
        if follow is None:
            return Response("No such feed.", status_code=404, media_type="text/plain")
        return Response(atom(follow, store.entries(follow.id), base(request)), media_type=ATOM)

    def page(request: Request) -> HTMLResponse:
        try:
            follow = store.get(request.path_params["follow_id"])
        except UnknownFollow:
            return HTMLResponse(_page("Not found", "<p>No such topic is followed here.</p>"), status_code=404)
        return HTMLResponse(follow_page(follow, store.entries(follow.id)))

    def confirm(request: Request) -> HTMLResponse:
        subscriber = store.confirm(request.query_params.get("token", ""))
        if subscriber is None:
            return HTMLResponse(_page("Link not valid", "<p>This link is not valid any more.</p>"), status_code=404)
        topic = store.get(subscriber.follow_id).topic
        return HTMLResponse(_page("Confirmed", f"<p>Digests on “{escape(topic)}” will be emailed to this address. "
                                               "Each one has a link to stop them.</p>"))

    async def unsubscribe(request: Request) -> HTMLResponse:
        token = request.query_params.get("token", "")
        if request.method == "GET":  # a link scanner must not unsubscribe anyone: the button does
            form = (f"<form method='post' action='/follows/unsubscribe?token={escape(token)}'>"
                    "<button type='submit'>Stop these emails</button></form>")
            return HTMLResponse(_page("Stop these emails?", form))
        gone = store.unsubscribe(token)
        if gone is None:
            return HTMLResponse(_page("Already stopped", "<p>This address gets no more emails on this topic.</p>"))
        return HTMLResponse(_page("Stopped", "<p>No more emails on this topic; the address has been deleted.</p>"))

    server.add_route("/feeds/{name}", feed, methods=["GET"])
    server.add_route("/follows/confirm", confirm, methods=["GET"])
    server.add_route("/follows/unsubscribe", unsubscribe, methods=["GET", "POST"])
    server.add_route("/follows/{follow_id}", page, methods=["GET"])
