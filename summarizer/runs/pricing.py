"""Token prices per model, from a small editable table (USD per million tokens)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from summarizer.errors import PriceError
from summarizer.extraction.models import Usage

logger = logging.getLogger(__name__)

BUILTIN_PRICES = Path(__file__).with_name("prices.json")


@dataclass(frozen=True)
class Price:
    input_per_million: float
    output_per_million: float
    # A provider's Batch API (OpenAI's: half the price); None: not known, the live price.
    batch_input_per_million: float | None = None
    batch_output_per_million: float | None = None

    def cost(self, usage: Usage, batch: bool = False) -> float:
        live = (self.input_per_million, self.output_per_million)
        rates = (self.batch_rates if batch else None) or live
        return (usage.prompt_tokens * rates[0] + usage.completion_tokens * rates[1]) / 1_000_000

    @property
    def batch_rates(self) -> tuple[float, float] | None:
        if self.batch_input_per_million is None or self.batch_output_per_million is None:
            return None
        return self.batch_input_per_million, self.batch_output_per_million


@dataclass
class PriceTable:
    prices: dict[str, Price]
    free: bool = False  # the embedded engine: every model costs nothing
    _warned: set[str] = field(default_factory=set)

    def cost(self, model: str, usage: Usage, batch: bool = False) -> float | None:
        """What `usage` cost on `model`, live or through the provider's Batch API."""
        if self.free:
            return 0.0
        price = self.prices.get(model) or self._by_prefix(model)
        if price is None:
            self._warn_once(model, "no price for model %r: its cost is not counted", model)
            return None
        if batch and price.batch_rates is None:
            message = "no batch price for %r: counted at its live price"
            self._warn_once(f"{model}\0batch", message, model)
        return price.cost(usage, batch)

    def _warn_once(self, key: str, message: str, model: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            logger.warning(message, model)

    def _by_prefix(self, model: str) -> Price | None:
        """Dated snapshots ("gpt-4o-mini-2024-07-18") cost what their base model costs."""
        matches = [name for name in self.prices if model.startswith(name + "-")]
        return self.prices[max(matches, key=len)] if matches else None


def load_prices(path: Path | None = None, free: bool = False) -> PriceTable:
    source = path or BUILTIN_PRICES
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
        prices = {name: _price(entry) for name, entry in raw.items() if not name.startswith("_")}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PriceError(f"{source}: not a price table ({exc})") from None
    return PriceTable(prices, free=free)


def _price(entry: dict[str, object]) -> Price:
    batch = [entry.get(f"batch_{side}") for side in ("input", "output")]
    return Price(
        float(entry["input"]),  # type: ignore[arg-type]
        float(entry["output"]),  # type: ignore[arg-type]
        None if batch[0] is None else float(batch[0]),  # type: ignore[arg-type]
        None if batch[1] is None else float(batch[1]),  # type: ignore[arg-type]
    )
