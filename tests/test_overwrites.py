"""Nothing a command writes replaces what it reads.

The output of every command (`summarize`, `batch`, `digest`, `eval`, `logs`), the store, a
cassette to record and the --save-text folder are checked before anything runs against every
file the command reads (documents, a folder's files, a glob's matches, tables, URL lists, and
the files the settings name), under any name: the same path, the path spelled otherwise, a
symlink, a hard link. A refusal is one line and exit status 2, and every file is as it was.
Outputs are written whole or not at all, through a hidden temporary file renamed over them.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.runs.store import Store
from summarizer.testing import ARTICLES, Reply, fully_grounded_example, recorded_completion, serve
from summarizer.writers.files import PARTIAL_SUFFIX, output_stream

runner = CliRunner()
# Nothing listens here: a command that reached the model would fail with status 1, not 2.
NOWHERE = "http://127.0.0.1:9/v1"
MODEL = ["--base-url", NOWHERE, "--model", "m"]


@pytest.fixture(scope="module")
def article_text() -> str:
    return (ARTICLES / f"{fully_grounded_example()}.txt").read_text(encoding="utf-8")


@pytest.fixture
def work(tmp_path: Path, article_text: str) -> Path:
    """A folder of every kind of input: a text, a folder of files, tables, a URL list, and
    an evaluation dataset."""
    (tmp_path / "article.txt").write_text(article_text, encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(f"{article_text}\nRef a.\n", encoding="utf-8")
    (corpus / "b.md").write_text(f"{article_text}\nRef b.\n", encoding="utf-8")
    row = {"id": "r1", "text": article_text}
    (tmp_path / "table.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    (tmp_path / "table.csv").write_text('id,text\nr1,"Talks resumed."\n', encoding="utf-8")
    (tmp_path / "pages.urls").write_text(f"{NOWHERE}/page\n", encoding="utf-8")
    dataset = {"id": "1", "text": article_text, "references": ["Talks resumed."]}
    (tmp_path / "set.jsonl").write_text(json.dumps(dataset) + "\n", encoding="utf-8")
    return tmp_path


def _spelled_otherwise(file: Path) -> Path:
    return file.parent / ".." / file.parent.name / "." / file.name


def _symlink(file: Path) -> Path:
    link = file.parent / f"link-to-{file.name}"
    link.symlink_to(file.name)
    return link


def _hard_link(file: Path) -> Path:
    link = file.parent / f"hard-link-{file.name}"
    os.link(file, link)
    return link


ALIASES: dict[str, Callable[[Path], Path]] = {
    "same-path": lambda file: file,
    "spelled-otherwise": _spelled_otherwise,
    "symlink": _symlink,
    "hard-link": _hard_link,
}


def _contents(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _refused(args: list[str], folder: Path) -> str:
    """The one line a refused command prints; every file of `folder` as it was."""
    before = _contents(folder)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("summarizer: error: ")
    assert _contents(folder) == before
    assert not [p for p in folder.rglob("*") if p.name.endswith(PARTIAL_SUFFIX)]
    return line.removeprefix("summarizer: error: ")


def _command(command: str, inputs: list[str], store: Path, *extra: str) -> list[str]:
    """`command` over `inputs`, with its own store for those that keep one."""
    stored = ["--store", str(store)] if command != "summarize" else []
    return [command, *inputs, *MODEL, *stored, *extra]


DOCUMENT_COMMANDS = ["summarize", "batch", "digest"]


# ---- the output ---------------------------------------------------------------------------


@pytest.mark.parametrize("alias", ALIASES)
@pytest.mark.parametrize("command", DOCUMENT_COMMANDS)
def test_an_output_that_is_the_input_under_any_name_is_refused(
    command: str, alias: str, work: Path
) -> None:
    article = work / "article.txt"
    target = ALIASES[alias](article)
    args = _command(command, [str(article)], work / "s.db", "-o", str(target))
    assert _refused(args, work) == (
        f"output {target}: is the same file as the input {article}; choose another output"
    )


INPUT_KINDS: dict[str, tuple[str, str]] = {
    # the input as given, and the file of it that the output names
    "text": ("article.txt", "article.txt"),
    "jsonl-table": ("table.jsonl", "table.jsonl"),
    "csv-table": ("table.csv", "table.csv"),
    "url-list": ("pages.urls", "pages.urls"),
    "folder": ("corpus", "corpus/a.txt"),
    "glob": ("corpus/*.md", "corpus/b.md"),
}


@pytest.mark.parametrize("kind", INPUT_KINDS)
@pytest.mark.parametrize("command", DOCUMENT_COMMANDS)
def test_every_kind_of_input_is_protected(command: str, kind: str, work: Path) -> None:
    given, file = INPUT_KINDS[kind]
    target = work / file
    args = _command(command, [str(work / "article.txt"), str(work / given)], work / "s.db")
    message = _refused([*args, "-o", str(target)], work)
    assert message == (
        f"output {target}: is the same file as the input {target}; choose another output"
    )


def _named_file(work: Path, name: str, text: str) -> Path:
    path = work / name
    path.write_text(text, encoding="utf-8")
    return path


NAMED_FILES: dict[str, tuple[str, str, str, str]] = {
    # the option naming the file, its name, what it holds, and how the message names it
    "examples": ("--examples", "examples.jsonl", '{"text": "x", "extractions": []}\n', "examples file"),
    "replay": ("--replay", "tape.yaml", "interactions: []\n", "cassette"),
    "py-schema": ("--schema", "meds.py", "from pydantic import BaseModel\n", "schema"),
    "json-schema": ("--schema", "meds.json", '{"properties": {"drug": {"type": "string"}}}', "schema"),
    "model-file": ("--model-path", "model.gguf", "GGUF", "model file"),
}  # fmt: skip


@pytest.mark.parametrize("named", NAMED_FILES)
def test_an_output_over_a_file_the_settings_name_is_refused(named: str, work: Path) -> None:
    option, name, text, role = NAMED_FILES[named]
    path = _named_file(work, name, text)
    value = f"{path}:Medication" if name.endswith(".py") else str(path)
    model = ["--model-path", str(path)] if option == "--model-path" else MODEL
    args = ["summarize", str(work / "article.txt"), *model]
    if option != "--model-path":
        args += [option, value]
    target = _symlink(path)
    assert _refused([*args, "-o", str(target)], work) == (
        f"output {target}: is the same file as the {role} {path}; choose another output"
    )


def test_batch_protects_its_price_table(work: Path) -> None:
    prices = _named_file(work, "prices.json", "{}")
    args = _command("batch", [str(work / "article.txt")], work / "s.db", "--prices", str(prices))
    assert _refused([*args, "-o", str(prices)], work) == (
        f"output {prices}: is the same file as the price table {prices}; choose another output"
    )


@pytest.mark.parametrize("alias", ALIASES)
def test_eval_protects_its_dataset(alias: str, work: Path) -> None:
    dataset = work / "set.jsonl"
    target = ALIASES[alias](dataset)
    args = ["eval", str(dataset), *MODEL, "--store", str(work / "s.db"), "-o", str(target)]
    assert _refused(args, work) == (
        f"output {target}: is the same file as the dataset {dataset}; choose another output"
    )


@pytest.mark.parametrize("alias", ALIASES)
def test_logs_protects_the_store_it_reads(alias: str, work: Path) -> None:
    store = work / "store.sqlite3"
    Store(store).close()
    target = ALIASES[alias](store)
    for export in (["-f", "csv"], ["-f", "jsonl"], []):
        args = ["logs", "--store", str(store), *export, "-o", str(target)]
        assert _refused(args, work) == (
            f"output {target}: is the same file as the store {store}; choose another output"
        )


# ---- the store and a cassette to record -------------------------------------------------------


@pytest.mark.parametrize("alias", ALIASES)
@pytest.mark.parametrize("command", DOCUMENT_COMMANDS)
def test_a_store_that_is_an_input_is_refused(command: str, alias: str, work: Path) -> None:
    article = work / "article.txt"
    store = ALIASES[alias](article)
    args = [command, str(article), *MODEL, "--store", str(store)]
    assert _refused(args, work) == (
        f"store {store}: is the same file as the input {article}; choose another store"
    )


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("command", [*DOCUMENT_COMMANDS, "eval"])
def test_an_output_that_is_the_store_is_refused(command: str, existing: bool, work: Path) -> None:
    store = work / "s.db"
    if existing:
        Store(store).close()
    given = work / ("set.jsonl" if command == "eval" else "article.txt")
    args = [command, str(given), *MODEL, "--store", str(store), "-o", str(store)]
    assert _refused(args, work) == (
        f"output {store}: is the same file as the store {store}; choose another output"
    )
    assert store.exists() == existing


@pytest.mark.parametrize("command", DOCUMENT_COMMANDS)
def test_a_cassette_to_record_over_an_input_is_refused(command: str, work: Path) -> None:
    article = work / "article.txt"
    args = _command(command, [str(article)], work / "s.db", "--record", str(article))
    assert _refused(args, work) == (
        f"cassette {article}: is the same file as the input {article}; choose another cassette"
    )


# ---- --save-text ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["summarize", "batch"])
def test_a_save_text_folder_that_is_or_lies_in_an_input_folder_is_refused(
    command: str, work: Path
) -> None:
    corpus = work / "corpus"
    for folder in (corpus, corpus / "texts", _symlink(corpus)):
        args = _command(command, [str(corpus)], work / "s.db", "--save-text", str(folder))
        assert _refused(args, work) == (
            f"--save-text {folder}: is inside the input folder {corpus}, whose files are all "
            "read: the texts would join the inputs; choose another folder"
        )


@pytest.mark.parametrize("given", ["article.txt", "corpus/*.txt"])
@pytest.mark.parametrize("command", ["summarize", "batch"])
def test_a_save_text_folder_that_would_write_over_an_input_is_refused(
    command: str, given: str, work: Path
) -> None:
    file = work / ("article.txt" if given == "article.txt" else "corpus/a.txt")
    folder = file.parent
    args = _command(command, [str(work / given)], work / "s.db", "--save-text", str(folder))
    assert _refused(args, work) == (
        f"--save-text {folder}: {file} would replace the input {file}; choose another folder"
    )


def test_a_save_text_folder_that_is_an_input_file_is_refused(work: Path) -> None:
    article = work / "article.txt"
    args = ["summarize", str(article), *MODEL, "--save-text", str(article)]
    assert _refused(args, work) == (
        f"--save-text {article}: is the input {article}, not a folder; choose another"
    )


# ---- what is allowed, and how it is written -------------------------------------------------


@pytest.fixture(scope="module")
def completion() -> dict[str, Any]:
    return recorded_completion(fully_grounded_example())


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_row_whose_text_would_replace_an_input_fails_alone(
    completion: dict[str, Any], work: Path
) -> None:
    """An id decided by a table's row, which no check before the run can know: that row
    fails, its text unwritten; the other documents are summarized and their texts kept."""
    row = {"id": "corpus/a", "text": (work / "article.txt").read_text(encoding="utf-8")}
    rows = _named_file(work, "rows.jsonl", json.dumps(row) + "\n")
    protected = (work / "corpus" / "a.txt").read_bytes()
    out = work / "out.jsonl"
    with serve([Reply(200, completion)]) as (url, _script):
        args = ["summarize", str(rows), str(work / "corpus"), "--base-url", url, "--model", "m"]
        result = runner.invoke(app, [*args, "--save-text", str(work), "-o", str(out)])
    assert result.exit_code == 1, result.output
    records = {r["id"]: r for r in _records(out)}
    row_failure = records[f"{rows}:1"]  # named by its line, as any row that cannot be read
    assert row_failure["status"] == "failed"
    assert row_failure["error"] == (
        f"--save-text: {work / 'corpus' / 'a.txt'} would replace the input "
        f"{work / 'corpus' / 'a.txt'}"
    )
    assert records["a"]["status"] == records["b"]["status"] == "ok"
    assert (work / "corpus" / "a.txt").read_bytes() == protected
    assert (work / "a.txt").read_bytes() == protected  # the folder's own a.txt, as read


def test_a_previous_output_is_replaced_whole_keeping_its_permissions(
    completion: dict[str, Any], work: Path, umask_022: None
) -> None:
    private, new = work / "private.jsonl", work / "new.jsonl"
    private.write_text("the previous output\n")
    private.chmod(0o600)
    with serve([Reply(200, completion)]) as (url, _script):
        for out in (private, new):
            args = ["summarize", str(work / "article.txt"), "--base-url", url, "--model", "m"]
            result = runner.invoke(app, [*args, "-f", "jsonl", "-o", str(out)])
            assert result.exit_code == 0, result.output
            assert [r["status"] for r in _records(out)] == ["ok"]
    assert stat.S_IMODE(private.stat().st_mode) == 0o600  # a private output stays private
    assert stat.S_IMODE(new.stat().st_mode) == 0o644  # a new one as the umask makes files
    assert not [p for p in work.rglob("*") if p.name.endswith(PARTIAL_SUFFIX)]


def test_an_output_beside_its_inputs_and_texts_saved_elsewhere_are_allowed(
    completion: dict[str, Any], work: Path, article_text: str
) -> None:
    out, texts = work / "corpus.jsonl", work / "texts"
    with serve([Reply(200, completion)]) as (url, _script):
        args = ["batch", str(work / "corpus"), "--base-url", url, "--model", "m", "-q"]
        args += ["--store", str(work / "s.db"), "--save-text", str(texts), "-o", str(out)]
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(r["id"] for r in _records(out)) == ["a", "b"]
    assert (texts / "a.txt").read_text(encoding="utf-8") == f"{article_text}\nRef a.\n"


def test_an_output_interrupted_leaves_the_previous_one_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out.json"
    out.write_text("the previous output\n")
    with pytest.raises(KeyboardInterrupt), output_stream(out) as stream:
        stream.write("half of a new ")
        (partial,) = [p for p in tmp_path.iterdir() if p != out]
        assert partial.name.startswith(".out.json.") and partial.name.endswith(PARTIAL_SUFFIX)
        raise KeyboardInterrupt
    assert out.read_text() == "the previous output\n"
    assert list(tmp_path.iterdir()) == [out]
