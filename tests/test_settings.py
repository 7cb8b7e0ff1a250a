"""The settings table: what it generates (Settings, the flags, the config keys, the
environment, the reference page) and the checks every source gets from it."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
import typer
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import SettingsError
from summarizer.runs.provider_batch import POLL_S, Fallback
from summarizer.runs.runner import (
    ENGINE_BATCH_SLOTS,
    REMOTE_CONCURRENCY,
    batch_api_options,
    rate_limiter,
    ray_options,
)
from summarizer.settings import (
    BY_NAME,
    FILE_KEYS,
    SETTINGS,
    BatchFallback,
    ConfigFile,
    RetryPolicy,
    Settings,
    command_settings,
    flag_values,
    reference_markdown,
    resolve,
)
from summarizer.testing import ROOT

runner = CliRunner()
KEY = "sk-settings-test-0123456789abcdefWXYZ"
COMMANDS = ("summarize", "batch", "eval", "digest", "runs", "schemas")


def load(tmp_path: Path, text: str) -> ConfigFile:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return ConfigFile.load(path)


# ---- what the table generates ---------------------------------------------------------------


def test_the_reference_page_is_the_generated_one() -> None:
    """Regenerate it with the command the page opens with."""
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == reference_markdown()
    assert "python scripts/configuration_docs.py > docs/configuration.md" in page.split("\n\n")[1]


def test_the_reference_names_every_setting_and_its_sources() -> None:
    page = reference_markdown()
    for entry in SETTINGS:
        assert f"### {entry.name}\n" in page
        for source in (entry.flag, entry.env, entry.key):
            if source:
                assert f"`{source}`" in page
        for command in entry.commands:
            assert f"`summarizer {command}`" in page


def test_the_defaults_are_todays() -> None:
    """Stored cache keys and every cassette depend on these values."""
    defaults = {entry.name: entry.default for entry in SETTINGS}
    assert defaults == {
        "model": None, "base_url": None, "api_key": None, "model_path": None,
        "structured_mode": "json_schema", "prompt_name": None, "extraction_schema": None,
        "examples": None, "prompts_dir": None, "temperature": 0.0, "max_output_tokens": 1536,
        "request_timeout_s": 600.0, "retry": RetryPolicy(), "validation_retries": 2,
        "strict": False, "grounding_reasks": 1, "reask_unsupported": False,
        "sentence_quotes": True, "language": None, "context_tokens": None,
        "long_summary": "windows", "context_per_slot": 8192, "parallel_slots": 1,
        "ngram_speculation": False, "store_path": None, "concurrency": None, "rpm": None,
        "tpm": None, "prices_path": None, "max_cost_usd": None, "batch_api": False, "batch_fallback": "batch",
        "batch_poll_s": 30.0, "ray": False, "ray_address": None, "ray_actors": None,
        "record_cassette": None, "replay_cassette": None,
    }  # fmt: skip
    assert Settings() == Settings(**defaults)  # type: ignore[arg-type]
    assert RetryPolicy() == RetryPolicy(5, 120.0, 1.0, 30.0)


def test_todays_config_keys_and_variables_keep_working() -> None:
    keys = ["model", "base_url", "api_key", "model_path", "mode", "prompt", "prompts_dir"]
    keys += ["schema", "examples", "language", "temperature", "timeout", "context_tokens"]
    assert set(keys) | {"concurrency", "store"} <= set(FILE_KEYS)
    variables = {entry.env: entry.name for entry in SETTINGS if entry.env}
    assert variables == {
        "OPENAI_API_KEY": "api_key",
        "OPENAI_BASE_URL": "base_url",
        "SUMMARIZER_MODEL": "model",
        "SUMMARIZER_MODEL_PATH": "model_path",
        "SUMMARIZER_PROMPTS_DIR": "prompts_dir",
        "SUMMARIZER_STORE": "store_path",
        "SUMMARIZER_MAX_COST": "max_cost_usd",
    }


def test_the_run_layer_agrees_with_the_table() -> None:
    """The table cannot import summarizer.runs: its figures are kept equal here."""
    assert Settings().batch_poll_s == POLL_S
    assert get_args(BatchFallback) == get_args(Fallback)
    concurrency = BY_NAME["concurrency"].cli_help
    assert f"{REMOTE_CONCURRENCY} remote" in concurrency
    assert f"{ENGINE_BATCH_SLOTS} slots" in concurrency


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_takes_the_flags_the_table_gives_it(command: str) -> None:
    click_app = typer.main.get_command(app)
    params = click_app.commands[command].params  # type: ignore[attr-defined]
    flags = {opt for param in params for opt in param.opts}
    taken = {entry.flag for entry in command_settings(command)}
    assert taken and taken <= flags
    others = {entry.flag for entry in SETTINGS if entry.flag} - taken
    assert not flags & others, flags & others


# ---- each source, the same checks ----------------------------------------------------------


def file_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, text)
    return str(caught.value)


def env_error(environ: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as caught:
        resolve(environ, ConfigFile(Path("none.toml")))
    return str(caught.value)


def flag_error(given: dict[str, object]) -> str:
    with pytest.raises(SettingsError) as caught:
        flag_values(given)
    return str(caught.value)


@pytest.mark.parametrize(
    ("name", "key", "flag", "bad", "wanted"),
    [
        ("concurrency", "concurrency", "--concurrency", -3, "must be at least 1, not -3"),
        ("context_tokens", "context_tokens", "--context-tokens", 1, "must be at least 512, not 1"),
        ("retry", "retries", "--retries", -1, "must be at least 0, not -1"),
        (
            "grounding_reasks",
            "grounding_reasks",
            "--grounding-reasks",
            -1,
            "must be at least 0, not -1",
        ),
        ("ray_actors", "ray_actors", "--ray-actors", 0, "must be at least 1, not 0"),
        ("rpm", "rpm", "--rpm", 0, "must be at least 0.001, not 0.0"),
        (
            "structured_mode",
            "mode",
            "--mode",
            "xml",
            "must be one of json_schema, tools, json, not 'xml'",
        ),
    ],
)
def test_a_range_or_a_choice_is_checked_in_the_file_and_the_flag(
    tmp_path: Path, name: str, key: str, flag: str, bad: object, wanted: str
) -> None:
    text = f"{key} = {bad!r}\n".replace("'", '"')
    assert file_error(tmp_path, text) == f"config {tmp_path / 'config.toml'}: {key} {wanted}"
    assert flag_error({name: bad}) == f"{flag} {wanted}"


def test_a_type_is_checked_in_the_file_the_variable_and_the_flag(tmp_path: Path) -> None:
    assert file_error(tmp_path, 'temperature = "hot"\n').endswith(
        "temperature must be a int or float, not 'hot'"
    )
    assert file_error(tmp_path, "model = 3\n").endswith("model must be a str, not 3")
    assert file_error(tmp_path, "rpm = true\n").endswith("rpm must be a int or float, not True")
    assert flag_error({"temperature": "hot"}) == "--temperature must be a int or float, not 'hot'"
    assert flag_error({"model": 3}) == "--model must be a str, not 3"


def test_a_base_url_is_checked_the_same_from_each_source_and_never_echoed(
    tmp_path: Path,
) -> None:
    url = f"ftp://user:{KEY}@host/v1"
    wanted = "must be an http:// or https:// URL, not a str (not shown: it may hold a key)"
    errors = [
        file_error(tmp_path, f'base_url = "{url}"\n'),
        env_error({"OPENAI_BASE_URL": url}),
        flag_error({"base_url": url}),
    ]
    assert errors == [
        f"config {tmp_path / 'config.toml'}: base_url {wanted}",
        f"environment variable OPENAI_BASE_URL {wanted}",
        f"--base-url {wanted}",
    ]
    assert not any(KEY[-4:] in error or "user" in error for error in errors)


def test_a_key_of_the_wrong_type_is_named_by_its_type_only(tmp_path: Path) -> None:
    secret = 98765432109876543210
    error = file_error(tmp_path, f"api_key = {secret}\n")
    assert error.endswith("api_key must be a str, not a int (not shown: it may hold a key)")
    assert str(secret)[-4:] not in error
    assert str(secret)[-4:] not in flag_error({"api_key": secret})


def test_paths_are_expanded_from_each_source(tmp_path: Path) -> None:
    home = Path("~/runs.sqlite3").expanduser()
    from_file = resolve({}, load(tmp_path, 'store = "~/runs.sqlite3"\n'))
    from_env = resolve({"SUMMARIZER_STORE": "~/runs.sqlite3"}, ConfigFile(tmp_path / "none"))
    from_flag = resolve(
        {}, ConfigFile(tmp_path / "none"), flag_values({"store_path": "~/runs.sqlite3"})
    )
    assert from_file.settings.store_path == from_env.settings.store_path == home
    assert from_flag.settings.store_path == home
    sources = [r.sources["store_path"] for r in (from_file, from_env, from_flag)]
    assert sources == [f"file {tmp_path / 'config.toml'}", "env SUMMARIZER_STORE", "flag"]


def test_retries_from_a_flag_or_the_file_become_the_retry_policy(tmp_path: Path) -> None:
    assert flag_values({"retry": 0}) == {"retry": RetryPolicy(attempts=1)}
    settings = Settings.from_env({}, load(tmp_path, "retries = 2\n"))
    assert settings.retry == RetryPolicy(attempts=3)


def test_switches_not_given_leave_the_default() -> None:
    assert flag_values({"strict": False, "sentence_quotes": False, "ray": False}) == {}
    assert flag_values({"strict": True, "sentence_quotes": True}) == {
        "strict": True,
        "sentence_quotes": False,  # --free-quotes
    }


def test_the_batch_options_come_from_the_config_file_too(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        'rpm = 60\ntpm = 90000\nprices = "~/prices.json"\nbatch_fallback = "live"\n'
        "batch_poll = 5\nray_actors = 3\n",
    )
    settings = Settings.from_env({}, config, batch_api=True, ray=True)
    limiter = rate_limiter(settings)
    assert limiter is not None and (limiter.rpm, limiter.tpm) == (60.0, 90000.0)
    assert settings.prices_path == Path("~/prices.json").expanduser()
    options = batch_api_options(settings)
    assert options is not None and (options.fallback, options.poll_s) == ("live", 5.0)
    cluster = ray_options(settings)
    assert cluster is not None and (cluster.address, cluster.actors) == (None, 3)
    plain = Settings.from_env({}, config)
    assert batch_api_options(plain) is None and ray_options(plain) is None


# ---- the commands ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("concurrency = -3\n", "concurrency must be at least 1, not -3"),
        ("context_tokens = 1\n", "context_tokens must be at least 512, not 1"),
    ],
)
def test_a_bad_value_in_the_config_file_stops_a_batch_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, line: str
) -> None:
    """Before: concurrency = -3 ran "0 documents" with exit 0, and context_tokens = 1 a
    run of 1,729 requests."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SUMMARIZER_CONFIG", str(path))
    outcome = runner.invoke(app, ["batch", str(tmp_path), "-q"])
    assert outcome.exit_code == 2
    assert outcome.stderr == f"summarizer: error: config {path}: {line}\n"


@pytest.mark.parametrize(
    ("args", "flag"),
    [(["--concurrency", "-3"], "--concurrency"), (["--context-tokens", "1"], "--context-tokens")],
)
def test_the_same_bad_value_as_a_flag_stops_it_too(
    tmp_path: Path, args: list[str], flag: str
) -> None:
    outcome = runner.invoke(app, ["batch", str(tmp_path), *args])
    assert outcome.exit_code == 2
    assert f"Invalid value for '{flag}'" in outcome.output


def test_a_bad_variable_stops_a_command_with_one_line_and_no_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"localhost:{KEY}@8080/v1")
    outcome = runner.invoke(app, ["summarize", str(tmp_path / "a.txt")])
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith(
        "summarizer: error: environment variable OPENAI_BASE_URL must be an http:// or https://"
    )
    assert KEY not in outcome.output and KEY[-4:] not in outcome.output


def test_config_command_masks_a_key_in_the_base_urls_userinfo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://user:{KEY}@gpu.example:8000/v1")
    outcome = runner.invoke(app, ["config"], env={"COLUMNS": "200"})
    assert outcome.exit_code == 0, outcome.output
    assert KEY not in outcome.stdout and KEY[:-4] not in outcome.stdout
    (line,) = (line for line in outcome.stdout.splitlines() if "│ base_url" in line)
    assert "http://***@gpu.example:8000/v1" in line and "env OPENAI_BASE_URL" in line


def test_config_command_lists_every_setting_of_the_table() -> None:
    outcome = runner.invoke(app, ["config"], env={"COLUMNS": "200"})
    names = [line.split("│")[1].strip() for line in outcome.stdout.splitlines() if "│" in line]
    assert names == [entry.name for entry in SETTINGS]
