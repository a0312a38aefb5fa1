"""Settings you can read: each described and grouped, listed in the README, with where its value came from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retrieval import settings as settings_module
from retrieval.errors import ConfigError
from retrieval.settings import GROUPS, Settings, load_settings, settings_sources

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_has_a_description_and_exactly_one_group() -> None:
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(Settings.model_fields)
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_every_setting_is_in_the_readmes_table() -> None:
    rows = set(re.findall(r"^\| `(\w+)` \| (\w+) \|", README.read_text(encoding="utf-8"), re.M))
    missing = [(name, group) for group, names in GROUPS.items() for name in names if (name, group) not in rows]
    assert missing == [], f"add these to the settings table in README.md: {missing}"


def test_each_value_says_where_it_came_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "quorum.toml"
    config.write_text("[quorum]\ntop_k = 8\nconcurrency = 3\n")
    monkeypatch.setenv("QUORUM_CONFIG", str(config))
    monkeypatch.setenv("QUORUM_CONCURRENCY", "4")
    found, sources = settings_sources(home=tmp_path / "home")
    assert (found.top_k, sources["top_k"]) == (8, "file")
    assert (found.concurrency, sources["concurrency"]) == (4, "environment")
    assert sources["home"] == "flag" and sources["rrf_k"] == "default"


def test_a_renamed_setting_names_its_new_name_and_a_misspelt_one_the_nearest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "quorum.toml"
    monkeypatch.setenv("QUORUM_CONFIG", str(config))
    monkeypatch.setitem(settings_module.RENAMED, "answers_shown", "top_k")
    config.write_text("[quorum]\nanswers_shown = 8\n")
    with pytest.raises(ConfigError, match="the setting 'answers_shown' is now called 'top_k'"):
        load_settings()
    config.write_text("[quorum]\ntop_kk = 8\n")
    with pytest.raises(ConfigError, match="there is no setting 'top_kk'; did you mean 'top_k'"):
        load_settings()


def test_quorum_settings_prints_values_and_never_a_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ui.cli import app

    monkeypatch.setenv("QUORUM_SMTP_PASSWORD", "hunter2")
    out = CliRunner().invoke(app, ["settings", "--json", "--home", str(tmp_path)])
    assert out.exit_code == 0 and "hunter2" not in out.output
    rows = {r["name"]: r for r in json.loads(out.output)["settings"]}
    assert rows["smtp_password"] == {**rows["smtp_password"], "value": "(set)", "source": "environment", "group": "mail"}
    assert rows["home"]["source"] == "flag"
