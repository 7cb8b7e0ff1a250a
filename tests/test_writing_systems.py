"""The model answers in its article's scripts: the grammar excludes other scripts' letters,
and validation re-asks servers that ignore the pattern."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import ValidationError

from summarizer.digest.summary import DigestDraft
from summarizer.extraction.models import MAX_QUOTE_CHARS, Extraction
from summarizer.inputs.writing_systems import (
    foreign_letters,
    in_scripts,
    restrict_schema,
    scripts_of,
    string_pattern,
)

ENGLISH = "The negotiations began with Hamas’s October 7, 2023 massacre — in Cairo, “café” talks."
# The 1.5B model's recorded slip: an English quote ending in "屠杀" ("massacre").
SLIP = (
    "The negotiations, taking place in Cairo under Egyptian and Qatari mediation, represent "
    "the most serious diplomatic attempt yet to bring an end to the conflict that began with "
    "Hamas’s October 7, 2023屠杀"
)


def _answer(quote: str) -> dict[str, object]:
    return {
        "headline": "Talks in Cairo",
        "summary": ["Talks began in Cairo."],
        "facts": [{"quote": quote, "statement": "Talks began."}] * 3,
        "places": ["Cairo"],
    }


def test_scripts_of_a_text() -> None:
    assert scripts_of(ENGLISH) == {"LATIN"}
    assert scripts_of("Москва, 2024") == {"CYRILLIC"}
    assert scripts_of("東京で会議が開かれた") == {"CJK", "HIRAGANA", "KATAKANA"}
    assert scripts_of("१२३ 2024 !") == frozenset()  # digits and punctuation: every script's


def test_foreign_letters() -> None:
    latin = scripts_of(ENGLISH)
    assert foreign_letters(SLIP, latin) == "屠杀"
    assert foreign_letters("Ｃafé — “naïve” Ærø", latin) == ""  # fullwidth Latin is Latin
    assert foreign_letters("Путин said", latin) == "Путин"


def test_the_slip_is_re_asked_with_a_message_naming_the_field() -> None:
    model = in_scripts(Extraction, scripts_of(ENGLISH))
    with pytest.raises(ValidationError, match=r"for Extraction\n.*facts\[0\]\.quote has '屠杀'"):
        model.model_validate(_answer(SLIP))
    assert model.model_validate(_answer(SLIP.removesuffix("屠杀") + " massacre"))


def test_an_article_in_chinese_is_answered_in_chinese() -> None:
    model = in_scripts(Extraction, scripts_of("谈判在开罗举行。"))
    chinese = {
        "headline": "开罗谈判",
        "summary": ["谈判在开罗举行。"],
        "facts": [{"quote": "谈判在开罗举行", "statement": "谈判举行"}] * 3,
        "places": ["开罗"],
    }
    assert model.model_validate(chinese)
    with pytest.raises(ValidationError, match=r"places\[0\] has 'Cairo'"):
        model.model_validate({**chinese, "places": ["Cairo"]})


def test_the_schema_tells_the_grammar_which_letters_are_excluded() -> None:
    model = in_scripts(Extraction, scripts_of(ENGLISH))
    schema = model.model_json_schema()
    assert model.__name__ == "Extraction"  # instructor names the schema after the class
    quote = schema["$defs"]["ExtractedFact"]["properties"]["quote"]
    assert "maxLength" not in quote  # folded into the pattern, which llama.cpp compiles
    pattern = re.compile(quote["pattern"])
    assert pattern.fullmatch(SLIP.removesuffix("屠杀"))
    assert not pattern.fullmatch(SLIP)
    assert not pattern.fullmatch('a "plain" quote')  # no escapes in a grammar-made string
    assert not pattern.fullmatch("x" * (MAX_QUOTE_CHARS + 1))
    summary = schema["properties"]["summary"]["items"]
    assert summary["pattern"] == quote["pattern"].replace(str(MAX_QUOTE_CHARS), "300")
    # The unrestricted model is untouched.
    assert "pattern" not in json.dumps(Extraction.model_json_schema())


def test_the_same_scripts_give_the_same_class_and_any_model_can_be_restricted() -> None:
    latin = scripts_of(ENGLISH)
    assert in_scripts(Extraction, latin) is in_scripts(Extraction, scripts_of("Other words."))
    draft = in_scripts(DigestDraft, latin).model_json_schema()
    assert "pattern" in draft["properties"]["headline"]


def test_patterns_exclude_only_scripts_not_in_use() -> None:
    cyrillic_article = string_pattern(frozenset({"CYRILLIC", "LATIN"}), 10)
    assert re.fullmatch(cyrillic_article, "Москва")
    assert not re.fullmatch(cyrillic_article, "東京")
    schema = restrict_schema(
        {"type": "object", "properties": {"kind": {"type": "string", "enum": ["a", "b"]}}},
        frozenset({"LATIN"}),
    )
    assert "pattern" not in schema["properties"]["kind"]  # an enum is already closed


def test_a_summary_language_adds_its_script_and_an_unknown_one_lifts_the_restriction() -> None:
    from summarizer.inputs.documents import Document
    from summarizer.inputs.writing_systems import language_scripts
    from summarizer.pipeline import Summarizer
    from summarizer.settings import Settings

    assert language_scripts(" English ") == {"LATIN"}
    assert language_scripts("Japanese") == {"CJK", "HIRAGANA", "KATAKANA"}
    assert language_scripts("Klingon") is None
    chinese = Document(id="d", source="d", text="谈判在开罗举行。双方同意停火。")
    base = {"base_url": "http://127.0.0.1:9/v1", "model": "m"}
    in_english = Summarizer(Settings.from_env({}, **base, language="English"))
    model = in_english.response_model(chinese)
    answer = {
        "headline": "Talks in Cairo",
        "summary": ["Talks were held in Cairo."],
        "facts": [{"quote": "谈判在开罗举行", "statement": "谈判举行"}] * 3,
    }
    assert model.model_validate(answer)
    with pytest.raises(ValidationError, match="Москва"):
        model.model_validate({**answer, "places": ["Москва"]})
    unknown = Summarizer(Settings.from_env({}, **base, language="Klingon"))
    assert unknown.response_model(chinese) is Extraction
