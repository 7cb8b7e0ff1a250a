from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import DatasetError
from summarizer.eval.summaries import (
    LEAD3,
    METRICS,
    OURS,
    EvalItem,
    EvalReport,
    bootstrap_interval,
    lead3,
    load_dataset,
    rank_of,
    rouge,
    score_system,
)
from summarizer.extraction.models import DocumentResult, FailedDocument
from summarizer.testing import ROOT, SHARED, example_stems

SUMMEVAL = SHARED / "eval" / "summeval_dev.jsonl"
CASSETTE = ROOT / "cassettes" / "eval" / "summeval_dev_50.yaml"


def test_rouge_of_identical_and_disjoint_text() -> None:
    assert rouge("The cat sat on the mat.", ["The cat sat on the mat."]) == {
        m: 100.0 for m in METRICS
    }
    assert rouge("Dogs bark loudly.", ["The cat sat on the mat."]) == {m: 0.0 for m in METRICS}


def test_rouge_averages_over_references_and_stems() -> None:
    scores = rouge("The cats sat.", ["The cat sat.", "Nothing alike here."])
    assert scores["rouge1"] == pytest.approx(50.0)  # 100 (stemmed: cats = cat) and 0
    assert scores["rouge2"] == pytest.approx(50.0)


def test_lead3_takes_three_sentences() -> None:
    assert lead3("One . Two ! Three ? Four .") == "One . Two ! Three ?"


def test_bootstrap_interval_brackets_the_mean_and_is_reproducible() -> None:
    values = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    low, high = bootstrap_interval(values)
    assert low < 35.0 < high
    assert (low, high) == bootstrap_interval(values)
    assert bootstrap_interval([7.0]) == (7.0, 7.0)


def test_score_and_rank() -> None:
    a = score_system(
        "a",
        [
            {"rouge1": 40, "rouge2": 20, "rougeLsum": 30},
            {"rouge1": 20, "rouge2": 10, "rougeLsum": 10},
        ],
        [10, 20],
    )
    b = score_system(
        "b",
        [
            {"rouge1": 35, "rouge2": 25, "rougeLsum": 25},
            {"rouge1": 35, "rouge2": 25, "rougeLsum": 25},
        ],
        [30, 30],
    )
    assert a.mean == {"rouge1": 30, "rouge2": 15, "rougeLsum": 20} and a.words == 15
    assert rank_of("a", [a, b], "rouge1") == 2 and rank_of("a", [a, b], "rouge2") == 2
    assert rank_of("b", [a, b], "rouge1") == 1


def _recorded_results() -> list[DocumentResult]:
    return [
        DocumentResult.model_validate_json(
            (ROOT / "examples" / "outputs" / f"{stem}.json").read_text()
        )
        for stem in example_stems()
    ]


def test_report_aggregates_known_inputs() -> None:
    results = _recorded_results()[:2]
    # References equal to our summaries: ours scores 100; system "copy" repeats them too,
    # system "other" says something else entirely.
    items = [
        EvalItem(
            id=r.id,
            source=r.source,
            text="First sentence here. Second one. Third. Fourth.",
            references=[r.summary.text],
            systems={"copy": r.summary.text, "other": "Unrelated words entirely."},
        )
        for r in results
    ]
    failed = FailedDocument(id="x", source="x", error="boom")
    items.append(EvalItem(id="x", source="x", text="t", references=["r"], systems={}))
    report = EvalReport(
        "d.jsonl",
        "m",
        {"name": "default", "hash": "h"},
        items,
        {**{r.id: r for r in results}, "x": failed},
    ).to_dict(cost_usd=0.0)
    scores = {s["name"]: s for s in report["systems"]}
    assert set(scores) == {
        OURS,
        LEAD3,
        "copy",
        "other",
    }  # "copy" and "other" cover every summarized doc
    assert scores[OURS]["rouge1"] == 100.0 and scores["other"]["rouge1"] == 0.0
    assert report["rank"]["rouge1"] in (1, 2)  # tied with "copy"
    assert (report["documents"], report["summarized"], report["failed"]) == (3, 2, 1)
    facts = sum(len(r.facts) for r in results)
    assert report["grounding"]["facts"] == facts
    assert report["grounding"]["facts_per_document"] == round(facts / 2, 2)
    assert report["usage"]["prompt_tokens"] == sum(r.usage.prompt_tokens for r in results)
    rows = report["per_document"]
    assert [row["status"] for row in rows] == ["ok", "ok", "failed"] and rows[2]["error"] == "boom"
    assert rows[0]["rouge1"] == 100.0


def test_dataset_errors_name_the_line(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"id": "a", "text": "t", "references": ["r"]}\n{"id": "b", "text": "t"}\n')
    with pytest.raises(DatasetError, match=r"d\.jsonl:2: needs 'id', 'text' and 'references'"):
        load_dataset(data)
    assert [i.id for i in load_dataset(data, limit=1)] == ["a"]


@pytest.mark.skipif(not SUMMEVAL.is_file(), reason="../shared/eval is not beside this checkout")
def test_the_recorded_dev_evaluation_replays_above_lead_3_and_is_free_when_rerun(
    tmp_path: Path,
) -> None:
    """All 50 SummEval dev articles as the embedded model summarized them (recorded with
    `summarizer eval ... --concurrency 1 --record cassettes/eval/summeval_dev_50.yaml`)."""
    runner = CliRunner()
    store, report_path = tmp_path / "store.db", tmp_path / "report.json"
    args = ["eval", str(SUMMEVAL), "--store", str(store), "--output", str(report_path)]
    wide = {"COLUMNS": "200"}
    first = runner.invoke(app, [*args, "--replay", str(CASSETTE)], env=wide)
    assert first.exit_code == 0, first.output
    report = json.loads(report_path.read_text())
    assert (report["documents"], report["summarized"], report["failed"]) == (50, 50, 0)
    scores = {s["name"]: s for s in report["systems"]}
    assert len(scores) == 18  # 16 published systems, lead-3 and ours
    ours, lead = scores[OURS], scores[LEAD3]
    # Cut summary sentences dropped, leaked "facts [{" gone, full stops given (issue 24).
    assert [ours[m] for m in METRICS] == [35.62, 13.28, 30.98]
    assert [lead[m] for m in METRICS] == [34.04, 12.52, 29.62]
    assert report["rank"] == {m: 1 for m in METRICS}
    grounding = report["grounding"]
    # 15 repeats dropped; dropped hedges and cut statements no longer supported (issue 24).
    assert (grounding["facts"], grounding["located_rate"]) == (137, 1.0)
    assert grounding["support"] == {"supported": 98, "partial": 31, "unsupported": 8}
    assert (grounding["support_rate"], grounding["realigned"]) == (0.7153, 8)
    usage = report["usage"]
    assert (usage["completion_tokens"], usage["median_completion_tokens"]) == (15890, 304.5)
    assert usage["median_model_seconds_per_document"] == 29.73  # as the engine recorded it
    assert report["length"] == {"summary_words": 42.8, "reference_words": 42.9}
    rows = report["per_document"]
    assert len(rows) == 50 and all(r["status"] == "ok" and r["rouge1"] > 0 for r in rows)
    printed = " ".join(first.stdout.split())  # the table's caption wraps
    assert "ranks rouge1 1, rouge2 1, rougeLsum 1 of 18" in printed
    assert "(29.7 s in the model, as recorded)" in printed
    # Again, with no cassette at all: every article comes from the store.
    missing = str(tmp_path / "none.yaml")
    free = runner.invoke(app, [*args, "--replay", missing], env=wide)
    assert free.exit_code == 0, free.output
    assert json.loads(report_path.read_text())["systems"] == report["systems"]
