from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from summarizer.schemas import MAX_FACTS, MAX_QUOTE_CHARS, MIN_FACTS, Extraction

FACT = {
    "verbatim_quote": "The council approved the budget",
    "type": "event",
    "statement": "The council approved the budget.",
    "who": "the council",
    "what": "approved the budget",
    "when": None,
    "where": None,
    "attribution": "outlet",
    "attributed_to": None,
}
VALID: dict[str, Any] = {
    "headline": "Budget approved",
    "summary": "The council approved the budget.",
    "key_points": ["Budget approved", "Vote on Monday"],
    "facts": [FACT] * MIN_FACTS,
    "entities": [{"name": "Council", "type": "organization", "role": "approved the budget"}],
}


def _with(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    data.update(changes)
    return data


def test_valid_extraction() -> None:
    extraction = Extraction.model_validate(VALID)
    assert extraction.facts[0].attribution == "outlet"


@pytest.mark.parametrize(
    "data",
    [
        _with(facts=[FACT] * (MAX_FACTS + 1)),
        _with(facts=[FACT] * (MIN_FACTS - 1)),
        _with(facts=[{**FACT, "verbatim_quote": "   "}]),
        _with(facts=[{**FACT, "type": "rumour"}] * MIN_FACTS),
        _with(facts=[{**FACT, "attribution": "someone"}] * MIN_FACTS),
        _with(facts=[{**FACT, "verbatim_quote": "x" * (MAX_QUOTE_CHARS + 1)}] * MIN_FACTS),
        _with(entities=[{"name": "Paris", "type": "city", "role": "venue"}]),
        {k: v for k, v in VALID.items() if k != "headline"},
    ],
)
def test_invalid_extractions_are_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Extraction.model_validate(data)


def test_json_schema_bounds_what_the_grammar_lets_the_model_write() -> None:
    schema = Extraction.model_json_schema()
    facts = schema["properties"]["facts"]
    assert (facts["minItems"], facts["maxItems"]) == (MIN_FACTS, MAX_FACTS)
    assert (
        schema["$defs"]["ExtractedFact"]["properties"]["verbatim_quote"]["maxLength"]
        == MAX_QUOTE_CHARS
    )
