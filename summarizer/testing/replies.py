"""A script of replies: what the fake server answers, request by request, when it is given one.

The last reply repeats once the others are used up. The script records every request it
answers (path with query, headers, JSON body) for the test to inspect.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Script:
    replies: list[Reply]
    requests: list[dict[str, Any]] = field(default_factory=list)

    def next_reply(self) -> Reply:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def record(self, path: str, headers: Mapping[str, str], raw: bytes) -> None:
        self.requests.append({"path": path, "headers": dict(headers), "body": _json_or_text(raw)})


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def error_body(message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "error", "code": code}}


def completion_with_content(template: dict[str, Any], content: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(json.dumps(template))
    body["choices"][0]["message"]["content"] = content
    return body
