"""The example articles of the source checkout and what the embedded engine recorded for them.

Paths are those of the checkout this package sits in (`examples/`, `cassettes/`, and the
`shared/` folder beside it), so they serve tests, benchmarks and scripts run from a clone.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "examples" / "articles"
EXAMPLE_OUTPUTS = ROOT / "examples" / "outputs"
CASSETTES = ROOT / "cassettes"
EXAMPLE_CASSETTES = CASSETTES / "examples"
SHARED = ROOT.parent / "shared"


def example_stems() -> list[str]:
    return sorted(p.stem for p in EXAMPLE_CASSETTES.glob("*.yaml"))


def recorded_completion(stem: str) -> dict[str, Any]:
    """The chat completion body the embedded engine really returned for an example article."""
    return copy.deepcopy(_recorded_completion(stem))  # callers may change their copy


@functools.cache
def _recorded_completion(stem: str) -> dict[str, Any]:
    import yaml

    tape = yaml.safe_load((EXAMPLE_CASSETTES / f"{stem}.yaml").read_text())
    body: dict[str, Any] = json.loads(tape["interactions"][-1]["response"]["body"]["string"])
    return body


@functools.cache
def fully_grounded_example() -> str:
    """An example whose recorded answer has every quote located, without a re-ask."""
    for stem in example_stems():
        result = json.loads((EXAMPLE_OUTPUTS / f"{stem}.json").read_text())
        if result["grounding"]["counts"]["ungrounded"] == 0 and result["grounding"]["reasks"] == 0:
            return stem
    raise AssertionError("no fully grounded example recorded")


def example_article(stem: str) -> str:
    return (ARTICLES / f"{stem}.txt").read_text(encoding="utf-8")
