"""Client-side rate limits shared by every request of a run.

Requests per minute and tokens per minute are token buckets that refill continuously; a 429
from the server pauses everyone for the time it asked, since the quota is shared.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rpm = requests_per_minute
        self.tpm = tokens_per_minute
        self.clock = clock
        self._requests = requests_per_minute or 0.0
        self._tokens = tokens_per_minute or 0.0
        self._last = clock()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def acquire(self, tokens: int) -> None:
        """Wait until one more request of about `tokens` tokens fits in the limits."""
        async with self._lock:  # first come, first served
            while (delay := self._delay(tokens)) > 0:
                await asyncio.sleep(delay)
            self._requests -= 1 if self.rpm else 0
            self._tokens -= min(tokens, self.tpm) if self.tpm else 0

    def _delay(self, tokens: int) -> float:
        now = self.clock()
        self._refill(now)
        waits = [self._paused_until - now]
        if self.rpm and self._requests < 1:
            waits.append((1 - self._requests) * 60.0 / self.rpm)
        if self.tpm:
            needed = min(tokens, self.tpm)  # a request larger than the bucket waits for a full one
            if self._tokens < needed:
                waits.append((needed - self._tokens) * 60.0 / self.tpm)
        return max(waits)

    def _refill(self, now: float) -> None:
        elapsed = now - self._last
        self._last = now
        if self.rpm:
            self._requests = min(self.rpm, self._requests + elapsed * self.rpm / 60.0)
        if self.tpm:
            self._tokens = min(self.tpm, self._tokens + elapsed * self.tpm / 60.0)


def estimate_tokens(request: dict[str, object]) -> int:
    """Rough size of a chat request: prompt characters / 4 plus the output budget."""
    messages = request.get("messages")
    # Anthropic's Messages API carries the system prompt beside the messages.
    chars = len(str(request.get("system") or ""))
    if isinstance(messages, list):
        chars += sum(len(str(m.get("content", ""))) for m in messages if isinstance(m, dict))
    max_tokens = request.get("max_tokens")
    return chars // 4 + (max_tokens if isinstance(max_tokens, int) else 0)
