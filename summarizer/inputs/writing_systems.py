"""Keep the model's answer in the scripts its article is written in.

A small multilingual model drifts: the 1.5B model once ended an English quote with "屠杀"
("massacre"), which fuzzy grounding accepted at 99%. Two guards, one per kind of endpoint:

- a grammar: every string of the JSON schema gets a `pattern` that excludes the letters of
  the major scripts the article does not use, so llama.cpp (and any server that compiles
  patterns) cannot sample them at all;
- a validator for servers that ignore patterns: an answer with such letters is re-asked.

A letter's script is read off its Unicode name ("CJK UNIFIED IDEOGRAPH-5C60", "LATIN SMALL
LETTER A"); digits, punctuation and symbols belong to every script.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import cache
from typing import Any, TypeVar, cast

from pydantic import BaseModel, model_validator

M = TypeVar("M", bound=BaseModel)

# Code point ranges of the scripts a model may drift into. Letters of a script outside this
# table are still caught by the validator.
SCRIPT_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "CJK": (
        (0x2E80, 0x2FDF), (0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
        (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x20000, 0x2FA1F),
    ),
    "HIRAGANA": ((0x3040, 0x309F),),
    "KATAKANA": ((0x30A0, 0x30FF), (0x31F0, 0x31FF)),
    "HANGUL": ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF)),
    "CYRILLIC": ((0x0400, 0x052F),),
    "GREEK": ((0x0370, 0x03FF),),
    "ARMENIAN": ((0x0530, 0x058F),),
    "HEBREW": ((0x0590, 0x05FF),),
    "ARABIC": ((0x0600, 0x06FF), (0x0750, 0x077F)),
    "DEVANAGARI": ((0x0900, 0x097F),),
    "BENGALI": ((0x0980, 0x09FF),),
    "THAI": ((0x0E00, 0x0E7F),),
    "GEORGIAN": ((0x10A0, 0x10FF),),
}  # fmt: skip
# Written without spaces between words.
UNSPACED_SCRIPTS = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL"})
# Kana and Han are written together: an article in one may be answered in the others.
_WRITTEN_TOGETHER = {"CJK": {"HIRAGANA", "KATAKANA"}, "HIRAGANA": {"CJK", "KATAKANA"}}
_WRITTEN_TOGETHER["KATAKANA"] = _WRITTEN_TOGETHER["HIRAGANA"]
# Inside a JSON string without escapes: no quotation mark, backslash or control character.
_JSON_UNSAFE = '"\\\\\\x00-\\x1f'


_LATIN = frozenset({"LATIN"})
LANGUAGE_SCRIPTS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        [
            "english", "french", "german", "spanish", "italian", "portuguese", "dutch",
            "polish", "czech", "swedish", "danish", "norwegian", "finnish", "turkish",
            "romanian", "hungarian", "vietnamese", "indonesian", "malay", "swahili", "catalan",
        ],
        _LATIN,
    ),
    **dict.fromkeys(
        ["russian", "ukrainian", "bulgarian", "serbian", "belarusian"], frozenset({"CYRILLIC"})
    ),
    "greek": frozenset({"GREEK"}),
    **dict.fromkeys(["arabic", "persian", "farsi", "urdu"], frozenset({"ARABIC"})),
    "hebrew": frozenset({"HEBREW"}),
    "hindi": frozenset({"DEVANAGARI"}),
    "bengali": frozenset({"BENGALI"}),
    "thai": frozenset({"THAI"}),
    "chinese": frozenset({"CJK"}),
    "japanese": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    "korean": frozenset({"HANGUL", "CJK"}),
}  # fmt: skip


def language_scripts(language: str) -> frozenset[str] | None:
    """The scripts a language is written in, for the ones we know; None for the others."""
    return LANGUAGE_SCRIPTS.get(language.strip().lower())


@cache
def script_of(char: str) -> str | None:
    """The script of a letter ('LATIN', 'CJK', 'CYRILLIC', ...); None for anything else."""
    if not unicodedata.category(char).startswith("L"):
        return None
    name = unicodedata.name(char, "").split()
    if name[:1] in (["FULLWIDTH"], ["HALFWIDTH"]):
        name = name[1:]
    return name[0] if name else None


def scripts_of(text: str) -> frozenset[str]:
    """The scripts a text's letters are written in, with those usually written beside them."""
    found = {script for char in set(text) if (script := script_of(char))}
    for script in list(found):
        found |= _WRITTEN_TOGETHER.get(script, set())
    return frozenset(found)


def foreign_letters(value: str, allowed: frozenset[str]) -> str:
    """The letters of `value` written in none of the allowed scripts, once each."""
    return "".join(
        dict.fromkeys(c for c in value if (s := script_of(c)) is not None and s not in allowed)
    )


def string_pattern(allowed: frozenset[str], max_length: int | None) -> str:
    """A JSON-schema pattern for a string without the letters of scripts not allowed."""
    # The ranges as literal characters: llama.cpp's pattern parser knows no \u escapes.
    excluded = "".join(
        f"{chr(low)}-{chr(high)}"
        for script, ranges in SCRIPT_RANGES.items()
        if script not in allowed
        for low, high in ranges
    )
    repeat = f"{{0,{max_length}}}" if max_length is not None else "*"
    return f"^[^{_JSON_UNSAFE}{excluded}]{repeat}$"


def restrict_schema(schema: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    """The schema with a script-excluding pattern on each string (its maxLength folded in:
    llama.cpp compiles the pattern and ignores maxLength beside it)."""
    for node in _nodes(schema):
        if node.get("type") == "string" and "enum" not in node and "pattern" not in node:
            node["pattern"] = string_pattern(allowed, node.pop("maxLength", None))
    return schema


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _nodes(child)
    elif isinstance(value, list):
        for child in value:
            yield from _nodes(child)


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _strings(child, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _strings(child, f"{path}[{index}]")


def in_scripts(model: type[M], allowed: frozenset[str]) -> type[M]:
    """`model` whose answers may only use letters of the `allowed` scripts (scripts_of the
    source): the JSON schema says so to the grammar, validation re-asks otherwise."""
    return cast(type[M], _restricted(model, allowed))


@cache
def _restricted(model: type[BaseModel], allowed: frozenset[str]) -> type[BaseModel]:
    base_schema = model.model_json_schema.__func__  # type: ignore[attr-defined]

    def model_json_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        return restrict_schema(base_schema(cls, *args, **kwargs), allowed)

    def written_in_the_source_scripts(self: BaseModel) -> BaseModel:
        stray = [
            f"{path} has {letters!r}"
            for path, value in _strings(self.model_dump(mode="json"))
            if (letters := foreign_letters(value, allowed))
        ]
        if stray:
            raise ValueError(
                f"{'; '.join(stray)}: letters of a script the article does not use. "
                "Write in the article's language and script only."
            )
        return self

    # Named as the model: instructor names the schema and the tool after the class, and
    # validation errors (sent back to the model) after its title.
    namespace = {
        "__module__": model.__module__,
        "__qualname__": model.__qualname__,
        "model_json_schema": classmethod(model_json_schema),
        "written_in_the_source_scripts": model_validator(mode="after")(
            written_in_the_source_scripts
        ),
    }
    return type(model.__name__, (model,), namespace)
