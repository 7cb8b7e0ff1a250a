"""One settings object for the whole library: built from flags and environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

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

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Environment first, explicit overrides (CLI flags) win; None overrides are ignored."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "api_key": env.get("OPENAI_API_KEY") or None,
            "base_url": env.get("OPENAI_BASE_URL") or None,
            "model": env.get("SUMMARIZER_MODEL") or None,
            "model_path": _path_or_none(env.get("SUMMARIZER_MODEL_PATH")),
            "prompts_dir": _path_or_none(env.get("SUMMARIZER_PROMPTS_DIR")),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)  # type: ignore[arg-type]


def _path_or_none(value: str | None) -> Path | None:
    return Path(value) if value else None
