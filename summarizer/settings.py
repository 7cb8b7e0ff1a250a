"""One settings object for the whole library: built from flags and environment variables."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import platformdirs

from summarizer.errors import SettingsError

StructuredMode = Literal["json_schema", "tools", "json"]
# A long document's headline and summary: written from its windows' summaries or from its
# facts' evidence sentences (one more request), or the first window's.
LongSummary = Literal["windows", "facts", "first"]


@dataclass(frozen=True)
class RetryPolicy:
    """Transport retries (429, 5xx, timeouts, connection resets), owned by tenacity."""

    attempts: int = 5
    max_total_wait_s: float = 120.0
    initial_wait_s: float = 1.0
    max_wait_s: float = 30.0


@dataclass(frozen=True)
class Settings:
    # Endpoint: OpenAI when api_key is set, any OpenAI-compatible server with base_url,
    # else the embedded engine.
    api_key: str | None = None
    base_url: str | None = None
    model: str | None = None
    model_path: Path | None = None
    structured_mode: StructuredMode = "json_schema"
    # Generation
    temperature: float = 0.0
    max_output_tokens: int = 1536
    request_timeout_s: float = 600.0
    validation_retries: int = 2
    # Grounding: re-asks for quotes not found in the source (and, with reask_unsupported, for
    # statements their quotes do not support); strict drops what stays ungrounded or
    # unsupported.
    grounding_reasks: int = 1
    reask_unsupported: bool = False
    strict: bool = False
    # Quotes chosen among the article's sentences by the grammar (a JSON-schema enum), not
    # written freely: they then always stand in the source.
    sentence_quotes: bool = True
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # What to extract: None or "news" for the built-in news facts, else a user's schema
    # (module:Class, file.py:Class, a JSON Schema file, or 'field, field int, ...'), with
    # few-shot examples from a JSONL file.
    extraction_schema: str | None = None
    examples: Path | None = None
    # Prompts (None: the schema's own set); language: the headline's and the summary's, if
    # not the article's
    prompt_name: str | None = None
    language: str | None = None
    prompts_dir: Path | None = None
    # Tokens the model reads and writes per request; a longer document is read in windows.
    # None: the embedded engine's slot, a known model's context, else 8192.
    context_tokens: int | None = None
    long_summary: LongSummary = "windows"
    # Embedded engine
    context_per_slot: int = 8192
    parallel_slots: int = 1
    # n-gram speculation drafts text copied from the prompt. Off: with the answer constrained
    # by the grammar its drafts are mostly rejected, and benchmarks/engine_slots.py measured
    # one slot 10% and four slots 17% faster without it.
    ngram_speculation: bool = False
    # Recording
    record_cassette: Path | None = None
    replay_cassette: Path | None = None
    # A batch's store (None: the default one) and requests in flight (None: per endpoint)
    store_path: Path | None = None
    concurrency: int | None = None

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
        flags: Flags,
        environ: Mapping[str, str] | None = None,
        config: ConfigFile | None = None,
    ) -> Settings:
        """The settings for a command line's flags, over the environment and config file."""
        return resolve(environ, config, flags.settings()).settings


@dataclass(frozen=True)
class Flags:
    """The options of every command that calls a model, as given: None (or False for a
    switch) when not given, so that the environment, the config file or the built-in
    default decides."""

    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    model_path: Path | None = None
    structured_mode: StructuredMode | None = None
    prompt: str | None = None
    extraction_schema: str | None = None
    examples: Path | None = None
    prompts_dir: Path | None = None
    temperature: float | None = None
    timeout: float | None = None
    retries: int | None = None
    strict: bool = False
    grounding_reasks: int | None = None
    reask_unsupported: bool = False
    free_quotes: bool = False
    language: str | None = None
    context_tokens: int | None = None
    long_summary: LongSummary | None = None
    store: Path | None = None
    concurrency: int | None = None
    record: Path | None = None
    replay: Path | None = None

    def settings(self) -> dict[str, object]:
        """The settings these flags set (None: not set)."""
        if self.record and self.replay:
            raise SettingsError("--record and --replay cannot be used together")
        return {
            "model": self.model,
            "base_url": self.base_url,
            "api_key": self.api_key,
            "model_path": self.model_path,
            "structured_mode": self.structured_mode,
            "prompt_name": self.prompt,
            "extraction_schema": self.extraction_schema,
            "examples": self.examples,
            "prompts_dir": self.prompts_dir,
            "temperature": self.temperature,
            "request_timeout_s": self.timeout,
            "retry": None if self.retries is None else RetryPolicy(attempts=self.retries + 1),
            "strict": self.strict or None,
            "grounding_reasks": self.grounding_reasks,
            "reask_unsupported": self.reask_unsupported or None,
            "sentence_quotes": False if self.free_quotes else None,
            "language": self.language,
            "context_tokens": self.context_tokens,
            "long_summary": self.long_summary,
            "store_path": self.store,
            "concurrency": self.concurrency,
            "record_cassette": self.record,
            "replay_cassette": self.replay,
        }


# ---- where each setting comes from: flags > environment > config file > built in ------------

CONFIG_ENV = "SUMMARIZER_CONFIG"
# Settings the environment may set, and the variable for each.
ENVIRONMENT = {
    "api_key": "OPENAI_API_KEY",
    "base_url": "OPENAI_BASE_URL",
    "model": "SUMMARIZER_MODEL",
    "model_path": "SUMMARIZER_MODEL_PATH",
    "prompts_dir": "SUMMARIZER_PROMPTS_DIR",
    "store_path": "SUMMARIZER_STORE",
}
# The config file's keys (as the flags are named) and the setting each sets.
FILE_KEYS = {
    "model": "model",
    "base_url": "base_url",
    "api_key": "api_key",
    "model_path": "model_path",
    "mode": "structured_mode",
    "prompt": "prompt_name",
    "prompts_dir": "prompts_dir",
    "schema": "extraction_schema",
    "examples": "examples",
    "language": "language",
    "temperature": "temperature",
    "timeout": "request_timeout_s",
    "context_tokens": "context_tokens",
    "concurrency": "concurrency",
    "store": "store_path",
}
SECRET_SETTINGS = frozenset({"api_key"})


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
        return cls(path, {FILE_KEYS[key]: value for key, value in _checked(table, path)})


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
    env = os.environ if environ is None else environ
    config = config if config is not None else ConfigFile.load(config_path(env))
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    layers: list[tuple[str, Mapping[str, object]]] = [
        (f"file {config.path}", config.values),
        *(
            (f"env {name}", _from_env(setting, env.get(name)))
            for setting, name in ENVIRONMENT.items()
        ),
        ("flag", flags or {}),
    ]
    for source, layer in layers:
        for setting, value in layer.items():
            if value is not None:
                values[setting] = value
                sources[setting] = source
    return Resolved(replace(Settings(), **values), sources)  # type: ignore[arg-type]


def _from_env(setting: str, value: str | None) -> dict[str, object]:
    if not value:
        return {}
    return {setting: Path(value) if setting in _PATH_SETTINGS else value}


_PATH_SETTINGS = frozenset({"model_path", "prompts_dir", "examples", "store_path"})
_FILE_TYPES: dict[str, tuple[type, ...]] = {
    "temperature": (int, float),
    "timeout": (int, float),
    "context_tokens": (int,),
    "concurrency": (int,),
}


def _checked(table: Mapping[str, object], path: Path) -> list[tuple[str, object]]:
    checked: list[tuple[str, object]] = []
    for key, value in table.items():
        if key not in FILE_KEYS:
            known = ", ".join(FILE_KEYS)
            raise SettingsError(f"config {path}: unknown key {key!r} (known: {known})")
        types = _FILE_TYPES.get(key, (str,))
        if isinstance(value, bool) or not isinstance(value, types):
            wanted = " or ".join(t.__name__ for t in types)
            raise SettingsError(f"config {path}: {key} must be a {wanted}, not {value!r}")
        if FILE_KEYS[key] in _PATH_SETTINGS:
            value = Path(str(value)).expanduser()
        checked.append((key, float(value) if isinstance(value, int) and float in types else value))
    return checked
