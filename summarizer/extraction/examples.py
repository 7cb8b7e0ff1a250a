"""Few-shot examples (`--examples FILE`): texts with the extraction expected from each.

One JSON object per line: `{"text": "...", "extractions": [{"quote": "...", <fields>}]}`.
Each extraction must fit the schema, and its quote must stand in the example's own text (as
langextract checks its examples): an example whose quote is not in its text teaches the
model to invent quotes. A bad example is refused with its line number, before any call.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from summarizer.errors import ExampleError
from summarizer.extraction.schemas import ExtractionSchema

# Whether a quote stands in a text, exactly or but for case, spacing and quote marks: the
# evidence stage's locator (summarizer.evidence.grounding.stands_in), handed in by the
# pipeline so that what is asked does not depend on how answers are checked.
QuoteTest = Callable[[str, str], bool]


@dataclass(frozen=True)
class Example:
    text: str
    answer: str  # the expected items as the model writes them: {"facts": [...]}


def load_examples(path: Path, schema: ExtractionSchema, stands_in: QuoteTest) -> list[Example]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ExampleError(f"examples {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ExampleError(f"examples {path}: not UTF-8 text") from None
    examples = [
        _example(line, schema, stands_in, f"examples {path} line {number}")
        for number, line in enumerate(lines, 1)
        if line.strip()
    ]
    if not examples:
        raise ExampleError(f"examples {path}: no examples")
    return examples


def examples_hash(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.text}\0{example.answer}\0".encode())
    return digest.hexdigest()[:16]


def _example(line: str, schema: ExtractionSchema, stands_in: QuoteTest, where: str) -> Example:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ExampleError(f"{where}: not JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ExampleError(f"{where}: not a JSON object")
    text, extractions = value.get("text"), value.get("extractions")
    if not isinstance(text, str) or not text.strip():
        raise ExampleError(f'{where}: no "text"')
    if not isinstance(extractions, list) or not extractions:
        raise ExampleError(f'{where}: no "extractions" (a list of objects)')
    items = []
    for index, extraction in enumerate(extractions):
        if not isinstance(extraction, dict):
            raise ExampleError(f"{where}: extractions[{index}] is not an object")
        try:
            item = schema.item.model_validate(_with_nulls(extraction, schema))
        except ValidationError as exc:
            problem = "; ".join(_error(e) for e in exc.errors())
            raise ExampleError(f"{where}: extractions[{index}]: {problem}") from None
        if not stands_in(text, item.quote):
            raise ExampleError(
                f"{where}: extractions[{index}].quote {item.quote!r} is not in the example's text"
            )
        items.append(item.model_dump(mode="json"))
    return Example(text=text, answer=json.dumps({"facts": items}, ensure_ascii=False))


def _with_nulls(extraction: dict[str, Any], schema: ExtractionSchema) -> dict[str, Any]:
    """The extraction with null for the values it leaves out that may be null: an example
    names what the text gives, as an answer does with nulls."""
    absent = {
        name: None
        for name, info in schema.item.model_fields.items()
        if name not in extraction and _nullable(info.annotation)
    }
    return {**extraction, **absent}


def _nullable(annotation: Any) -> bool:
    return annotation is None or type(None) in get_args(annotation)


def _error(error: object) -> str:
    details = error if isinstance(error, dict) else {}
    place = ".".join(str(part) for part in details.get("loc", ())) or "value"
    return f"{place}: {details.get('msg', 'invalid')}"
