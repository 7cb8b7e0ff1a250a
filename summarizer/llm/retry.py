"""The one transport-retry policy (tenacity). The openai SDK's own retries are switched off.

Retried: rate limits (429, except `insufficient_quota`, which no wait fixes), 5xx, timeouts
and dropped connections. Never retried: 400/401/403/404/422. The wait honours
`retry-after-ms` / `retry-after`, else exponential backoff with jitter; attempts and the
total time spent waiting are both bounded.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from summarizer.config import RetryPolicy
from summarizer.llm.recording import is_replay_miss

logger = logging.getLogger(__name__)

T = TypeVar("T")

TRANSIENT_ERRORS = (
    openai.RateLimitError,
    openai.APITimeoutError,
    openai.APIConnectionError,
    openai.InternalServerError,
)


class BadResponseError(openai.OpenAIError):
    """A 200 answer that is not a chat completion: not an OpenAI-compatible endpoint (a
    proxy's HTML page, a login form), not a model's invalid output. A JSON body cut short
    is a transfer that broke: `transient`, retried like a dropped connection."""

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def is_transient(error: BaseException) -> bool:
    if isinstance(error, BadResponseError):
        return error.transient
    if not isinstance(error, TRANSIENT_ERRORS) or is_replay_miss(error):
        return False
    return not (isinstance(error, openai.RateLimitError) and error.code == "insufficient_quota")


def retry_after_seconds(error: BaseException) -> float | None:
    """The server's requested delay, from retry-after-ms or retry-after (seconds or a date)."""
    response = getattr(error, "response", None)
    if response is None:
        return None
    headers = response.headers
    if (millis := headers.get("retry-after-ms")) is not None:
        try:
            return max(float(millis) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None  # "soon", "": not a delay; the policy's own backoff applies
    return max(parsed.timestamp() - time.time(), 0.0)


class WaitRetryAfter:
    """Wait what the server asks for (capped), else fall back to exponential jitter."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.cap = policy.max_total_wait_s
        self.fallback = wait_exponential_jitter(
            multiplier=policy.initial_wait_s, max=policy.max_wait_s, jitter=policy.initial_wait_s
        )

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        requested = retry_after_seconds(error) if error else None
        if requested is not None:
            return min(requested, self.cap)
        return float(self.fallback(state))


Backoff = Callable[[float], None]


def _before_sleep(on_backoff: Backoff | None) -> Callable[[RetryCallState], None]:
    def log_and_notify(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "transient error (%s), retry %d in %.1f s",
            describe_error(error),
            state.attempt_number,
            wait,
        )
        if on_backoff is not None and isinstance(error, openai.RateLimitError):
            on_backoff(wait)  # a 429 concerns every request in flight, not just this one

    return log_and_notify


def transport_retrying(policy: RetryPolicy, on_backoff: Backoff | None = None) -> AsyncRetrying:
    return AsyncRetrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(policy.attempts) | stop_after_delay(policy.max_total_wait_s),
        wait=WaitRetryAfter(policy),
        before_sleep=_before_sleep(on_backoff),
        reraise=True,
    )


def with_transport_retries(
    func: Callable[..., Awaitable[T]], policy: RetryPolicy, on_backoff: Backoff | None = None
) -> Callable[..., Awaitable[T]]:
    async def call(*args: Any, **kwargs: Any) -> T:
        attempts = 0
        try:
            async for attempt in transport_retrying(policy, on_backoff):
                with attempt:
                    attempts += 1
                    return await func(*args, **kwargs)
        except openai.OpenAIError as error:
            error.attempts = attempts  # type: ignore[attr-defined]  # for describe_error
            raise
        raise AssertionError("unreachable: tenacity reraises the last error")

    return call


def describe_error(error: BaseException | None) -> str:
    """One line for the user: the HTTP status and the server's message, without a traceback,
    and how many attempts were made when there were several."""
    attempts = getattr(error, "attempts", 1)
    described = _describe(error)
    return f"{described} (after {attempts} attempts)" if attempts > 1 else described


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "unknown error"
    if isinstance(error, openai.APIStatusError):
        message = error.message
        body = error.body
        if isinstance(body, dict):
            detail = body.get("error", body)
            if isinstance(detail, dict) and detail.get("message"):
                message = str(detail["message"])
        return f"HTTP {error.status_code}: {message}"
    if isinstance(error, openai.APITimeoutError):
        return "request timed out"
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__
        return f"cannot connect ({cause or error.message})"
    if isinstance(error, BadResponseError):
        return str(error)
    return f"{type(error).__name__}: {error}"
