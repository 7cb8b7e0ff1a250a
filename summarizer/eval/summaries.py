"""Measure our summaries against reference data and place them among published systems.

A dataset is JSONL: `id`, `text`, `references` (one or more reference summaries) and
optionally `systems` {name: {summary}} with other systems' outputs on the same article (the
format of SummEval as distributed with BARTScore). ROUGE-1/2/Lsum F1 with stemming
(rouge-score), averaged over a document's references, then over documents, with a bootstrap
confidence interval over documents. Every system present and a lead-3 baseline are scored the
same way on the same documents.
"""

from __future__ import annotations

import json
import random
import re
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nltk.stem import porter
from rouge_score import rouge_scorer, tokenize

from summarizer.errors import DatasetError
from summarizer.extraction.models import (
    DocumentResult,
    GroundingStatus,
    Outcome,
    SupportVerdict,
    Usage,
)
from summarizer.inputs.documents import Document
from summarizer.runs.runner import open_batch
from summarizer.settings import Settings

METRICS = ("rouge1", "rouge2", "rougeLsum")
OURS = "summarizer"
LEAD3 = "lead-3"
BOOTSTRAP_SAMPLES = 1000
# ROUGE's own convention for sentences (and lead-3's): a break after every . ! or ?
_ROUGE_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class EvalItem:
    id: str
    source: str
    text: str
    references: list[str]
    systems: dict[str, str]

    def document(self) -> Document:
        return Document(id=self.id, source=self.source, text=self.text)


def load_dataset(path: Path, limit: int | None = None) -> list[EvalItem]:
    items: list[EvalItem] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if limit is not None and len(items) >= limit:
                break
            if line.strip():
                items.append(_item(_json_line(line, f"{path}:{number}"), f"{path}:{number}"))
    if not items:
        raise DatasetError(f"{path}: no documents")
    return items


def _json_line(line: str, source: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{source}: invalid JSON ({exc.msg} at column {exc.colno})") from None


def _item(row: Any, source: str) -> EvalItem:
    if not isinstance(row, dict):
        raise DatasetError(f"{source}: a line must be a JSON object")
    references = row.get("references")
    if isinstance(references, str):
        references = [references]
    if not row.get("id") or not row.get("text") or not references:
        raise DatasetError(f"{source}: needs 'id', 'text' and 'references'")
    systems = {
        name: str(entry.get("summary", "") if isinstance(entry, dict) else entry)
        for name, entry in (row.get("systems") or {}).items()
    }
    return EvalItem(str(row["id"]), source, str(row["text"]), [str(r) for r in references], systems)


# ---- scoring ------------------------------------------------------------------------------


class _StemmingTokenizer:
    """rouge_score's own tokenizer with its Porter stemmer (use_stemmer=True), each word's stem
    remembered: scoring every system of a dataset stems the same words millions of times."""

    def __init__(self) -> None:
        self.stem = lru_cache(maxsize=None)(porter.PorterStemmer().stem)

    def tokenize(self, text: str) -> list[str]:
        return list(tokenize.tokenize(text, self))


_scorer = rouge_scorer.RougeScorer(list(METRICS), tokenizer=_StemmingTokenizer())


def rouge_sentences(text: str) -> list[str]:
    """Sentences as ROUGE-Lsum and lead-3 take them: a break after every . ! or ?.

    Not summarizer.inputs.text.sentences, on purpose: this is a scoring convention, not reading.
    The published systems' scores and our recorded ones were computed this way, and the
    tool's splitter (which keeps "V. Stiviano" and "Maj. Gen." whole) splits 138 of the
    1,400 SummEval texts differently, which would move every score.
    """
    return [s for s in _ROUGE_SENTENCE_END.split(text.strip()) if s]


def rouge(candidate: str, references: Sequence[str]) -> dict[str, float]:
    """F1 x 100 for each metric, averaged over the references. Lsum needs one sentence a line."""
    candidate_lines = "\n".join(rouge_sentences(candidate))
    totals = dict.fromkeys(METRICS, 0.0)
    for reference in references:
        scores = _scorer.score("\n".join(rouge_sentences(reference)), candidate_lines)
        for metric in METRICS:
            totals[metric] += scores[metric].fmeasure
    return {m: 100 * totals[m] / len(references) for m in METRICS}


def lead3(text: str) -> str:
    return " ".join(rouge_sentences(text)[:3])


def bootstrap_interval(
    values: Sequence[float], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> tuple[float, float]:
    """95% percentile interval of the mean, resampling documents with replacement."""
    if len(values) < 2:
        return (values[0], values[0]) if values else (0.0, 0.0)
    rng = random.Random(seed)
    means = sorted(statistics.fmean(rng.choices(values, k=len(values))) for _ in range(samples))
    return means[int(0.025 * samples)], means[int(0.975 * samples) - 1]


@dataclass(frozen=True)
class SystemScore:
    name: str
    documents: int
    mean: dict[str, float]
    interval: dict[str, tuple[float, float]]
    words: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "documents": self.documents,
            **{m: round(v, 2) for m, v in self.mean.items()},
            "ci95": {m: [round(v, 2) for v in low_high] for m, low_high in self.interval.items()},
            "words": round(self.words, 1),
        }


def score_system(
    name: str,
    per_document: Sequence[dict[str, float]],
    words: Sequence[int],
    metrics: Sequence[str] = METRICS,
) -> SystemScore:
    return SystemScore(
        name=name,
        documents=len(per_document),
        mean={m: statistics.fmean(d[m] for d in per_document) for m in metrics},
        interval={m: bootstrap_interval([d[m] for d in per_document]) for m in metrics},
        words=statistics.fmean(words) if words else 0.0,
    )


def rank_of(name: str, systems: Sequence[SystemScore], metric: str) -> int:
    ordered = sorted(systems, key=lambda s: s.mean[metric], reverse=True)
    return 1 + [s.name for s in ordered].index(name)


# ---- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EvalSummary:
    """An eval run in a few typed figures, and the whole report as JSON (`report`)."""

    dataset: str
    model: str
    summarized: int
    failed: list[tuple[str, str]]  # document id, error
    systems: list[SystemScore]  # best ROUGE-1 first
    rank: dict[str, int]  # ours, by metric
    ranked_among: int
    facts_per_document: float
    located_rate: float
    support_rate: float
    median_completion_tokens: float
    median_seconds: float
    median_model_seconds: float | None
    report: dict[str, Any]


@dataclass
class EvalReport:
    dataset: str
    model: str
    prompt: dict[str, str]
    items: list[EvalItem]
    outcomes: dict[str, Outcome]

    def ours(self) -> list[tuple[EvalItem, DocumentResult]]:
        return [
            (item, outcome)
            for item in self.items
            if isinstance(outcome := self.outcomes.get(item.id), DocumentResult)
        ]

    def systems(self) -> list[SystemScore]:
        """Ours, lead-3 and every published system, scored on the documents we summarized."""
        scored = self.ours()
        items = [item for item, _ in scored]
        candidates: dict[str, list[str]] = {
            OURS: [result.summary.text for _, result in scored],
            LEAD3: [lead3(item.text) for item in items],
        }
        for name in sorted({n for item in items for n in item.systems}):
            if all(name in item.systems for item in items):
                candidates[name] = [item.systems[name] for item in items]
        return [
            score_system(
                name,
                [
                    rouge(summary, item.references)
                    for summary, item in zip(summaries, items, strict=True)
                ],
                [len(s.split()) for s in summaries],
            )
            for name, summaries in candidates.items()
        ]

    def grounding(self) -> dict[str, Any]:
        """Grounding and support over every fact the model gave (--strict drops included)."""
        counts = dict.fromkeys((s.value for s in GroundingStatus), 0)
        support = dict.fromkeys((v.value for v in SupportVerdict), 0)
        for _, result in self.ours():
            for status, n in result.grounding.counts.items():
                counts[str(status)] += n
            for verdict, n in result.grounding.support.items():
                support[str(verdict)] += n
        facts = sum(counts.values())
        located = facts - counts[GroundingStatus.UNGROUNDED.value]
        return {
            "facts": facts,
            "facts_per_document": round(facts / max(len(self.ours()), 1), 2),
            "counts": counts,
            "share": {k: round(v / facts, 4) if facts else 0.0 for k, v in counts.items()},
            "located_rate": round(located / facts, 4) if facts else 0.0,
            "support": support,
            "support_rate": round(support[SupportVerdict.SUPPORTED.value] / facts, 4)
            if facts
            else 0.0,
            "realigned": sum(result.grounding.realigned for _, result in self.ours()),
        }

    def rows(self) -> Iterator[dict[str, Any]]:
        for item in self.items:
            outcome = self.outcomes.get(item.id)
            if not isinstance(outcome, DocumentResult):
                error = outcome.error if outcome else "not processed"
                yield {"id": item.id, "status": "failed", "error": error}
                continue
            yield {
                "id": item.id,
                "status": "ok",
                **{m: round(v, 2) for m, v in rouge(outcome.summary.text, item.references).items()},
                "lead3_rouge1": round(rouge(lead3(item.text), item.references)["rouge1"], 2),
                "words": len(outcome.summary.text.split()),
                "reference_words": round(
                    statistics.fmean(len(r.split()) for r in item.references), 1
                ),
                "facts": len(outcome.facts),
                "grounding": {str(k): v for k, v in outcome.grounding.counts.items()},
                "support": {str(k): v for k, v in outcome.grounding.support.items()},
                "prompt_tokens": outcome.usage.prompt_tokens,
                "completion_tokens": outcome.usage.completion_tokens,
                "elapsed_s": outcome.elapsed_s,
                "model_seconds": outcome.model_seconds,
                "summary": outcome.summary.text,
            }

    def usage(self, cost_usd: float | None) -> dict[str, Any]:
        results = [result for _, result in self.ours()]
        total = sum((r.usage for r in results), Usage())
        completion = [r.usage.completion_tokens for r in results]
        seconds = [r.elapsed_s for r in results]
        model_seconds = [r.model_seconds for r in results if r.model_seconds is not None]
        return {
            "prompt_tokens": total.prompt_tokens,
            "completion_tokens": total.completion_tokens,
            "median_completion_tokens": statistics.median(completion) if results else 0,
            "seconds_per_document": round(statistics.fmean(seconds), 2) if results else 0.0,
            "median_seconds_per_document": round(statistics.median(seconds), 2) if results else 0.0,
            # What the server reports its model spent: the same in a replay as when recorded.
            "median_model_seconds_per_document": round(statistics.median(model_seconds), 2)
            if model_seconds
            else None,
            "cost_usd": cost_usd,
        }

    def summary(self, cost_usd: float | None) -> EvalSummary:
        """The report, typed: what the eval command shows, and the JSON it writes."""
        systems = self.systems()  # ROUGE of every system: scored once, for both
        report = self.to_dict(cost_usd, systems)
        grounding, usage = report["grounding"], report["usage"]
        return EvalSummary(
            dataset=self.dataset,
            model=self.model,
            summarized=report["summarized"],
            failed=[
                (r["id"], r["error"]) for r in report["per_document"] if r["status"] == "failed"
            ],
            systems=sorted(systems, key=lambda s: s.mean["rouge1"], reverse=True),
            rank=report["rank"],
            ranked_among=report["ranked_among"],
            facts_per_document=grounding["facts_per_document"],
            located_rate=grounding["located_rate"],
            support_rate=grounding["support_rate"],
            median_completion_tokens=usage["median_completion_tokens"],
            median_seconds=usage["median_seconds_per_document"],
            median_model_seconds=usage["median_model_seconds_per_document"],
            report=report,
        )

    def to_dict(
        self, cost_usd: float | None, systems: list[SystemScore] | None = None
    ) -> dict[str, Any]:
        systems = self.systems() if systems is None else systems
        ours = [(item, result) for item, result in self.ours()]
        reference_words = [len(r.split()) for item, _ in ours for r in item.references]
        return {
            "dataset": self.dataset,
            "model": self.model,
            "prompt": self.prompt,
            "documents": len(self.items),
            "summarized": len(ours),
            "failed": len(self.items) - len(ours),
            "systems": [s.as_dict() for s in systems],
            "rank": {m: rank_of(OURS, systems, m) for m in METRICS},
            "ranked_among": len(systems),
            "grounding": self.grounding(),
            "length": {
                "summary_words": round(
                    statistics.fmean(len(r.summary.text.split()) for _, r in ours), 1
                )
                if ours
                else 0.0,
                "reference_words": round(statistics.fmean(reference_words), 1)
                if reference_words
                else 0.0,
            },
            "usage": self.usage(cost_usd),
            "per_document": list(self.rows()),
        }


async def evaluate(
    settings: Settings, dataset: str, items: list[EvalItem], *, command: str = "eval"
) -> EvalSummary:
    """Our summaries of the dataset's documents, by a batch run (store, cache: an unchanged
    re-run is free), scored against their references and ranked among the systems."""
    outcomes: dict[str, Outcome] = {}
    keep = lambda outcome: outcomes.__setitem__(outcome.id, outcome)  # noqa: E731
    with open_batch(settings, keep, command=command) as runner:
        async with runner.summarizer:
            totals = await runner.run([item.document() for item in items])
    run = runner.summarizer
    report = EvalReport(
        dataset=dataset,
        model=run.endpoint.model,
        prompt={
            "name": run.prompt.name,
            "hash": run.prompt.hash,
            "schema": run.schema.name,
            "schema_hash": run.schema.hash,
        },
        items=items,
        outcomes=outcomes,
    )
    return report.summary(cost_usd=None if totals.unpriced else round(totals.cost_usd, 6))
