"""`quorum settings`: every setting, its value, and where that value came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from pydantic import BaseModel, SecretStr
from rich.table import Table

from retrieval.errors import QuorumError
from ui.cli_common import console, fail
from retrieval.settings import GROUPS, Settings, settings_sources



def shown(value: Any) -> Any:
    """A value as `quorum settings` prints it: secrets never, paths and nested models plainly."""
    if isinstance(value, SecretStr):
        return "(set)"
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, Path):
        return str(value)
    return value


def rows(settings: Settings, sources: dict[str, str]) -> list[dict[str, Any]]:
    fields = Settings.model_fields
    return [
        {"name": name, "group": group, "value": shown(getattr(settings, name)), "source": sources[name],
         "description": fields[name].description or ""}
        for group, names in GROUPS.items() for name in names
    ]


def settings_command(
    home: Annotated[Optional[Path], typer.Option("--home", help="Data directory (default ./.quorum, or QUORUM_HOME).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every setting by group, with its value and where it came from (default, file, environment, flag)."""
    try:
        settings, sources = settings_sources(home=home)
    except QuorumError as error:
        raise fail(error) from None
    found = rows(settings, sources)
    if as_json:
        print(json.dumps({"settings": found}, indent=2, default=str))
        return
    table = Table("group", "setting", "value", "from", "what it does")
    for row in found:
        value = json.dumps(row["value"], default=str) if not isinstance(row["value"], str) else row["value"]
        table.add_row(row["group"], row["name"], value, row["source"], row["description"])
    console.print(table)
