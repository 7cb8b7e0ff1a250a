"""The dry run's estimate against the actual tokens of the recorded 50-article dev run.

    python benchmarks/dry_run_estimate.py

The actual run is replayed (no model call) from cassettes/eval/summeval_dev_50.yaml into a
scratch store, which then holds each answer's usage, as `summarizer eval
../shared/eval/summeval_dev.jsonl --replay cassettes/eval/summeval_dev_50.yaml --store S`
leaves it. Two estimates are measured against it:

- from the schema's bounds, on all 50 articles: nothing of the run is known to it;
- from the store's history, as a re-run of a prompt estimates: the first 25 articles
  replayed first (the history, their median completion), the estimate made for the other
  25 and measured on those 25 only, so that no article is estimated from its own answer.

The error is (estimate - actual) / actual, of the total tokens (prompt and completion)
of the articles measured, and of each article's, whose median of absolute values is shown.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

from summarizer.eval.summaries import load_dataset
from summarizer.extraction.models import Outcome
from summarizer.inputs.documents import Document
from summarizer.runs.estimate import RunEstimate, estimate_run
from summarizer.runs.runner import run
from summarizer.settings import Settings
from summarizer.testing import CASSETTES, SHARED

DEV = SHARED / "eval" / "summeval_dev.jsonl"
CASSETTE = CASSETTES / "eval" / "summeval_dev_50.yaml"
CALIBRATION = 25


def replay(documents: list[Document], store: Path) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    settings = Settings.from_env({}, store_path=store, replay_cassette=CASSETTE)
    asyncio.run(run(documents, settings, lambda o: outcomes.__setitem__(o.id, o)))
    return outcomes


def errors(estimate: RunEstimate, actual: dict[str, Outcome]) -> tuple[float, float, float]:
    """Total tokens' error, the median of each document's absolute error, prompt's error."""
    pairs = [(d, actual[d.id].usage) for d in estimate.documents]
    estimated = sum(d.total_tokens for d, _ in pairs)
    real = sum(u.prompt_tokens + u.completion_tokens for _, u in pairs)
    each = [
        abs(d.total_tokens - (u.prompt_tokens + u.completion_tokens))
        / (u.prompt_tokens + u.completion_tokens)
        for d, u in pairs
    ]
    prompt_error = sum(d.prompt_tokens for d, _ in pairs) / sum(u.prompt_tokens for _, u in pairs)
    return estimated / real - 1, statistics.median(each), prompt_error - 1


def report(name: str, estimate: RunEstimate, actual: dict[str, Outcome]) -> None:
    total, median, prompt = errors(estimate, actual)
    real_completion = sum(actual[d.id].usage.completion_tokens for d in estimate.documents)
    completion_each = statistics.median(
        abs(d.completion_tokens - actual[d.id].usage.completion_tokens)
        / actual[d.id].usage.completion_tokens
        for d in estimate.documents
    )
    print(
        f"{name}: {len(estimate.documents)} articles; total tokens {total:+.1%}, "
        f"per article median |error| {median:.1%}; prompt {prompt:+.1%}; completion "
        f"{estimate.completion_tokens:,} estimated vs {real_completion:,} actual, per article "
        f"median |error| {completion_each:.1%} ({estimate.completion_source})"
    )


def main() -> int:
    if not DEV.is_file():
        print(f"no dev set at {DEV}", file=sys.stderr)
        return 1
    documents = [item.document() for item in load_dataset(DEV)]
    with tempfile.TemporaryDirectory() as scratch:
        store = Path(scratch) / "store.sqlite3"
        settings = Settings.from_env({}, store_path=store)
        bounds = estimate_run(settings, documents, command="eval")  # the store is empty
        history = replay(documents[:CALIBRATION], store)
        held_out = estimate_run(settings, documents[CALIBRATION:], command="eval")
        actual = history | replay(documents[CALIBRATION:], store)
    print(f"tokenizer: {bounds.tokenizer}")
    report("schema's bounds, all articles", bounds, actual)
    report(f"history of the first {CALIBRATION}, the other articles", held_out, actual)
    return 0


if __name__ == "__main__":
    sys.exit(main())
