"""Fault plans: which fault, if any, the fake server injects into a chat completion request.

A plan maps a request's number (0, 1, ...) to a fault or None. A fault is one of FAULTS, or
PAUSE_FAULT; the URL path `/fault/<fault>/v1` chooses one for every request sent there.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from aiohttp import web

FAULTS = ("429", "500", "503", "slow", "drop", "truncated", "invalid")
# Not drawn at random: a 429 that asks for a pause of a second.
PAUSE_FAULT = "429-pause"
KNOWN_FAULTS = (*FAULTS, PAUSE_FAULT)
FaultPlan = Callable[[int], str | None]
# The content of an answer that does not fit the schema.
INVALID_CONTENT = '{"headline": "no facts"}'


def no_faults(_number: int) -> str | None:
    return None


def random_faults(rate: float, seed: int = 1) -> FaultPlan:
    rng = random.Random(seed)
    return lambda _n: rng.choice(FAULTS) if rng.random() < rate else None


def refusal(fault: str) -> web.Response | None:
    """The answer of a fault that needs no completion: a rate limit or a server error."""
    if fault in ("429", PAUSE_FAULT):
        error = {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}
        wait = "1" if fault == PAUSE_FAULT else "0.05"
        return web.json_response(error, status=429, headers={"retry-after": wait})
    if fault in ("500", "503"):
        return web.json_response({"error": {"message": "server error"}}, status=int(fault))
    return None
