"""The flood benchmark, small: one client flooding page images does not reach the people asking."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.flood import prepare, run_flood, serving

pytestmark = pytest.mark.slow


def test_a_flood_of_page_images_leaves_askers_answered_and_nearly_as_fast(tmp_path: Path) -> None:
    home = tmp_path / "home"
    prepare(home, pages=8)
    with serving(home, budget=24) as url:  # 3 questions cost 12; the flooder is held back early
        result = run_flood(url, askers=12, per_asker=3, connections=32, pages=8, think=2.0)
    assert result.quiet.errors == [] and result.flood.errors == []
    assert result.flooder.refused > 0 and result.flooder.failed == 0  # the budget held the flooder back
    assert result.flooder.served < result.flooder.requests
    assert result.ratio is not None and result.ratio <= 2.0, (result.quiet.timing.p(95), result.flood.timing.p(95))
