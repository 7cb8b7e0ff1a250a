"""The Anthropic SDK path (--model anthropic/...): transport retries, re-asks and their usage,
error messages and scrubbing, against a loopback server speaking the Messages API; and the
cassette recorded on the embedded engine's /v1/messages, replayed end to end offline."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from pydantic import BaseModel
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import LLMError, MissingExtraError
from summarizer.extraction.models import DocumentResult, Usage
from summarizer.inputs.documents import read_path
from summarizer.llm.client import Completion, LLMClient
from summarizer.llm.limits import estimate_tokens
from summarizer.llm.model_store import MODEL_NAME
from summarizer.llm.providers import select_endpoint
from summarizer.llm.recording import cassette
from summarizer.llm.sdks import response_usage
from summarizer.pipeline import Summarizer
from summarizer.settings import RetryPolicy, Settings
from summarizer.testing import ARTICLES, ROOT, Reply, recorded_completion, serve

KEY = "sk-ant-test-0123456789"
CASSETTE = ROOT / "cassettes" / "providers" / "anthropic.yaml"
STEM = "002_f8c6bddbe5b99dbe"


class Person(BaseModel):
    name: str
    age: int


def message(text: str, input_tokens: int = 100, output_tokens: int = 10) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def anthropic_error(kind: str, text: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": text}}


def extract(url: str, mode: str = "json_schema") -> Completion[Person]:
    settings = Settings(
        model="anthropic/claude-test",
        base_url=url,
        api_key=KEY,
        structured_mode=mode,  # type: ignore[arg-type]
        retry=RetryPolicy(attempts=3, initial_wait_s=0.01, max_wait_s=0.01),
    )
    return extract_person(settings)


def extract_person(settings: Settings) -> Completion[Person]:
    """One structured call through LLMClient, as the pipeline makes it."""

    async def run() -> Completion[Person]:
        client = LLMClient(select_endpoint(settings, {}), settings)
        try:
            messages: Any = [
                {"role": "system", "content": "Extract the person."},
                {"role": "user", "content": "John is 31."},
            ]
            return await client.extract(messages, Person)
        finally:
            await client.close()

    return asyncio.run(run())


def test_a_message_becomes_the_model_and_its_usage() -> None:
    with serve([Reply(200, message('{"name": "John", "age": 31}', 120, 12))]) as (url, script):
        completion = extract(url)
    assert completion.value.model_dump() == {"name": "John", "age": 31}
    assert completion.usage == Usage(prompt_tokens=120, completion_tokens=12, total_tokens=132)
    (request,) = script.requests
    assert request["path"] == "/v1/messages"  # the engine's URL as printed, /v1 and all
    # SDK 2.x sends the key as a bearer token, 1.x as x-api-key: both are scrubbed.
    assert any(KEY in value for value in request["headers"].values())
    body = request["body"]
    assert body["model"] == "claude-test" and body["max_tokens"] == 1536
    assert body["temperature"] == 0.0  # for a server that is not Anthropic's own
    assert "Extract the person." in json.dumps(body["system"])


def test_tools_mode_forces_a_tool_call() -> None:
    reply = message("")
    reply["content"] = [
        {"type": "tool_use", "id": "t1", "name": "Person", "input": {"name": "J", "age": 3}}
    ]
    with serve([Reply(200, reply)]) as (url, script):
        completion = extract(url, mode="tools")
    assert completion.value.model_dump() == {"name": "J", "age": 3}
    choice = script.requests[0]["body"]["tool_choice"]
    assert (choice["type"], choice["name"]) == ("tool", "Person")


def test_a_429_is_retried_as_the_server_asks() -> None:
    replies = [
        Reply(429, anthropic_error("rate_limit_error", "slow down"), {"retry-after-ms": "10"}),
        Reply(200, message('{"name": "John", "age": 31}')),
    ]
    with serve(replies) as (url, script):
        completion = extract(url)
    assert completion.value.age == 31 and len(script.requests) == 2


def test_an_overloaded_server_is_retried_then_named_in_one_line() -> None:
    with (
        serve([Reply(529, anthropic_error("overloaded_error", "Overloaded"))]) as (url, script),
        pytest.raises(LLMError) as error,
    ):
        extract(url)
    assert len(script.requests) == 3
    assert str(error.value) == f"{url.removesuffix('/v1')}: HTTP 529: Overloaded (after 3 attempts)"


def test_a_client_error_is_not_retried_and_the_key_is_not_shown() -> None:
    body = anthropic_error("authentication_error", f"invalid x-api-key {KEY}")
    with serve([Reply(401, body)]) as (url, script), pytest.raises(LLMError) as error:
        extract(url)
    assert len(script.requests) == 1
    assert "HTTP 401: invalid x-api-key" in str(error.value) and KEY not in str(error.value)


def test_re_asks_are_paid_for_and_counted() -> None:
    replies = [
        Reply(200, message('{"name": "John"}', 100, 7)),  # no age: re-asked
        Reply(200, message('{"name": "John", "age": 31}', 150, 9)),
    ]
    with serve(replies) as (url, script):
        completion = extract(url)
    assert len(script.requests) == 2
    assert completion.usage == Usage(prompt_tokens=250, completion_tokens=16, total_tokens=266)


def test_output_that_stays_invalid_fails_with_every_attempts_tokens() -> None:
    with (
        serve([Reply(200, message('{"name": "John"}', 100, 7))]) as (url, script),
        pytest.raises(LLMError) as error,
    ):
        extract(url)
    attempts = len(script.requests)
    assert attempts == 3 and "model output invalid after 3 attempt(s)" in str(error.value)
    assert error.value.usage == Usage(prompt_tokens=300, completion_tokens=21, total_tokens=321)


def test_a_200_that_is_not_a_message_is_a_bad_endpoint() -> None:
    with (
        serve([Reply(200, {"choices": []})]) as (url, _script),
        pytest.raises(LLMError, match="not an Anthropic message"),
    ):
        extract(url)


def test_cached_input_counts_as_prompt() -> None:
    usage = SimpleNamespace(
        input_tokens=10, output_tokens=5, cache_read_input_tokens=90, cache_creation_input_tokens=0
    )
    assert response_usage(SimpleNamespace(usage=usage)) == Usage(
        prompt_tokens=100, completion_tokens=5, total_tokens=105
    )


def test_a_recording_holds_no_anthropic_key(tmp_path: Path) -> None:
    tape = tmp_path / "a.yaml"
    with (
        serve([Reply(200, message('{"name": "John", "age": 31}'))]) as (url, _script),
        cassette(tape, "all"),
    ):
        extract(url)
    text = tape.read_text()
    headers = yaml.safe_load(text)["interactions"][0]["request"]["headers"]
    names = {name.lower() for name in headers}
    assert not names & {"x-api-key", "authorization"} and KEY not in text


# ---- the recording on the embedded engine's /v1/messages -------------------------------------


def _recorded_usage() -> Usage:
    """The tokens the engine reported for each recorded answer, added up."""
    total = Usage()
    for interaction in yaml.safe_load(CASSETTE.read_text())["interactions"]:
        answer = json.loads(interaction["response"]["body"]["string"])
        total += response_usage(SimpleNamespace(usage=SimpleNamespace(**answer["usage"])))
    return total


def test_the_anthropic_cassette_went_through_the_messages_api() -> None:
    interactions = yaml.safe_load(CASSETTE.read_text())["interactions"]
    assert len(interactions) == 3  # the answer and its two schema re-asks
    for interaction in interactions:
        request = interaction["request"]
        assert request["method"] == "POST" and request["uri"].endswith("/v1/messages")
        body = json.loads(request["body"])
        assert body["model"] == MODEL_NAME and body["temperature"] == 0.0
        assert "json_schema" in json.dumps(body["system"])  # instructor's JSON mode


def test_the_anthropic_cassette_replays_end_to_end_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Recorded on the engine's /v1/messages with no grammar: the 1.5B model's answer breaks
    the news schema's bounds, and it gives the same answer to both re-asks. Replayed, the
    document fails the same way, one line, with the tokens of all three attempts."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "SUMMARIZER_MODEL"):
        monkeypatch.delenv(name, raising=False)
    article = ARTICLES / f"{STEM}.txt"
    args = [str(article), "--model", f"anthropic/{MODEL_NAME}", "-f", "json"]
    # The recording went to the engine's URL; any --base-url replays it (a port nothing
    # listens on here): requests match on path and body.
    args += ["--base-url", "http://127.0.0.1:7", "--replay", str(CASSETTE)]
    outcome = CliRunner().invoke(app, ["summarize", *args])
    assert outcome.exit_code == 1, outcome.stderr
    result = json.loads(outcome.stdout)
    assert result["status"] == "failed"
    assert result["error"].startswith("model output invalid after 3 attempt(s)")
    assert Usage(**result["usage"]) == _recorded_usage()
    assert result["usage"]["prompt_tokens"] > 3 * 3000  # cached input counted as prompt


def test_the_rate_limiter_counts_anthropics_system_prompt() -> None:
    with_system = {"system": "x" * 400, "messages": [{"role": "user", "content": "y" * 40}]}
    assert estimate_tokens(with_system) == 110
    assert estimate_tokens({"messages": [{"role": "user", "content": "y" * 40}]}) == 10


def test_the_ollama_cassette_replays_end_to_end_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Recorded with --model ollama/<model> against the engine's OpenAI-compatible API, the
    way Ollama serves: the JSON schema is a grammar there, and the document succeeds."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SUMMARIZER_MODEL"):
        monkeypatch.delenv(name, raising=False)
    article = ARTICLES / f"{STEM}.txt"
    cassette = ROOT / "cassettes" / "providers" / "ollama.yaml"
    args = [str(article), "--model", f"ollama/{MODEL_NAME}", "-f", "json"]
    args += ["--base-url", "http://127.0.0.1:7/v1", "--replay", str(cassette)]
    outcome = CliRunner().invoke(app, ["summarize", *args])
    assert outcome.exit_code == 0, outcome.stderr
    result = DocumentResult.model_validate_json(outcome.stdout)
    assert result.provider == "ollama" and result.model == MODEL_NAME
    text = article.read_text(encoding="utf-8")
    assert len(result.facts) >= 3 and result.usage.completion_tokens > 0
    for fact in result.facts:
        assert text[fact.evidence.start : fact.evidence.end] == fact.evidence.quote
        assert fact.evidence.support in ("supported", "partial", "unsupported")


# ---- gemini/: google-genai and instructor's GENAI provider, against a loopback server --------
# The server speaks Gemini's REST API (POST /v1beta/models/<model>:generateContent); its
# answer is the JSON the embedded engine really gave for the example article, so the facts
# ground against that article's text.

GEMINI_KEY = "AIzaSy-test-gemini-0123456789"
GEMINI_MODEL = "gemini-test"
GEMINI_ARTICLE = ARTICLES / f"{STEM}.txt"
GEMINI_VARIABLES = ("GEMINI_API_KEY", "GOOGLE_API_KEY")


def gemini_response(
    text: str, prompt_tokens: int = 100, candidates_tokens: int = 10
) -> dict[str, Any]:
    """A generateContent answer as Gemini's REST API writes it (camelCase)."""
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": text}]},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": candidates_tokens,
            "totalTokenCount": prompt_tokens + candidates_tokens,
        },
        "modelVersion": GEMINI_MODEL,
    }


def gemini_error(code: int, status: str, text: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": text, "status": status}}


def recorded_gemini_answer() -> dict[str, Any]:
    """The engine's recorded answer for the example article, as Gemini would return it, with
    the engine's token counts as Gemini's usageMetadata."""
    completion = recorded_completion(STEM)
    usage = completion["usage"]
    text = completion["choices"][0]["message"]["content"]
    return gemini_response(text, usage["prompt_tokens"], usage["completion_tokens"])


def gemini_root(url: str) -> str:
    """The loopback server's root: google-genai adds /v1beta/models/... itself."""
    return url.removesuffix("/v1")


def gemini_settings(url: str, **overrides: Any) -> Settings:
    options: dict[str, Any] = {
        "model": f"gemini/{GEMINI_MODEL}",
        "base_url": gemini_root(url),
        "api_key": GEMINI_KEY,
        "retry": RetryPolicy(attempts=3, initial_wait_s=0.01, max_wait_s=0.01),
        **overrides,
    }
    return Settings(**options)


def summarize_with_gemini(url: str) -> Any:
    async def run() -> Any:
        async with Summarizer(gemini_settings(url)) as summarizer:
            return await summarizer.summarize(read_path(str(GEMINI_ARTICLE)))

    return asyncio.run(run())


def summarize_on_the_command_line(url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SUMMARIZER_MODEL", *GEMINI_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    args = [str(GEMINI_ARTICLE), "--model", f"gemini/{GEMINI_MODEL}", "-f", "json"]
    args += ["--base-url", gemini_root(url), "--api-key", GEMINI_KEY]
    return CliRunner().invoke(app, ["summarize", *args])


def assert_located(result: DocumentResult) -> None:
    text = GEMINI_ARTICLE.read_text(encoding="utf-8")
    assert result.facts
    for fact in result.facts:
        assert text[fact.evidence.start : fact.evidence.end] == fact.evidence.quote


def test_gemini_summarizes_a_document_end_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    with serve([Reply(200, recorded_gemini_answer())]) as (url, script):
        outcome = summarize_on_the_command_line(url, monkeypatch)
    assert outcome.exit_code == 0, outcome.stderr
    result = DocumentResult.model_validate_json(outcome.stdout)
    assert result.status == "ok"
    assert (result.provider, result.model) == ("gemini", GEMINI_MODEL)
    # The recorded answer's facts, each located in the article, as the engine's run had them.
    answer = json.loads(recorded_completion(STEM)["choices"][0]["message"]["content"])
    assert [f.statement for f in result.facts] == [f["statement"] for f in answer["facts"]]
    assert_located(result)
    recorded = json.loads((ROOT / "examples" / "outputs" / f"{STEM}.json").read_text())
    assert [f.evidence.model_dump(mode="json") for f in result.facts] == [
        f["evidence"] for f in recorded["facts"]
    ]
    # Usage from usageMetadata: promptTokenCount, candidatesTokenCount, totalTokenCount.
    engine = recorded_completion(STEM)["usage"]
    assert result.usage == Usage(
        prompt_tokens=engine["prompt_tokens"],
        completion_tokens=engine["completion_tokens"],
        total_tokens=engine["prompt_tokens"] + engine["completion_tokens"],
    )
    (request,) = script.requests
    assert request["path"] == f"/v1beta/models/{GEMINI_MODEL}:generateContent"
    config = request["body"]["generationConfig"]
    # instructor's JSON mode for google-genai: the schema as Gemini's response schema.
    assert config["responseMimeType"] == "application/json" and "responseSchema" in config
    assert config["temperature"] == 0.0 and config["maxOutputTokens"] == 1536
    assert "systemInstruction" in request["body"]
    assert "Hamas" in json.dumps(request["body"]["contents"])


def test_gemini_sends_the_key_in_its_header_and_shows_it_nowhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serve([Reply(200, recorded_gemini_answer())]) as (url, script):
        outcome = summarize_on_the_command_line(url, monkeypatch)
    assert outcome.exit_code == 0, outcome.stderr
    (request,) = script.requests
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert headers["x-goog-api-key"] == GEMINI_KEY
    assert "authorization" not in headers
    assert GEMINI_KEY not in request["path"]  # not as ?key=
    assert GEMINI_KEY not in outcome.stdout and GEMINI_KEY not in outcome.stderr


def test_gemini_usage_metadata_becomes_usage() -> None:
    metadata = SimpleNamespace(
        prompt_token_count=1264, candidates_token_count=333, total_token_count=1600
    )
    response = SimpleNamespace(usage_metadata=metadata)  # no `usage`: Gemini's shape
    assert response_usage(response) == Usage(
        prompt_tokens=1264, completion_tokens=333, total_tokens=1600
    )


def test_a_gemini_429_is_retried_then_the_document_succeeds() -> None:
    replies = [
        Reply(
            429,
            gemini_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted"),
            {"retry-after": "0"},
        ),
        Reply(200, recorded_gemini_answer()),
    ]
    with serve(replies) as (url, script):
        result = summarize_with_gemini(url)
    assert len(script.requests) == 2
    assert isinstance(result, DocumentResult), result
    assert result.provider == "gemini"
    assert_located(result)
    # The 429 carried no usage: only the answer's tokens are counted.
    assert result.usage.prompt_tokens == recorded_completion(STEM)["usage"]["prompt_tokens"]


def test_a_gemini_400_is_one_line_without_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"API key not valid. Please pass a valid API key. ({GEMINI_KEY})"
    with serve([Reply(400, gemini_error(400, "INVALID_ARGUMENT", text))]) as (url, script):
        outcome = summarize_on_the_command_line(url, monkeypatch)
    assert len(script.requests) == 1  # a client error is not retried
    assert outcome.exit_code == 1
    result = json.loads(outcome.stdout)
    assert result["status"] == "failed"
    error = result["error"]
    assert error.startswith(f"{gemini_root(url)}: HTTP 400: API key not valid.")
    assert "\n" not in error
    assert GEMINI_KEY not in outcome.stdout and GEMINI_KEY not in outcome.stderr


def test_a_gemini_400_from_the_client_is_an_llm_error_without_the_key() -> None:
    text = f"Invalid JSON payload received. key={GEMINI_KEY}"
    with (
        serve([Reply(400, gemini_error(400, "INVALID_ARGUMENT", text))]) as (url, script),
        pytest.raises(LLMError) as error,
    ):
        extract_person(gemini_settings(url))
    assert len(script.requests) == 1
    message = str(error.value)
    assert message.startswith(f"{gemini_root(url)}: HTTP 400: Invalid JSON payload received.")
    assert "\n" not in message and GEMINI_KEY not in message


def test_a_recording_holds_no_gemini_key(tmp_path: Path) -> None:
    tape = tmp_path / "g.yaml"
    with serve([Reply(200, recorded_gemini_answer())]) as (url, _script):
        settings = gemini_settings(url, record_cassette=tape)

        async def run() -> Any:
            async with Summarizer(settings) as summarizer:
                return await summarizer.summarize(read_path(str(GEMINI_ARTICLE)))

        assert isinstance(asyncio.run(run()), DocumentResult)
    text = tape.read_text()
    headers = yaml.safe_load(text)["interactions"][0]["request"]["headers"]
    assert "x-goog-api-key" not in {name.lower() for name in headers}
    assert GEMINI_KEY not in text


def test_gemini_without_its_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "google.genai", None)  # import fails: not installed
    with serve([Reply(200, recorded_gemini_answer())]) as (url, script):
        outcome = summarize_on_the_command_line(url, monkeypatch)
        with pytest.raises(MissingExtraError) as error:
            Summarizer(gemini_settings(url))
    assert not script.requests  # failed before any work
    expected = "gemini/ models need the google.genai SDK: pip install 'summarizer[gemini]'"
    assert str(error.value) == expected
    assert outcome.exit_code != 0 and expected in outcome.stderr
    assert "Traceback" not in outcome.stderr
