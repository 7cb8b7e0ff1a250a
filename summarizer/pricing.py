"""Token prices per model, from a small editable table (USD per million tokens)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from summarizer.errors import UsageError
from summarizer.schemas import Usage

logger = logging.getLogger(__name__)

BUILTIN_PRICES = Path(__file__).with_name("prices.json")


class PriceError(UsageError, ValueError):
    """A price table that cannot be read."""


@dataclass(frozen=True)
class Price:
    input_per_million: float
    output_per_million: float

    def cost(self, usage: Usage) -> float:
        return (
            usage.prompt_tokens * self.input_per_million
            + usage.completion_tokens * self.output_per_million
        ) / 1_000_000


@dataclass
class PriceTable:
    prices: dict[str, Price]
    free: bool = False  # the embedded engine: every model costs nothing
    _warned: set[str] = field(default_factory=set)

    def cost(self, model: str, usage: Usage) -> float | None:
        if self.free:
            return 0.0
        price = self.prices.get(model) or self._by_prefix(model)
        if price is None:
            if model not in self._warned:
                self._warned.add(model)
                logger.warning("no price for model %r: its cost is not counted", model)
            return None
        return price.cost(usage)

    def _by_prefix(self, model: str) -> Price | None:
        """Dated snapshots ("gpt-4o-mini-2024-07-18") cost what their base model costs."""
        matches = [name for name in self.prices if model.startswith(name + "-")]
        return self.prices[max(matches, key=len)] if matches else None


def load_prices(path: Path | None = None, free: bool = False) -> PriceTable:
    source = path or BUILTIN_PRICES
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
        prices = {
            name: Price(float(entry["input"]), float(entry["output"]))
            for name, entry in raw.items()
            if not name.startswith("_")
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PriceError(f"{source}: not a price table ({exc})") from None
    return PriceTable(prices, free=free)
