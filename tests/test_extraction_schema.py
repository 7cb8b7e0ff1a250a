"""User-defined extraction: the three schema forms, few-shot examples, the store key, and bad
input refused before any model call."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import ExampleError, SchemaError
from summarizer.evidence.facts import annotate
from summarizer.evidence.grounding import locate_all, stands_in
from summarizer.extraction.examples import load_examples
from summarizer.extraction.models import Extraction, SupportVerdict
from summarizer.extraction.schemas import MAX_ITEMS, load_schema
from summarizer.inputs.documents import Document
from summarizer.pipeline import Summarizer
from summarizer.settings import Settings
from summarizer.testing import ROOT

MEDICATIONS = ROOT / "examples" / "medications"
SCHEMA_FILE = f"{MEDICATIONS / 'schema.py'}:Medication"
EXAMPLES = MEDICATIONS / "examples.jsonl"
NOTE = "He was given ibuprofen 400 mg PO every 6 hours for up to 3 days. Rest was advised."
# Nothing listens here: a command that reached the model would fail with a transport error
# (exit 1), not a usage error (exit 2).
NOWHERE = "http://127.0.0.1:9/v1"
runner = CliRunner()


def properties(spec: str) -> dict[str, Any]:
    schema = load_schema(spec)
    definition = schema.answer.model_json_schema()["$defs"][schema.answer.item_definition]
    return definition["properties"]


# ---- the three forms ----------------------------------------------------------------------


def test_inline_fields_with_types_and_descriptions() -> None:
    schema = load_schema("drug, dose int: milligrams\nroute, as_needed bool")
    fields = {f.name: f for f in schema.item_fields()}
    assert list(fields) == ["drug", "dose", "route", "as_needed"]
    assert fields["dose"].description == "milligrams"
    props = properties("drug, dose int: milligrams\nroute, as_needed bool")
    assert list(props) == ["drug", "dose", "route", "as_needed", "quote"]  # quote last
    assert {"type": "integer"} in props["dose"]["anyOf"]
    assert {"type": "boolean"} in props["as_needed"]["anyOf"]
    assert schema.answer.model_fields["facts"].metadata[-1].max_length == MAX_ITEMS
    assert schema.prompt == "items" and not schema.is_news


def test_a_json_schema_file(tmp_path: Path) -> None:
    path = tmp_path / "clause.json"
    path.write_text(
        json.dumps(
            {
                "title": "Contract clause",
                "type": "object",
                "properties": {
                    "party": {"type": "string", "description": "Who is bound"},
                    "kind": {"enum": ["payment", "termination", "liability"]},
                    "days": {"type": "integer"},
                    "parties": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["party", "kind"],
            }
        )
    )
    schema = load_schema(str(path))
    assert schema.name == "Contract clause" and schema.answer.item_kind == "contract_clause"
    item = schema.item.model_validate({"party": "Acme", "kind": "payment", "quote": "Acme pays."})
    assert item.fields() == {"party": "Acme", "kind": "payment", "days": None, "parties": None}
    with pytest.raises(ValidationError):
        schema.item.model_validate({"party": "Acme", "kind": "bribe", "quote": "x"})


def test_a_pydantic_model_by_file_and_by_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_file = load_schema(SCHEMA_FILE)
    assert by_file.name == "Medication" and by_file.answer.item_kind == "medication"
    module = tmp_path / "my_schemas.py"
    module.write_text((MEDICATIONS / "schema.py").read_text())
    monkeypatch.syspath_prepend(str(tmp_path))
    by_module = load_schema("my_schemas:Medication")
    assert by_module.hash == by_file.hash  # the same fields: the same schema
    sys.modules.pop("my_schemas", None)


def test_the_user_models_validators_apply(tmp_path: Path) -> None:
    path = tmp_path / "checked.py"
    path.write_text(
        "from pydantic import BaseModel, field_validator\n"
        "class Dose(BaseModel):\n"
        "    drug: str\n"
        "    @field_validator('drug')\n"
        "    @classmethod\n"
        "    def capitalized(cls, v: str) -> str:\n"
        "        if not v[:1].isupper():\n"
        "            raise ValueError('write the drug capitalized')\n"
        "        return v\n"
    )
    item = load_schema(f"{path}:Dose").item
    assert item.model_validate({"drug": "Ibuprofen", "quote": "q"}).fields() == {
        "drug": "Ibuprofen"
    }
    with pytest.raises(ValidationError, match="capitalized"):
        item.model_validate({"drug": "ibuprofen", "quote": "q"})


def test_news_is_the_built_in_schema() -> None:
    assert load_schema(None).answer is Extraction
    assert load_schema("news").is_news and load_schema("news").prompt == "default"


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("drug, dose decimal", "has type 'decimal'"),
        ("drug, drug", "field 'drug' twice"),
        ("drug, quote", "field 'quote' is the tool's own"),
        ("drug; dose", "cannot read"),
        ("no_such_module_here:Thing", "cannot import no_such_module_here"),
        (f"{MEDICATIONS / 'schema.py'}:Nothing", "has no pydantic model 'Nothing'"),
        ("missing.json", "missing.json"),
    ],
)
def test_a_bad_schema_is_named(spec: str, problem: str) -> None:
    with pytest.raises(SchemaError, match=problem.replace("(", r"\(")):
        load_schema(spec)


# A schema module's top level that ends its import, and what the message says of it.
FAILING_IMPORTS = {
    "sys.exit(0)": ("import sys\nsys.exit(0)\n", "it called sys.exit(0)"),
    "sys.exit(3)": ("import sys\nsys.exit(3)\n", "it called sys.exit(3)"),
    "sys.exit(text)": ("import sys\nsys.exit('bye')\n", "it called sys.exit('bye')"),
    "raise SystemExit": ("raise SystemExit\n", "it called sys.exit(None)"),
    "an error": ("x = 1 / 0\n", "division by zero"),
    "an error without a message": ("raise RuntimeError()\n", "RuntimeError"),
    "a syntax error": ("class Medication(:\n", "invalid syntax"),
}
FAILING_MODEL = "from pydantic import BaseModel\nclass Dose(BaseModel):\n    drug: str\n"


def _failing_module(folder: Path, name: str, top_level: str) -> Path:
    path = folder / f"{name}.py"
    path.write_text(FAILING_MODEL + top_level)
    return path


@pytest.mark.parametrize("case", FAILING_IMPORTS)
def test_a_schema_whose_import_fails_or_exits_is_a_bad_schema(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top_level, told = FAILING_IMPORTS[case]
    path = _failing_module(tmp_path, "exits_on_import", top_level)
    with pytest.raises(SchemaError) as by_file:
        load_schema(f"{path}:Dose")
    assert str(by_file.value).startswith(f"schema '{path}:Dose': cannot import {path}: ")
    assert told in str(by_file.value)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(SchemaError, match=f"cannot import exits_on_import: .*{re.escape(told)}"):
        load_schema("exits_on_import:Dose")
    assert "exits_on_import" not in sys.modules


@pytest.mark.parametrize("command", ["summarize", "batch", "digest", "eval", "schemas"])
def test_a_schema_that_exits_on_import_stops_every_command_with_status_2(
    command: str, tmp_path: Path
) -> None:
    schema = _failing_module(tmp_path, "quits", "import sys\nsys.exit(0)\n")
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    if command == "schemas":
        args = ["schemas", f"{schema}:Dose"]
    else:
        target = str(note)
        if command == "eval":
            target = str(tmp_path / "set.jsonl")
            line = json.dumps({"id": "1", "text": NOTE, "references": ["x"]})
            Path(target).write_text(line + "\n")
        extra = ["--store", str(tmp_path / "s.sqlite3")] if command != "summarize" else []
        args = [command, target, "--base-url", NOWHERE, "--model", "m"]
        args += ["--schema", f"{schema}:Dose", *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"summarizer: error: schema '{schema}:Dose': cannot import {schema}: it called sys.exit(0)"
    ]
    assert result.stdout == ""


def test_a_nested_json_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nested.json"
    path.write_text(json.dumps({"properties": {"dose": {"type": "object"}}}))
    with pytest.raises(SchemaError, match="property 'dose': type 'object' is not supported"):
        load_schema(str(path))


# ---- grounding a user's items ---------------------------------------------------------------


def test_items_are_located_and_checked_like_facts() -> None:
    schema = load_schema(SCHEMA_FILE)
    answer = schema.answer.model_validate(
        {
            "headline": "Ankle sprain",
            "summary": ["A sprain."],
            "facts": [
                {
                    "drug": "ibuprofen",
                    "dosage": "400 mg",
                    "route": "PO",
                    "frequency": "every 6 hours",
                    "duration": "up to 3 days",
                    "quote": NOTE.split(" Rest")[0],
                },
                {
                    "drug": "aspirin",
                    "dosage": "75 mg",
                    "route": None,
                    "frequency": None,
                    "duration": None,
                    "quote": "Rest was advised.",
                },
            ],
        }
    )
    evidence = locate_all(NOTE, [item.quote for item in answer.facts])
    good, invented = annotate(answer, evidence, NOTE).facts
    assert good.type == "medication" and good.fields is not None
    assert good.fields["dosage"] == "400 mg" and good.statement.startswith("ibuprofen, 400 mg")
    assert good.evidence.support == SupportVerdict.SUPPORTED
    assert NOTE[good.evidence.start : good.evidence.end] == good.evidence.quote
    assert invented.evidence.support == SupportVerdict.UNSUPPORTED
    assert "aspirin" in invented.evidence.missing_words


# ---- few-shot examples --------------------------------------------------------------------


def test_examples_load_and_go_into_the_prompt() -> None:
    schema = load_schema(SCHEMA_FILE)
    examples = load_examples(EXAMPLES, schema, stands_in)
    assert len(examples) == 2
    assert json.loads(examples[1].answer)["facts"][1]["drug"] == "Metformin"
    settings = Settings(extraction_schema=SCHEMA_FILE, base_url=NOWHERE, model="m")
    without = Summarizer(settings)
    with_examples = Summarizer(Settings(**{**settings.__dict__, "examples": EXAMPLES}))
    system = with_examples.prompt.render(Document("n", "n", NOTE))[0]["content"]
    assert isinstance(system, str) and "Cefazolin" in system and '"dosage"' in system
    assert with_examples.prompt.hash != without.prompt.hash
    # Counted in tokens: the room left for the text shrinks by the examples' length.
    assert with_examples.window_tokens < without.window_tokens


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"text": "Took 5 mg of X.", "extractions": []}', 'no "extractions"'),
        ("not json", "not JSON"),
        (
            '{"text": "Took 5 mg of X.", "extractions": [{"drug": "X", "quote": "Took 9 mg of X."}]}',
            "extractions\\[0\\].quote 'Took 9 mg of X.' is not in the example's text",
        ),
        (
            '{"text": "Took 5 mg of X.", "extractions": [{"dosage": "5 mg", "quote": "Took 5 mg of X."}]}',
            "extractions\\[0\\]: drug: Field required",
        ),
        (
            '{"text": "Took 5 mg of X.", "extractions": [{"drug": "X", "dosage": 5, "quote": "Took 5 mg of X."}]}',
            "extractions\\[0\\]: dosage: Input should be a valid string",
        ),
    ],
)
def test_a_bad_example_is_refused_with_its_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "examples.jsonl"
    good = EXAMPLES.read_text().splitlines()[0]
    path.write_text(f"{good}\n\n{line}\n")
    with pytest.raises(ExampleError, match=f"line 3: {problem}"):
        load_examples(path, load_schema(SCHEMA_FILE), stands_in)


# ---- the store key and the CLI -----------------------------------------------------------


def test_the_store_key_changes_with_the_schema() -> None:
    document = Document("note", "note.txt", NOTE)

    def key(**values: Any) -> str:
        return Summarizer(Settings(base_url=NOWHERE, model="m", **values)).request_key(document).key

    news = key()
    assert key(extraction_schema="news") == news
    medication = key(extraction_schema=SCHEMA_FILE)
    fewer_fields = key(extraction_schema="drug, dosage")
    typed = key(extraction_schema="drug, dosage int")
    assert len({news, medication, fewer_fields, typed}) == 4
    assert key(extraction_schema=SCHEMA_FILE, examples=EXAMPLES) != medication
    assert key(extraction_schema="drug, dosage") == fewer_fields  # and stable


def test_the_schema_is_in_the_request_keys_params() -> None:
    run = Summarizer(Settings(base_url=NOWHERE, model="m", extraction_schema=SCHEMA_FILE))
    params = json.loads(run.request_key(Document("n", "n", NOTE)).params)
    assert params["schema"] == run.schema.hash


@pytest.mark.parametrize("command", ["summarize", "batch", "digest", "eval"])
def test_a_bad_schema_stops_every_command_before_any_call(command: str, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    target = str(note)
    if command == "eval":
        target = str(tmp_path / "set.jsonl")
        Path(target).write_text(json.dumps({"id": "1", "text": NOTE, "references": ["x"]}) + "\n")
    extra = ["--store", str(tmp_path / "s.sqlite3")] if command != "summarize" else []
    result = runner.invoke(
        app,
        [
            command,
            target,
            "--base-url",
            NOWHERE,
            "--model",
            "m",
            "--schema",
            "drug, dose decimal",
            *extra,
        ],
    )
    assert result.exit_code == 2, result.output
    assert "schema 'drug, dose decimal': 'dose decimal' has type 'decimal'" in result.stderr


def test_a_bad_example_stops_the_command_before_any_call(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    examples = tmp_path / "examples.jsonl"
    examples.write_text(
        '{"text": "Took 5 mg of X.", "extractions": [{"drug": "Y", "quote": "Z"}]}\n'
    )
    result = runner.invoke(
        app,
        ["summarize", str(note), "--base-url", NOWHERE, "--model", "m", "--schema", SCHEMA_FILE,
         "--examples", str(examples)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert f"examples {examples} line 1: extractions[0].quote 'Z'" in result.stderr


# ---- named schemas, and the schemas command -----------------------------------------------


def test_a_named_schema_is_a_prompt_set_folder_with_a_schema_json(tmp_path: Path) -> None:
    folder = tmp_path / "meds"
    folder.mkdir()
    (folder / "schema.json").write_text(
        json.dumps({"properties": {"drug": {"type": "string"}}, "required": ["drug"]})
    )
    named = load_schema("meds", tmp_path)
    assert (named.name, named.prompt, named.answer.item_kind) == ("meds", "items", "meds")
    run = Summarizer(
        Settings(base_url=NOWHERE, model="m", extraction_schema="meds", prompts_dir=tmp_path)
    )
    assert run.prompt.name == "items"  # the built-in items prompt: the folder has none
    for template in ("system.j2", "user.j2"):
        (folder / template).write_text("Extract {{ schema_name }}: {{ text }}")
    run = Summarizer(
        Settings(base_url=NOWHERE, model="m", extraction_schema="meds", prompts_dir=tmp_path)
    )
    assert run.prompt.name == "meds"
    assert run.prompt.render(Document("n", "n", NOTE))[0]["content"] == f"Extract meds: {NOTE}"
    # Not among the built-in ones: without the folder, the name is one inline field.
    assert [f.name for f in load_schema("meds").item_fields()] == ["meds"]


def test_the_schemas_command_lists_them_and_prints_one_to_copy(tmp_path: Path) -> None:
    (tmp_path / "meds").mkdir()
    (tmp_path / "meds" / "schema.json").write_text(
        json.dumps({"properties": {"drug": {"type": "string"}}})
    )
    listed = runner.invoke(app, ["schemas", "--prompts-dir", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    assert "news" in listed.stdout and "meds" in listed.stdout and "statement" in listed.stdout
    printed = runner.invoke(app, ["schemas", SCHEMA_FILE])
    assert printed.exit_code == 0, printed.output
    copy = tmp_path / "medication.json"
    copy.write_text(printed.stdout)
    assert "quote" not in json.loads(printed.stdout)["properties"]
    # Printed and read back, it is the same schema: the same hash, the same store keys.
    assert load_schema(str(copy)).hash == load_schema(SCHEMA_FILE).hash
    bad = runner.invoke(app, ["schemas", "drug, dose decimal"])
    assert bad.exit_code == 2 and "has type 'decimal'" in bad.stderr


def test_news_examples_take_the_place_of_the_prompts_own(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    text = "The mayor opened the new library on Monday. It cost $3 million."
    example = {"quote": "It cost $3 million.", "statement": "The library cost $3 million."}
    path.write_text(json.dumps({"text": text, "extractions": [example]}) + "\n")
    settings = Settings(base_url=NOWHERE, model="m")
    plain = Summarizer(settings)
    shown = Summarizer(Settings(**{**settings.__dict__, "examples": path}))
    document = Document("n", "n", NOTE)
    system = shown.prompt.render(document)[0]["content"]
    assert isinstance(system, str) and "The library cost $3 million." in system
    assert "Riverton" not in system and "Riverton" in str(plain.prompt.render(document)[0])
    assert shown.request_key(document).key != plain.request_key(document).key
