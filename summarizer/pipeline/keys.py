"""A document's cache key: everything that determines its outcome, hashed."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestKey:
    """Everything that determines an outcome; its hash is the cache key."""

    content_sha256: str
    prompt_hash: str
    schema_version: str
    model: str
    params: str  # JSON of the request and grounding parameters, messages included by hash
    key: str


def params_json(values: dict[str, object]) -> str:
    return json.dumps(values, sort_keys=True, separators=(",", ":"))
