from __future__ import annotations

import asyncio

import httpx2
import openai
import pytest

from summarizer.llm.retry import (
    describe_error,
    is_transient,
    retry_after_seconds,
    with_transport_retries,
)
from summarizer.settings import RetryPolicy

REQUEST = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")


def _status_error(
    status: int, headers: dict[str, str] | None = None, code: str | None = None
) -> openai.APIStatusError:
    response = httpx2.Response(status, headers=headers or {}, request=REQUEST)
    body = {"message": "boom", "code": code}
    classes = {
        400: openai.BadRequestError,
        401: openai.AuthenticationError,
        403: openai.PermissionDeniedError,
        404: openai.NotFoundError,
        422: openai.UnprocessableEntityError,
        429: openai.RateLimitError,
        500: openai.InternalServerError,
        503: openai.InternalServerError,
    }
    return classes[status]("boom", response=response, body=body)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_statuses_are_retried(status: int) -> None:
    assert is_transient(_status_error(status))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(status: int) -> None:
    assert not is_transient(_status_error(status))


def test_connection_problems_are_retried_but_not_an_exhausted_quota() -> None:
    assert is_transient(openai.APIConnectionError(request=REQUEST))
    assert is_transient(openai.APITimeoutError(request=REQUEST))
    assert not is_transient(_status_error(429, code="insufficient_quota"))


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # a date in the past
        ({}, None),
        ({"retry-after": "soon"}, None),  # not a delay: the policy's backoff applies
        ({"retry-after": ""}, None),
    ],
)
def test_retry_after_headers(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after_seconds(_status_error(429, headers)) == seconds


def test_retries_until_success_and_waits_what_the_server_asks() -> None:
    failures = [_status_error(429, {"retry-after-ms": "10"}), _status_error(503)]
    calls: list[int] = []

    async def flaky() -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "ok"

    policy = RetryPolicy(attempts=3, initial_wait_s=0.01, max_wait_s=0.02)
    assert asyncio.run(with_transport_retries(flaky, policy)()) == "ok"
    assert len(calls) == 3


def test_gives_up_after_the_attempt_bound_and_reraises() -> None:
    calls: list[int] = []

    async def down() -> None:
        calls.append(1)
        raise _status_error(500)

    with pytest.raises(openai.InternalServerError):
        policy = RetryPolicy(attempts=2, initial_wait_s=0.01, max_wait_s=0.01)
        asyncio.run(with_transport_retries(down, policy)())
    assert len(calls) == 2


def test_never_retries_an_auth_error() -> None:
    calls: list[int] = []

    async def unauthorized() -> None:
        calls.append(1)
        raise _status_error(401)

    with pytest.raises(openai.AuthenticationError):
        asyncio.run(with_transport_retries(unauthorized, RetryPolicy(attempts=5))())
    assert len(calls) == 1


def test_describe_error_is_one_line() -> None:
    assert describe_error(_status_error(401)) == "HTTP 401: boom"
    assert describe_error(openai.APITimeoutError(request=REQUEST)) == "request timed out"
