"""What checking followed topics costs after a sync, beside the sync itself.

    python -m evals.follows_bench [--papers 46] [--follows 1000] [--json]

Syncs ``--papers`` of Kent's real papers from a ModernGov site on loopback
(``evals.moderngov_site``), follows ``--follows`` topics (every development
set's questions, then the papers' own section headings and the opening words
of their passages, as members would follow them) and checks every follow against the new papers, as a sync does
when it ends. The table gives the sync's time (the baseline, measured in the
same run), the check's time, its ratio to the sync, and the cost per follow.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evals.moderngov_site import KENT, kent_archive, serving
from ingest.sources.registry import add_moderngov
from ingest.sources.sync import sync
from retrieval.follows.digest import check_follows
from retrieval.follows.store import FollowStore
from retrieval.search import Searcher
from retrieval.settings import Settings

DATA = Path(__file__).resolve().parent / "data"
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FOREIGN = Path(__file__).resolve().parents[2] / "shared" / "foreign-dev" / "qa.jsonl"


def topics(n: int, searcher: Searcher) -> list[str]:
    """Up to ``n`` distinct topics: every development set's questions (ours, Kent's, the foreign transcripts'),
    then section headings and the opening words of passages of the indexed papers."""
    found: list[str] = []
    sets = (DATA / "kent" / "qa.jsonl", DATA / "questions.jsonl", DATA / "conversations.jsonl",
            DATA / "foreign-slice" / "qa.jsonl", FOREIGN)
    for path in sets:
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    item = json.loads(line)
                    found += [item.get("question", "")] + [t.get("question", "") for t in item.get("turns", [])]
    found += [c.section for c in searcher.lexical.chunks if c.section and len(c.section.split()) >= 2]
    # Then the opening words of passages, as a reader picks a phrase out of a paper to follow it.
    found += [" ".join(c.text.split()[:6]) for c in searcher.lexical.chunks if len(c.text.split()) >= 12]
    return list(dict.fromkeys(" ".join(t.split()) for t in found if t.strip()))[:n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=46, help="Kent papers synced (the smallest; 46 is all)")
    parser.add_argument("--follows", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not KENT.is_dir():
        raise SystemExit(f"needs {KENT}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = Path(tempfile.mkdtemp(prefix="quorum-follows-bench-"))
    try:
        settings = Settings(home=work / "home", corpus=CORPUS)
        with serving(kent_archive(args.papers)) as site:
            add_moderngov(settings, site.base, ["Cabinet", "County Council"], since="2025-01-01")
            began = time.perf_counter()
            report = sync(settings)  # no follows yet: the sync alone
            sync_seconds = time.perf_counter() - began
        searcher = Searcher(settings)
        store = FollowStore.of(settings.home)
        for topic in topics(args.follows, searcher):
            store.follow(topic)
        changed = [d.doc_id for d in searcher.lexical.documents()]
        checked = check_follows(store, searcher, changed)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures = {
        "documents": report.indexed.get("added", 0), "sync_seconds": round(sync_seconds, 1),
        "follows": checked.follows, "with_news": len(checked.entries), "check_seconds": round(checked.seconds, 1),
        "ratio_to_sync": round(checked.seconds / sync_seconds, 3) if sync_seconds else None,
        "ms_per_follow": round(1000 * checked.seconds / max(1, checked.follows), 1),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    table = Table(title=f"Checking {figures['follows']} followed topics after a sync of {figures['documents']} papers")
    for column in ("step", "seconds", "ratio to the sync", "per follow"):
        table.add_column(column, justify="left" if column == "step" else "right")
    table.add_row("quorum sync (baseline)", f"{figures['sync_seconds']}", "1.00", "")
    table.add_row(f"check {figures['follows']} follows ({figures['with_news']} with news)",
                  f"{figures['check_seconds']}", f"{figures['ratio_to_sync']:.2f}", f"{figures['ms_per_follow']} ms")
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
