"""Settings from flags, the environment and the config file; `summarizer config`; shell
completion; the library's entry point for the main job."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import summarizer
from summarizer.cli import app
from summarizer.errors import SettingsError
from summarizer.extraction.models import DocumentResult
from summarizer.settings import ConfigFile, Settings, flag_values, resolve
from summarizer.testing import ARTICLES, EXAMPLE_CASSETTES, ROOT

runner = CliRunner()
KEY = "sk-config-test-0123456789abcdefWXYZ"


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_flags_beat_the_environment_which_beats_the_file(tmp_path: Path) -> None:
    config = ConfigFile.load(
        write_config(
            tmp_path / "config.toml",
            'model = "from-file"\nbase_url = "http://file/v1"\nprompt = "file-prompt"\n'
            'schema = "drug, dose"\nconcurrency = 3\ntemperature = 1\nstore = "~/runs.sqlite3"\n',
        )
    )
    environ = {"SUMMARIZER_MODEL": "from-env", "OPENAI_BASE_URL": "http://env/v1"}
    resolved = resolve(environ, config, flag_values({"model": "from-flag"}))
    settings = resolved.settings
    assert settings.model == "from-flag" and resolved.sources["model"] == "flag"
    assert settings.base_url == "http://env/v1"
    assert resolved.sources["base_url"] == "env OPENAI_BASE_URL"
    assert settings.prompt_name == "file-prompt" and settings.extraction_schema == "drug, dose"
    assert resolved.sources["prompt_name"] == f"file {config.path}"
    assert settings.concurrency == 3 and settings.temperature == 1.0
    assert settings.store_path == Path("~/runs.sqlite3").expanduser()
    assert "language" not in resolved.sources  # built in
    assert Settings.from_cli({}, environ, config).model == "from-env"
    assert Settings.from_cli({}, {}, config).model == "from-file"
    assert Settings.from_cli({}, {}, ConfigFile(tmp_path / "none.toml")).model is None


def test_the_environment_names_the_config_file(tmp_path: Path) -> None:
    path = write_config(tmp_path / "elsewhere.toml", 'model = "named-by-env"\n')
    assert Settings.from_env({"SUMMARIZER_CONFIG": str(path)}).model == "named-by-env"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('modle = "x"\n', "unknown key 'modle'"),
        ("concurrency = 'four'\n", "concurrency must be a int, not 'four'"),
        ("temperature = true\n", "temperature must be a int or float"),
        ("model = \n", "not TOML"),
    ],
)
def test_a_bad_config_file_is_named(tmp_path: Path, text: str, problem: str) -> None:
    path = write_config(tmp_path / "config.toml", text)
    with pytest.raises(SettingsError, match=f"config {path}: {problem}"):
        ConfigFile.load(path)


def test_a_bad_config_file_stops_a_command_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path / "config.toml", "modle = 'x'\n")
    monkeypatch.setenv("SUMMARIZER_CONFIG", str(path))
    outcome = runner.invoke(app, ["summarize", str(ARTICLES / "000_e5461a5ad9c76c4b.txt")])
    assert outcome.exit_code == 2
    assert outcome.stderr.strip() == (
        f"summarizer: error: config {path}: unknown key 'modle' (known: model, base_url, "
        "api_key, model_path, mode, prompt, schema, examples, prompts_dir, temperature, "
        "timeout, retries, grounding_reasks, language, context_tokens, long_summary, store, "
        "concurrency, rpm, tpm, prices, max_cost, batch_fallback, batch_poll, ray_actors)"
    )


def table_rows(printed: str) -> dict[str, str]:
    """Each row of a printed table by its first cell, its wrapped lines joined cell by cell,
    without spaces: a narrow terminal may break a path anywhere."""
    rows: dict[str, list[list[str]]] = {}
    last = ""
    for line in printed.splitlines():
        if "│" not in line:
            continue
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        last = cells[0] or last
        rows.setdefault(last, []).append(cells)
    return {
        name: "│".join("".join(column).replace(" ", "") for column in zip(*lines, strict=True))
        for name, lines in rows.items()
    }


def test_config_command_shows_each_source_and_masks_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path / "config.toml", f'api_key = "{KEY}"\nmodel = "file-model"\n')
    monkeypatch.setenv("SUMMARIZER_CONFIG", str(path))
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    outcome = runner.invoke(app, ["config"], env={"COLUMNS": "90"})
    assert outcome.exit_code == 0, outcome.output
    assert KEY not in outcome.stdout and KEY[:-4] not in outcome.stdout
    lines = table_rows(outcome.stdout)
    assert "***WXYZ" in lines["api_key"] and f"file{path}" in lines["api_key"]
    assert "file-model" in lines["model"]
    assert "envOPENAI_BASE_URL" in lines["base_url"]
    assert "default" in lines["temperature"]
    assert f"config file: {path}" in outcome.stdout


CONSOLE_SCRIPT = Path(sys.executable).with_name("summarizer")


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "_summarizer_completion()"), ("zsh", "#compdef summarizer"), ("fish", "complete ")],
)
def test_completion_scripts_are_generated(shell: str, marker: str) -> None:
    """The script `summarizer --show-completion` prints in that shell (click's mechanism)."""
    done = subprocess.run(
        [str(CONSOLE_SCRIPT)],
        env={**os.environ, "_SUMMARIZER_COMPLETE": f"source_{shell}"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout and "_SUMMARIZER_COMPLETE" in done.stdout


@pytest.mark.parametrize(
    ("shell", "env"),
    [
        ("bash", {"COMP_WORDS": "summarizer sum", "COMP_CWORD": "1"}),
        ("zsh", {"_TYPER_COMPLETE_ARGS": "summarizer sum"}),
    ],
)
def test_completion_completes_a_command(shell: str, env: dict[str, str]) -> None:
    done = subprocess.run(
        [str(CONSOLE_SCRIPT)],
        env={**os.environ, "_SUMMARIZER_COMPLETE": f"complete_{shell}", **env},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert "summarize" in done.stdout and "digest" not in done.stdout


def test_show_completion_is_an_option() -> None:
    outcome = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert "--install-completion" in outcome.stdout and "--show-completion" in outcome.stdout


def test_the_library_runs_the_main_job(tmp_path: Path) -> None:
    """summarizer.run: the same job as `summarizer batch`, cached in the store."""
    stem = "002_f8c6bddbe5b99dbe"
    settings = Settings(
        replay_cassette=EXAMPLE_CASSETTES / f"{stem}.yaml", store_path=tmp_path / "s.sqlite3"
    )
    outcomes: list[object] = []
    totals = asyncio.run(summarizer.run([str(ARTICLES / f"{stem}.txt")], settings, outcomes.append))
    assert (totals.done, totals.failed, totals.cached) == (1, 0, 0)
    (result,) = outcomes
    assert isinstance(result, DocumentResult)
    stored = json.loads((ROOT / "examples" / "outputs" / f"{stem}.json").read_text())
    assert result.summary.headline == stored["summary"]["headline"]
    again = asyncio.run(summarizer.run([str(ARTICLES / f"{stem}.txt")], settings))
    assert (again.done, again.cached) == (1, 1)


def test_batch_replays_a_cassette(tmp_path: Path) -> None:
    stem = "002_f8c6bddbe5b99dbe"
    out = tmp_path / "out.jsonl"
    outcome = runner.invoke(
        app,
        ["batch", str(ARTICLES / f"{stem}.txt"), "--replay", str(EXAMPLE_CASSETTES / f"{stem}.yaml"),
         "--store", str(tmp_path / "s.sqlite3"), "-o", str(out), "-q"],
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    (line,) = out.read_text().splitlines()
    assert json.loads(line)["summary"]["headline"].startswith("Trump")
