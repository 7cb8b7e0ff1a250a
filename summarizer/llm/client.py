"""The structured-output call: a provider's SDK (summarizer.llm.sdks) + instructor, transport
retries inside each attempt.

Two retry layers, kept apart: tenacity (summarizer.llm.retry) retries transport failures
around every HTTP call; instructor re-asks the model only when its output fails validation.

What belongs to one call travels with it as a `Call`: the document's quote check (the quote
enum in the request, and the grounding re-asks in validation) and, in a Batch API run, the
route its requests take. A call whose request must wait for a batch returns `Pending`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, Generic, Protocol, TypeVar, cast

import instructor
from instructor.core import Hooks, IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

from summarizer.errors import AwaitingBatch, BadResponseError, LLMError
from summarizer.extraction.models import (
    GROUNDING_ERROR,
    GroundedAnswer,
    QuoteCheck,
    QuoteContext,
    Usage,
    quote_enum,
)
from summarizer.llm.limits import RateLimiter, estimate_tokens
from summarizer.llm.providers import Endpoint
from summarizer.llm.recording import is_replay_miss
from summarizer.llm.retry import api_errors, describe_error, sdk_errors, with_transport_retries
from summarizer.llm.sdks import open_sdk, response_usage
from summarizer.redaction import redact_text
from summarizer.settings import Settings

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Pending:
    """A document that waits for a provider's batch to answer one of its requests: it is
    tried again once the batch is done (summarizer.runs.provider_batch)."""

    reason: str


class BatchRoute(Protocol):
    """Where a document's requests go in a Batch API run: a batch's answer, a live call
    (`live`), or `Pending` when the request must wait for a batch."""

    async def send(
        self, request: dict[str, Any], live: Callable[..., Awaitable[Any]]
    ) -> Any | Pending: ...


@dataclass(frozen=True)
class Call:
    """What belongs to one structured call besides its messages and answer model."""

    # The document's grounding check: its sentences become the quote enum of the request,
    # and quotes not in the source are re-asked for while validating.
    quotes: QuoteCheck | None = None
    # A Batch API run's road for this document's requests; None: every request is live.
    route: BatchRoute | None = None


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
        self._mode = self._sdk.modes[endpoint.structured_mode]

    async def close(self) -> None:
        await self._sdk.close()

    def _instructor(self, call: Call, response_model: type[BaseModel]) -> Any:
        """instructor's from_openai / from_anthropic, but around our create, for this call:
        theirs would call the SDK directly, leaving no place for the transport retries, nor
        for what belongs to the call. Wrapping costs microseconds, not a model class."""
        create = with_transport_retries(
            partial(self._create, call, response_model),
            self.settings.retry,
            on_backoff=self.limiter.pause if self.limiter else None,
        )
        provider = self._sdk.provider
        patched = instructor.patch(create=create, mode=self._mode, provider=provider)
        return instructor.AsyncInstructor(
            client=self._sdk.client, create=patched, mode=self._mode, provider=provider
        )

    async def _create(self, call: Call, response_model: type[BaseModel], **request: Any) -> Any:
        choices = call.quotes.quote_choices() if call.quotes is not None else None
        if choices and issubclass(response_model, GroundedAnswer):
            schema = _wrapped_once(response_model).model_json_schema()
            request = constrain_quotes(request, schema, response_model.item_definition, choices)
        if call.route is None:
            response = await self._send(**request)
        else:
            response = await call.route.send(request, self._send)
        if isinstance(response, Pending):  # out of instructor's loop; extract returns it
            raise AwaitingBatch(response.reason)
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
        call: Call | None = None,
    ) -> Completion[M] | Pending:
        """One structured answer; a validator's complaint becomes a re-ask. Pending when a
        Batch API run's request must wait for its batch."""
        call = call or Call()
        reasks = AsyncRetrying(
            retry=retry_if_exception_type((ValidationError, json.JSONDecodeError)),
            stop=SchemaReaskBudget(self.settings.validation_retries),
            reraise=True,
        )
        tally = UsageTally()
        try:
            client = self._instructor(call, response_model)
            value, raw = await client.create_with_completion(
                messages=messages,
                response_model=_wrapped_once(response_model),
                max_retries=reasks,
                context=QuoteContext(call.quotes) if call.quotes is not None else None,
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
            if isinstance(exc.__cause__, AwaitingBatch):
                return Pending(str(exc.__cause__))
            if isinstance(exc.__cause__, LLMError):  # a Batch API route's: already one line
                raise exc.__cause__ from None
            raise self._error(exc, tally.usage) from exc
        except AwaitingBatch as exc:
            return Pending(str(exc))
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


def constrain_quotes(
    request: Any, schema: dict[str, Any], item_definition: str, choices: list[str]
) -> Any:
    """The request with the quote enum in every copy of the answer's JSON `schema`: where the
    provider's mode put it as JSON (response_format's, a tool's parameters or input_schema)
    and where it wrote it into a prompt as text (the JSON modes). Its item's `quote` must be
    one of the source's sentences. Dicts and lists are copied, never changed: instructor
    keeps some of them cached for the next call."""
    constrained = _with_enum(schema, item_definition, choices)
    as_text = (_schema_text(schema), _schema_text(constrained))
    return _constrained(request, item_definition, choices, as_text)


def _constrained(value: Any, item: str, choices: list[str], as_text: tuple[str, str]) -> Any:
    if isinstance(value, str):
        return value.replace(*as_text) if as_text[0] in value else value
    if isinstance(value, list):
        return [_constrained(v, item, choices, as_text) for v in value]
    if not isinstance(value, dict):
        return value
    if isinstance(value.get("$defs"), dict) and item in value["$defs"]:
        return _with_enum(value, item, choices)
    return {key: _constrained(v, item, choices, as_text) for key, v in value.items()}


def _with_enum(schema: dict[str, Any], item: str, choices: list[str]) -> dict[str, Any]:
    copied = copy.deepcopy(schema)
    properties = copied.get("$defs", {}).get(item, {}).get("properties", {})
    if "quote" in properties:
        properties["quote"] = quote_enum(choices)
    return copied


def _schema_text(schema: dict[str, Any]) -> str:
    """The schema as instructor writes it into a JSON mode's prompt."""
    return json.dumps(schema, indent=2, ensure_ascii=False)


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
