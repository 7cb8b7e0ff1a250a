"""A provider's Batch API: OpenAI's `/v1/files` and `/v1/batches`, and the servers that copy
them. The same request bodies as live calls go up in JSONL files (at most 50,000 requests
or 200 MB each), the answers come back in an output file, the failures in an error file.

Each control call (upload, create, retrieve, list, download) goes through the one
transport-retry policy; nothing here decides what a request or an answer means
(summarizer.runs.provider_batch does).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import openai

from summarizer.errors import BatchApiError
from summarizer.llm.providers import Endpoint
from summarizer.llm.retry import api_errors, describe_error, with_transport_retries
from summarizer.settings import Settings

T = TypeVar("T")

# OpenAI's limits per input file.
MAX_REQUESTS_PER_FILE = 50_000
MAX_BYTES_PER_FILE = 200 * 1024 * 1024
CHAT_PATH = "/v1/chat/completions"
COMPLETION_WINDOW = "24h"
# The metadata key of our submission token: how a batch is found again after a crash.
SUBMISSION_KEY = "summarizer_submission"
FINAL_STATES = frozenset({"completed", "expired", "failed", "cancelled"})


@dataclass(frozen=True)
class BatchStatus:
    id: str
    status: str
    total: int
    completed: int
    failed: int
    output_file: str | None
    error_file: str | None
    errors: str | None  # why a batch failed as a whole (its input refused)

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATES


@dataclass(frozen=True)
class BatchResults:
    answers: dict[str, dict[str, Any]]  # custom_id: the chat completion
    failures: dict[str, str]  # custom_id: why it has no answer


def request_line(custom_id: str, body: dict[str, Any]) -> bytes:
    line = {"custom_id": custom_id, "method": "POST", "url": CHAT_PATH, "body": body}
    return (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def split_files(
    lines: Iterable[bytes],
    max_requests: int = MAX_REQUESTS_PER_FILE,
    max_bytes: int = MAX_BYTES_PER_FILE,
) -> list[list[bytes]]:
    """The lines in files within both limits, in order. A single line over the byte limit
    cannot be sent at all."""
    files: list[list[bytes]] = []
    size = 0
    for line in lines:
        if len(line) > max_bytes:
            raise BatchApiError(f"a request of {len(line):,} bytes is over the file limit")
        if not files or len(files[-1]) >= max_requests or size + len(line) > max_bytes:
            files.append([])
            size = 0
        files[-1].append(line)
        size += len(line)
    return files


class BatchApi:
    """The files and batches endpoints of one OpenAI-compatible server."""

    def __init__(self, endpoint: Endpoint, settings: Settings) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self.client = openai.AsyncOpenAI(
            api_key=endpoint.api_key,
            base_url=endpoint.base_url,
            max_retries=0,  # tenacity owns transport retries
            timeout=settings.request_timeout_s,
        )

    async def close(self) -> None:
        await self.client.close()

    async def upload(self, name: str, lines: list[bytes]) -> str:
        content = b"".join(lines)
        uploaded = await self._call(
            "upload", self.client.files.create, file=(name, content), purpose="batch"
        )
        return str(uploaded.id)

    async def create(self, input_file: str, submission: str) -> BatchStatus:
        batch = await self._call(
            "create a batch",
            self.client.batches.create,
            input_file_id=input_file,
            endpoint=CHAT_PATH,
            completion_window=COMPLETION_WINDOW,
            metadata={SUBMISSION_KEY: submission},
        )
        return _status(batch)

    async def retrieve(self, batch_id: str) -> BatchStatus:
        return _status(await self._call("poll", self.client.batches.retrieve, batch_id))

    async def find(self, submission: str) -> BatchStatus | None:
        """The batch created for this submission, if the server has one (newest first)."""
        page = await self._call("list batches", self.client.batches.list, limit=100)
        while True:
            for batch in page.data:
                if (batch.metadata or {}).get(SUBMISSION_KEY) == submission:
                    return _status(batch)
            if not page.has_next_page():
                return None
            page = await self._call("list batches", page.get_next_page)

    async def results(self, status: BatchStatus, custom_ids: Iterable[str]) -> BatchResults:
        """Every request's answer or the reason it has none: one missing from both files
        was lost by the batch."""
        answers: dict[str, dict[str, Any]] = {}
        failures: dict[str, str] = {}
        for file_id in (status.output_file, status.error_file):
            if file_id:
                for line in (await self._download(file_id)).splitlines():
                    if line.strip():
                        _read_result(json.loads(line), answers, failures)
        lost = status.errors or f"lost by the batch ({status.status})"
        for custom_id in custom_ids:
            if custom_id not in answers and custom_id not in failures:
                failures[custom_id] = lost
        return BatchResults(answers, failures)

    async def _download(self, file_id: str) -> str:
        content = await self._call("download", self.client.files.content, file_id)
        return str(content.text)

    async def _call(self, what: str, call: Callable[..., Awaitable[T]], *args: Any, **kw: Any) -> T:
        try:
            return await with_transport_retries(call, self.settings.retry)(*args, **kw)
        except api_errors() as exc:
            where = self.endpoint.describe()
            raise BatchApiError(f"{where}: Batch API: {what}: {describe_error(exc)}") from exc


def _status(batch: Any) -> BatchStatus:
    counts = batch.request_counts
    errors = getattr(batch, "errors", None)
    messages = [e.message for e in (getattr(errors, "data", None) or []) if e.message]
    return BatchStatus(
        id=batch.id,
        status=batch.status,
        total=counts.total if counts else 0,
        completed=counts.completed if counts else 0,
        failed=counts.failed if counts else 0,
        output_file=batch.output_file_id,
        error_file=batch.error_file_id,
        errors="; ".join(messages) or None,
    )


def _read_result(
    line: dict[str, Any], answers: dict[str, dict[str, Any]], failures: dict[str, str]
) -> None:
    custom_id = str(line.get("custom_id"))
    response = line.get("response") or {}
    body = response.get("body")
    if response.get("status_code") == 200 and isinstance(body, dict):
        answers[custom_id] = body
        return
    error = line.get("error") or (body or {}).get("error") or {}
    message = error.get("message") if isinstance(error, dict) else str(error)
    code = response.get("status_code")
    failures[custom_id] = f"{code}: {message}" if code else str(message or "no answer")
