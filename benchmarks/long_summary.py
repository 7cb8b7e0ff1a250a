"""A long document's summary: written from its windows' summaries, or from its facts? Measured.

    python benchmarks/long_summary.py [--docs 10] [--context-tokens 3072] [--store FILE]

SummEval dev articles are short, and long documents with reference summaries are not to be
had offline; so the articles are made long for the model instead: with a context of
`--context-tokens` (2,816 leaves about 390 tokens, some 1,400 characters, of text a request) each is read in windows
as a long document is. For the first N articles that need two windows or more, the whole's
headline and summary are written both ways (`--long-summary windows` and `facts`) from the
same windows (read once, kept in the store), and scored against the 11 references
(ROUGE-1/2/Lsum F1, as `summarizer eval` scores) beside the first window's own summary (no
extra request), lead-3, and the summary of the article read whole (replayed from
cassettes/eval/summeval_dev_50.yaml): the ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from summarizer.eval.summaries import METRICS, EvalItem, lead3, load_dataset, rouge
from summarizer.extraction.models import DocumentResult
from summarizer.pipeline import Summarizer
from summarizer.runs.runner import summarize
from summarizer.settings import LongSummary, Settings

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "eval" / "summeval_dev.jsonl"
WHOLE_CASSETTE = ROOT / "cassettes" / "eval" / "summeval_dev_50.yaml"
STRATEGIES: tuple[LongSummary, ...] = ("windows", "facts", "first")
NAMES = ("from the windows", "from the facts", "first window only")


async def summaries(items: list[EvalItem], settings: Settings) -> dict[str, DocumentResult]:
    """Each article as `summarizer summarize` reads it (the runner), its windows kept in
    settings.store_path: the strategies share the windows and differ in the summary."""
    results: dict[str, DocumentResult] = {}
    outcomes = await summarize([i.document() for i in items], settings)
    for item, outcome in zip(items, outcomes, strict=True):
        if not isinstance(outcome, DocumentResult):
            raise SystemExit(f"{item.id}: {outcome.error}")
        results[item.id] = outcome
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10)
    parser.add_argument("--context-tokens", type=int, default=2816)
    parser.add_argument("--store", type=Path, help="keep the windows here (default: a temp)")
    parser.add_argument("--slots", type=int, default=2, help="windows read at once")
    args = parser.parse_args()

    base = Settings(context_tokens=args.context_tokens, parallel_slots=args.slots)
    probe = Summarizer(base)
    items = [i for i in load_dataset(DATASET) if len(probe.windows(i.document())) > 1]
    items = items[: args.docs]
    windows = [len(probe.windows(i.document())) for i in items]
    print(f"{len(items)} articles, {sum(windows)} windows ({statistics.mean(windows):.1f} each)")

    with tempfile.TemporaryDirectory() as scratch:
        store = args.store or Path(scratch) / "store.sqlite3"
        base = replace(base, store_path=store)
        texts: dict[str, list[str]] = {}
        # The windows are read once (kept in the store); each way makes only its summary.
        for strategy, name in zip(STRATEGIES, NAMES, strict=True):
            results = asyncio.run(summaries(items, replace(base, long_summary=strategy)))
            texts[name] = [
                f"{results[i.id].summary.headline}. {results[i.id].summary.text}" for i in items
            ]
        whole_settings = Settings(replay_cassette=WHOLE_CASSETTE, store_path=store)
        whole = asyncio.run(summaries(items, whole_settings))
        texts["read whole (ceiling)"] = [
            f"{whole[i.id].summary.headline}. {whole[i.id].summary.text}" for i in items
        ]
        texts["lead-3"] = [lead3(i.text) for i in items]

    print(f"{'summary':<24}" + "".join(f"{m:>11}" for m in METRICS))
    for name, candidates in texts.items():
        scores = [rouge(c, i.references) for c, i in zip(candidates, items, strict=True)]
        means = [statistics.mean(s[m] for s in scores) for m in METRICS]
        print(f"{name:<24}" + "".join(f"{v:>11.2f}" for v in means))
    return 0


if __name__ == "__main__":
    sys.exit(main())
