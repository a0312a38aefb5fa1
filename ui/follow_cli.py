"""`quorum follow`, `quorum follows`, `quorum unfollow`: topics watched across new papers."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from retrieval.errors import QuorumError
from ui.cli_common import HomeOption, console, fail
from retrieval.settings import load_settings



def follow_command(
    topic: Annotated[str, typer.Argument(help="A topic or a question: 'the Band D precept', 'What is the precept?'")],
    committee: Annotated[str, typer.Option("--committee", help="Only this committee's papers.")] = "",
    email: Annotated[str, typer.Option("--email", help="Also email digests here (after a confirmation).")] = "",
    home: HomeOption = None,
) -> None:
    """Follow a topic: each ingest or sync that brings papers speaking of it adds an entry to its feed (and mail)."""
    from retrieval.follows.service import follow

    try:
        followed, subscriber = follow(load_settings(home=home), topic, committee, email)
    except QuorumError as error:
        raise fail(error) from None
    console.print(f"Following “{followed.topic}” ({followed.id}); feed: /feeds/{followed.id}.atom", highlight=False)
    if subscriber is not None and not subscriber.confirmed:
        console.print(f"A link to confirm was sent to {subscriber.email}; nothing else is sent until it is opened.",
                      highlight=False)


def follows_command(home: HomeOption = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The topics followed, with their feeds."""
    from retrieval.follows.store import FollowStore

    store = FollowStore.of(load_settings(home=home).home)
    found = store.follows()
    if as_json:
        rows = [f.to_json() | {"subscribers": len(store.subscribers(f.id)), "entries": len(store.entries(f.id))}
                for f in found]
        print(json.dumps({"follows": rows}, indent=2, ensure_ascii=False))
        return
    if not found:
        console.print("No topics followed. `quorum follow \"the Band D precept\"` starts one.")
        return
    table = Table("id", "topic", "committee", "feed", "entries", "subscribers")
    for f in found:
        table.add_row(f.id, f.topic, f.committee, f"/feeds/{f.id}.atom", str(len(store.entries(f.id))),
                      str(len(store.subscribers(f.id))))
    console.print(table)


def unfollow_command(
    follow_id: Annotated[str, typer.Argument(help="The follow's id (see `quorum follows`).")], home: HomeOption = None
) -> None:
    """Stop following a topic; its feed, entries and subscribers' addresses are deleted."""
    from retrieval.follows.store import FollowStore

    try:
        gone = FollowStore.of(load_settings(home=home).home).unfollow(follow_id)
    except QuorumError as error:
        raise fail(error) from None
    console.print(f"No longer following “{gone.topic}”.", highlight=False)
