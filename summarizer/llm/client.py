"""The structured-output call: a provider's SDK (summarizer.llm.sdks) + instructor, transport
retries inside each attempt.

Two retry layers, kept apart: tenacity (summarizer.llm.retry) retries transport failures
around every HTTP call; instructor re-asks the model only when its output fails validation.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, Protocol, TypeVar, cast

import instructor
from instructor.core import Hooks, IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

from summarizer.errors import BadResponseError, LLMError
from summarizer.extraction.models import GROUNDING_ERROR, Usage
from summarizer.llm.limits import RateLimiter, estimate_tokens
from summarizer.llm.providers import Endpoint
from summarizer.llm.recording import is_replay_miss
from summarizer.llm.retry import api_errors, describe_error, sdk_errors, with_transport_retries
from summarizer.llm.sdks import open_sdk, response_usage
from summarizer.redaction import redact_text
from summarizer.settings import Settings

M = TypeVar("M", bound=BaseModel)


class BatchRoute(Protocol):
    """Where a document's requests go in a Batch API run: a batch's answer, a live call
    (`live`), or a Deferred."""

    async def send(self, request: dict[str, Any], live: Callable[..., Awaitable[Any]]) -> Any: ...


# Set around one document by a Batch API run; None: every request is a live call.
BATCH_ROUTE: ContextVar[BatchRoute | None] = ContextVar("summarizer_batch_route", default=None)


@dataclass(frozen=True)
class Completion(Generic[M]):
    value: M
    usage: Usage
    model: str
    # Seconds the server says its model spent on the answer (llama.cpp reports `timings`):
    # in a cassette with the answer, so a replay still tells what the model cost.
    model_seconds: float | None = None


class LLMClient:
    def __init__(
        self, endpoint: Endpoint, settings: Settings, limiter: RateLimiter | None = None
    ) -> None:
        if endpoint.base_url is None:
            raise ValueError("endpoint has no base URL yet (is the engine started?)")
        self.endpoint = endpoint
        self.settings = settings
        self.limiter = limiter
        self._sdk = open_sdk(endpoint, settings)
        mode = self._sdk.modes[endpoint.structured_mode]
        create = with_transport_retries(
            self._create, settings.retry, on_backoff=limiter.pause if limiter else None
        )
        # instructor's from_openai / from_anthropic, but around our create: theirs would call
        # the SDK directly, leaving no place for the transport retries.
        patched = instructor.patch(create=create, mode=mode, provider=self._sdk.provider)
        self._instructor = instructor.AsyncInstructor(
            client=self._sdk.client, create=patched, mode=mode, provider=self._sdk.provider
        )

    async def close(self) -> None:
        await self._sdk.close()

    async def _create(self, **request: Any) -> Any:
        route = BATCH_ROUTE.get()
        if route is None:
            response = await self._send(**request)
        else:
            response = await route.send(request, self._send)
        if not self._sdk.is_answer(response):
            cut_short = isinstance(response, str) and response.lstrip().startswith("{")
            raise BadResponseError(f"not {self._sdk.answer}: {_excerpt(response)}", cut_short)
        return response

    async def _send(self, **request: Any) -> Any:
        if self.limiter is not None:
            await self.limiter.acquire(estimate_tokens(request))
        return await self._sdk.send(**request)

    async def extract(
        self,
        messages: list[ChatCompletionMessageParam],
        response_model: type[M],
    ) -> Completion[M]:
        """One structured answer; a validator's complaint becomes a re-ask."""
        reasks = AsyncRetrying(
            retry=retry_if_exception_type((ValidationError, json.JSONDecodeError)),
            stop=SchemaReaskBudget(self.settings.validation_retries),
            reraise=True,
        )
        tally = UsageTally()
        try:
            value, raw = await self._instructor.create_with_completion(
                messages=messages,
                response_model=_wrapped_once(response_model),
                max_retries=reasks,
                hooks=tally.hooks,
                model=self.endpoint.model,
                temperature=self.settings.temperature,
                max_tokens=self.settings.max_output_tokens,
            )
        except IncompleteOutputException as exc:
            limit = self.settings.max_output_tokens
            raise LLMError(
                f"the model's answer was cut off at the {limit}-token output limit "
                "(a small model may be repeating itself)",
                tally.usage,
            ) from exc
        except InstructorRetryException as exc:
            if isinstance(exc.__cause__, LLMError):  # a Batch API route's: already one line
                raise exc.__cause__ from None
            raise self._error(exc, tally.usage) from exc
        except api_errors() as exc:
            raise self._transport_error(exc, tally.usage) from exc
        return Completion(
            value=value,
            usage=tally.usage,
            model=str(getattr(raw, "model", None) or self.endpoint.model),  # Gemini: none
            model_seconds=_model_seconds(raw),
        )

    def _error(self, exc: InstructorRetryException, usage: Usage) -> LLMError:
        cause = exc.__cause__
        if isinstance(cause, api_errors()):
            return self._transport_error(cause, usage)
        detail = str(cause or exc).splitlines()[0]
        return self._message(
            f"model output invalid after {exc.n_attempts} attempt(s): {detail}", usage
        )

    def _transport_error(self, error: Exception, usage: Usage | None = None) -> LLMError:
        message = f"{self.endpoint.describe()}: {describe_error(error)}"
        unreachable = (
            isinstance(error, sdk_errors("APIConnectionError"))
            and not isinstance(error, sdk_errors("APITimeoutError"))
            and not is_replay_miss(error)  # a request the cassette lacks: the next may be there
        )
        return self._message(message, usage, unreachable)

    def _message(
        self, message: str, usage: Usage | None = None, unreachable: bool = False
    ) -> LLMError:
        """An error whose message may be stored and shown: no key in it, however passed."""
        return LLMError(redact_text(message, [self.endpoint.api_key]), usage, unreachable)


class UsageTally:
    """The tokens of every completion one call received: each re-ask's, and a failed call's.
    instructor reports each response to the call's own hooks (the client's would mix the
    calls that run at once on it)."""

    def __init__(self) -> None:
        self.usage = Usage()
        self.hooks = Hooks()
        self.hooks.on("completion:response", self._add)

    def _add(self, response: Any) -> None:
        self.usage += response_usage(response)


class SchemaReaskBudget:
    """Stops re-asking once the answer failed the schema `limit` + 1 times. Grounding
    complaints do not count: the grounding check keeps its own budget and accepts the answer
    once it is spent, so neither budget eats into the other."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.failures = 0

    def __call__(self, state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if not _is_grounding_complaint(error):
            self.failures += 1
        return self.failures > self.limit


def _is_grounding_complaint(error: BaseException | None) -> bool:
    if not isinstance(error, ValidationError):
        return False
    return all(e["type"] == GROUNDING_ERROR for e in error.errors())


@cache
def _wrapped_once(model: type[M]) -> type[M]:
    """The model as instructor wants it, built once: given a plain pydantic model, instructor
    creates a new wrapper class for every request, and those classes are never freed
    (measured: ~23 KB per document in a batch)."""
    return cast(type[M], instructor.response_schema(model))


def _model_seconds(raw: Any) -> float | None:
    timings = (getattr(raw, "model_extra", None) or {}).get("timings")
    if not isinstance(timings, dict):
        return None
    milliseconds = [timings.get(k) for k in ("prompt_ms", "predicted_ms")]
    numbers = [float(m) for m in milliseconds if isinstance(m, int | float)]
    return round(sum(numbers) / 1000, 2) if len(numbers) == 2 else None


def _excerpt(response: Any, chars: int = 80) -> str:
    text = " ".join(str(response).split())
    return repr(text[:chars] + ("..." if len(text) > chars else ""))
