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
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from summarizer.config import Settings
from summarizer.llm.limits import RateLimiter, estimate_tokens
from summarizer.llm.providers import Endpoint
from summarizer.llm.retry import describe_error, with_transport_retries
from summarizer.schemas import Usage

M = TypeVar("M", bound=BaseModel)

_MODES = {
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
}


class LLMError(RuntimeError):
    """A model call that failed for good; the message is one line for the user."""


@dataclass(frozen=True)
class Completion(Generic[M]):
    value: M
    usage: Usage
    model: str


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
        return await self._openai.chat.completions.create(**request)

    async def extract(
        self,
        messages: list[ChatCompletionMessageParam],
        response_model: type[M],
    ) -> Completion[M]:
        """One structured answer; a validator's complaint becomes a re-ask."""
        reasks = AsyncRetrying(
            retry=retry_if_exception_type((ValidationError, json.JSONDecodeError)),
            # Grounding re-asks come on top of the schema re-asks, never instead of them.
            stop=stop_after_attempt(
                self.settings.validation_retries + self.settings.grounding_reasks + 1
            ),
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
                "(a small model may be repeating itself)"
            ) from exc
        except InstructorRetryException as exc:
            raise self._error(exc) from exc
        except openai.OpenAIError as exc:
            raise LLMError(f"{self.endpoint.describe()}: {describe_error(exc)}") from exc
        usage = getattr(value, "_total_usage", None) or raw.usage
        return Completion(
            value=value, usage=_usage(usage), model=str(raw.model or self.endpoint.model)
        )

    def _error(self, exc: Exception) -> LLMError:
        cause = exc.__cause__
        if isinstance(cause, openai.OpenAIError):
            return LLMError(f"{self.endpoint.describe()}: {describe_error(cause)}")
        attempts = getattr(exc, "n_attempts", "?")
        detail = str(cause or exc).splitlines()[0]
        return LLMError(f"model output invalid after {attempts} attempt(s): {detail}")


@cache
def _wrapped_once(model: type[M]) -> type[M]:
    """The model as instructor wants it, built once: given a plain pydantic model, instructor
    creates a new wrapper class for every request, and those classes are never freed
    (measured: ~23 KB per document in a batch)."""
    return cast(type[M], response_schema(model))


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        total_tokens=usage.total_tokens or 0,
    )
