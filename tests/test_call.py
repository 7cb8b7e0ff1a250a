"""What belongs to one call travels with it (summarizer.llm.client.Call): the document's quote
enum in its own request, its grounding re-asks in validation, and the article's text reaching
the model as it is, with no state set from afar."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from summarizer.extraction.models import DocumentResult
from summarizer.inputs.documents import Document
from summarizer.llm.client import constrain_quotes
from summarizer.pipeline import Summarizer
from summarizer.settings import Settings
from summarizer.testing import Reply, completion_with_content, recorded_completion, serve

TEMPLATED = (
    "Talks on the {{ ceasefire }} resumed in Cairo on Monday, officials said.\n\n"
    "A stray {% tag %} and {# note #} stay in the article as written.\n\n"
    "The mediators from Egypt and Qatar met both delegations for six hours."
)
OTHER = (
    "The city council approved the new budget on Tuesday night.\n\n"
    "The budget raises spending on schools by four percent next year."
)


def _answer(quotes: list[str]) -> str:
    return json.dumps(
        {
            "headline": "Talks resume",
            "summary": ["Talks resumed in Cairo."],
            # The news schema asks for three facts at least: the quotes, the last repeated.
            "facts": [
                {"quote": q, "statement": "Talks resumed"}
                for q in (quotes + [quotes[-1]] * 3)[: max(3, len(quotes))]
            ],
            "people": [],
            "organizations": [],
            "places": ["Cairo"],
        }
    )


def _reply(quotes: list[str]) -> Reply:
    template = recorded_completion("002_f8c6bddbe5b99dbe")
    return Reply(200, completion_with_content(template, _answer(quotes)))


def _quote_schema(body: dict[str, Any]) -> dict[str, Any]:
    schema = body["response_format"]["json_schema"]["schema"]
    quote: dict[str, Any] = schema["$defs"]["ExtractedFact"]["properties"]["quote"]
    return quote


def _summarize(url: str, *documents: Document, **settings: Any) -> list[Any]:
    async def go() -> list[Any]:
        run = Summarizer(Settings(base_url=url, model="m", **settings))
        async with run:
            return [await run.summarize(d) for d in documents]

    return asyncio.run(go())


def test_the_article_reaches_the_model_as_written_and_its_sentences_are_the_quote_enum() -> None:
    sentences = [
        "Talks on the {{ ceasefire }} resumed in Cairo on Monday, officials said.",
        "A stray {% tag %} and {# note #} stay in the article as written.",
        "The mediators from Egypt and Qatar met both delegations for six hours.",
    ]
    with serve([_reply(sentences)]) as (url, script):
        [outcome] = _summarize(url, Document(id="a", source="a.txt", text=TEMPLATED))
    assert isinstance(outcome, DocumentResult), outcome
    body = script.requests[0]["body"]
    user = "".join(m["content"] for m in body["messages"] if m["role"] == "user")
    assert TEMPLATED in user
    assert _quote_schema(body)["enum"] == sentences


def test_each_document_gets_its_own_enum_and_the_shared_schema_is_left_unchanged() -> None:
    with serve([_reply(["The city council approved the new budget on Tuesday night."])]) as (
        url,
        script,
    ):
        _summarize(
            url,
            Document(id="a", source="a.txt", text=TEMPLATED),
            Document(id="b", source="b.txt", text=OTHER),
            grounding_reasks=0,
        )
    first, second = (_quote_schema(r["body"]) for r in script.requests[:2])
    assert "Cairo" in first["enum"][0] and "council" in second["enum"][0]
    assert len(second["enum"]) == 2


def test_free_quotes_send_no_enum() -> None:
    quote = "The mediators from Egypt and Qatar met both delegations for six hours."
    with serve([_reply([quote])]) as (url, script):
        _summarize(url, Document(id="a", source="a.txt", text=TEMPLATED), sentence_quotes=False)
    assert "enum" not in _quote_schema(script.requests[0]["body"])


def test_an_invented_quote_is_re_asked_for_through_the_validation_context() -> None:
    invented = _reply(["Talks collapsed in Doha after a single hour."])
    grounded = _reply(["The mediators from Egypt and Qatar met both delegations for six hours."])
    with serve([invented, grounded]) as (url, script):
        [outcome] = _summarize(
            url, Document(id="a", source="a.txt", text=TEMPLATED), sentence_quotes=False
        )
    assert len(script.requests) == 2
    reask = json.dumps(script.requests[1]["body"]["messages"])
    assert "These quotes do not appear in the article" in reask
    assert isinstance(outcome, DocumentResult) and outcome.grounding.reasks == 1


def test_constrain_quotes_copies_every_schema_it_changes() -> None:
    item = {"properties": {"quote": {"type": "string"}, "statement": {"type": "string"}}}
    schema = {"$defs": {"ExtractedFact": item}}
    tools = [{"function": {"parameters": schema}}]
    request = {"tools": tools, "messages": [{"role": "user", "content": "x"}]}
    changed = constrain_quotes(request, schema, "ExtractedFact", ["One.", "Two."])
    quote = changed["tools"][0]["function"]["parameters"]["$defs"]["ExtractedFact"]
    assert quote["properties"]["quote"]["enum"] == ["One.", "Two."]
    assert item["properties"]["quote"] == {"type": "string"}  # the original is untouched
    assert changed["messages"] == request["messages"]


def test_constrain_quotes_rewrites_the_schema_a_json_mode_wrote_into_the_prompt() -> None:
    schema = {"$defs": {"ExtractedFact": {"properties": {"quote": {"type": "string"}}}}}
    prompt = f"Answer in JSON that matches:\n\n{json.dumps(schema, indent=2)}\n\nThanks"
    request = {"system": [{"type": "text", "text": prompt}]}
    changed = constrain_quotes(request, schema, "ExtractedFact", ["One."])
    text = changed["system"][0]["text"]
    assert '"enum": [\n' in text and '"One."' in text and text.endswith("\n\nThanks")
    assert request["system"][0]["text"] == prompt
