"""Pages are drawn in a process of the app's own, which never outlives the app."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import tests.pdf_factory as make

APP = """
import os, sys, time
from pathlib import Path
from ui.pages import PageImages
images = PageImages()
assert images.png(Path(sys.argv[1]), 1, "Band D precept").startswith(b"\\x89PNG")
print(*[p.pid for p in images._worker._processes.values()], flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


def test_the_drawing_process_ends_when_the_app_is_killed(tmp_path: Path) -> None:
    pdf = tmp_path / "budget.pdf"
    make.table_across_pages(pdf)
    app = subprocess.Popen([sys.executable, "-c", APP, str(pdf)], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(app.stdout.readline())
        assert _alive(worker) and int(Path(f"/proc/{worker}/stat").read_text().split()[18]) > 0  # niced
        app.kill()  # no clean-up runs in the app: the drawing process must notice by itself
        app.wait(10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker)
    finally:
        app.kill()
