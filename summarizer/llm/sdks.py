"""The SDK each provider's API is spoken with, as the client needs it.

The client wraps `send` (one HTTP call) in the tenacity transport retries and hands it to
instructor, patched for the SDK's provider: one construction for every SDK, so that each
keeps the same two retry layers. The SDKs' own retries are off. The Anthropic and Gemini
SDKs are imported only when an endpoint needs them: they are optional extras.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx2
import instructor
import openai

from summarizer.extraction.models import Usage
from summarizer.llm.providers import Api, Endpoint
from summarizer.settings import Settings, StructuredMode


@dataclass(frozen=True)
class Sdk:
    client: Any  # the SDK's async client, which instructor's client holds
    send: Callable[..., Awaitable[Any]]  # one request, no retry of its own
    provider: instructor.Provider
    modes: Mapping[StructuredMode, instructor.Mode]
    # What a 200 answer must be, and a test for it: a proxy's login page is not one.
    answer: str
    is_answer: Callable[[Any], bool]
    close: Callable[[], Awaitable[None]]


def open_sdk(endpoint: Endpoint, settings: Settings) -> Sdk:
    return _OPENERS[endpoint.api](endpoint, settings)


def _client_options(endpoint: Endpoint, settings: Settings) -> dict[str, Any]:
    """What the openai and anthropic SDKs' clients take alike."""
    return {
        "api_key": endpoint.api_key,
        "base_url": endpoint.base_url,
        "max_retries": 0,  # tenacity owns transport retries
        "timeout": settings.request_timeout_s,
    }


def _openai(endpoint: Endpoint, settings: Settings) -> Sdk:
    client = openai.AsyncOpenAI(**_client_options(endpoint, settings))
    return Sdk(
        client=client,
        send=client.chat.completions.create,
        provider=instructor.Provider.OPENAI,
        modes={
            "json_schema": instructor.Mode.JSON_SCHEMA,
            "tools": instructor.Mode.TOOLS,
            "json": instructor.Mode.JSON,
        },
        answer="an OpenAI-compatible chat completion",
        is_answer=lambda r: isinstance(getattr(r, "choices", None), list) and bool(r.choices),
        close=client.close,
    )


def _anthropic(endpoint: Endpoint, settings: Settings) -> Sdk:
    import anthropic

    client = anthropic.AsyncAnthropic(**_client_options(endpoint, settings))
    sampled = endpoint.other_server

    async def send(*, temperature: float | None = None, **request: Any) -> Any:
        # The Anthropic SDK 2.x has no `temperature`: Anthropic's models sample as they do.
        # A server that speaks its protocol still takes one in the body (llama.cpp, which
        # samples at 0.8 without it).
        if sampled and temperature is not None:
            request["extra_body"] = {**request.get("extra_body", {}), "temperature": temperature}
        return await client.messages.create(**request)

    is_message = lambda r: isinstance(getattr(r, "content", None), list)  # noqa: E731
    provider = instructor.Provider.ANTHROPIC
    return _tools_or_json(client, send, provider, "an Anthropic message", is_message, client.close)


def _gemini(endpoint: Endpoint, settings: Settings) -> Sdk:
    # Imported by name: an optional extra, which the type checker may not have installed.
    genai: Any = importlib.import_module("google.genai")
    httpx: Any = importlib.import_module("httpx")  # google-genai 1.x's transport
    options = genai.types.HttpOptions(
        base_url=endpoint.base_url, timeout=int(settings.request_timeout_s * 1000)
    )
    client = genai.Client(api_key=endpoint.api_key, http_options=options)
    request_for_errors = httpx2.Request("POST", str(endpoint.base_url))

    async def send(*, model: str, **request: Any) -> Any:
        # google-genai's errors in the openai SDK's terms: the one transport policy and the
        # one-line messages (summarizer.llm.retry) then apply to Gemini unchanged.
        try:
            return await client.aio.models.generate_content(model=model, **request)
        except genai.errors.APIError as error:
            raise _status_error(error, request_for_errors) from error
        except httpx.TimeoutException as error:
            raise openai.APITimeoutError(request=request_for_errors) from error
        except httpx.TransportError as error:
            raise openai.APIConnectionError(request=request_for_errors) from error

    async def close() -> None:
        return None  # google-genai 1.x has no async close; its connections end with it

    is_response = lambda r: getattr(r, "candidates", None) is not None  # noqa: E731
    genai_provider = instructor.Provider.GENAI
    return _tools_or_json(client, send, genai_provider, "a Gemini response", is_response, close)


def _tools_or_json(
    client: Any,
    send: Callable[..., Awaitable[Any]],
    provider: instructor.Provider,
    answer: str,
    is_answer: Callable[[Any], bool],
    close: Callable[[], Awaitable[None]],
) -> Sdk:
    """An SDK that instructor drives in its TOOLS and JSON modes: instructor 1.17's names
    (ANTHROPIC_TOOLS and ANTHROPIC_JSON are deprecated aliases); the provider says whose."""
    modes: dict[StructuredMode, instructor.Mode] = {
        "tools": instructor.Mode.TOOLS,
        "json": instructor.Mode.JSON,
    }
    return Sdk(client, send, provider, modes, answer, is_answer, close)


_STATUS_ERRORS: dict[int, type[openai.APIStatusError]] = {
    400: openai.BadRequestError,
    401: openai.AuthenticationError,
    403: openai.PermissionDeniedError,
    404: openai.NotFoundError,
    409: openai.ConflictError,
    422: openai.UnprocessableEntityError,
    429: openai.RateLimitError,
}


def _status_error(error: Any, request: httpx2.Request) -> openai.APIStatusError:
    """A google-genai APIError (`code`, `message`, its httpx response) as the openai SDK's
    error for that status, with the response's headers (retry-after) kept."""
    code = int(getattr(error, "code", None) or 500)
    kind = _STATUS_ERRORS.get(code, openai.InternalServerError if code >= 500 else None)
    headers = dict(getattr(getattr(error, "response", None), "headers", None) or {})
    response = httpx2.Response(code, headers=headers, request=request)
    message = str(getattr(error, "message", None) or error)
    body = {"error": {"message": message}}
    return (kind or openai.APIStatusError)(message, response=response, body=body)


_OPENERS: dict[Api, Callable[[Endpoint, Settings], Sdk]] = {
    "openai": _openai,
    "anthropic": _anthropic,
    "gemini": _gemini,
}


def response_usage(response: Any) -> Usage:
    """The tokens one response says it took, whichever SDK's shape it has."""
    usage = getattr(response, "usage", None)
    if usage is not None and hasattr(usage, "input_tokens"):
        return _anthropic_usage(usage)
    if usage is None and (metadata := getattr(response, "usage_metadata", None)) is not None:
        return _gemini_usage(metadata)
    return openai_usage(usage)


def openai_usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        total_tokens=usage.total_tokens or 0,
    )


def _anthropic_usage(usage: Any) -> Usage:
    """Anthropic counts the input read from its prompt cache apart from `input_tokens`; the
    prompt is all three, as OpenAI's `prompt_tokens` is."""
    parts = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    prompt = sum(getattr(usage, part, None) or 0 for part in parts)
    completion = usage.output_tokens or 0
    return Usage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )


def _gemini_usage(metadata: Any) -> Usage:
    prompt = metadata.prompt_token_count or 0
    completion = metadata.candidates_token_count or 0
    total = metadata.total_token_count or prompt + completion
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=total)
