from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from summarizer.extraction.models import (
    MAX_FACTS,
    MAX_NAMES,
    MAX_QUOTE_CHARS,
    MAX_STATEMENT_CHARS,
    MAX_SUMMARY_SENTENCES,
    MIN_FACTS,
    Extraction,
)

FACT = {"quote": "The council approved the budget", "statement": "The budget was approved."}
VALID: dict[str, Any] = {
    "headline": "Budget approved",
    "summary": ["The council approved the budget on Monday."],
    "facts": [FACT] * MIN_FACTS,
    "people": ["Dana Ortiz"],
    "organizations": ["Riverton city council"],
    "places": ["Riverton"],
}


def _with(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    data.update(changes)
    return data


def test_valid_extraction() -> None:
    extraction = Extraction.model_validate(VALID)
    assert extraction.facts[0].quote == FACT["quote"]
    assert Extraction.model_validate(_with(people=[], places=[])).names()["person"] == []


@pytest.mark.parametrize(
    "data",
    [
        _with(facts=[FACT] * (MAX_FACTS + 1)),
        _with(facts=[FACT] * (MIN_FACTS - 1)),
        _with(facts=[{**FACT, "quote": "   "}] * MIN_FACTS),
        _with(facts=[{**FACT, "statement": ""}] * MIN_FACTS),
        _with(facts=[{**FACT, "statement": "x" * (MAX_STATEMENT_CHARS + 1)}] * MIN_FACTS),
        _with(summary=[]),
        _with(summary=["  "]),
        _with(summary=["One."] * (MAX_SUMMARY_SENTENCES + 1)),
        _with(people=["A B"] * (MAX_NAMES + 1)),
        {k: v for k, v in VALID.items() if k != "headline"},
    ],
)
def test_invalid_extractions_are_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Extraction.model_validate(data)


def test_a_long_sentence_of_the_article_is_a_valid_quote() -> None:
    long_sentence = "word " * MAX_QUOTE_CHARS
    assert Extraction.model_validate(_with(facts=[{**FACT, "quote": long_sentence}] * 3))


def test_json_schema_bounds_what_the_grammar_lets_the_model_write() -> None:
    schema = Extraction.model_json_schema()
    facts = schema["properties"]["facts"]
    assert (facts["minItems"], facts["maxItems"]) == (MIN_FACTS, MAX_FACTS)
    fact = schema["$defs"]["ExtractedFact"]["properties"]
    assert list(fact) == ["quote", "statement"]  # the quote first: the model copies, then writes
    assert fact["quote"]["maxLength"] == MAX_QUOTE_CHARS
    assert schema["properties"]["summary"]["maxItems"] == MAX_SUMMARY_SENTENCES
    for names in ("people", "organizations", "places"):
        assert schema["properties"][names]["maxItems"] == MAX_NAMES
    # Every string is bounded: a model repeating itself meets a bound, not the token limit.
    strings = [fact["quote"], fact["statement"], schema["properties"]["headline"]]
    strings += [schema["properties"][k]["items"] for k in ("summary", "people", "places")]
    assert all("maxLength" in s for s in strings)
