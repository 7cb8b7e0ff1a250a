"""OpenAI's Batch API as the fake server implements it: `/v1/files` and `/v1/batches`.

A batch answers each request line with what `answer` gives for its body (by default the
server's completion, the one its live `/v1/chat/completions` returns), a few lines per poll,
as a provider's batch moves from `validating` through `in_progress` to `completed`. On demand
it expires half way, fails some requests, loses some, answers some with output that fails
the schema, or stays `in_progress` until released. It counts what it was sent, so tests can
check that no request is ever submitted twice.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .faults import INVALID_CONTENT

# What becomes of one request line, by its custom_id and its number in the batch:
# None (answered), "fail" (a 500 in the error file), "lose" (in neither file) or "invalid"
# (an answer that does not fit the schema).
LinePlan = Callable[[str, int], str | None]
Answer = Callable[[dict[str, Any]], dict[str, Any]]


def every_line_answered(_custom_id: str, _number: int) -> str | None:
    return None


class BatchEndpoints:
    """The Batch API part of the fake server: its state, counters and routes."""

    completion: dict[str, Any]

    def _init_batches(
        self,
        lines_per_poll: int,
        expire_after: int | None,
        line_plan: LinePlan | None,
        answer: Answer | None,
    ) -> None:
        # scripts/record_batch_api.py has the embedded engine answer each line.
        self.answer: Answer = answer or (lambda _body: self.completion)
        self.lines_per_poll = lines_per_poll
        self.expire_after = expire_after
        self.line_plan: LinePlan = line_plan or every_line_answered
        self.hold = threading.Event()  # set: batches stay in_progress until cleared
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.submitted: Counter[str] = Counter()  # custom_id: times it went up in a batch
        self.bodies: Counter[str] = Counter()  # request body: times it went up
        self.polls = 0
        self._progress: dict[str, int] = {}  # batch id: lines processed

    def add_batch_routes(self, router: web.UrlDispatcher, prefix: str = "/v1") -> None:
        router.add_post(f"{prefix}/files", self._upload)
        router.add_get(f"{prefix}/files/{{id}}/content", self._content)
        router.add_post(f"{prefix}/batches", self._create)
        router.add_get(f"{prefix}/batches", self._list)
        router.add_get(f"{prefix}/batches/{{id}}", self._retrieve)

    # ---- files --------------------------------------------------------------------------

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form["file"]
        assert isinstance(upload, web.FileField), "the file must be sent as multipart"
        assert form["purpose"] == "batch"
        content = upload.file.read()
        file_id = f"file-{len(self.files) + 1:04d}"
        self.files[file_id] = content
        return web.json_response(_file(file_id, upload.filename, len(content)))

    async def _content(self, request: web.Request) -> web.Response:
        content = self.files.get(request.match_info["id"])
        if content is None:
            return web.json_response({"error": {"message": "no such file"}}, status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    # ---- batches ------------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        content = self.files.get(body["input_file_id"])
        if content is None:
            return web.json_response({"error": {"message": "no such file"}}, status=400)
        lines = [json.loads(line) for line in content.decode().splitlines() if line.strip()]
        for line in lines:
            assert line["method"] == "POST" and line["url"] == body["endpoint"]
            self.submitted[line["custom_id"]] += 1
            self.bodies[json.dumps(line["body"], sort_keys=True)] += 1
        batch_id = f"batch_{len(self.batches) + 1:04d}"
        self.batches[batch_id] = _new_batch(batch_id, body, lines)
        self._progress[batch_id] = 0
        return web.json_response(_public(self.batches[batch_id]))

    async def _retrieve(self, request: web.Request) -> web.Response:
        batch = self.batches.get(request.match_info["id"])
        if batch is None:
            return web.json_response({"error": {"message": "no such batch"}}, status=404)
        self.polls += 1
        self._advance(batch)
        return web.json_response(_public(batch))

    async def _list(self, request: web.Request) -> web.Response:
        """Newest first, `limit` a page, `after` the last id of the page before."""
        limit = int(request.query.get("limit", "20"))
        newest = sorted(self.batches.values(), key=lambda b: b["id"], reverse=True)
        if after := request.query.get("after"):
            ids = [b["id"] for b in newest]
            newest = newest[ids.index(after) + 1 :] if after in ids else []
        page = newest[:limit]
        return web.json_response(
            {
                "object": "list",
                "data": [_public(b) for b in page],
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(newest) > limit,
            }
        )

    def _advance(self, batch: dict[str, Any]) -> None:
        """One poll's worth of progress: validating, then a few lines a poll, then done."""
        if batch["status"] == "validating":
            batch["status"] = "in_progress"
            return
        if batch["status"] != "in_progress" or self.hold.is_set():
            return
        lines = batch["_lines"]
        done = min(self._progress[batch["id"]] + self.lines_per_poll, len(lines))
        self._progress[batch["id"]] = done
        if self.expire_after is not None and done >= self.expire_after:
            self._finish(batch, lines[: self.expire_after], lines[self.expire_after :])
        elif done == len(lines):
            self._finish(batch, lines, [])
        else:
            self._count(batch, lines[:done])

    def _count(self, batch: dict[str, Any], processed: list[dict[str, Any]]) -> None:
        failed = sum(1 for n, line in enumerate(processed) if self._fate(line, n) == "fail")
        batch["request_counts"].update(completed=len(processed) - failed, failed=failed)

    def _finish(
        self, batch: dict[str, Any], processed: list[dict[str, Any]], expired: list[dict[str, Any]]
    ) -> None:
        output, errors = [], []
        for number, line in enumerate(processed):
            fate = self._fate(line, number)
            if fate == "lose":
                continue
            if fate == "fail":
                errors.append(_error_line(line, 500, "server_error", "The server had an error"))
            else:
                output.append(_output_line(line, self._answer(line, fate)))
        for line in expired:
            errors.append(_error_line(line, None, "batch_expired", "This request expired"))
        self._count(batch, processed)
        batch["request_counts"]["failed"] += len(expired)
        batch["status"] = "expired" if expired else "completed"
        batch["output_file_id"] = self._store_file(output)
        batch["error_file_id"] = self._store_file(errors)

    def _fate(self, line: dict[str, Any], number: int) -> str | None:
        return self.line_plan(line["custom_id"], number)

    def _answer(self, line: dict[str, Any], fate: str | None) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(json.dumps(self.answer(line["body"])))
        if fate == "invalid":
            body["choices"][0]["message"]["content"] = INVALID_CONTENT
        return body

    def _store_file(self, lines: list[dict[str, Any]]) -> str | None:
        if not lines:
            return None
        file_id = f"file-{len(self.files) + 1:04d}"
        self.files[file_id] = "".join(json.dumps(line) + "\n" for line in lines).encode()
        return file_id


def _new_batch(batch_id: str, body: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": batch_id,
        "object": "batch",
        "endpoint": body["endpoint"],
        "input_file_id": body["input_file_id"],
        "completion_window": body["completion_window"],
        "status": "validating",
        "created_at": int(time.time()),
        "metadata": body.get("metadata"),
        "output_file_id": None,
        "error_file_id": None,
        "errors": None,
        "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
        "_lines": lines,
    }


def _output_line(line: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    response = {"status_code": 200, "request_id": f"req_{line['custom_id']}", "body": body}
    return {"id": f"batch_req_{line['custom_id']}", "custom_id": line["custom_id"],
            "response": response, "error": None}  # fmt: skip


def _error_line(
    line: dict[str, Any], status: int | None, code: str, message: str
) -> dict[str, Any]:
    error = {"code": code, "message": message}
    if status is None:  # expired: no response at all
        return {"id": f"batch_req_{line['custom_id']}", "custom_id": line["custom_id"],
                "response": None, "error": error}  # fmt: skip
    response = {"status_code": status, "request_id": "", "body": {"error": error}}
    return {"id": f"batch_req_{line['custom_id']}", "custom_id": line["custom_id"],
            "response": response, "error": None}  # fmt: skip


def _file(file_id: str, name: str, size: int) -> dict[str, Any]:
    return {"id": file_id, "object": "file", "bytes": size, "created_at": int(time.time()),
            "filename": name, "purpose": "batch", "status": "processed"}  # fmt: skip


def _public(batch: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in batch.items() if not key.startswith("_")}
