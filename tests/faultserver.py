"""An OpenAI-compatible chat endpoint on 127.0.0.1 that injects faults on demand (aiohttp).

Every request gets the same real completion recorded from the embedded engine, unless the
fault plan says otherwise for that request: 429 with Retry-After, 500, 503, a response slower
than the client's timeout, a dropped connection, truncated JSON, or JSON that does not fit the
schema. It counts requests and faults, and runs in its own thread with its own event loop.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web

FAULTS = ("429", "500", "503", "slow", "drop", "truncated", "invalid")
# Not drawn at random: a 429 that asks for a pause of a second.
PAUSE_FAULT = "429-pause"
FaultPlan = Callable[[int], str | None]


def random_faults(rate: float, seed: int = 1) -> FaultPlan:
    rng = random.Random(seed)
    return lambda _n: rng.choice(FAULTS) if rng.random() < rate else None


class FaultServer:
    def __init__(
        self,
        completion: dict[str, Any],
        plan: FaultPlan | None = None,
        latency_s: float = 0.0,
        slow_s: float = 3.0,
    ) -> None:
        self.completion = completion
        self.plan = plan or (lambda _n: None)
        self.latency_s = latency_s
        self.slow_s = slow_s
        self.requests = 0
        self.faults: Counter[str] = Counter()
        self.arrivals: list[float] = []  # time.monotonic() of each request's arrival
        self.answered: list[float] = []  # and of each response's
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.url = ""

    def __enter__(self) -> FaultServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fault server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def reset_counts(self) -> None:
        with self._lock:
            self.requests = 0
            self.faults.clear()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=256 * 1024 * 1024)
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/v1"
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._handle)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        with self._lock:
            number = self.requests
            self.requests += 1
            self.arrivals.append(time.monotonic())
            fault = self.plan(number)
            if fault:
                self.faults[fault] += 1
        if self.latency_s and fault != PAUSE_FAULT:
            await asyncio.sleep(self.latency_s)
        response = await self._respond(request, fault)
        with self._lock:
            self.answered.append(time.monotonic())
        return response

    async def _respond(self, request: web.Request, fault: str | None) -> web.StreamResponse:
        if fault == PAUSE_FAULT:
            error = {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}
            return web.json_response(error, status=429, headers={"retry-after": "1"})
        if fault == "429":
            error = {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}
            return web.json_response(error, status=429, headers={"retry-after": "0.05"})
        if fault in ("500", "503"):
            return web.json_response({"error": {"message": "server error"}}, status=int(fault))
        if fault == "slow":
            await asyncio.sleep(self.slow_s)
        if fault == "drop":
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        body = self.completion
        if fault == "invalid":
            body = json.loads(json.dumps(body))
            body["choices"][0]["message"]["content"] = json.dumps({"headline": "no facts"})
        payload = json.dumps(body)
        if fault == "truncated":
            payload = payload[: len(payload) // 2]
        return web.Response(text=payload, content_type="application/json")
