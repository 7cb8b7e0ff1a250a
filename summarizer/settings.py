"""Every setting, declared once: the `Settings` dataclass is the table.

Each field of `Settings` is one row: its name, type and default are the field's, and its
metadata (a `Setting`, made by `setting(...)`) holds the help text, the CLI flag, the
environment variable, the config-file key, the commands that take it and the checks its
value must pass. From that one table come the CLI options (summarizer.cli.options), the
config-file keys, the environment variables, the checks every source gets, what
`summarizer config` shows, and the configuration reference, `docs/configuration.md`
(`python scripts/configuration_docs.py > docs/configuration.md`). Where each value came
from is kept: built in < the config file < the environment < flags (or a caller's
overrides). This module imports only errors and redaction: every other package imports it.
"""

from __future__ import annotations

import os
import tomllib
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

import platformdirs

from summarizer.errors import SettingsError
from summarizer.redaction import mask_key, redact_url

StructuredMode = Literal["json_schema", "tools", "json"]
# A long document's headline and summary: written from its windows' summaries or from its
# facts' evidence sentences (one more request), or the first window's.
LongSummary = Literal["windows", "facts", "first"]
# With the provider's Batch API, where re-asks and failed requests go (as
# summarizer.runs.provider_batch.Fallback).
BatchFallback = Literal["batch", "live"]

# The commands that take a setting, by their CLI names.
MODEL_COMMANDS = ("summarize", "batch", "eval", "digest")
RUN_COMMANDS = ("batch", "eval", "digest")
BATCH_COMMAND = ("batch",)


@dataclass(frozen=True)
class RetryPolicy:
    """Transport retries (429, 5xx, timeouts, connection resets), owned by tenacity."""

    attempts: int = 5
    max_total_wait_s: float = 120.0
    initial_wait_s: float = 1.0
    max_wait_s: float = 30.0


@dataclass(frozen=True)
class Setting:
    """One row of the table: how a user sets one field of `Settings`, and what is checked.

    `help` is what --help and the reference show (rich markup: `\\[` is a bracket; `{default}`
    is replaced by the default). `given` is the type a flag or key gives where the field holds
    another (--retries gives an int, the field a RetryPolicy); `convert` turns the one into
    the other, and `revert` back, to show the default as a flag would give it. A bool
    setting's flag is a switch that sets `switch_to`. A `mask`ed setting is shown masked by
    `summarizer config`, and its value never appears in an error; `check` returns what a
    value must be, or None when it is fine.
    """

    help: str
    flag: str | None = None
    env: str | None = None
    key: str | None = None
    commands: tuple[str, ...] = ()
    minimum: float | None = None
    metavar: str | None = None
    switch_to: bool = True
    mask: Callable[[str], str] | None = None
    given: Any = None
    convert: Callable[[Any], object] | None = None
    revert: Callable[[Any], object] | None = None
    check: Callable[[Any], str | None] | None = None
    # The field's own, filled in from `Settings`.
    name: str = ""
    kind: Any = None
    default: object = None

    @property
    def value_type(self) -> Any:
        """What a flag, variable or key gives: a class, or a Literal of strings."""
        return self.given or _without_none(self.kind)

    @property
    def is_switch(self) -> bool:
        return self.value_type is bool

    @property
    def choices(self) -> tuple[str, ...]:
        return get_args(self.value_type) if get_origin(self.value_type) is Literal else ()

    @property
    def given_default(self) -> object:
        """The default as a flag or key would give it."""
        return self.revert(self.default) if self.revert else self.default

    @property
    def cli_help(self) -> str:
        return self.help.replace("{default}", str(self.given_default))

    def checked(self, value: object, where: str) -> object:
        """`value` as a flag, variable or key gave it, checked and made the field's value;
        `where` names the source in the error."""
        typed = self._typed(value, where)
        if self.minimum is not None and typed < self.minimum:
            raise SettingsError(f"{where} must be at least {self.minimum:g}, not {typed!r}")
        problem = self.check(typed) if self.check else None
        if problem:
            raise SettingsError(f"{where} must be {problem}, not {self._shown(typed)}")
        return self.convert(typed) if self.convert else typed

    def from_text(self, text: str, where: str) -> object:
        """An environment variable's text, read as this setting's type and checked."""
        parse = _PARSERS.get(self.value_type)
        try:
            value = parse(text) if parse else text
        except ValueError:
            wrong = f"{where} must be {self._wanted}, not {self._shown(text)}"
            raise SettingsError(wrong) from None
        return self.checked(value, where)

    def _typed(self, value: object, where: str) -> Any:
        if self.choices:
            if value not in self.choices:
                known = ", ".join(self.choices)
                raise SettingsError(f"{where} must be one of {known}, not {self._shown(value)}")
            return value
        wanted = self.value_type
        accepted = _ACCEPTED.get(wanted, (wanted,))
        if (isinstance(value, bool) and wanted is not bool) or not isinstance(value, accepted):
            raise SettingsError(f"{where} must be {self._wanted}, not {self._shown(value)}")
        if wanted is Path:
            return Path(str(value)).expanduser()
        return float(value) if wanted is float else value

    @property
    def _wanted(self) -> str:
        wanted = self.value_type
        return _WANTED.get(wanted, f"a {getattr(wanted, '__name__', wanted)}")

    def _shown(self, value: object) -> str:
        """The value for an error, unless it may hold a key: then its type only."""
        if self.mask:
            return f"a {type(value).__name__} (not shown: it may hold a key)"
        return repr(value)


# What a flag, variable or key may give for each type, and the error's words for it.
_ACCEPTED: dict[Any, tuple[type, ...]] = {float: (int, float), Path: (str, Path)}
_WANTED: dict[Any, str] = {float: "a int or float", Path: "a str"}


# How an environment variable's text is read, by type (any other stays text).
_PARSERS: dict[Any, Callable[[str], object]] = {int: int, float: float}


T = TypeVar("T")


def setting(default: T, help: str, **how: Any) -> T:
    """A field of `Settings`: its default, and how a user sets it (`Setting`'s fields)."""
    return field(default=default, metadata={"setting": Setting(help, **how)})


def _retries(retries: int) -> RetryPolicy:
    return RetryPolicy(attempts=retries + 1)


def _retries_of(policy: RetryPolicy) -> int:
    return policy.attempts - 1


def _http_url(url: str) -> str | None:
    return None if url.startswith(("http://", "https://")) else "an http:// or https:// URL"


def _positive(value: float) -> str | None:
    """A duration: 0 would make every request time out at once, a negative one is no time."""
    return None if value > 0 else "more than 0"


def _temperature(value: float) -> str | None:
    return None if 0 <= value <= 2 else "between 0 and 2"


@dataclass(frozen=True)
class Settings:
    """What the library runs with; the one declaration of every setting (see `Setting`)."""

    # ---- the endpoint: OpenAI when api_key is set, any OpenAI-compatible server with
    # base_url, else the embedded engine
    model: str | None = setting(
        None,
        "Model name, or provider/model \\[env: SUMMARIZER_MODEL].",
        flag="--model", env="SUMMARIZER_MODEL", key="model", commands=MODEL_COMMANDS,
    )  # fmt: skip
    base_url: str | None = setting(
        None,
        "OpenAI-compatible endpoint \\[env: OPENAI_BASE_URL].",
        flag="--base-url", env="OPENAI_BASE_URL", key="base_url", commands=MODEL_COMMANDS,
        mask=redact_url, check=_http_url,
    )  # fmt: skip
    api_key: str | None = setting(
        None,
        "API key \\[env: OPENAI_API_KEY].",
        flag="--api-key", env="OPENAI_API_KEY", key="api_key", commands=MODEL_COMMANDS,
        mask=mask_key,
    )  # fmt: skip
    model_path: Path | None = setting(
        None,
        "Run this GGUF on the embedded engine.",
        flag="--model-path", env="SUMMARIZER_MODEL_PATH", key="model_path",
        commands=MODEL_COMMANDS,
    )  # fmt: skip
    structured_mode: StructuredMode = setting(
        "json_schema",
        "Structured output: json_schema (default), tools or json.",
        flag="--mode", key="mode", commands=MODEL_COMMANDS,
    )  # fmt: skip
    # ---- what is asked: the schema (None or "news": the built-in news facts), its prompt
    # set, few-shot examples, and the language of the headline and summary
    prompt_name: str | None = setting(
        None,
        "Prompt template set. \\[default: the schema's]",
        flag="--prompt", key="prompt", commands=MODEL_COMMANDS,
    )  # fmt: skip
    extraction_schema: str | None = setting(
        None,
        "What to extract: 'news' (the default), a named schema, a pydantic model "
        "(module:Class or file.py:Class), a JSON Schema file, or fields inline "
        "('drug, dose, route, days int').",
        flag="--schema", key="schema", commands=MODEL_COMMANDS,
    )  # fmt: skip
    examples: Path | None = setting(
        None,
        "Few-shot examples, JSONL: text and the extractions expected from it.",
        flag="--examples", key="examples", commands=MODEL_COMMANDS, metavar="FILE",
    )  # fmt: skip
    prompts_dir: Path | None = setting(
        None,
        "Folder of your own prompt sets and named schemas.",
        flag="--prompts-dir", env="SUMMARIZER_PROMPTS_DIR", key="prompts_dir",
        commands=(*MODEL_COMMANDS, "schemas"),
    )  # fmt: skip
    # ---- generation
    temperature: float = setting(
        0.0,
        "Sampling temperature, 0 to 2. \\[default: 0]",
        flag="--temperature", key="temperature", commands=MODEL_COMMANDS, check=_temperature,
    )  # fmt: skip
    max_output_tokens: int = setting(1536, "Tokens the model may write in one answer.")
    request_timeout_s: float = setting(
        600.0,
        "Seconds per request. \\[default: 600]",
        flag="--timeout", key="timeout", commands=MODEL_COMMANDS, check=_positive,
    )  # fmt: skip
    retry: RetryPolicy = setting(
        RetryPolicy(),
        "Transport retries per request (429, 5xx, timeouts). \\[default: {default}]",
        flag="--retries", key="retries", commands=MODEL_COMMANDS, minimum=0,
        given=int, convert=_retries, revert=_retries_of,
    )  # fmt: skip
    validation_retries: int = setting(
        2, "Re-asks for an answer that does not validate against the schema (instructor)."
    )
    # ---- grounding: re-asks for quotes not found in the source (and, with
    # reask_unsupported, for statements their quotes do not support); strict drops what
    # stays ungrounded or unsupported
    strict: bool = setting(
        False,
        "Drop facts whose evidence is not in the source or does not support them.",
        flag="--strict", commands=MODEL_COMMANDS,
    )  # fmt: skip
    grounding_reasks: int = setting(
        1,
        "Re-asks for quotes not found in the source. \\[default: {default}]",
        flag="--grounding-reasks", key="grounding_reasks", commands=MODEL_COMMANDS, minimum=0,
    )  # fmt: skip
    reask_unsupported: bool = setting(
        False,
        "Also re-ask for statements their quotes do not support (costs a full answer).",
        flag="--reask-unsupported", commands=MODEL_COMMANDS,
    )  # fmt: skip
    # Quotes chosen among the article's sentences by the grammar (a JSON-schema enum), not
    # written freely: they then always stand in the source.
    sentence_quotes: bool = setting(
        True,
        "Let the model write quotes freely instead of choosing the article's sentences (for "
        "servers that refuse long enums).",
        flag="--free-quotes", commands=MODEL_COMMANDS, switch_to=False,
    )  # fmt: skip
    language: str | None = setting(
        None,
        'Write the headline and summary in this language ("English"); facts stay in the '
        "article's, to be checked against it. \\[default: the article's]",
        flag="--language", key="language", commands=MODEL_COMMANDS,
    )  # fmt: skip
    # ---- long documents: tokens the model reads and writes per request (None: the
    # embedded engine's slot, a known model's context, else 8192); longer ones are read in
    # windows
    context_tokens: int | None = setting(
        None,
        "Tokens the model reads and writes per request; a longer document is read in "
        "overlapping windows. \\[default: the embedded engine's 8192, a known OpenAI model's "
        "context, else 8192]",
        flag="--context-tokens", key="context_tokens", commands=MODEL_COMMANDS, minimum=512,
    )  # fmt: skip
    long_summary: LongSummary = setting(
        "windows",
        "A long document's headline and summary: written from its windows' summaries or its "
        "facts' evidence, or the first window's. \\[default: {default}]",
        flag="--long-summary", key="long_summary", commands=MODEL_COMMANDS,
    )  # fmt: skip
    # ---- the embedded engine
    context_per_slot: int = setting(8192, "The embedded engine's context per slot, in tokens.")
    parallel_slots: int = setting(
        1, "The embedded engine's slots: requests it decodes at once (a batch sets its own)."
    )
    # Off: with the answer constrained by the grammar its drafts are mostly rejected, and
    # benchmarks/engine_slots.py measured one slot 10% and four slots 17% faster without it.
    ngram_speculation: bool = setting(
        False, "The embedded engine drafts text copied from the prompt (n-gram speculation)."
    )
    # ---- runs: the store, requests in flight, rate limits, prices, and where the
    # requests go (here, the provider's Batch API, or a Ray cluster)
    store_path: Path | None = setting(
        None,
        "SQLite store: the cache, the resume log and long documents' windows \\[env: "
        "SUMMARIZER_STORE; default: the user data dir's].",
        flag="--store", env="SUMMARIZER_STORE", key="store",
        commands=(*MODEL_COMMANDS, "runs"),
    )  # fmt: skip
    # The default's figures are summarizer.runs.runner's REMOTE_CONCURRENCY and
    # ENGINE_BATCH_SLOTS (a test keeps them equal).
    concurrency: int | None = setting(
        None,
        "Requests in flight \\[default: 16 remote; on the embedded engine, 4 slots].",
        flag="--concurrency", key="concurrency", commands=RUN_COMMANDS, minimum=1,
    )  # fmt: skip
    rpm: float | None = setting(
        None, "Requests per minute.", flag="--rpm", key="rpm", commands=BATCH_COMMAND,
        minimum=0.001,
    )  # fmt: skip
    tpm: float | None = setting(
        None, "Tokens per minute.", flag="--tpm", key="tpm", commands=BATCH_COMMAND, minimum=1
    )
    prices_path: Path | None = setting(
        None,
        "Price table (JSON, USD per million tokens).",
        flag="--prices", key="prices", commands=BATCH_COMMAND,
    )  # fmt: skip
    max_cost_usd: float | None = setting(
        None,
        "Refuse a run whose estimated cost (see --dry-run) is over this many US dollars, "
        "before any model call.",
        flag="--max-cost", env="SUMMARIZER_MAX_COST", key="max_cost", commands=MODEL_COMMANDS,
        minimum=0.0, metavar="USD",
    )  # fmt: skip
    batch_api: bool = setting(
        False,
        "Send the requests through the provider's Batch API (OpenAI's /v1/batches: half the "
        "price, answers within 24 h). Re-run the same command after a stop: it re-attaches to "
        "the batches in flight.",
        flag="--batch-api", commands=BATCH_COMMAND,
    )  # fmt: skip
    batch_fallback: BatchFallback = setting(
        "batch",
        "With --batch-api, where re-asks and requests a batch failed go: a follow-up batch, or "
        "live calls. \\[default: {default}]",
        flag="--batch-fallback", key="batch_fallback", commands=BATCH_COMMAND,
    )  # fmt: skip
    # As summarizer.runs.provider_batch.POLL_S (a test keeps them equal).
    batch_poll_s: float = setting(
        30.0,
        "With --batch-api, seconds between polls. \\[default: {default}]",
        flag="--batch-poll", key="batch_poll", commands=BATCH_COMMAND, minimum=0.0,
    )  # fmt: skip
    ray: bool = setting(
        False,
        "Spread the documents over a Ray cluster's actors: a local cluster of this machine's "
        "cores, or the one --ray-address (or RAY_ADDRESS) names. Needs summarizer\\[ray].",
        flag="--ray", commands=BATCH_COMMAND,
    )  # fmt: skip
    ray_address: str | None = setting(
        None,
        "With --ray, the cluster to join: ray start's address (host:6379) or ray://host:10001.",
        flag="--ray-address", commands=BATCH_COMMAND,
    )  # fmt: skip
    ray_actors: int | None = setting(
        None,
        "With --ray, actors to start \\[default: one per CPU of the cluster; on the embedded "
        "engine one per node].",
        flag="--ray-actors", key="ray_actors", commands=BATCH_COMMAND, minimum=1,
    )  # fmt: skip
    # ---- recording
    record_cassette: Path | None = setting(
        None,
        "Record the model calls (and web fetches) into this cassette.",
        flag="--record", commands=MODEL_COMMANDS,
    )  # fmt: skip
    replay_cassette: Path | None = setting(
        None,
        "Replay model calls from this cassette (offline).",
        flag="--replay", commands=MODEL_COMMANDS,
    )  # fmt: skip

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        config: ConfigFile | None = None,
        **overrides: object,
    ) -> Settings:
        """Built in < the config file < the environment < explicit overrides (CLI flags);
        None overrides are ignored. The config file is the one the environment names
        (SUMMARIZER_CONFIG) or the platform's, unless one is given."""
        return resolve(environ, config, overrides).settings

    @classmethod
    def from_cli(
        cls,
        given: Mapping[str, object],
        environ: Mapping[str, str] | None = None,
        config: ConfigFile | None = None,
    ) -> Settings:
        """The settings for a command line's flags (`flag_values`), over the environment
        and the config file."""
        return resolve(environ, config, flag_values(given)).settings


def _without_none(kind: Any) -> Any:
    if get_origin(kind) in (Union, types.UnionType):
        (kind,) = (arg for arg in get_args(kind) if arg is not type(None))
    return kind


def _table() -> tuple[Setting, ...]:
    kinds = get_type_hints(Settings)
    return tuple(
        replace(f.metadata["setting"], name=f.name, kind=kinds[f.name], default=f.default)
        for f in fields(Settings)
    )


SETTINGS = _table()
BY_NAME = {s.name: s for s in SETTINGS}
FILE_KEYS = {s.key: s for s in SETTINGS if s.key}


def command_settings(command: str) -> tuple[Setting, ...]:
    """The settings `command` takes as flags, in the table's order."""
    return tuple(s for s in SETTINGS if command in s.commands)


def flag_values(given: Mapping[str, object]) -> dict[str, object]:
    """The settings a command line sets: `given` maps setting names to what each flag gave
    (None, or False for a switch: not given), checked as every source is."""
    values: dict[str, object] = {}
    for name, value in given.items():
        entry = BY_NAME[name]
        if entry.is_switch:
            value = entry.switch_to if value else None
        if value is not None:
            values[name] = entry.checked(value, str(entry.flag))
    if values.get("record_cassette") and values.get("replay_cassette"):
        raise SettingsError("--record and --replay cannot be used together")
    return values


# ---- where each setting comes from: flags > environment > config file > built in ------------

CONFIG_ENV = "SUMMARIZER_CONFIG"


@dataclass(frozen=True)
class ConfigFile:
    """The TOML file of defaults: `summarizer config` says where it is."""

    path: Path
    values: Mapping[str, object] = field(default_factory=dict)  # by setting name

    @classmethod
    def load(cls, path: Path) -> ConfigFile:
        """The file's settings, checked; an absent file sets nothing."""
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise SettingsError(f"config {path}: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"config {path}: not TOML ({exc})") from None
        return cls(path, dict(_from_file(table, path)))


def _from_file(table: Mapping[str, object], path: Path) -> list[tuple[str, object]]:
    checked: list[tuple[str, object]] = []
    for key, value in table.items():
        if key not in FILE_KEYS:
            known = ", ".join(FILE_KEYS)
            raise SettingsError(f"config {path}: unknown key {key!r} (known: {known})")
        entry = FILE_KEYS[key]
        checked.append((entry.name, entry.checked(value, f"config {path}: {key}")))
    return checked


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    named = env.get(CONFIG_ENV)
    return (
        Path(named) if named else Path(platformdirs.user_config_dir("summarizer")) / "config.toml"
    )


@dataclass(frozen=True)
class Resolved:
    """The settings in effect, and where each came from ("flag", "env NAME", "file PATH")."""

    settings: Settings
    sources: Mapping[str, str]


def resolve(
    environ: Mapping[str, str] | None = None,
    config: ConfigFile | None = None,
    flags: Mapping[str, object] | None = None,
) -> Resolved:
    """The settings in effect: `flags` (setting values by name, None: not set) over the
    environment over the config file over the built-in defaults."""
    env = os.environ if environ is None else environ
    config = config if config is not None else ConfigFile.load(config_path(env))
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    layers: list[tuple[str, Mapping[str, object]]] = [
        (f"file {config.path}", config.values),
        *((f"env {s.env}", _from_env(s, env)) for s in SETTINGS if s.env),
        ("flag", flags or {}),
    ]
    for source, layer in layers:
        for name, value in layer.items():
            if value is not None:
                values[name] = value
                sources[name] = source
    return Resolved(replace(Settings(), **values), sources)  # type: ignore[arg-type]


def _from_env(entry: Setting, environ: Mapping[str, str]) -> dict[str, object]:
    text = environ.get(str(entry.env))
    if not text:  # unset or empty: the variable sets nothing
        return {}
    return {entry.name: entry.from_text(text, f"environment variable {entry.env}")}


# ---- the configuration reference: docs/configuration.md ----------------------------------

REFERENCE_COMMAND = "python scripts/configuration_docs.py > docs/configuration.md"


def reference_markdown() -> str:
    """The configuration reference: every setting of the table, its sources and its help."""
    lines = [
        "# Configuration reference",
        "",
        "Generated from the table in `summarizer/settings.py`; after a change there, run",
        f"`{REFERENCE_COMMAND}`.",
        "",
        "Every setting has a built-in default. The config file overrides it, an environment",
        "variable overrides the file, and a flag overrides both. `summarizer config` prints",
        "the settings in effect and where each came from, keys masked.",
        "",
        f"The config file is TOML: the file `{CONFIG_ENV}` names, else `config.toml` in the",
        "user config directory (`~/.config/summarizer/config.toml` on Linux). Its keys apply",
        "to every command that takes the setting. An unknown key, or a value of the wrong type",
        "or out of range, stops every command with one line naming the file and the key (exit",
        "status 2); a flag and an environment variable are checked the same way.",
        "",
        "```toml",
        'model = "gpt-4o-mini"',
        "concurrency = 8",
        'store = "~/summaries/store.sqlite3"',
        "```",
        "",
        "| Setting | Flag | Environment | Config key | Type | Default |",
        "|---|---|---|---|---|---|",
        *(_reference_row(entry) for entry in SETTINGS),
        "",
        "## Settings",
        "",
    ]
    for entry in SETTINGS:
        lines += [f"### {entry.name}", "", entry.cli_help.replace("\\[", "["), ""]
        lines += [_taken_by(entry), ""]
    return "\n".join(lines)


def _reference_row(entry: Setting) -> str:
    flag = _code(entry.flag)
    if entry.is_switch and entry.flag and not entry.switch_to:
        flag += " (sets `false`)"
    cells = (f"[`{entry.name}`](#{entry.name})", flag, _code(entry.env), _code(entry.key))
    default = _code(entry.given_default)
    return "| " + " | ".join((*cells, _type_words(entry), default)) + " |"


def _taken_by(entry: Setting) -> str:
    if not entry.commands:
        return "The library's only: no flag, variable or config key sets it."
    return "Taken by " + ", ".join(f"`summarizer {c}`" for c in entry.commands) + "."


def _type_words(entry: Setting) -> str:
    if entry.choices:
        return "one of " + ", ".join(f"`{c}`" for c in entry.choices)
    if entry.is_switch:
        return "switch" if entry.flag else "true or false"
    words = {str: "text", int: "integer", float: "number", Path: "path (`~` expanded)"}
    word = words[entry.value_type]
    return word if entry.minimum is None else f"{word} ≥ {entry.minimum:g}"


def _code(value: object) -> str:
    if value is None:
        return "—"
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"
