"""`summarizer digest examples/articles`, end to end, replaying the recorded run of the
embedded model (python scripts/record_examples.py --digest): every format, the page in a
real browser, bad input beside good."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.testing import ARTICLES, ROOT

from .test_digest_html import _chromium, _run_chromium, parse, span_texts

CASSETTE = ROOT / "cassettes" / "digest" / "examples.yaml"
runner = CliRunner()


def _digest(tmp_path: Path, *args: str, inputs: str = str(ARTICLES)) -> Any:
    store = tmp_path / "store.sqlite3"
    return runner.invoke(
        app, ["digest", inputs, "--replay", str(CASSETTE), "--store", str(store), *args]
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    outcome = _digest(tmp_path_factory.mktemp("json"), "--format", "json")
    assert outcome.exit_code == 0, outcome.output
    return dict(json.loads(outcome.stdout))


def test_one_story_of_five_articles_with_a_summary_citing_facts(recorded: dict[str, Any]) -> None:
    assert len(recorded["articles"]) == 5 and not recorded["failed"]
    (story,) = recorded["stories"]
    assert story["articles"] == ["A", "B", "C", "D", "E"]
    assert story["summary"]
    cited = {ref for sentence in story["summary"] for ref in sentence["facts"]}
    assert cited and all(ref.split(".")[0] in story["articles"] for ref in cited)
    assert all(sentence["support"] >= 0.5 for sentence in story["summary"])


def test_every_quote_shown_is_a_span_of_its_article(recorded: dict[str, Any]) -> None:
    texts = {
        a["label"]: (ARTICLES / Path(a["source"]).name).read_text(encoding="utf-8")
        for a in recorded["articles"]
    }
    (story,) = recorded["stories"]
    quotes = [q for c in story["consensus"] for q in c["evidence"]]
    quotes += [s["quote"] for c in story["conflicts"] for s in c["sides"]]
    quotes += [s["evidence"] for s in story["single_source"]]
    assert quotes
    for quote in quotes:
        assert texts[quote["article"]][quote["start"] : quote["end"]] == quote["text"]


def test_the_hostage_count_conflict_and_the_attribution_profile(recorded: dict[str, Any]) -> None:
    (story,) = recorded["stories"]
    values = {frozenset(s["value"] for s in c["sides"]) for c in story["conflicts"]}
    assert frozenset({"59 Israeli hostages still held", "48 remaining Israeli hostages"}) in values
    profiles = {p["article"]: p["counts"] for p in story["attribution"]}
    assert set(profiles) == set(story["articles"])
    assert all(set(c) == {"named", "anonymous", "outlet"} for c in profiles.values())


def test_markdown_shows_every_section(tmp_path: Path) -> None:
    outcome = _digest(tmp_path, "--format", "markdown")
    assert outcome.exit_code == 0, outcome.output
    for heading in (
        "## S1:",
        "### Consensus",
        "### Conflicts",
        "### Single-source",
        "### Attribution",
    ):
        assert heading in outcome.stdout
    assert "59 Israeli hostages still held" in outcome.stdout


def test_the_html_page_renders_in_chromium(tmp_path: Path) -> None:
    chromium = _chromium()
    page = tmp_path / "digest.html"
    outcome = _digest(tmp_path, "--format", "html", "--output", str(page))
    assert outcome.exit_code == 0, outcome.output
    dom = parse(_run_chromium(chromium, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout)
    (table,) = dom.select("table", "conflicts")
    assert "59 Israeli hostages still held" in table.text
    assert "48 remaining Israeli hostages" in table.text
    highlighted = span_texts(dom)
    assert highlighted and all(text.strip() for text in highlighted.values())
    assert dom.select("mark", "conflict")


def test_unreadable_input_is_named_and_the_others_still_digested(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ARTICLES, corpus)
    (corpus / "broken.txt").write_bytes(b"\xff\xfe\x00binary\x00")
    outcome = _digest(tmp_path, "--format", "json", inputs=str(corpus))
    assert outcome.exit_code == 1
    assert "broken.txt" in outcome.stderr
    digest = json.loads(outcome.stdout)
    assert len(digest["articles"]) == 5 and digest["stories"]
    assert [f["source"].endswith("broken.txt") for f in digest["failed"]] == [True]


def test_extractive_needs_no_story_call(tmp_path: Path) -> None:
    outcome = _digest(tmp_path, "--format", "json", "--extractive")
    assert outcome.exit_code == 0, outcome.output
    (story,) = json.loads(outcome.stdout)["stories"]
    assert story["summary_method"] == "extractive" and story["summary"]
