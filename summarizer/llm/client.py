"""The structured-output call: openai SDK + instructor, transport retries inside each attempt.

Two retry layers, kept apart: tenacity (summarizer.llm.retry) retries transport failures
around every HTTP call; instructor re-asks the model only when its output fails validation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar, cast

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from instructor.v2.core.function_calls import response_schema
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

from summarizer.config import Settings
from summarizer.llm.limits import RateLimiter, estimate_tokens
from summarizer.llm.providers import Endpoint
from summarizer.llm.recording import is_replay_miss
from summarizer.llm.retry import BadResponseError, describe_error, with_transport_retries
from summarizer.redaction import redact_text
from summarizer.schemas import GROUNDING_ERROR, Usage

M = TypeVar("M", bound=BaseModel)

_MODES = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
}


class LLMError(RuntimeError):
    """A model call that failed for good; the message is one line for the user. `usage`
    counts the tokens its attempts spent, so a failed document's cost is not lost."""

    def __init__(self, message: str, usage: Usage | None = None, unreachable: bool = False) -> None:
        super().__init__(message)
        self.usage = usage or Usage()
        self.unreachable = unreachable  # no connection could be made, after every retry


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
        self._openai = openai.AsyncOpenAI(
            api_key=endpoint.api_key,
            base_url=endpoint.base_url,
            max_retries=0,  # tenacity owns transport retries
            timeout=settings.request_timeout_s,
        )
        mode = _MODES[endpoint.structured_mode]
        create = with_transport_retries(
            self._create, settings.retry, on_backoff=limiter.pause if limiter else None
        )
        self._instructor = instructor.AsyncInstructor(
            client=self._openai, create=instructor.patch(create=create, mode=mode), mode=mode
        )

    async def close(self) -> None:
        await self._openai.close()

    async def _create(self, **request: Any) -> Any:
        if self.limiter is not None:
            await self.limiter.acquire(estimate_tokens(request))
        response = await self._openai.chat.completions.create(**request)
        if not isinstance(getattr(response, "choices", None), list) or not response.choices:
            cut_short = isinstance(response, str) and response.lstrip().startswith("{")
            raise BadResponseError(
                f"not an OpenAI-compatible chat completion: {_excerpt(response)}", cut_short
            )
        return response

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
        try:
            value, raw = await self._instructor.create_with_completion(
                messages=messages,
                response_model=_wrapped_once(response_model),
                max_retries=reasks,
                model=self.endpoint.model,
                temperature=self.settings.temperature,
                max_tokens=self.settings.max_output_tokens,
            )
        except IncompleteOutputException as exc:
            limit = self.settings.max_output_tokens
            raise LLMError(
                f"the model's answer was cut off at the {limit}-token output limit "
                "(a small model may be repeating itself)",
                _usage(getattr(exc.last_completion, "usage", None)),
            ) from exc
        except InstructorRetryException as exc:
            raise self._error(exc) from exc
        except openai.OpenAIError as exc:
            raise self._transport_error(exc) from exc
        usage = getattr(value, "_total_usage", None) or raw.usage
        return Completion(
            value=value,
            usage=_usage(usage),
            model=str(raw.model or self.endpoint.model),
            model_seconds=_model_seconds(raw),
        )

    def _error(self, exc: InstructorRetryException) -> LLMError:
        cause = exc.__cause__
        usage = _usage(exc.total_usage)
        if isinstance(cause, openai.OpenAIError):
            return self._transport_error(cause, usage)
        detail = str(cause or exc).splitlines()[0]
        return self._message(
            f"model output invalid after {exc.n_attempts} attempt(s): {detail}", usage
        )

    def _transport_error(self, error: openai.OpenAIError, usage: Usage | None = None) -> LLMError:
        message = f"{self.endpoint.describe()}: {describe_error(error)}"
        unreachable = (
            isinstance(error, openai.APIConnectionError)
            and not isinstance(error, openai.APITimeoutError)
            and not is_replay_miss(error)  # a request the cassette lacks: the next may be there
        )
        return self._message(message, usage, unreachable)

    def _message(
        self, message: str, usage: Usage | None = None, unreachable: bool = False
    ) -> LLMError:
        """An error whose message may be stored and shown: no key in it, however passed."""
        return LLMError(redact_text(message, [self.endpoint.api_key]), usage, unreachable)


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
    return cast(type[M], response_schema(model))


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


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        total_tokens=usage.total_tokens or 0,
    )
