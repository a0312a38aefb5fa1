"""What every `quorum` command shares: its consoles, the --home option, and one way to fail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

console = Console()
errors = Console(stderr=True)

HomeOption = Annotated[Optional[Path], typer.Option("--home", help="Data directory (default ./.quorum, or QUORUM_HOME).")]


def fail(error: Exception, code: int = 1) -> typer.Exit:
    """Print ``error`` as one line on stderr; the exit to raise."""
    errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
    return typer.Exit(code)
