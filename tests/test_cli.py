from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.extraction.models import DocumentResult
from summarizer.inputs.writing_systems import foreign_letters, scripts_of
from summarizer.testing import (
    ARTICLES,
    EXAMPLE_CASSETTES,
    ROOT,
    Reply,
    completion_with_content,
    error_body,
    example_stems,
    fully_grounded_example,
    recorded_completion,
    serve,
)

runner = CliRunner()
STEM = "002_f8c6bddbe5b99dbe"
ARTICLE = str(ARTICLES / f"{STEM}.txt")
CASSETTE = str(EXAMPLE_CASSETTES / f"{STEM}.yaml")


def _invoke(*args: str) -> Any:
    return runner.invoke(app, ["summarize", *args])


def _assert_evidence_points_at_quotes(result: dict[str, Any], text: str) -> None:
    located = 0
    for fact in result["facts"]:
        evidence = fact["evidence"]
        if evidence["status"] == "ungrounded":
            assert evidence["start"] is None and evidence["end"] is None
            continue
        located += 1
        span = text[evidence["start"] : evidence["end"]]
        assert span, fact
        if evidence["status"] == "exact":
            assert span in evidence["quote"]
    assert located >= 1


@pytest.mark.parametrize("stem", example_stems())
def test_replay_each_example_offline_as_json(stem: str) -> None:
    article = ARTICLES / f"{stem}.txt"
    outcome = _invoke(
        str(article), "--replay", str(EXAMPLE_CASSETTES / f"{stem}.yaml"), "--format", "json"
    )
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.stdout)
    DocumentResult.model_validate(result)
    assert result["model"] == "qwen2.5-coder-1.5b-instruct-q4_k_m"
    assert result["prompt"]["name"] == "default" and len(result["prompt"]["hash"]) == 16
    assert result["usage"]["completion_tokens"] > 0
    _assert_evidence_points_at_quotes(result, article.read_text(encoding="utf-8"))


@pytest.mark.parametrize("stem", example_stems())
def test_example_outputs_are_what_the_cassettes_replay(stem: str) -> None:
    outcome = _invoke(
        str(ARTICLES / f"{stem}.txt"),
        "--replay",
        str(EXAMPLE_CASSETTES / f"{stem}.yaml"),
        "-f",
        "json",
    )
    replayed = json.loads(outcome.stdout)
    stored = json.loads((ROOT / "examples" / "outputs" / f"{stem}.json").read_text())
    for result in (replayed, stored):
        result.pop("elapsed_s")  # wall time of the run, not of the replay
        result.pop("source")  # the path as given on the command line
    assert replayed == stored


@pytest.mark.parametrize("stem", example_stems())
def test_every_example_fact_has_a_verdict_and_only_the_articles_script(stem: str) -> None:
    text = (ARTICLES / f"{stem}.txt").read_text(encoding="utf-8")
    result = DocumentResult.model_validate_json(
        (ROOT / "examples" / "outputs" / f"{stem}.json").read_text()
    )
    assert sum(result.grounding.support.values()) == len(result.facts) >= 3
    for fact in result.facts:
        assert fact.evidence.support in ("supported", "partial", "unsupported")
        assert text[fact.evidence.start : fact.evidence.end] == fact.evidence.quote
    written = json.dumps(result.model_dump(exclude={"source"}), ensure_ascii=False)
    assert foreign_letters(written, scripts_of(text)) == ""


def test_markdown_lists_facts_with_quotes() -> None:
    outcome = _invoke(ARTICLE, "--replay", CASSETTE, "--format", "markdown")
    assert outcome.exit_code == 0
    assert outcome.stdout.startswith("# ")
    assert "## Facts (" in outcome.stdout and "\n   > " in outcome.stdout


def test_jsonl_is_the_default_when_piped_and_goes_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    outcome = _invoke(ARTICLE, "--replay", CASSETTE, "--output", str(out))
    assert outcome.exit_code == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["id"] == STEM


def test_bad_inputs_fail_alone_and_the_good_one_is_still_written(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    missing = tmp_path / "missing.txt"
    folder = tmp_path / "folder"  # read like batch reads it: its articles, here none
    folder.mkdir()
    outcome = _invoke(
        str(missing),
        str(folder),
        str(empty),
        str(binary),
        ARTICLE,
        "--replay",
        CASSETTE,
        "-f",
        "jsonl",
    )
    assert outcome.exit_code == 1
    lines = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert [line["status"] for line in lines] == ["failed"] * 4 + ["ok"]
    assert f"{missing}: no such file" in outcome.stderr
    assert (
        f"{folder}: no .txt, .md, .html, .pdf, .docx, .jsonl or .csv files in it" in outcome.stderr
    )
    assert f"{empty}: file is empty" in outcome.stderr
    assert f"{binary}: binary file" in outcome.stderr


def test_summarize_reads_a_table_of_documents_as_batch_does(tmp_path: Path) -> None:
    text = (ARTICLES / f"{STEM}.txt").read_text(encoding="utf-8")
    table = tmp_path / "rows.jsonl"
    rows = [{"id": STEM, "text": text}, {"id": "no-text"}]
    table.write_text("".join(json.dumps(row) + "\n" for row in rows))
    outcome = _invoke(str(table), "--replay", CASSETTE, "-f", "jsonl")
    assert outcome.exit_code == 1
    lines = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert [(line["id"], line["status"]) for line in lines] == [
        (STEM, "ok"),
        (f"{table}:2", "failed"),
    ]
    assert f"{table}:2: no 'text'" in outcome.stderr


def test_request_missing_from_the_cassette_fails_clearly() -> None:
    other = str(EXAMPLE_CASSETTES / "000_e5461a5ad9c76c4b.yaml")
    outcome = _invoke(ARTICLE, "--replay", other, "-f", "json")
    assert outcome.exit_code == 1
    assert f"request not recorded in {other}" in outcome.stderr


def test_usage_errors_exit_2() -> None:
    assert _invoke(ARTICLE, "--record", "a.yaml", "--replay", "b.yaml").exit_code == 2
    no_model = _invoke(ARTICLE, "--base-url", "http://127.0.0.1:1/v1")
    assert no_model.exit_code == 2 and "--model is required" in no_model.stderr
    assert _invoke(ARTICLE, "--prompt", "no-such-prompt").exit_code == 2
    assert _invoke(ARTICLE, "--format", "pdf").exit_code == 2


def test_unreachable_endpoint_names_it() -> None:
    outcome = _invoke(
        ARTICLE, "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--retries", "0"
    )
    assert outcome.exit_code == 1
    assert "http://127.0.0.1:9/v1: cannot connect" in outcome.stderr


def test_wrong_api_key_is_not_retried_and_is_reported() -> None:
    with serve([Reply(401, error_body("Incorrect API key provided", "invalid_api_key"))]) as (
        url,
        script,
    ):
        outcome = _invoke(
            ARTICLE, ARTICLE, "--base-url", url, "--model", "m", "--api-key", "sk-wrong"
        )
    assert outcome.exit_code == 1
    assert f"{url}: HTTP 401: Incorrect API key provided" in outcome.stderr
    assert len(script.requests) == 2  # one per document: never retried


def test_rate_limit_is_retried_after_the_requested_delay_then_succeeds() -> None:
    good = recorded_completion(STEM)
    replies = [
        Reply(429, error_body("slow down"), {"retry-after-ms": "50"}),
        Reply(503, error_body("busy")),
        Reply(200, good),
    ]
    with serve(replies) as (url, script):
        outcome = _invoke(ARTICLE, "--base-url", url, "--model", "m", "-f", "json")
    assert outcome.exit_code == 0, outcome.stderr
    assert len(script.requests) == 3
    assert "retry 1 in 0.1 s" in outcome.stderr or "retry 1 in 0.0 s" in outcome.stderr
    # Transport errors are never pasted into the prompt: every attempt sent the same body.
    assert script.requests[0]["body"] == script.requests[2]["body"]


def test_invalid_output_is_reasked_with_the_validation_error() -> None:
    good = recorded_completion(STEM)
    bad = completion_with_content(good, '{"headline": "only a headline"}')
    with serve([Reply(200, bad), Reply(200, good)]) as (url, script):
        outcome = _invoke(ARTICLE, "--base-url", url, "--model", "m", "-f", "json")
    assert outcome.exit_code == 0, outcome.stderr
    assert len(script.requests) == 2
    reask = script.requests[1]["body"]["messages"]
    assert len(reask) > len(script.requests[0]["body"]["messages"])
    assert "summary" in json.dumps(reask[-1])  # the missing field is named in the re-ask
    usage = json.loads(outcome.stdout)["usage"]
    assert (
        usage["completion_tokens"] == 2 * good["usage"]["completion_tokens"]
    )  # both attempts count


def test_python_dash_m_runs_the_cli() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "summarizer",
            "summarize",
            ARTICLE,
            "--replay",
            CASSETTE,
            "-f",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["id"] == STEM


def test_model_command_reports_status() -> None:
    outcome = runner.invoke(app, ["model"])
    assert outcome.exit_code == 0
    assert "qwen2.5-coder-1.5b-instruct-q4_k_m" in outcome.stdout
    assert "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046" in outcome.stdout


INVENTED = "The ministers agreed in Paris to double the aid budget before the end of the year."


def _with_invented_quote(completion: dict[str, Any]) -> dict[str, Any]:
    answer = json.loads(completion["choices"][0]["message"]["content"])
    answer["facts"][0]["quote"] = INVENTED
    return completion_with_content(completion, json.dumps(answer))


def test_invented_quote_is_reasked_once_with_the_reason() -> None:
    stem = fully_grounded_example()
    good = recorded_completion(stem)
    with serve([Reply(200, _with_invented_quote(good)), Reply(200, good)]) as (url, script):
        outcome = _invoke(
            str(ARTICLES / f"{stem}.txt"), "--base-url", url, "--model", "m", "-f", "json"
        )
    assert outcome.exit_code == 0, outcome.stderr
    assert len(script.requests) == 2
    reask = json.dumps(script.requests[1]["body"]["messages"][-1])
    assert "do not appear in the article" in reask and "double the aid budget" in reask
    result = json.loads(outcome.stdout)
    assert result["grounding"]["reasks"] == 1
    assert result["grounding"]["counts"]["ungrounded"] == 0


def test_still_invented_after_the_reask_is_kept_and_flagged() -> None:
    stem = fully_grounded_example()
    bad = _with_invented_quote(recorded_completion(stem))
    with serve([Reply(200, bad)]) as (url, script):
        outcome = _invoke(
            str(ARTICLES / f"{stem}.txt"), "--base-url", url, "--model", "m", "-f", "json"
        )
    assert outcome.exit_code == 0, outcome.stderr
    assert len(script.requests) == 2  # one re-ask, then accepted as it is
    result = json.loads(outcome.stdout)
    first = result["facts"][0]["evidence"]
    assert (first["quote"], first["status"], first["start"]) == (INVENTED, "ungrounded", None)
    assert result["grounding"]["reasks"] == 1 and result["grounding"]["rate"] < 1


def test_strict_drops_ungrounded_facts_and_says_so() -> None:
    stem = fully_grounded_example()
    good = recorded_completion(stem)
    facts_recorded = len(json.loads(good["choices"][0]["message"]["content"])["facts"])
    with serve([Reply(200, _with_invented_quote(good))]) as (url, script):
        outcome = _invoke(
            str(ARTICLES / f"{stem}.txt"),
            "--base-url",
            url,
            "--model",
            "m",
            "-f",
            "json",
            "--strict",
            "--grounding-reasks",
            "0",
        )
    assert outcome.exit_code == 0, outcome.stderr
    assert len(script.requests) == 1
    result = json.loads(outcome.stdout)
    assert len(result["facts"]) == facts_recorded - 1
    assert all(f["evidence"]["status"] != "ungrounded" for f in result["facts"])
    assert result["grounding"]["dropped"] == 1
    assert result["grounding"]["rate"] == round((facts_recorded - 1) / facts_recorded, 4)
    assert "dropped 1 fact(s) whose evidence is not in the source" in outcome.stderr


def test_answer_cut_at_the_token_limit_fails_clearly() -> None:
    cut = recorded_completion(STEM)
    cut["choices"][0]["finish_reason"] = "length"
    with serve([Reply(200, cut)]) as (url, _script):
        outcome = _invoke(ARTICLE, "--base-url", url, "--model", "m", "-f", "jsonl")
    assert outcome.exit_code == 1
    assert "cut off at the 1536-token output limit" in outcome.stderr
    assert json.loads(outcome.stdout)["status"] == "failed"


@pytest.mark.parametrize("command", ["summarize", "batch", "eval", "digest"])
def test_help_keeps_bracketed_text(command: str) -> None:
    """Rich reads "[env: X]" as a style tag and drops it unless escaped."""
    outcome = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert outcome.exit_code == 0
    assert "Model name, or provider/model [env: SUMMARIZER_MODEL]." in outcome.stdout
    assert "API key [env: OPENAI_API_KEY]." in outcome.stdout


@pytest.mark.parametrize("command", ["summarize", "batch", "eval", "digest"])
def test_record_and_replay_together_is_a_usage_error(command: str, tmp_path: Path) -> None:
    dataset = tmp_path / "data.jsonl"
    dataset.write_text('{"id": "a", "text": "Some text.", "references": ["Text."]}\n')
    inputs = {
        "summarize": ARTICLE,
        "batch": ARTICLE,
        "eval": str(dataset),
        "digest": str(ARTICLES),
    }[command]
    tapes = ["--record", str(tmp_path / "a.yaml"), "--replay", str(tmp_path / "b.yaml")]
    outcome = runner.invoke(app, [command, inputs, *tapes])
    assert outcome.exit_code == 2
    assert "--record and --replay cannot be used together" in outcome.stderr


def test_an_articles_template_syntax_reaches_the_model_verbatim(tmp_path: Path) -> None:
    """instructor renders messages as Jinja templates when given a context: ours gets none."""
    stem = fully_grounded_example()
    text = (ARTICLES / f"{stem}.txt").read_text(encoding="utf-8")
    braces = "Templates write {{ name }} and {% if x %} blocks {# like this #}."
    article = tmp_path / "braces.txt"
    article.write_text(f"{text}\n\n{braces}\n", encoding="utf-8")
    with serve([Reply(200, recorded_completion(stem))]) as (url, script):
        outcome = _invoke(str(article), "--base-url", url, "--model", "m", "-f", "json")
    assert outcome.exit_code == 0, outcome.stderr
    assert braces in script.requests[0]["body"]["messages"][-1]["content"]
