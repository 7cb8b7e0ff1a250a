"""The cost and time of a run before it starts (`--dry-run`, `--max-cost`), with no model call.

The inputs are read as the run reads them, each document planned as the pipeline plans it
(its windows, its requests: Summarizer.planned_requests), and the prompt of every request
counted as the endpoint counts it (summarizer.llm.tokens). What the model will write is not
known: it is estimated from the store's history for this prompt and model (the median of
the results made with them), else from the schema's bounds. Prices come from the price
table, live and through the Batch API; the time on the embedded engine from its measured
rates (the store's recorded timings, else DESIGN.md's measurements). Nothing is written:
the store is opened read-only, if it exists at all.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from summarizer.errors import CostLimitError, PromptError, ReadError, RequestLimitError
from summarizer.extraction.models import SCHEMA_VERSION, Usage
from summarizer.inputs.documents import Document
from summarizer.inputs.text import sentences
from summarizer.llm.tokens import TokenCounter, token_counter
from summarizer.pipeline import PlannedRequest, Summarizer
from summarizer.runs.pricing import PriceTable, load_prices
from summarizer.runs.store import PastUsage, StoreReader, open_reader
from summarizer.settings import Settings

# The embedded engine's rates, measured on the recorded 50-article dev run (DESIGN.md: "The
# embedded engine's speed"): a median article's 1,186 prompt tokens read in 8.3 s (the
# shared system prompt cached across documents) and its 304 tokens written in 20.6 s.
DEFAULT_PROMPT_TOKENS_PER_S = 1186 / 8.3
DEFAULT_GENERATION_TOKENS_PER_S = 304 / 20.6
# Earlier results needed before their median stands for the next answers.
MIN_HISTORY = 3
# A long document's summary of the whole reads one note per window, written by the model
# (a headline and two short sentences): their tokens are not known before the run.
NOTE_TOKENS_PER_WINDOW = 60
# The schema's bounds: a bounded string is taken as half full, a list as half way between
# its bounds, an unbounded list as this many items; about 4 characters a token.
STRING_FILL = 0.5
UNBOUNDED_ITEMS = 4
CHARS_PER_TOKEN = 4.0
UNBOUNDED_STRING_TOKENS = 8
QUOTE_FIELD = "quote"


@dataclass(frozen=True)
class DocumentEstimate:
    id: str
    source: str
    windows: int = 0
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False  # the store has its result: the run asks nothing for it
    error: str | None = None  # it cannot be read or planned: a failed document, no call

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class EngineRates:
    prompt_tokens_per_s: float
    generation_tokens_per_s: float
    source: str

    def seconds(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (
            prompt_tokens / self.prompt_tokens_per_s
            + completion_tokens / self.generation_tokens_per_s
        )


@dataclass(frozen=True)
class RunEstimate:
    command: str
    provider: str
    model: str
    tokenizer: str
    prompt_tokens_exact: bool
    completion_source: str
    documents: list[DocumentEstimate]
    cost_usd: float | None  # live prices; None: the model has no price
    batch_cost_usd: float | None  # through the provider's Batch API
    batch_api: bool  # whether this run goes through it (--batch-api)
    engine: EngineRates | None  # the embedded engine's; None for a remote endpoint
    notes: list[str] = field(default_factory=list)

    @property
    def to_run(self) -> list[DocumentEstimate]:
        """The documents the run will ask the model about."""
        return [d for d in self.documents if d.error is None and not d.cached]

    @property
    def prompt_tokens(self) -> int:
        return sum(d.prompt_tokens for d in self.to_run)

    @property
    def completion_tokens(self) -> int:
        return sum(d.completion_tokens for d in self.to_run)

    @property
    def run_cost_usd(self) -> float | None:
        """What this run will cost: at Batch API prices under --batch-api, else live."""
        return self.batch_cost_usd if self.batch_api else self.cost_usd

    @property
    def engine_seconds(self) -> float | None:
        """The embedded engine's time, one request at a time."""
        if self.engine is None:
            return None
        return self.engine.seconds(self.prompt_tokens, self.completion_tokens)

    def to_dict(self) -> dict[str, Any]:
        to_run = self.to_run
        return {
            "command": self.command,
            "provider": self.provider,
            "model": self.model,
            "documents": len(self.documents),
            "cached": sum(d.cached for d in self.documents),
            "failed": sum(d.error is not None for d in self.documents),
            "windows": sum(d.windows for d in to_run),
            "requests": sum(d.requests for d in to_run),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "tokenizer": self.tokenizer,
            "prompt_tokens_exact": self.prompt_tokens_exact,
            "completion_source": self.completion_source,
            "cost_usd": _rounded(self.cost_usd),
            "batch_cost_usd": _rounded(self.batch_cost_usd),
            "batch_api": self.batch_api,
            "engine_seconds": _rounded(self.engine_seconds, 1),
            "engine_rates": asdict(self.engine) if self.engine else None,
            "notes": self.notes,
            "per_document": [asdict(d) | {"total_tokens": d.total_tokens} for d in self.documents],
        }


def _rounded(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def estimate_run(
    settings: Settings,
    items: Iterable[Document | ReadError],
    *,
    command: str = "batch",
    prices: PriceTable | None = None,
    notes: Sequence[str] = (),
) -> RunEstimate:
    """What running `items` with `settings` would cost, without a model call or a write.

    `command` is the CLI's: `summarize` caches nothing, so the store's results count only
    as history there; `batch`, `eval` and `digest` skip a document the store has."""
    from summarizer.runs.runner import store_path_for  # the runner imports this module

    summarizer = Summarizer(settings)
    endpoint = summarizer.endpoint
    counter = token_counter(settings, endpoint)
    store_path = store_path_for(settings)
    reader = open_reader(store_path) if store_path is not None else None
    try:
        history = _history(reader, summarizer)
        planner = _Planner(summarizer, counter, history, reader if command != "summarize" else None)
        documents = [planner.estimate(item) for item in items]
    finally:
        if reader is not None:
            reader.close()
    prices = prices or load_prices(settings.prices_path, free=endpoint.provider == "local")
    usage = Usage(
        prompt_tokens=sum(d.prompt_tokens for d in documents if d.error is None and not d.cached),
        completion_tokens=sum(
            d.completion_tokens for d in documents if d.error is None and not d.cached
        ),
    )
    return RunEstimate(
        command=command,
        provider=endpoint.provider,
        model=endpoint.model,
        tokenizer=counter.name,
        prompt_tokens_exact=counter.exact,
        completion_source=planner.completion_source,
        documents=documents,
        cost_usd=prices.cost(endpoint.model, usage),
        batch_cost_usd=prices.cost(endpoint.model, usage, batch=True),
        batch_api=settings.batch_api,
        engine=engine_rates(history) if endpoint.provider == "local" else None,
        notes=[*notes, *_notes(settings)],
    )


def check_max_cost(estimate: RunEstimate, limit: float | None) -> None:
    """--max-cost: a CostLimitError (exit status 2) for a run estimated over `limit`."""
    if limit is None:
        return
    cost = estimate.run_cost_usd
    prices = "Batch API" if estimate.batch_api else "live"
    if cost is None:
        raise CostLimitError(
            f"no price for model {estimate.model!r}: its run cannot be held to --max-cost "
            f"${limit:g} (give a price table with --prices)"
        )
    if cost > limit:
        raise CostLimitError(
            f"the run's estimated cost, ${cost:.4f} ({prices} prices, "
            f"{estimate.prompt_tokens + estimate.completion_tokens:,} tokens), is over "
            f"--max-cost ${limit:g}"
        )


def engine_rates(history: Sequence[PastUsage]) -> EngineRates:
    """The embedded engine's rates: DESIGN.md's, scaled by how fast the store's recorded
    timings (this machine's, this model's) ran against them."""
    timed = [h for h in history if h.model_seconds]
    if len(timed) < MIN_HISTORY:
        return EngineRates(
            DEFAULT_PROMPT_TOKENS_PER_S,
            DEFAULT_GENERATION_TOKENS_PER_S,
            "DESIGN.md's measurements (the recorded dev run)",
        )
    default = EngineRates(DEFAULT_PROMPT_TOKENS_PER_S, DEFAULT_GENERATION_TOKENS_PER_S, "")
    expected = sum(default.seconds(h.prompt_tokens, h.completion_tokens) for h in timed)
    recorded = sum(h.model_seconds or 0.0 for h in timed)
    speed = expected / recorded
    return EngineRates(
        DEFAULT_PROMPT_TOKENS_PER_S * speed,
        DEFAULT_GENERATION_TOKENS_PER_S * speed,
        f"the store's {len(timed)} recorded timings",
    )


def _history(reader: StoreReader | None, summarizer: Summarizer) -> list[PastUsage]:
    if reader is None:
        return []
    return reader.usage_history(summarizer.prompt.hash, summarizer.endpoint.model, SCHEMA_VERSION)


class _Planner:
    """One document's requests, counted."""

    def __init__(
        self,
        summarizer: Summarizer,
        counter: TokenCounter,
        history: Sequence[PastUsage],
        cache: StoreReader | None,
    ) -> None:
        self.summarizer = summarizer
        self.counter = counter
        self.cache = cache
        self.remote = summarizer.endpoint.provider != "local"
        known = [h.completion_tokens for h in history]
        self.median_completion = statistics.median(known) if len(known) >= MIN_HISTORY else None
        self.completion_source = (
            f"the store's history: median of {len(known)} results with this prompt and model"
            if self.median_completion is not None
            else "the schema's bounds (no history in the store for this prompt and model)"
        )

    def estimate(self, item: Document | ReadError) -> DocumentEstimate:
        if isinstance(item, ReadError):
            return DocumentEstimate(id=item.source, source=item.source, error=str(item))
        try:
            planned = self.summarizer.planned_requests(item)
            key = self.summarizer.request_key(item).key
        except (PromptError, RequestLimitError) as exc:
            return DocumentEstimate(id=item.id, source=item.source, error=str(exc))
        windows = sum(not r.synopsis for r in planned)
        return DocumentEstimate(
            id=item.id,
            source=item.source,
            windows=windows,
            requests=len(planned),
            prompt_tokens=sum(self._prompt_tokens(r, windows) for r in planned),
            completion_tokens=round(sum(self._completion_tokens(r) for r in planned)),
            cached=self.cache is not None and self.cache.has_result(key),
        )

    def _prompt_tokens(self, request: PlannedRequest, windows: int) -> int:
        tokens = self.counter.count_messages(request.messages)
        if request.synopsis:
            tokens += windows * NOTE_TOKENS_PER_WINDOW
        if self.remote:
            # A remote provider reads the answer's schema too (the embedded engine turns it
            # into a grammar, unseen); how each counts it is not published: its JSON.
            tokens += self.counter.count_text(json.dumps(request.answer.model_json_schema()))
        return tokens

    def _completion_tokens(self, request: PlannedRequest) -> float:
        if self.median_completion is not None and not request.synopsis:
            return self.median_completion
        quote = self._quote_tokens(request.document)
        return bounds_tokens(request.answer.model_json_schema(), self.counter, quote)

    def _quote_tokens(self, document: Document) -> float:
        """A quote is one of the document's sentences: their mean length."""
        found = [s.text for s in sentences(document.body)]
        if not found:
            return UNBOUNDED_STRING_TOKENS
        return statistics.fmean(self.counter.count_text(s) for s in found)


def bounds_tokens(schema: dict[str, Any], counter: TokenCounter, quote_tokens: float) -> float:
    """The tokens of an answer half way within its JSON schema's bounds: strings half their
    maxLength, lists half way between minItems and maxItems, a quote a mean sentence."""
    definitions = schema.get("$defs", {})

    def tokens(node: dict[str, Any], name: str = "") -> float:
        if "$ref" in node:
            return tokens(definitions[node["$ref"].rsplit("/", 1)[-1]], name)
        options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
        if options:
            return tokens(options[0], name)
        kind = node.get("type")
        if kind == "object":
            properties = node.get("properties", {})
            keys = sum(counter.count_text(f'"{key}": ,') for key in properties)
            return 2 + keys + sum(tokens(p, key) for key, p in properties.items())
        if kind == "array":
            low = int(node.get("minItems", 0))
            high = int(node.get("maxItems", max(low, UNBOUNDED_ITEMS)))
            return 2 + (low + high) / 2 * (tokens(node.get("items", {}), name) + 1)
        if kind == "string":
            return 2 + _string_tokens(node, name, counter, quote_tokens)
        return 1 if kind in ("boolean", "null") else 2

    return tokens(schema)


def _string_tokens(
    node: dict[str, Any], name: str, counter: TokenCounter, quote_tokens: float
) -> float:
    if name == QUOTE_FIELD:
        limit = node.get("maxLength")
        return min(quote_tokens, limit / CHARS_PER_TOKEN) if limit else quote_tokens
    if "enum" in node:
        return statistics.fmean(counter.count_text(str(v)) for v in node["enum"])
    if "maxLength" in node:
        return float(node["maxLength"]) * STRING_FILL / CHARS_PER_TOKEN
    return UNBOUNDED_STRING_TOKENS


def _notes(settings: Settings) -> list[str]:
    if settings.validation_retries or settings.grounding_reasks:
        return ["re-asks (an answer that fails validation or grounding) are not counted"]
    return []
