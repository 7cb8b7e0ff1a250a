"""The NeuS digest benchmark, replayed: three stories the embedded model digested
(python benchmarks/digest_neus.py --limit 3 --record cassettes/digest/neus_3.yaml)."""

from __future__ import annotations

import asyncio
import importlib.util
from dataclasses import replace
from types import ModuleType
from typing import Any

import pytest

from summarizer.eval.summaries import rouge
from summarizer.settings import Settings
from summarizer.testing import ROOT, SHARED

NEUS = SHARED / "eval" / "neus_dev.jsonl"
CASSETTE = ROOT / "cassettes" / "digest" / "neus_3.yaml"

pytestmark = pytest.mark.skipif(
    not NEUS.is_file(), reason="../shared/eval is not beside this checkout"
)


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "digest_neus", ROOT / "benchmarks" / "digest_neus.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, list[dict[str, Any]]]:
    bench = _benchmark()
    stories = bench.load_stories(NEUS, 3)
    store = tmp_path_factory.mktemp("neus") / "store.sqlite3"
    settings = replace(Settings.from_env(None), replay_cassette=CASSETTE, store_path=store)
    rows = asyncio.run(bench.digest_stories(stories, settings))
    return bench, rows


def test_three_stories_digested_by_the_model(
    replayed: tuple[ModuleType, list[dict[str, Any]]],
) -> None:
    _, rows = replayed
    assert [r["method"] for r in rows] == ["model"] * 3
    assert all(r["summary"] and r["extractive"] and not r["failed_articles"] for r in rows)


def test_the_report_scores_what_rouge_score_gives(
    replayed: tuple[ModuleType, list[dict[str, Any]]],
) -> None:
    bench, rows = replayed
    result = bench.report(rows, bench.load_stories(NEUS, 3))
    assert (result["stories"], result["summarized"], result["model_summaries"]) == (3, 3, 3)
    expected = sum(rouge(r["summary"], [r["reference"]])["rouge1"] for r in rows) / 3
    assert result["digest"]["rouge1"] == pytest.approx(expected, abs=0.01)
    low, high = result["digest"]["rouge1_ci95"]
    assert low <= result["digest"]["rouge1"] <= high
    assert result["grouping"]["stories"] == 3 and result["grouping"]["articles"] == 9
