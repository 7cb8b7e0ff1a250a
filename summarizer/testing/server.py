"""The one fake OpenAI-compatible server, on 127.0.0.1 (aiohttp, in a thread of its own).

What it answers is chosen by the URL path and by what it was given:

- `POST /v1/chat/completions`: the next reply of its script if it has one, else its
  completion (a real one the embedded engine recorded); the fault plan may inject a fault
  into any request instead: 429 with Retry-After, 500, 503, an answer slower than the
  client's timeout, a dropped connection, truncated JSON, or JSON that does not fit the
  schema. Under `/fault/<fault>/v1` every request gets that fault; under `/chat-only/v1`
  there is no Batch API, as at a provider without one.
- any other POST (`/v1/messages`, `/v1beta/models/...`): the script's next reply.
- `/v1/files` and `/v1/batches`: OpenAI's Batch API (batches.py).
- any GET outside `/v1`: the small web site of the fetching tests (site.py).

It counts requests and faults, keeps each request's arrival and answer times, and the script
records each request it answers.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from aiohttp import web

from .batches import Answer, BatchEndpoints, LinePlan
from .faults import INVALID_CONTENT, KNOWN_FAULTS, PAUSE_FAULT, FaultPlan, no_faults, refusal
from .replies import Reply, Script
from .site import add_site_routes

CHAT_ONLY = "/chat-only"


class FakeServer(BatchEndpoints):
    def __init__(
        self,
        completion: dict[str, Any] | None = None,
        plan: FaultPlan | None = None,
        *,
        script: Sequence[Reply] | None = None,
        latency_s: float = 0.0,
        slow_s: float = 3.0,
        lines_per_poll: int = 400,
        expire_after: int | None = None,
        line_plan: LinePlan | None = None,
        answer: Answer | None = None,
        port: int = 0,
    ) -> None:
        self.completion = completion or {}
        self.plan = plan or no_faults
        self.script = Script(list(script)) if script is not None else None
        self.latency_s = latency_s
        self.slow_s = slow_s
        self.requests = 0  # chat completion requests (and scripted ones)
        self.faults: Counter[str] = Counter()
        self.arrivals: list[float] = []  # time.monotonic() of each request's arrival
        self.answered: list[float] = []  # and of each response's
        self._init_batches(lines_per_poll, expire_after, line_plan, answer)
        self._port = port
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.root = ""  # http://127.0.0.1:PORT
        self.url = ""  # the OpenAI base URL: root + /v1

    def url_for(self, fault: str) -> str:
        """The base URL under which every chat completion request gets `fault`."""
        if fault not in KNOWN_FAULTS:
            raise ValueError(f"unknown fault {fault!r}: one of {', '.join(KNOWN_FAULTS)}")
        return f"{self.root}/fault/{fault}/v1"

    @property
    def chat_only_url(self) -> str:
        """The base URL of the chat completions alone: no Batch API there."""
        return f"{self.root}{CHAT_ONLY}/v1"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def reset_counts(self) -> None:
        with self._lock:
            self.requests = 0
            self.faults.clear()

    # ---- the server's thread ------------------------------------------------------------

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(self._app(), access_log=None)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", self._port)
        self._loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.root = f"http://127.0.0.1:{port}"
        self.url = f"{self.root}/v1"
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=256 * 1024 * 1024)
        router = app.router
        for prefix in ("/v1", f"{CHAT_ONLY}/v1", "/fault/{fault}/v1"):
            router.add_post(f"{prefix}/chat/completions", self._chat)
        self.add_batch_routes(router)
        router.add_post("/{tail:.*}", self._other_post)
        add_site_routes(router)
        return app

    # ---- chat completions and scripted replies ------------------------------------------

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        fault = self._arrive(request.match_info.get("fault"))
        if self.script is not None:
            self.script.record(request.raw_path, request.headers, raw)
        if self.latency_s and fault != PAUSE_FAULT:
            await asyncio.sleep(self.latency_s)
        response = await self._respond(request, fault)
        with self._lock:
            self.answered.append(time.monotonic())
        return response

    async def _other_post(self, request: web.Request) -> web.StreamResponse:
        if self.script is None:
            return web.json_response({"error": {"message": "no such route"}}, status=404)
        return await self._chat(request)

    def _arrive(self, chosen: str | None) -> str | None:
        """Count the request and say which fault it gets: the path's, else the plan's."""
        with self._lock:
            number = self.requests
            self.requests += 1
            self.arrivals.append(time.monotonic())
            fault = chosen or self.plan(number)
            if fault:
                self.faults[fault] += 1
        return fault

    async def _respond(self, request: web.Request, fault: str | None) -> web.StreamResponse:
        if fault and (refused := refusal(fault)):
            return refused
        if fault == "slow":
            await asyncio.sleep(self.slow_s)
        if fault == "drop":
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        reply = self.script.next_reply() if self.script is not None else Reply(200, self.completion)
        return _send(reply, fault)


def _send(reply: Reply, fault: str | None) -> web.Response:
    body = reply.body
    if fault == "invalid":
        body = json.loads(json.dumps(body))
        body["choices"][0]["message"]["content"] = INVALID_CONTENT
    payload = json.dumps(body)
    if fault == "truncated":
        payload = payload[: len(payload) // 2]
    headers = {"content-type": "application/json", **reply.headers}
    return web.Response(status=reply.status, body=payload.encode(), headers=headers)


@contextmanager
def serve(replies: Sequence[Reply]) -> Iterator[tuple[str, Script]]:
    """A server that answers from a script: yields its base URL (http://127.0.0.1:PORT/v1)
    and the script, which records the requests."""
    with FakeServer(script=replies) as server:
        assert server.script is not None
        yield server.url, server.script
