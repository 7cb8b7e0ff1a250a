"""Digest quality on NeuS: ROUGE of each story's multi-source summary against the neutral
reference, next to the baseline of taking one outlet's text as the summary.

    python benchmarks/digest_neus.py [--limit N] [--store S] [--record C | --replay C] [--output R]

Each NeuS line is one story told by three outlets (title and lead paragraph) plus a neutral
reference (AllSides). The three articles are summarized like any other (the batch machinery:
store, cache) and their facts put into one story's digest, whose summary the model writes
citing them. Printed: ROUGE-1/2/Lsum F1 (rouge-score, stemmed) with 95% bootstrap intervals
for the digest's summary (the model's, and the extractive one built from the same facts with
no model call), for the one-outlet baseline (each outlet, and their mean), the time per story,
and how well the 300 articles, mixed, are grouped back into their stories (no model).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from rouge_score import rouge_scorer

from summarizer.digest.build import DigestBuilder, sources_of
from summarizer.digest.models import Story
from summarizer.digest.stories import group_stories
from summarizer.digest.summary import extractive
from summarizer.eval.summaries import METRICS, rouge, score_system
from summarizer.extraction.models import FailedDocument
from summarizer.inputs.documents import Document
from summarizer.pipeline import Outcome
from summarizer.runs.runner import Runner, open_batch
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "eval" / "neus_dev.jsonl"


def load_stories(path: Path, limit: int | None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return rows[:limit] if limit else rows


def documents_of(story: dict[str, Any]) -> list[Document]:
    return [
        Document(
            id=f"{story['id']}-{n}",
            source=f"{story['id']}/{n}",
            text=article["text"],
            title=article["title"] or None,
        )
        for n, article in enumerate(story["articles"])
    ]


async def digest_stories(stories: list[dict[str, Any]], settings: Settings) -> list[dict[str, Any]]:
    """Per story: the model's summary, the extractive one, and the seconds it took."""
    outcomes: dict[str, Outcome] = {}
    sink = lambda outcome: outcomes.__setitem__(outcome.source, outcome)  # noqa: E731
    with open_batch(replace(settings, concurrency=1), sink) as job:
        return await _digest_each(stories, job, outcomes)


async def _digest_each(
    stories: list[dict[str, Any]], job: Runner, outcomes: dict[str, Outcome]
) -> list[dict[str, Any]]:
    summarizer = job.summarizer
    builder = DigestBuilder(summarizer)
    rows = []
    async with summarizer:
        for story in stories:
            started = time.monotonic()
            documents = documents_of(story)
            await job.run(documents)
            sources, failed = sources_of([(d, outcomes[d.source]) for d in documents])
            built = await builder.story(story["id"], sources) if sources else None
            rows.append(_row(story, built, failed, time.monotonic() - started))
            print(f"{story['id']}: {rows[-1]['method']}, {rows[-1]['seconds']:.0f} s", flush=True)
    return rows


def _row(
    story: dict[str, Any], built: Story | None, failed: list[FailedDocument], seconds: float
) -> dict[str, Any]:
    extract = ""
    if built is not None:
        extract = " ".join(s.text for s in extractive(built.consensus, built.single_source))
    return {
        "id": story["id"],
        "reference": story["reference"]["summary"],
        "outlets": [a["text"] for a in story["articles"]],
        "summary": built.summary_text if built else "",
        "method": built.summary_method if built else "failed",
        "extractive": extract,
        "failed_articles": [f.error for f in failed],
        "seconds": round(seconds, 1),
    }


# ROUGE-L without sentence splitting too: the NeuS baseline's third figure (about 25) looks
# like plain ROUGE-L rather than ROUGE-Lsum.
_rouge_l = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
REPORTED = (*METRICS, "rougeL")


def score(candidates: list[str], references: list[str]) -> dict[str, Any]:
    per_story = [
        {**rouge(c, [r]), "rougeL": 100 * _rouge_l.score(r, c)["rougeL"].fmeasure}
        for c, r in zip(candidates, references, strict=True)
    ]
    scored = score_system("", per_story, [len(c.split()) for c in candidates], REPORTED)
    result: dict[str, Any] = {"stories": scored.documents}
    for metric in REPORTED:
        result[metric] = round(scored.mean[metric], 2)
        result[f"{metric}_ci95"] = [round(v, 2) for v in scored.interval[metric]]
    result["words"] = round(scored.words, 1)
    return result


def grouping_quality(stories: list[dict[str, Any]]) -> dict[str, float]:
    """All the stories' articles mixed, grouped again: pairwise precision and recall."""
    texts = [f"{a['title']}\n{a['text']}" for s in stories for a in s["articles"]]
    gold = [i for i, s in enumerate(stories) for _ in s["articles"]]
    predicted = {i: g for g, members in enumerate(group_stories(texts)) for i in members}
    pairs = list(itertools.combinations(range(len(texts)), 2))
    same_pred = {p for p in pairs if predicted[p[0]] == predicted[p[1]]}
    same_gold = {p for p in pairs if gold[p[0]] == gold[p[1]]}
    precision = len(same_pred & same_gold) / max(len(same_pred), 1)
    recall = len(same_pred & same_gold) / max(len(same_gold), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "articles": len(texts),
        "stories": len(stories),
        "groups_found": len(set(predicted.values())),
        "pair_precision": round(precision, 3),
        "pair_recall": round(recall, 3),
        "pair_f1": round(f1, 3),
    }


def report(rows: list[dict[str, Any]], stories: list[dict[str, Any]]) -> dict[str, Any]:
    done = [r for r in rows if r["summary"]]
    references = [r["reference"] for r in done]
    outlets = {
        f"outlet {n + 1}": score([r["outlets"][n] for r in done], references) for n in range(3)
    }
    mean_outlet = {m: round(statistics.fmean(o[m] for o in outlets.values()), 2) for m in REPORTED}
    return {
        "stories": len(rows),
        "summarized": len(done),
        "model_summaries": sum(r["method"] == "model" for r in done),
        "digest": score([r["summary"] for r in done], references),
        "digest_extractive": score([r["extractive"] for r in done], references),
        "baseline_one_outlet": {**outlets, "mean": mean_outlet},
        "reference_words": round(statistics.fmean(len(r.split()) for r in references), 1),
        "seconds_per_story": round(statistics.fmean(r["seconds"] for r in rows), 1),
        "grouping": grouping_quality(stories),
        "rows": rows,
    }


def print_report(result: dict[str, Any]) -> None:
    print(
        f"\n{result['summarized']} of {result['stories']} stories digested "
        f"({result['model_summaries']} summaries by the model), "
        f"{result['seconds_per_story']} s per story (3 articles + 1 digest call)"
    )
    print(f"{'system':32} {'R1':>6} {'R2':>6} {'RLsum':>6} {'RL':>6} {'words':>6}")
    lines = [
        ("digest (model summary)", result["digest"]),
        ("digest (extractive, no call)", result["digest_extractive"]),
    ]
    lines += [(f"baseline: {k}", v) for k, v in result["baseline_one_outlet"].items()]
    for name, s in lines:
        words = f"{s['words']:6.1f}" if "words" in s else ""
        scores = " ".join(f"{s[m]:6.2f}" for m in REPORTED)
        print(f"{name:32} {scores} {words}")
    d = result["digest"]
    print("digest 95% CI: " + ", ".join(f"{m} {d[m + '_ci95']}" for m in REPORTED))
    print(f"reference: {result['reference_words']} words")
    g = result["grouping"]
    print(
        f"grouping {g['articles']} mixed articles of {g['stories']} stories: "
        f"{g['groups_found']} groups, pairwise precision {g['pair_precision']}, "
        f"recall {g['pair_recall']}, F1 {g['pair_f1']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--limit", type=int, default=None, help="the first N stories only")
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--record", type=Path, default=None)
    parser.add_argument("--replay", type=Path, default=None)
    parser.add_argument("--output", type=Path, default=None, help="write the JSON report here")
    args = parser.parse_args()
    stories = load_stories(args.dataset, args.limit)
    # Recording with no --store, a fresh store (summarizer.runs.runner.open_store): every call made.
    settings = Settings.from_env(
        None, record_cassette=args.record, replay_cassette=args.replay, store_path=args.store
    )
    rows = asyncio.run(digest_stories(stories, settings))
    result = report(rows, load_stories(args.dataset, None))
    print_report(result)
    if args.output:
        args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
