from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from summarizer.errors import PriceError
from summarizer.extraction.models import Usage
from summarizer.llm.limits import RateLimiter, estimate_tokens
from summarizer.runs.pricing import load_prices


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_requests_per_minute_bucket() -> None:
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=60, clock=clock)
    limiter._requests = 1  # one request available
    assert limiter._delay(0) <= 0
    limiter._requests = 0
    assert limiter._delay(0) == pytest.approx(1.0)  # one request per second
    clock.now += 0.5
    assert limiter._delay(0) == pytest.approx(0.5)


def test_tokens_per_minute_bucket_caps_a_huge_request_at_the_bucket_size() -> None:
    clock = FakeClock()
    limiter = RateLimiter(tokens_per_minute=6000, clock=clock)
    limiter._tokens = 0
    assert limiter._delay(1000) == pytest.approx(10.0)  # 100 tokens per second
    assert limiter._delay(10**9) == pytest.approx(60.0)  # waits for a full bucket, not forever


def test_a_429_pauses_everyone() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    limiter.pause(2.5)
    assert limiter._delay(0) == pytest.approx(2.5)
    clock.now += 3
    assert limiter._delay(0) <= 0


def test_acquire_consumes_from_both_buckets() -> None:
    limiter = RateLimiter(requests_per_minute=600, tokens_per_minute=10_000)
    asyncio.run(limiter.acquire(400))
    assert limiter._requests == pytest.approx(599, abs=0.1)
    assert limiter._tokens == pytest.approx(9600, abs=5)


def test_estimate_tokens() -> None:
    request = {"messages": [{"role": "user", "content": "x" * 400}], "max_tokens": 100}
    assert estimate_tokens(request) == 200


def test_prices_per_million_tokens_and_snapshots() -> None:
    table = load_prices()
    usage = Usage(prompt_tokens=1_000_000, completion_tokens=500_000, total_tokens=1_500_000)
    assert table.cost("gpt-4o-mini", usage) == pytest.approx(0.15 + 0.30)
    assert table.cost("gpt-4o-mini-2024-07-18", usage) == pytest.approx(0.45)
    assert table.cost("unknown-model", usage) is None
    assert load_prices(free=True).cost("anything", usage) == 0.0


def test_custom_and_broken_price_tables(tmp_path: Path) -> None:
    custom = tmp_path / "p.json"
    custom.write_text('{"my-model": {"input": 1, "output": 2}}')
    usage = Usage(prompt_tokens=1000, completion_tokens=1000, total_tokens=2000)
    assert load_prices(custom).cost("my-model", usage) == pytest.approx(0.003)
    custom.write_text('{"my-model": {"input": 1}}')
    with pytest.raises(PriceError, match="not a price table"):
        load_prices(custom)
