"""Committees kept in sync from a ModernGov site: a real HTTP server on loopback, real papers, real Chroma."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.sources.mirror import Held, mirror
from ingest.sources.moderngov import ModernGov, Politeness, SiteError, parse_xml
from ingest.sources.registry import Source, add_moderngov, load_sources
from ingest.sources.report import SourceReport
from ingest.sources.sync import sync
from ingest.uploads import UploadLimits
from retrieval.settings import Settings
from retrieval.store import Store
from tests.conftest import CORPUS
from evals.moderngov_site import KENT, Doc, Item, Meeting, kent_site, serving

SHARED = Path(__file__).resolve().parents[2] / "shared" / "moderngov"
QUICK = Politeness(timeout=5, retries=2, backoff=0.01)
RECENT = (date.today() - timedelta(days=10)).isoformat()

pytestmark = pytest.mark.skipif(not KENT.is_dir(), reason="needs ../shared/kent-2025-03")


def _site_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", corpus=CORPUS, sync_timeout_s=5)


def _follow(settings: Settings, base: str) -> Source:
    return add_moderngov(settings, base, ["Cabinet", "144"], since="2025-01-01")


def _mirror(site_base: str, root: Path, held: Held, **limits: int) -> SourceReport:
    report = SourceReport("test")
    source = Source("test", "moderngov", site_base, ("Cabinet", "County Council"), "2025-01-01")
    with ModernGov(site_base, QUICK) as client:
        mirror(source, client, root, held, UploadLimits(**limits), report)
    return report


# -- the web service as real sites send it ---------------------------------


def test_the_real_responses_are_read_with_their_dates_items_minutes_and_documents(tmp_path: Path) -> None:
    from ingest.sources.moderngov import _agenda_item

    root = parse_xml((SHARED / "meeting_with_minutes.xml").read_bytes(), "test")
    items = [_agenda_item(a) for a in root.iter("agendaitem")]
    assert [(i.number, i.title) for i in items] == [("1", "Minutes"), ("9", "Work Programme")]
    assert "correct record" in items[0].minute_html and items[0].minute_html.startswith("<div")
    assert items[1].documents[0].url.endswith("mgConvert2PDF.aspx?ID=60909")
    assert items[1].documents[0].published == "2026-02-02"
    committees = parse_xml((SHARED / "committees.xml").read_bytes(), "test")
    assert [c.findtext("committeeid") for c in committees.iter("committee")] == ["312", "163", "144"]


def test_xml_that_declares_entities_is_refused_in_one_line() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><committees>&b;</committees>'
    with pytest.raises(SiteError, match="declares entities"):
        parse_xml(bomb, "GetCommittees from example")


def test_a_title_escaped_twice_is_read_as_written() -> None:
    from ingest.sources.moderngov import minute_html, unescaped

    assert unescaped("Chair&#39;s report &amp; budget") == "Chair's report & budget"
    assert minute_html("&lt;p&gt;Agreed.&lt;/p&gt;") == "<p>Agreed.</p>"


# -- mirroring a committee -------------------------------------------------


def test_cancelled_meetings_restricted_items_and_off_site_links_are_never_fetched(tmp_path: Path) -> None:
    with serving(kent_site(RECENT)) as site:
        report = _mirror(site.base, tmp_path / "synced", Held(tmp_path / "held.json"))
        fetched = {q for q in site.requests}
    assert site.requests["GetMeeting"] == 3  # not the cancelled one
    assert site.requests["document"] == 5
    skipped = dict(report.skipped)
    assert skipped["Cabinet, 20 March 2025"] == "meeting cancelled"
    assert skipped["Exempt appendix: contract prices"].startswith("restricted")
    assert skipped["Valuation"].startswith("restricted")
    assert "leaves 127.0.0.1" in skipped["Consultation letter"]
    assert "GetCommittees" in fetched and not report.failed
    assert len(report.added) == 6  # five papers and one published minute


def test_each_file_is_tagged_with_its_committee_meeting_item_and_links(tmp_path: Path) -> None:
    from ingest.manifest import read_manifest

    with serving(kent_site(RECENT)) as site:
        _mirror(site.base, tmp_path / "synced", Held(tmp_path / "held.json"))
        folder = next((tmp_path / "synced" / "test").glob("115-cabinet/2025-03-04-9701"))
        entries = read_manifest(folder)
        paper = entries["70002-Cabinet-Report-4-March-2025.pdf"]
        assert paper["committee"] == "Cabinet" and paper["date"] == "2025-03-04"
        assert paper["item"] == "6" and paper["item_title"] == "Budget update"
        assert paper["meeting_url"] == f"{site.base}/ieListDocuments.aspx?CId=115&MId=9701"
        assert paper["item_url"] == f"{site.base}/mgAi.aspx?ID=51006"
        assert paper["url"] == f"{site.base}/mgConvert2PDF.aspx?ID=70002"
        minutes = read_manifest(next((tmp_path / "synced" / "test").glob("144-county-council/2025-03-13-9801")))
        minute = next(e for name, e in minutes.items() if name.startswith("minute-"))
        assert minute["type"] == "minutes" and minute["title"].startswith("Minutes: County Council, 13 March 2025, item 5")


def test_a_second_run_with_nothing_new_downloads_nothing_and_revisits_only_recent_meetings(tmp_path: Path) -> None:
    held = Held.load(tmp_path / "held.json")
    with serving(kent_site(RECENT)) as site:
        _mirror(site.base, tmp_path / "synced", held)
        site.requests.clear()
        again = _mirror(site.base, tmp_path / "synced", Held.load(tmp_path / "held.json"))
    assert site.requests["document"] == 0
    assert site.requests["GetMeeting"] == 1  # the meeting of ten days ago: its minutes may still come
    assert again.added == again.changed == again.withdrawn == [] and again.unchanged == 2


def test_minutes_published_later_and_a_withdrawn_document_are_seen_on_the_next_run(tmp_path: Path) -> None:
    from ingest.manifest import read_manifest

    with serving(kent_site(RECENT)) as site:
        _mirror(site.base, tmp_path / "synced", Held.load(tmp_path / "held.json"))
        meeting = site.meetings[-1]
        meeting.items[0].minute = "RESOLVED that the governance update be noted."
        meeting.items[0].docs.pop()  # the appendix is taken down
        later = _mirror(site.base, tmp_path / "synced", Held.load(tmp_path / "held.json"))
    assert [Path(a).name for a in later.added] == ["minute-item-4-52101.html"]
    assert later.withdrawn == [f"{RECENT}-9802/70302-Appendix-2-Constitution-changes.pdf"]
    folder = next((tmp_path / "synced" / "test").glob(f"144-county-council/{RECENT}-9802"))
    assert (folder / "70302-Appendix-2-Constitution-changes.pdf").is_file()  # kept
    assert read_manifest(folder)["70302-Appendix-2-Constitution-changes.pdf"]["withdrawn"] == date.today().isoformat()
    assert later.meetings_changed == 1


def test_a_site_that_fails_for_a_while_is_retried_and_a_broken_meeting_does_not_stop_the_run(tmp_path: Path) -> None:
    site_data = kent_site(RECENT)
    site_data.faults.status["/mgWebService.asmx/GetCommittees"] = [500, 503]
    site_data.faults.malformed.add("/mgWebService.asmx/GetMeeting?lMeetingId=9801")
    with serving(site_data) as site:
        report = _mirror(site.base, tmp_path / "synced", Held.load(tmp_path / "held.json"))
        assert [what for what, _ in report.failed] == ["County Council, 13 March 2025"]
        assert "malformed XML" in report.failed[0][1]
        site.faults.malformed.clear()
        retried = _mirror(site.base, tmp_path / "synced", Held.load(tmp_path / "held.json"))
    assert len(report.added) == 4 and not retried.failed
    assert sorted(Path(a).name for a in retried.added) == ["70201-GAC-TOR-Update-CC-March-2025-Final.pdf",
                                                          "minute-item-5-52001.html"]


def test_an_oversized_document_and_a_file_that_is_not_a_document_are_skipped_with_why(tmp_path: Path) -> None:
    site_data = kent_site(RECENT)
    site_data.meetings[0].items[0].docs = [Doc(79001, "Spreadsheet", body=b"PK\x03\x04 not a docx at all" * 10)]
    with serving(site_data) as site:
        report = _mirror(site.base, tmp_path / "synced", Held.load(tmp_path / "held.json"), max_bytes=100_000)
    skipped = dict(report.skipped)
    assert "not a document" in skipped["Spreadsheet"]
    assert skipped["Governance Update Report"].startswith("too large: 0.1 MB, over the 0.1 MB limit")  # 106 kB
    assert "Cabinet Report 4 March 2025" not in skipped  # 94 kB
    assert not report.failed


def test_a_site_without_the_web_service_is_named_in_one_line(tmp_path: Path) -> None:
    site_data = kent_site(RECENT)
    site_data.faults.status["/mgWebService.asmx/GetCommittees"] = [404]
    with serving(site_data) as site, pytest.raises(SiteError, match="no ModernGov web service"):
        _mirror(site.base, tmp_path / "synced", Held.load(tmp_path / "held.json"))


def test_an_unknown_committee_is_reported_with_the_names_it_may_have_meant(tmp_path: Path) -> None:
    report = SourceReport("test")
    with serving(kent_site(RECENT)) as site, ModernGov(site.base, QUICK) as client:
        source = Source("test", "moderngov", site.base, ("Council",), "2025-01-01")
        mirror(source, client, tmp_path / "synced", Held(tmp_path / "h.json"), UploadLimits(), report)
    assert report.failed == [("Council", "127.0.0.1 has no committee named 'Council'; did you mean 'County Council'?")]


# -- quorum sync: mirrored, ingested, answered and cited -------------------


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory, embedder):
    home = tmp_path_factory.mktemp("synced")
    settings = _site_settings(home)
    with serving(kent_site(RECENT)) as site:
        _follow(settings, site.base)
        first = sync(settings)
        site.requests.clear()
        second = sync(settings)
        yield settings, site, first, second


def test_a_synced_committee_is_indexed_with_meetings_and_items_a_citation_can_name(synced) -> None:
    settings, site, first, _ = synced
    assert first.ok and first.indexed["added"] == 6 and not first.indexed["failed"]
    docs = Store(settings).documents()
    paper = next(d.info for d in docs.values() if d.info.title == "Cabinet Report 4 March 2025")
    assert paper.committee == "Cabinet" and paper.meeting_date == "2025-03-04" and paper.item == "6"
    assert paper.meeting_url.endswith("ieListDocuments.aspx?CId=115&MId=9701")
    assert paper.doc_id.startswith("127-0-0-1-") and "/115-cabinet/2025-03-04-9701/" in paper.doc_id


def test_a_second_sync_with_nothing_new_downloads_and_embeds_nothing(synced) -> None:
    _, site, _, second = synced
    assert site.requests["document"] == 0
    assert second.indexed["added"] == second.indexed["updated"] == 0
    assert second.last_success == second.finished


def test_a_question_is_answered_from_synced_papers_and_cited_to_the_meeting(synced, embedder) -> None:
    from retrieval.conversation import ask
    from retrieval.search import Searcher

    settings, *_ = synced
    answer = ask("What are the revised terms of reference of the Governance and Audit Committee?",
                 Searcher(settings, embedder=embedder))
    assert not answer.abstained
    where = answer.citations[0].passage.chunk.doc
    assert where.committee == "County Council" and where.meeting_date == "2025-03-13"
    cited = answer.to_json()["citations"][0]
    assert cited["meeting"].startswith("County Council, 13 March 2025, item 5: Governance and Audit Committee")
    assert cited["item_url"].endswith("/mgAi.aspx?ID=52001")


def test_a_citation_names_its_meeting_and_links_the_councils_page_in_the_app_cli_and_briefing(synced) -> None:
    from rich.console import Console

    from retrieval.models import Chunk, Passage
    from ui.briefing import reference_line
    from ui.render import print_answer
    from ui.sources import passage_html

    settings, *_ = synced
    doc = next(d.info for d in Store(settings).documents().values() if d.info.title == "Cabinet Report 4 March 2025")
    passage = Passage(Chunk(f"{doc.doc_id}:0:x", doc, "The budget was agreed.", 0, 22, 0), 1.0)
    html = passage_html(1, passage, ())
    assert "Cabinet, 4 March 2025, item 6: Budget update" in html and "mgAi.aspx?ID=51006" in html
    assert "Cabinet, 4 March 2025, item 6: Budget update" in reference_line(passage)
    from retrieval.models import Answer, Citation

    console = Console(record=True, width=200)
    print_answer(Answer("q", "The budget was agreed. [1]", False, [Citation(1, passage, ())], [passage]), console)
    assert "Cabinet, 4 March 2025, item 6: Budget update" in console.export_text()


def test_the_cli_adds_lists_syncs_and_removes_a_source(tmp_path: Path) -> None:
    from ui.cli import app

    runner = CliRunner()
    home = str(tmp_path / "home")
    with serving(kent_site(RECENT)) as site:
        added = runner.invoke(app, ["sources", "add", "moderngov", f"{site.base}/mgCommitteeDetails.aspx?ID=115",
                                    "--committee", "Cabinet", "--since", "2025-03-01", "--home", home])
        assert added.exit_code == 0, added.output
        listed = json.loads(runner.invoke(app, ["sources", "list", "--json", "--home", home]).output)
        assert listed["sources"][0]["location"] == site.base and listed["sources"][0]["committees"] == ["Cabinet"]
        bad = runner.invoke(app, ["sources", "add", "moderngov", site.base, "--committee", "Cabinet", "--since",
                                  "March", "--home", home])
        assert bad.exit_code == 1 and "not a date" in bad.output
        synced = runner.invoke(app, ["sync", "--json", "--home", home])
    assert synced.exit_code == 0, synced.output
    report = json.loads(synced.output)
    assert report["ok"] and len(report["sources"][0]["added"]) == 2
    assert [what for what, _ in report["sources"][0]["skipped"]] == [
        "Exempt appendix: contract prices", "Valuation", "Cabinet, 20 March 2025"]
    source_id = listed["sources"][0]["id"]
    removed = runner.invoke(app, ["sources", "remove", source_id, "--home", home])
    assert removed.exit_code == 0 and "2 documents taken out" in removed.output
    assert load_sources(Settings(home=Path(home))) == []


def test_a_folder_source_picks_up_new_changed_and_removed_files(tmp_path: Path, embedder) -> None:
    from ingest.sources.registry import add_folder

    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "a.md").write_text("# Budget\n\nThe precept rises by £14 for a Band D home in 2025/26.\n")
    (folder / "b.md").write_text("# Estates\n\nThe custody suite opens in May 2026.\n")
    settings = _site_settings(tmp_path)
    add_folder(settings, folder)
    first = sync(settings)
    (folder / "a.md").write_text("# Budget\n\nThe precept rises by £13 for a Band D home in 2025/26.\n")
    (folder / "b.md").unlink()
    (folder / "c.md").write_text("# Fleet\n\nTwelve electric vans join the fleet.\n")
    second = sync(settings).sources[0]
    assert sorted(first.sources[0].added) == ["a.md", "b.md"]
    assert second.added == ["c.md"] and second.changed == ["a.md"] and second.removed == ["b.md"]
    assert sorted(Store(settings).documents()) == ["a.md", "c.md"]


def test_meetings_outside_the_window_are_not_asked_for(tmp_path: Path) -> None:
    site_data = kent_site(RECENT)
    site_data.meetings.append(Meeting(9000, 115, "2019-05-01", items=[Item(1, "1", "Old", docs=[Doc(1, "Old", body=b"x")])]))
    with serving(site_data) as site:
        report = _mirror(site.base, tmp_path / "synced", Held.load(tmp_path / "held.json"))
    assert report.meetings_seen == 4


def test_a_sync_interval_reads_as_a_duration_and_a_bad_one_is_refused_before_serving(tmp_path: Path) -> None:
    from ingest.sources.schedule import interval_seconds
    from retrieval.errors import ConfigError
    from ui.cli import app

    assert [interval_seconds(t) for t in ("6h", "30m", "1d", "90s")] == [21600, 1800, 86400, 90]
    with pytest.raises(ConfigError, match="not a duration"):
        interval_seconds("every six hours")
    refused = CliRunner().invoke(app, ["serve", "--sync-every", "soon", "--home", str(tmp_path / "home")])
    assert refused.exit_code == 1 and "'soon' is not a duration like 6h" in refused.output


def test_the_background_sync_fetches_what_the_site_publishes_next_without_being_asked(tmp_path: Path) -> None:
    from ingest.sources.schedule import BackgroundSync

    settings = _site_settings(tmp_path)
    site_data = kent_site(RECENT, only=144)
    site_data.meetings = site_data.meetings[-1:]  # the recent meeting: two papers, no minutes yet
    with serving(site_data) as site:
        add_moderngov(settings, site.base, ["County Council"], since="2025-01-01")
        worker = BackgroundSync(settings, 0.5).start()
        try:
            _wait(lambda: worker.runs >= 1)
            site.meetings[0].items[0].minute = "RESOLVED that the governance update be noted."
            _wait(lambda: any(d.info.title.startswith("Minutes: County Council") for d in Store(settings).documents().values()))
        finally:
            worker.stop(timeout=60)
    titles = sorted(d.info.title for d in Store(settings).documents().values())
    assert titles[0] == "Appendix 2 - Constitution changes" and len(titles) == 3


def test_sources_declared_in_quorum_toml_are_synced_beside_the_data_directorys_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "quorum.toml"
    config.write_text('[[sources]]\nkind = "moderngov"\nlocation = "https://democracy.kent.gov.uk"\n'
                      'committees = ["Cabinet"]\nsince = "2025-01-01"\n')
    monkeypatch.setenv("QUORUM_CONFIG", str(config))
    settings = _site_settings(tmp_path)
    add_moderngov(settings, "https://democracy.example.gov.uk/mgCommitteeDetails.aspx?ID=1", ["Audit"])
    found = {s.id: s for s in load_sources(settings)}
    assert set(found) == {"democracy-example-gov-uk", "democracy-kent-gov-uk"}
    assert found["democracy-kent-gov-uk"].committees == ("Cabinet",)
    assert found["democracy-example-gov-uk"].location == "https://democracy.example.gov.uk"


def _wait(condition, seconds: float = 240.0) -> None:  # noqa: ANN001
    import time

    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < seconds, "timed out"
        time.sleep(0.3)


def test_a_sync_killed_while_downloading_loses_nothing_and_the_next_one_finishes_it(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    settings = _site_settings(tmp_path)
    site_data = kent_site(RECENT)
    site_data.faults.slow["/mgConvert2PDF.aspx?ID=70302"] = 30.0  # the last paper hangs: the sync is killed there
    with serving(site_data) as site:
        _follow(settings, site.base)
        worker = subprocess.Popen([sys.executable, "-m", "ui.cli", "sync", "--home", str(settings.home)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env=os.environ | {"HF_HUB_OFFLINE": "1"})
        _wait(lambda: site.requests["document"] >= 5)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        site.faults.slow.clear()
        finished = sync(settings)
    assert finished.ok and not finished.sources[0].failed
    docs = Store(settings).documents()
    assert len(docs) == 6 and not Store(settings).pending()
    assert not list(settings.synced_path.rglob(".incoming-*"))  # what the killed sync was writing is swept


def test_a_site_whose_tls_certificate_is_broken_is_named_in_one_line(tmp_path: Path) -> None:
    import ssl
    import subprocess
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=democracy.example.gov.uk"], check=True, capture_output=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with ModernGov(f"https://127.0.0.1:{server.server_address[1]}", QUICK) as site, \
                pytest.raises(SiteError, match="TLS certificate or connection is broken") as error:
            site.committees()
        assert len(str(error.value).splitlines()) == 1
    finally:
        server.shutdown()


def test_a_site_that_refuses_the_client_or_answers_too_slowly_is_named_in_one_line(tmp_path: Path) -> None:
    site_data = kent_site(RECENT)
    site_data.faults.status["/mgWebService.asmx/GetCommittees"] = [403]
    with serving(site_data) as site, pytest.raises(SiteError, match=r"refused Quorum \(403\)"):
        _mirror(site.base, tmp_path / "synced", Held(tmp_path / "held.json"))
    slow = kent_site(RECENT)
    slow.faults.slow["/mgWebService.asmx/GetCommittees"] = 1.5
    impatient = Politeness(timeout=0.5, retries=1, backoff=0.01)
    with serving(slow) as site, ModernGov(site.base, impatient) as client:
        with pytest.raises(SiteError, match=r"did not answer within 0.5 s \(tried 2 times\)"):
            client.committees()
        assert client.requests == 2
