"""What to extract: the built-in news facts, or the items of a user's own schema.

A user's schema says what one item holds ("drug, dosage, route, frequency, duration"), in one
of three forms:

- a pydantic model, `module:Class` or `path/to/file.py:Class`;
- a JSON Schema file (`.json`): an object with flat properties, or an array of them;
- a short inline syntax in the spirit of llm's: `'drug, dose int, route: how it is given'`,
  names separated by commas or new lines, each with an optional type (str, int, float, bool)
  and an optional description after a colon;
- or a name: a prompt set folder that holds a `schema.json` beside its templates (or none, to
  use the items prompt), like the built-in `news` schema with its `default` prompt set.

The tool adds the evidence itself: every item carries a `quote`, a sentence of the source
chosen by the grammar, which is located and support-checked like a news fact's (the item's
values stand for the fact's statement). The schema's hash joins the prompt's in the result's
provenance and in the store key.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import GenericAlias, UnionType
from typing import Annotated, Any, ClassVar, Literal, Self, Union, cast, get_args, get_origin

from annotated_types import Len
from pydantic import (
    BaseModel,
    Field,
    PydanticUserError,
    StringConstraints,
    create_model,
    field_validator,
    model_validator,
)

from summarizer.errors import SchemaError
from summarizer.extraction.models import (
    MAX_STATEMENT_CHARS,
    Extraction,
    GroundedAnswer,
    QuotedItem,
    quote_field,
)
from summarizer.extraction.prompting import TEMPLATE_FILES, builtin_prompts_dir

NEWS = "news"
# A named schema: a prompt set folder holding this file (and, if it likes, its own templates).
SCHEMA_FILE = "schema.json"
# Items one answer may hold: enough for a note's medications or a contract's clauses, bounded
# so that a model that repeats itself stops at the bound.
MAX_ITEMS = 8
MAX_VALUE_CHARS = 200
MAX_LIST_VALUES = 8
# The tool's own fields: a user's schema may not define them.
RESERVED_FIELDS = frozenset({"quote", "id", "type", "evidence", "fields"})
INLINE_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}
JSON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
}
_IMPORT_SPEC = re.compile(r"^(?P<module>[\w./\\-]+?):(?P<name>[A-Za-z_]\w*)$")
_INLINE_FIELD = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?:\s+(?P<type>\w+))?\s*(?::\s*(?P<doc>.*))?$")


@dataclass(frozen=True)
class ExtractionSchema:
    """What one answer extracts: `answer`, the model the LLM fills in, whose `facts` are the
    items; `prompt`, the prompt set written for it."""

    name: str
    answer: type[GroundedAnswer]
    hash: str
    prompt: str

    @property
    def is_news(self) -> bool:
        return self.answer is Extraction

    @property
    def item(self) -> type[QuotedItem]:
        annotation = self.answer.model_fields["facts"].annotation
        return cast(type[QuotedItem], annotation.__args__[0])  # type: ignore[union-attr]

    def item_fields(self) -> list[FieldDescription]:
        """The item's fields as the prompt describes them, the quote left out."""
        properties = self.item_json_schema()["properties"]
        return [
            FieldDescription(name, _json_type_name(properties[name]), info.description or "")
            for name, info in self.item.model_fields.items()
            if name != "quote"
        ]

    def item_json_schema(self) -> dict[str, Any]:
        """What a user writes for one item, as a JSON Schema: the start of a schema file."""
        schema = self.item.model_json_schema()
        schema["properties"].pop("quote", None)
        schema["required"] = [name for name in schema.get("required", []) if name != "quote"]
        return schema


@dataclass(frozen=True)
class FieldDescription:
    name: str
    type: str
    description: str


def news_schema() -> ExtractionSchema:
    return ExtractionSchema(NEWS, Extraction, schema_hash(Extraction), "default")


def load_schema(spec: str | None, prompts_dir: Path | None = None) -> ExtractionSchema:
    """The schema `spec` names: None or "news" for the built-in one; a named schema (a
    prompt set folder, in `prompts_dir` or built in, holding a `schema.json`); else a user's,
    in any of the three forms. Raises SchemaError before any model call."""
    if spec is None or spec.strip() == NEWS:
        return news_schema()
    spec = spec.strip()
    user_model: type[BaseModel] | None = None
    prompt = "items"
    if (folder := named_schema_folder(spec, prompts_dir)) is not None:
        fields, _title = _json_schema_fields(folder / SCHEMA_FILE)
        name = spec
        prompt = spec if (folder / TEMPLATE_FILES[0]).is_file() else prompt
    elif spec.endswith(".json") or Path(spec).suffix == ".json":
        fields, name = _json_schema_fields(Path(spec))
    elif (match := _IMPORT_SPEC.match(spec)) and " " not in spec:
        user_model = _import_model(match["module"], match["name"], spec)
        fields, name = _model_fields(user_model)
    else:
        fields, name = _inline_fields(spec), "item"
    try:
        answer = _answer_model(name, fields, user_model)
        return ExtractionSchema(name, answer, schema_hash(answer), prompt)
    except (TypeError, ValueError, PydanticUserError) as exc:  # what pydantic cannot express
        raise SchemaError(f"schema {spec!r}: {exc}") from None


def schema_file(spec: str | None, prompts_dir: Path | None = None) -> Path | None:
    """The file a schema is read from, if it is read from one the user names: a JSON
    Schema, or a pydantic model's `.py` file."""
    if spec is None or spec.strip() == NEWS or named_schema_folder(spec.strip(), prompts_dir):
        return None
    spec = spec.strip()
    if spec.endswith(".json") or Path(spec).suffix == ".json":
        return Path(spec)
    if (match := _IMPORT_SPEC.match(spec)) and " " not in spec and match["module"].endswith(".py"):
        return Path(match["module"])
    return None


def named_schema_folder(name: str, prompts_dir: Path | None = None) -> Path | None:
    """The folder of the named schema `name`: yours (in `prompts_dir`) before a built-in."""
    if not re.fullmatch(r"[\w-]+", name):
        return None
    roots = [r for r in (prompts_dir, builtin_prompts_dir()) if r is not None]
    return next((r / name for r in roots if (r / name / SCHEMA_FILE).is_file()), None)


def named_schemas(prompts_dir: Path | None = None) -> dict[str, Path | None]:
    """Every named schema and its folder (None: the built-in news schema, in the code)."""
    found: dict[str, Path | None] = {NEWS: None}
    for root in (r for r in (builtin_prompts_dir(), prompts_dir) if r is not None and r.is_dir()):
        found.update({f.parent.name: f.parent for f in sorted(root.glob(f"*/{SCHEMA_FILE}"))})
    return found


def schema_hash(answer: type[BaseModel]) -> str:
    """What the model is asked to fill in, hashed: its JSON schema, canonical."""
    canonical = json.dumps(answer.model_json_schema(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


# ---- the three forms ----------------------------------------------------------------------

FieldSpec = tuple[Any, Any]  # annotation, FieldInfo


def _inline_fields(spec: str) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for part in (p.strip() for p in re.split(r"[,\n]", spec)):
        if not part:
            continue
        match = _INLINE_FIELD.match(part)
        if match is None:
            raise SchemaError(
                f"schema {spec!r}: cannot read {part!r} (write 'name [type][: text]')"
            )
        kind = (match["type"] or "str").lower()
        if kind not in INLINE_TYPES:
            known = ", ".join(INLINE_TYPES)
            raise SchemaError(f"schema {spec!r}: {part!r} has type {kind!r}; known: {known}")
        _add_field(fields, match["name"], INLINE_TYPES[kind], match["doc"] or "", spec)
    if not fields:
        raise SchemaError(f"schema {spec!r}: no fields")
    return fields


def _json_schema_fields(path: Path) -> tuple[dict[str, FieldSpec], str]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaError(f"schema {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError(f"schema {path}: not JSON ({exc})") from None
    if isinstance(schema, dict) and schema.get("type") == "array":
        schema = schema.get("items")
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        raise SchemaError(f"schema {path}: not a JSON Schema of an object with properties")
    required = set(schema.get("required", []))
    fields: dict[str, FieldSpec] = {}
    for name, prop in schema["properties"].items():
        where = f"schema {path}: property {name!r}"
        kind = _json_type(prop, where)
        # As declared: a required property of one type may not be null, one outside
        # "required" may be left out.
        _add_field(
            fields,
            name,
            kind,
            prop.get("description", ""),
            str(path),
            nullable=_admits_null(prop),
            optional=name not in required,
        )
    if not fields:
        raise SchemaError(f"schema {path}: no properties")
    return fields, str(schema.get("title") or path.stem)


def _admits_null(prop: dict[str, Any]) -> bool:
    options = prop.get("anyOf", [prop])
    return any(isinstance(o, dict) and o.get("type") == "null" for o in options)


def _json_type(prop: object, where: str) -> Any:
    if not isinstance(prop, dict):
        raise SchemaError(f"{where}: not an object")
    if isinstance(prop.get("anyOf"), list):  # nullable, as pydantic writes it: null is implied
        options = [
            o for o in prop["anyOf"] if not (isinstance(o, dict) and o.get("type") == "null")
        ]
        if len(options) != 1:
            raise SchemaError(f"{where}: anyOf is supported only for one type or null")
        return _json_type(options[0], where)
    if isinstance(prop.get("enum"), list) and all(isinstance(v, str) for v in prop["enum"]):
        return Literal[tuple(prop["enum"])]
    kind = prop.get("type")
    if kind in JSON_TYPES:
        return JSON_TYPES[kind]
    items = prop.get("items")
    if kind == "array" and isinstance(items, dict) and items.get("type") in JSON_TYPES:
        return GenericAlias(list, (JSON_TYPES[items["type"]],))
    raise SchemaError(
        f"{where}: type {kind!r} is not supported (an item's fields are strings, numbers, "
        "booleans, enums or lists of them: one quote grounds the whole item)"
    )


def _import_model(module: str, name: str, spec: str) -> type[BaseModel]:
    try:
        if module.endswith(".py"):
            loaded = _load_file(Path(module))
        else:
            loaded = importlib.import_module(module)
    except SchemaError:
        raise
    # The user's module may fail in any way, sys.exit() included, which would otherwise end
    # the command with its status and no word: say which module and why. Ctrl-C still stops.
    except (Exception, SystemExit) as exc:
        raise SchemaError(f"schema {spec!r}: cannot import {module}: {_failure(exc)}") from None
    model = getattr(loaded, name, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise SchemaError(f"schema {spec!r}: {module} has no pydantic model {name!r}")
    return model


def _failure(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r})"
    return str(exc) or type(exc).__name__


def _load_file(path: Path) -> object:
    if not path.is_file():
        raise SchemaError(f"schema {path}: no such file")
    module_name = (
        f"summarizer_user_schema_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]}"
    )
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise SchemaError(f"schema {path}: cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # pydantic resolves the model's annotations through it
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]  # not half a module left behind
        raise
    return module


def _model_fields(model: type[BaseModel]) -> tuple[dict[str, FieldSpec], str]:
    fields: dict[str, FieldSpec] = {}
    for name, info in model.model_fields.items():
        if name in RESERVED_FIELDS:
            raise SchemaError(f"schema {model.__name__}: field {name!r} is the tool's own")
        fields[name] = (_bounded(info.annotation), info)
    if not fields:
        raise SchemaError(f"schema {model.__name__}: no fields")
    return fields, model.__name__


def _add_field(
    fields: dict[str, FieldSpec],
    name: str,
    kind: Any,
    description: str,
    spec: str,
    nullable: bool = True,
    optional: bool = False,
) -> None:
    """A field written in every answer: a value, or null where the text does not say (when
    `nullable`), so that the model decides and a missing value is an explicit null. Bounded,
    so that the grammar bounds a model that repeats itself."""
    if name in RESERVED_FIELDS:
        raise SchemaError(f"schema {spec!r}: field {name!r} is the tool's own (the evidence)")
    if name in fields:
        raise SchemaError(f"schema {spec!r}: field {name!r} twice")
    kind = _bounded(kind)
    info = Field(description=description or None)
    if optional:  # as a JSON Schema's property outside "required": may be left out
        info = Field(None, description=description or None)
    fields[name] = (kind | None if nullable or optional else kind, info)


def _bounded(kind: Any) -> Any:
    if isinstance(kind, UnionType):
        return Union[tuple(_bounded(k) for k in get_args(kind))]  # noqa: UP007 (built at run time)
    if kind is str:
        return Annotated[str, StringConstraints(max_length=MAX_VALUE_CHARS)]
    if get_origin(kind) is list:
        (inner,) = get_args(kind)
        return Annotated[GenericAlias(list, (_bounded(inner),)), Len(0, MAX_LIST_VALUES)]
    return kind


# ---- the model the LLM fills in ------------------------------------------------------------


class UserItem(QuotedItem):
    """An item of a user's schema: its values, then its quote. Asked for first, the quote
    was the wrong sentence more often: the 1.5B model chose a sentence before it knew what
    it was extracting (on the medication notes)."""

    # The user's own pydantic model, whose validators the values must also pass.
    user_model: ClassVar[type[BaseModel] | None] = None

    def claim(self) -> str:
        """The item's values in a row: what its quote must support."""
        values = (self.fields() or {}).values()
        return ", ".join(_flat(v) for v in values if v not in (None, "", []))[:MAX_STATEMENT_CHARS]

    def fields(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"quote"})

    @field_validator("quote", check_fields=False)
    @classmethod
    def quote_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @model_validator(mode="after")
    def valid_for_the_user_model(self) -> Self:
        if self.user_model is not None:
            self.user_model.model_validate(self.fields())  # its errors re-ask the model
        return self


class UserAnswer(GroundedAnswer):
    """The answer for a user's schema: a headline, a summary and the items."""

    item_kind: ClassVar[str | None] = "item"


def _answer_model(
    name: str, fields: dict[str, FieldSpec], user_model: type[BaseModel] | None
) -> type[GroundedAnswer]:
    """One class per schema, for the run (a class per document would never be freed)."""
    item_name = _class_name(name)
    item = create_model(  # type: ignore[call-overload]
        item_name, __base__=UserItem, **fields, quote=(str, quote_field())
    )
    item.user_model = user_model
    answer = create_model(
        f"{item_name}Answer",
        __base__=UserAnswer,
        facts=(list[item], Field(min_length=1, max_length=MAX_ITEMS)),  # type: ignore[valid-type]
    )
    answer.item_definition = item_name
    answer.item_kind = _kind_name(name)
    return cast(type[GroundedAnswer], answer)


def _class_name(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name) or ["Item"]
    joined = "".join(w[:1].upper() + w[1:] for w in words)
    return joined if joined[0].isalpha() else f"Item{joined}"


def _kind_name(name: str) -> str:
    """ "MedicationMention" -> "medication_mention": the items' type in the output."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", _class_name(name))
    return snake.lower()


def _json_type_name(prop: dict[str, Any]) -> str:
    """A property's JSON type as the prompt says it: "string or null", "one of 'a', 'b'"."""
    if "anyOf" in prop:
        return " or ".join(_json_type_name(option) for option in prop["anyOf"])
    if "enum" in prop:
        return "one of " + ", ".join(json.dumps(v, ensure_ascii=False) for v in prop["enum"])
    if prop.get("type") == "array":
        return f"list of {_json_type_name(prop.get('items', {}))}"
    return str(prop.get("type", "any"))


def _flat(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_flat(v) for v in value)
    return str(value)
