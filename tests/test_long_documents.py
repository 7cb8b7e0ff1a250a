"""A document longer than the context, replayed: read in windows, put back together with
offsets into the whole text, and resumed at the window from the store.

Recorded on the embedded engine, with a context small enough that two example articles need
five windows:
    python -c "from tests.test_long_documents import long_text; print(long_text(), end='')" \\
        > /tmp/long.txt
    summarizer summarize /tmp/long.txt --context-tokens 4096 \\
        --record cassettes/long/two_articles.yaml -f json
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.evidence.grounding import QUOTE_TRIM
from summarizer.extraction.models import MAX_SENTENCE_CHARS, DocumentResult, GroundingStatus
from summarizer.inputs.documents import Document
from summarizer.pipeline import Summarizer
from summarizer.runs.store import Store
from summarizer.settings import Settings
from summarizer.testing import ARTICLES, ROOT
from summarizer.writers.markdown import render_markdown

CASSETTE = ROOT / "cassettes" / "long" / "two_articles.yaml"
CONTEXT_TOKENS = 4096
runner = CliRunner()


def long_text() -> str:
    stems = ("000_e5461a5ad9c76c4b", "001_b9058b3b0d63c9a3")
    return "\n\n".join((ARTICLES / f"{stem}.txt").read_text(encoding="utf-8") for stem in stems)


# Two example articles, 13,449 characters, with 4,096 tokens a request (1,668 of text).
WINDOWS = len(
    Summarizer(Settings(context_tokens=CONTEXT_TOKENS)).windows(Document("", "", long_text()))
)


def test_the_plan_is_what_was_recorded() -> None:
    assert WINDOWS == 5


def test_a_long_document_is_read_in_windows_with_offsets_into_the_whole(tmp_path: Path) -> None:
    text = long_text()
    source = tmp_path / "long.txt"
    source.write_text(text, encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "summarize",
            str(source),
            "--context-tokens",
            str(CONTEXT_TOKENS),
            "--replay",
            str(CASSETTE),
            "--store",
            str(tmp_path / "store.sqlite3"),
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    output = json.loads(result.stdout)
    windows = output["windows"]
    assert len(windows) == WINDOWS
    assert windows[0]["start"] == 0 and windows[-1]["end"] == len(text)
    assert all(w["facts"] >= 3 for w in windows)
    assert f"reading it in {WINDOWS} windows" in result.stderr
    assert f"window {WINDOWS} of {WINDOWS} read" in result.stderr

    facts = output["facts"]
    assert [f["id"] for f in facts] == [f"f{n}" for n in range(1, len(facts) + 1)]
    exact = [f for f in facts if f["evidence"]["status"] == GroundingStatus.EXACT]
    assert len(exact) == len(facts)
    for fact in exact:  # the quote, or the quote without a final stop the text lacks
        evidence = fact["evidence"]
        span = text[evidence["start"] : evidence["end"]]
        assert span in (evidence["quote"], evidence["quote"].strip(QUOTE_TRIM))
    starts = [f["evidence"]["start"] for f in facts]
    assert starts == sorted(starts)
    assert starts[-1] >= windows[-1]["start"]  # the end of the text is read too
    statements = [f["statement"] for f in facts]
    assert len(set(statements)) == len(statements)  # what two windows both found, once
    assert len(facts) <= sum(w["facts"] for w in windows)
    assert output["summary"]["headline"] and output["summary"]["text"]
    assert output["usage"]["prompt_tokens"] > WINDOWS * 700  # the system prompt alone, each
    markdown = render_markdown(DocumentResult.model_validate(output))
    assert f"read in {WINDOWS} windows" in markdown.splitlines()[2]


class CountingStore(Store):
    """The real store, counting what the windows ask of it."""

    hits = 0
    saves = 0

    def cached_window(self, key: str) -> DocumentResult | None:
        found = super().cached_window(key)
        self.hits += found is not None
        return found

    def save_window(self, key: str, result: DocumentResult) -> None:
        self.saves += 1
        super().save_window(key, result)


def summarize(store: Store, **options: Any) -> DocumentResult:
    document = Document(id="long", source="long.txt", text=long_text())
    settings = Settings(context_tokens=CONTEXT_TOKENS, replay_cassette=CASSETTE, **options)

    async def run() -> DocumentResult:
        async with Summarizer(settings, window_cache=store) as summarizer:
            outcome = await summarizer.summarize(document)
        assert isinstance(outcome, DocumentResult), outcome
        return outcome

    return asyncio.run(run())


def test_every_window_is_kept_and_a_rerun_reads_only_the_missing_ones(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    with CountingStore(path) as store:
        first = summarize(store)
        assert (store.hits, store.saves) == (0, WINDOWS)
    with CountingStore(path) as store:
        again = summarize(store)
        assert (store.hits, store.saves) == (WINDOWS, 0)  # no window read twice
    assert again.facts == first.facts
    with sqlite3.connect(path) as db:  # as if the run had stopped before the last window
        db.execute(f"DELETE FROM windows WHERE doc_id LIKE '%window-{WINDOWS}-of-{WINDOWS}'")
    with CountingStore(path) as store:
        resumed = summarize(store)
        assert (store.hits, store.saves) == (WINDOWS - 1, 1)
    assert resumed.facts == first.facts
    assert resumed.summary == first.summary


def test_the_first_windows_summary_stands_for_the_whole_when_asked(tmp_path: Path) -> None:
    with CountingStore(tmp_path / "store.sqlite3") as store:
        whole = summarize(store)
        first = summarize(store, long_summary="first")
        window = store.cached_window(store_keys(store)[0])
    assert window is not None
    # Its two sentences run past one sentence's bound of the model's schema: kept whole.
    assert len(window.summary.text) > MAX_SENTENCE_CHARS
    assert (first.summary.headline, first.summary.text) == (
        window.summary.headline,
        window.summary.text,
    )
    assert first.summary.key_points == whole.summary.key_points
    assert first.facts == whole.facts
    assert first.usage.prompt_tokens < whole.usage.prompt_tokens  # no request for it


def store_keys(store: Store) -> list[str]:
    """The window keys in the order of the windows."""
    with sqlite3.connect(store.path) as db:
        rows = db.execute("SELECT cache_key, doc_id FROM windows").fetchall()
    return [key for key, _ in sorted(rows, key=lambda row: int(row[1].split("-")[1]))]
