"""The CI gate: least acceptable scores per system, from ``evals/thresholds.toml``.

Each table names a system; each entry a metric key and its bound. The bound is
a minimum, except for metrics where lower is better (``false_abstention`` and
the latencies), where it is a maximum.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from evals.metrics import LOWER_IS_BETTER, METRIC_KEYS, Metrics
from retrieval.errors import ConfigError

THRESHOLDS_FILE = Path(__file__).parent / "thresholds.toml"


@dataclass(frozen=True)
class Threshold:
    system: str
    metric: str
    bound: float

    @property
    def is_maximum(self) -> bool:
        return self.metric in LOWER_IS_BETTER

    def passes(self, value: float | None) -> bool:
        if value is None:
            return False
        return value <= self.bound if self.is_maximum else value >= self.bound

    def describe(self, value: float | None) -> str:
        sign = "<=" if self.is_maximum else ">="
        shown = "null" if value is None else f"{value:.4g}"
        return f"{self.system} {self.metric} = {shown}, needs {sign} {self.bound:g}"


def load_thresholds(path: Path = THRESHOLDS_FILE) -> list[Threshold]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such thresholds file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
    found: list[Threshold] = []
    for system, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {system!r} must be a table of metric = bound")
        for metric, bound in table.items():
            if metric not in METRIC_KEYS:
                raise ConfigError(f"{path}: [{system}] unknown metric {metric!r}")
            if isinstance(bound, bool) or not isinstance(bound, int | float):
                raise ConfigError(f"{path}: [{system}] {metric} must be a number")
            found.append(Threshold(system, metric, float(bound)))
    return found


def failures(systems: dict[str, Metrics], thresholds: list[Threshold]) -> list[str]:
    """One line per threshold not met (a system that did not run fails its thresholds)."""
    out = []
    for threshold in thresholds:
        metrics = systems.get(threshold.system)
        value = metrics.get(threshold.metric) if metrics is not None else None
        if not threshold.passes(value):
            out.append(threshold.describe(value))
    return out
