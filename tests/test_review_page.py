"""The review page (-f html): the medication example replayed from its cassette, checked as
written and as headless Chromium renders it, lazily for 1,000 documents."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.extraction.models import DocumentResult
from summarizer.testing import ROOT, Reply, serve
from summarizer.writers.review_html import ReviewPageWriter

from .test_digest_html import Node, _chromium, _run_chromium, parse

MEDICATIONS = ROOT / "examples" / "medications"
NOTES = MEDICATIONS / "notes"
CASSETTE = ROOT / "cassettes" / "medications" / "notes.yaml"
SCHEMA = f"{MEDICATIONS / 'schema.py'}:Medication"
EXAMPLES = MEDICATIONS / "examples.jsonl"
runner = CliRunner()


def replay(*extra: str) -> Any:
    return runner.invoke(
        app,
        ["summarize", *map(str, sorted(NOTES.glob("*.txt"))), "--schema", SCHEMA,
         "--examples", str(EXAMPLES), "--replay", str(CASSETTE), *extra],
    )  # fmt: skip


@pytest.fixture(scope="module")
def results() -> list[DocumentResult]:
    outcome = replay("-f", "jsonl")
    assert outcome.exit_code == 0, outcome.output
    return [DocumentResult.model_validate_json(line) for line in outcome.stdout.splitlines()]


def test_the_medication_example_replays_every_item_located_with_a_verdict(
    results: list[DocumentResult],
) -> None:
    assert len(results) == 4
    for result in results:
        text = Path(result.source).read_text(encoding="utf-8")
        assert result.prompt.schema_name == "Medication" and result.prompt.schema_hash
        assert result.prompt.name == "items" and result.facts
        for fact in result.facts:
            assert fact.type == "medication" and fact.fields is not None
            assert set(fact.fields) == {"drug", "dosage", "route", "frequency", "duration"}
            assert fact.evidence.status != "ungrounded"
            assert text[fact.evidence.start : fact.evidence.end] == fact.evidence.quote
            assert fact.evidence.support in ("supported", "partial", "unsupported")
            assert str(fact.fields["drug"]).lower() in fact.evidence.quote.lower()


def test_the_example_outputs_are_what_the_cassette_replays(results: list[DocumentResult]) -> None:
    stored = (MEDICATIONS / "outputs" / "results.jsonl").read_text().splitlines()
    assert len(stored) == len(results)
    for line, result in zip(stored, results, strict=True):
        kept = json.loads(line)
        replayed = result.model_dump(mode="json")
        for value in (kept, replayed):
            value.pop("elapsed_s")  # wall time of the run, not of the replay
            value.pop("source")  # the path as given on the command line
        assert replayed == kept


def sections(document: Node) -> list[Node]:
    return document.select("section", "doc")


def section_data(section: Node) -> dict[str, Any]:
    (script,) = section.select("script", "doc-data")
    return json.loads(script.text)


def check_highlights(section: Node) -> int:
    """Every located item's highlight, the marks that name it joined, is text[start:end];
    the text shown is the document's. Returns the items checked."""
    data = section_data(section)
    (pre,) = section.select("pre", "text")
    assert pre.text == data["text"]
    marks = pre.select("mark", "ev")
    checked = 0
    for fact in data["facts"]:
        if fact["start"] is None:
            continue
        highlighted = "".join(m.text for m in marks if fact["id"] in m.attrs["data-facts"].split())
        assert highlighted == data["text"][fact["start"] : fact["end"]], fact["id"]
        checked += 1
    rows = [tr for tr in section.select("tr", "item")]
    assert len(rows) == len(data["facts"])
    return checked


def test_the_page_as_written_holds_each_documents_data_safely() -> None:
    stream = io.StringIO()
    writer = ReviewPageWriter(stream, {"x": 'He said "</script><b>bold</b>" & left.'})
    result = json.loads((MEDICATIONS / "outputs" / "results.jsonl").read_text().splitlines()[0])
    writer.write(DocumentResult.model_validate({**result, "id": "x"}))
    writer.close()
    page = stream.getvalue()
    assert "</script><b>" not in page and page.count("</script>") == 2
    (section,) = sections(parse(page))
    assert section_data(section)["text"] == 'He said "</script><b>bold</b>" & left.'


def test_the_page_renders_in_chromium(tmp_path: Path) -> None:
    chromium = _chromium()
    page = tmp_path / "review.html"
    outcome = replay("-f", "html", "-o", str(page))
    assert outcome.exit_code == 0, outcome.output
    dom = _run_chromium(chromium, tmp_path / "profile", "--dump-dom", page.as_uri() + "#all")
    rendered = sections(parse(dom.stdout))
    assert len(rendered) == 4
    assert sum(check_highlights(s) for s in rendered) >= 4
    (counts,) = [n for n in parse(dom.stdout).iter() if n.attrs.get("id") == "counts"]
    assert counts.text.startswith("4 documents")

    screenshot = tmp_path / "review.png"
    _run_chromium(
        chromium,
        tmp_path / "profile",
        f"--screenshot={screenshot}",
        "--window-size=1280,1600",
        page.as_uri() + "#all",
    )
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert screenshot.stat().st_size > 10_000


def test_a_page_of_1000_documents_renders_only_what_is_in_view(
    results: list[DocumentResult], tmp_path: Path
) -> None:
    chromium = _chromium()
    page = tmp_path / "many.html"
    texts = {r.source: Path(r.source).read_text(encoding="utf-8") for r in results}
    with page.open("w", encoding="utf-8") as stream:
        writer = ReviewPageWriter(stream)
        for number in range(1000):
            result = results[number % len(results)]
            writer.texts[f"d{number}"] = texts[result.source]
            writer.write(result.model_copy(update={"id": f"d{number}"}))
        writer.close()
    dom = _run_chromium(
        chromium,
        tmp_path / "profile",
        "--window-size=1280,1000",
        "--virtual-time-budget=5000",  # the observer's callbacks run before the dump
        "--dump-dom",
        page.as_uri(),
    )
    document = parse(dom.stdout)
    everything = sections(document)
    rendered = [s for s in everything if s.select("pre", "text")]
    assert len(everything) == 1000
    assert 1 <= len(rendered) < 50  # the first screens, not the thousand
    assert all(check_highlights(s) >= 1 for s in rendered)


def test_batch_writes_the_review_page(tmp_path: Path) -> None:
    """batch -f html, against a server answering with the engine's recorded answer."""
    tape = yaml.safe_load(CASSETTE.read_text())
    bodies = [i["response"]["body"]["string"] for i in tape["interactions"]]
    answer = next(json.loads(b) for b in bodies if "paracetamol" in b.lower())
    corpus = tmp_path / "notes"
    corpus.mkdir()
    shutil.copy(NOTES / "003_pain.txt", corpus / "003_pain.txt")
    page = tmp_path / "review.html"
    with serve([Reply(200, answer)]) as (url, _script):
        outcome = runner.invoke(
            app,
            ["batch", str(corpus), "-f", "html", "-o", str(page), "--store",
             str(tmp_path / "s.sqlite3"), "--base-url", url, "--model", "m", "--schema", SCHEMA,
             "--examples", str(EXAMPLES), "-q"],
        )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    (section,) = sections(parse(page.read_text(encoding="utf-8")))
    data = section_data(section)
    assert data["text"] == (NOTES / "003_pain.txt").read_text(encoding="utf-8")
    assert {f["fields"]["drug"].lower() for f in data["facts"]} == {"ibuprofen", "paracetamol"}


def test_unlocated_items_stand_apart_and_filters_hide_the_others(
    results: list[DocumentResult], tmp_path: Path
) -> None:
    chromium = _chromium()
    result = next(r for r in results if len(r.facts) >= 2)
    lost = result.facts[1].model_copy(
        update={
            "evidence": result.facts[1].evidence.model_copy(
                update={
                    "start": None,
                    "end": None,
                    "status": "ungrounded",
                    "support": "unsupported",
                }
            )
        }
    )
    page = tmp_path / "review.html"
    with page.open("w", encoding="utf-8") as stream:
        writer = ReviewPageWriter(stream, {result.id: Path(result.source).read_text("utf-8")})
        writer.write(result.model_copy(update={"facts": [result.facts[0], lost]}))
        writer.close()
    dom = _run_chromium(chromium, tmp_path / "profile", "--dump-dom", page.as_uri() + "#all")
    (section,) = sections(parse(dom.stdout))
    (apart,) = section.select("div", "unlocated")
    assert [tr.attrs["data-fact"] for tr in apart.select("tr", "item")] == [lost.id]
    marks = section.select("mark", "ev")
    assert marks and all(lost.id not in m.attrs["data-facts"].split() for m in marks)
    assert check_highlights(section) == 1

    url = page.as_uri() + "?support=unsupported#all"
    (filtered,) = sections(
        parse(_run_chromium(chromium, tmp_path / "p2", "--dump-dom", url).stdout)
    )
    shown = {
        tr.attrs["data-fact"]: "hidden" not in tr.attrs for tr in filtered.select("tr", "item")
    }
    assert shown == {result.facts[0].id: False, lost.id: True}
    assert all("off" in m.classes for m in filtered.select("mark", "ev"))
