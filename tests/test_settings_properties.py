"""Every bad value of every setting is refused the same way from every source it can come
from (a flag, an environment variable, the config file): exit status 2 and one message that
names where it was set. The settings and their bad values are drawn from the table itself
(summarizer.settings.SETTINGS), so a new setting is covered when it is declared."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import SettingsError
from summarizer.settings import SETTINGS, ConfigFile, Setting, resolve

runner = CliRunner()
SECRETS = ("api_key", "base_url")


def _checked(entry: Setting) -> bool:
    """Settings with a bound a value can miss: a minimum, a list of choices, or a number."""
    return bool(entry.minimum is not None or entry.choices or entry.check) or (
        entry.value_type in (int, float)
    )


CHECKED = [s for s in SETTINGS if _checked(s) and (s.flag or s.env or s.key)]


def bad_values(entry: Setting) -> st.SearchStrategy[Any]:
    """Values the setting must refuse, as the source would give them (TOML or text)."""
    options: list[st.SearchStrategy[Any]] = []
    if entry.minimum is not None:
        below = entry.minimum - 1 if entry.value_type is int else entry.minimum - 0.5
        options.append(st.integers(max_value=math.floor(below)))
    if entry.choices:
        options.append(st.text(min_size=1, max_size=12).filter(lambda v: v not in entry.choices))
    if entry.value_type in (int, float):
        options.append(st.sampled_from(["many", "1e", "[]", "ten"]))
    if entry.name == "request_timeout_s":
        options.append(st.sampled_from([0, -1, -0.5]))
    if entry.name == "temperature":
        options.append(st.sampled_from([-1, 2.5, 100]))
    if entry.name == "base_url":
        options.append(st.sampled_from(["ftp://host/v1", "host:8080", "file:///etc/passwd"]))
    return st.one_of(options) if options else st.nothing()


def _toml(value: Any) -> str:
    """The value as a TOML literal: a string quoted, every character not printable escaped."""
    if not isinstance(value, str):
        return repr(value)
    escaped = "".join(
        c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in value
    )
    return f'"{escaped}"'


def _text(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


SOURCES = {
    "config": lambda e: e.key is not None,
    "env": lambda e: e.env is not None,
    "flag": lambda e: e.flag is not None and not e.is_switch and bool(e.commands),
}
CASES = [(source, e) for e in CHECKED for source, has in SOURCES.items() if has(e)]


@pytest.mark.parametrize(("source", "entry"), CASES, ids=[f"{s}-{e.name}" for s, e in CASES])
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_bad_value_is_refused_naming_where_it_was_set(
    source: str, entry: Setting, data: st.DataObject, tmp_path: Path
) -> None:
    value = data.draw(bad_values(entry))
    env = {"SUMMARIZER_CONFIG": str(tmp_path / "absent.toml")}
    if source == "config":
        config = tmp_path / f"config-{source}.toml"
        config.write_text(f"{entry.key} = {_toml(value)}\n", encoding="utf-8")
        env["SUMMARIZER_CONFIG"] = str(config)
        named = entry.key
        command = ["config"]
    elif source == "env":
        assert entry.env is not None
        env[entry.env] = _text(value)
        named = entry.env
        command = ["config"]
    else:
        assert entry.flag is not None
        named = entry.flag
        command = [entry.commands[0], entry.flag, _text(value), str(tmp_path / "none.txt")]
    result = runner.invoke(app, command, env=env)
    assert result.exit_code == 2, (command, value, result.output)
    assert named is not None and named in result.output
    if entry.name in SECRETS and isinstance(value, str) and len(value) > 3:
        assert value not in result.output  # a secret-bearing value is never echoed


KEYED = [e for e in CHECKED if e.key is not None]


@pytest.mark.parametrize("entry", KEYED, ids=lambda e: e.name)
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_library_refuses_the_same_values(
    entry: Setting, data: st.DataObject, tmp_path: Path
) -> None:
    """Python callers get the checks the CLI gets: a config file read by the library."""
    value = data.draw(bad_values(entry))
    config = tmp_path / "config.toml"
    config.write_text(f"{entry.key} = {_toml(value)}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=str(entry.key)):
        resolve({}, ConfigFile.load(config))
