"""Grounding speed: locate 50 quotes in a 50,000-character document.

    python benchmarks/grounding_speed.py [--repeat 5]

The document is real text (the example articles, then SummEval articles when ../shared is
present) cut to 50,000 characters. The 50 quotes are a fixed mix drawn from it with a seeded
generator: 20 verbatim, 10 restyled (case, quotation marks, spacing), 10 altered (a word
replaced or dropped, two parts joined by an ellipsis) and 10 not in the text at all (the
slowest case: every strategy runs and fails). Prints milliseconds per quote overall and per
kind, and what statuses came out. Goal: under 5 ms per quote.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import Counter
from pathlib import Path

from summarizer.evidence.grounding import Locator

ROOT = Path(__file__).resolve().parent.parent
DOC_CHARS = 50_000


def build_document() -> str:
    parts = [
        p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "examples" / "articles").glob("*.txt"))
    ]
    summeval = ROOT.parent / "shared" / "eval" / "summeval_dev.jsonl"
    if summeval.is_file():
        parts += [json.loads(line)["text"] for line in summeval.read_text().splitlines()]
    text = "\n\n".join(parts)
    while len(text) < DOC_CHARS:
        text += "\n\n" + text
    return text[:DOC_CHARS]


def sentence_at(text: str, rng: random.Random) -> str:
    start = rng.randrange(0, len(text) - 400)
    start = text.find(" ", start) + 1
    words = text[start : start + 400].split()
    return " ".join(words[: rng.randrange(8, 25)])


def restyle(quote: str) -> str:
    return quote.upper().replace("'", "\u2019").replace(",", " ,")


def alter(quote: str, rng: random.Random) -> str:
    words = quote.split()
    kind = rng.choice(["replace", "drop", "ellipsis"])
    i = rng.randrange(1, len(words) - 1)
    if kind == "replace":
        words[i] = "reportedly"
    elif kind == "drop":
        del words[i]
    else:
        return " ".join(words[:i]) + " ... " + " ".join(words[i + 2 :])
    return " ".join(words)


ABSENT = [
    "The committee postponed its vote on the infrastructure bill until next spring",
    "Officials confirmed that the bridge would reopen to traffic after repairs",
    "The company reported record profits driven by strong demand in Asia",
    "Scientists warned that the glacier is melting faster than predicted",
    "The mayor announced a new program to plant ten thousand trees",
    "Negotiators from both sides met in Geneva for a third round of talks",
    "The central bank left interest rates unchanged for the fourth month",
    "Rescue teams searched through the night for survivors of the landslide",
    "The museum will return the artifacts to their country of origin",
    "Voters in the district rejected the proposed school tax increase",
]


def build_quotes(text: str, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    quotes = [("verbatim", sentence_at(text, rng)) for _ in range(20)]
    quotes += [("restyled", restyle(sentence_at(text, rng))) for _ in range(10)]
    quotes += [("altered", alter(sentence_at(text, rng), rng)) for _ in range(10)]
    quotes += [("absent", q) for q in ABSENT]
    return quotes


def run_once(
    text: str, quotes: list[tuple[str, str]]
) -> tuple[dict[str, list[float]], Counter[str]]:
    locator = Locator(text)  # fresh per run: normalization of the document is part of the cost
    timings: dict[str, list[float]] = {}
    statuses: Counter[str] = Counter()
    for kind, quote in quotes:
        started = time.perf_counter()
        evidence = locator.locate(quote)
        timings.setdefault(kind, []).append(time.perf_counter() - started)
        statuses[f"{kind}->{evidence.status}"] += 1
    return timings, statuses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    text = build_document()
    quotes = build_quotes(text)
    per_run: list[float] = []
    per_kind: dict[str, list[float]] = {}
    statuses: Counter[str] = Counter()
    for _ in range(args.repeat):
        timings, statuses = run_once(text, quotes)
        per_run.append(sum(sum(t) for t in timings.values()))
        for kind, values in timings.items():
            per_kind.setdefault(kind, []).extend(values)
    best, median = min(per_run), statistics.median(per_run)
    print(f"document: {len(text):,} characters; quotes: {len(quotes)}; runs: {args.repeat}")
    per_quote_ms = [t / len(quotes) * 1000 for t in (best, median)]
    print(f"ms per quote, document normalization included: best {per_quote_ms[0]:.3f}, ", end="")
    print(f"median {per_quote_ms[1]:.3f}")
    for kind, values in per_kind.items():
        typical, worst = statistics.median(values) * 1000, max(values) * 1000
        print(f"  {kind:9s} median {typical:.3f} ms, max {worst:.3f} ms")
    print("statuses:", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print(f"goal < 5 ms per quote: {'met' if median / len(quotes) < 0.005 else 'NOT met'}")


if __name__ == "__main__":
    main()
