"""Attribution and entity types against a hand-labelled set, on the replayed results.

    python benchmarks/attribution_entities.py               # replays the recorded runs
    python benchmarks/attribution_entities.py --results a.jsonl b.jsonl   # or scores these

The labels (tests/data/attribution_labels.jsonl, tests/data/entity_labels.jsonl; how they
were made: tests/data/README.md) name the facts of the 50 SummEval dev articles, of the
five examples and of nine NeuS articles by their statement, and the names the model listed
by the name; each belongs to a split (what the rules were written against, what was
labelled after them, what was labelled last), reported apart and together. The results are
the tool's own, replayed from cassettes/eval/summeval_dev_50.yaml,
cassettes/examples/*.yaml and cassettes/digest/neus_3.yaml (no model call), or read from `summarizer logs -f jsonl` lines.

A fact's attribution is right when its kind is the label's and, for a named source, the
source names the labelled speaker (one of the label's names, or its last word, inside the
source or the source inside it, case aside). An entity's type is right when the tool lists
the name with the labelled type, or merged it into a longer name of that type ("Trump" into
"Donald Trump"); a name labelled `none` (a demonym, a description, a place that is only part
of an organization's name) is right when the tool does not list it. Labelled facts the tool
no longer emits (a repeat it dropped) are counted apart, not scored.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.eval.summaries import load_dataset
from summarizer.extraction.models import DocumentResult
from summarizer.inputs.documents import Document, read_path
from summarizer.runs.runner import summarize
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
FACT_LABELS = DATA / "attribution_labels.jsonl"
ENTITY_LABELS = DATA / "entity_labels.jsonl"
DATASET = ROOT.parent / "shared" / "eval" / "summeval_dev.jsonl"
DEV_CASSETTE = ROOT / "cassettes" / "eval" / "summeval_dev_50.yaml"
EXAMPLES = ROOT / "examples" / "articles"
NEUS = ROOT.parent / "shared" / "eval" / "neus_dev.jsonl"
NEUS_CASSETTE = ROOT / "cassettes" / "digest" / "neus_3.yaml"
NEUS_STORIES = 3
KINDS = ("named", "anonymous", "outlet")
TYPES = ("person", "organization", "place", "none")
# "development": the labels the rules were written against; "held-out": labelled after
# them, on other documents, then used to correct them; "fresh": labelled last, not tuned on
# (tests/data/README.md).
SPLITS = ("development", "held-out", "fresh", None)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@dataclass
class Tally:
    right: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    absent: int = 0
    wrong: list[str] = field(default_factory=list)

    def add(self, label: str, ok: bool, what: str) -> None:
        self.total[label] += 1
        self.right[label] += ok
        if not ok:
            self.wrong.append(what)

    @property
    def accuracy(self) -> float:
        total = sum(self.total.values())
        return sum(self.right.values()) / total if total else 0.0


def _normal(text: str) -> str:
    return " ".join(text.casefold().replace("’", "'").split())


def names_speaker(source: str | None, speakers: Sequence[str]) -> bool:
    """Whether the tool's source names one of the labelled speakers."""
    if not source:
        return False
    found = _normal(source)
    for speaker in speakers:
        wanted = _normal(speaker)
        last = wanted.split()[-1]
        if wanted in found or found in wanted or (len(last) > 3 and last in found.split()):
            return True
    return False


def score_attribution(
    results: dict[str, dict[str, Any]], labels: Iterable[dict[str, Any]]
) -> Tally:
    tally = Tally()
    for label in labels:
        result = results.get(label["doc"])
        facts = [] if result is None else result["facts"]
        fact = next((f for f in facts if f["statement"] == label["statement"]), None)
        if fact is None:
            tally.absent += 1
            continue
        attribution = fact["attribution"]
        ok = attribution["kind"] == label["kind"]
        if ok and label["kind"] == "named":
            ok = names_speaker(attribution["source"], label["speaker"])
        tally.add(
            label["kind"],
            ok,
            f"{label['doc'][:22]} {label['statement'][:60]!r}: {attribution['kind']}"
            f"/{attribution['source']} (label {label['kind']}/{'|'.join(label['speaker'])})",
        )
    return tally


def entity_type(result: dict[str, Any] | None, name: str) -> str:
    """The type the tool gives `name`: its own entry, or the person it merged into (under
    the full name, or without the title the model wrote into it)."""
    entities = [] if result is None else result["entities"]
    wanted = _normal(name)
    exact = next((e for e in entities if _normal(e["name"]) == wanted), None)
    if exact is not None:
        return str(exact["type"])
    merged = next(
        (
            e
            for e in entities
            if e["type"] == "person"
            and (
                _normal(e["name"]).endswith(" " + wanted)  # "Trump" in "Donald Trump"
                or wanted.endswith(" " + _normal(e["name"]))  # "President Trump" in "Trump"
            )
        ),
        None,
    )
    return str(merged["type"]) if merged is not None else "none"


def score_entities(results: dict[str, dict[str, Any]], labels: Iterable[dict[str, Any]]) -> Tally:
    tally = Tally()
    for label in labels:
        got = entity_type(results.get(label["doc"]), label["name"])
        tally.add(
            label["type"],
            got == label["type"],
            f"{label['doc'][:22]} {label['name']!r}: {got} (label {label['type']})",
        )
    return tally


async def _replayed(documents: list[Document], cassette: Path) -> list[DocumentResult]:
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(replay_cassette=cassette, store_path=Path(scratch) / "store.sqlite3")
        outcomes = await summarize(documents, settings)
    results = [o for o in outcomes if isinstance(o, DocumentResult)]
    if len(results) != len(documents):
        failed = [o for o in outcomes if not isinstance(o, DocumentResult)]
        raise SystemExit(f"replay failed: {failed}")
    return results


def replayed_results(doc_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The labelled documents' results, replayed from their cassettes."""
    dev = [i.document() for i in load_dataset(DATASET) if i.id in doc_ids]
    results = asyncio.run(_replayed(dev, DEV_CASSETTE)) if dev else []
    for path in sorted(EXAMPLES.glob("*.txt")):
        document = read_path(str(path))
        if document.id in doc_ids:
            cassette = ROOT / "cassettes" / "examples" / f"{path.stem}.yaml"
            results += asyncio.run(_replayed([document], cassette))
    neus = [d for d in neus_documents() if d.id in doc_ids]
    results += asyncio.run(_replayed(neus, NEUS_CASSETTE)) if neus else []
    return {r.id: r.model_dump(mode="json") for r in results}


def neus_documents() -> list[Document]:
    """The articles of the first three NeuS stories, as benchmarks/digest_neus.py reads
    them (each story's outlets, title and lead)."""
    if not NEUS.is_file():
        return []
    documents = []
    for line in NEUS.read_text(encoding="utf-8").splitlines()[:NEUS_STORIES]:
        story = json.loads(line)
        for number, article in enumerate(story["articles"]):
            documents.append(
                Document(
                    id=f"{story['id']}-{number}",
                    source=f"{story['id']}/{number}",
                    text=article["text"],
                    title=article["title"] or None,
                )
            )
    return documents


def scores(results: dict[str, dict[str, Any]], split: str | None = None) -> tuple[Tally, Tally]:
    """Attribution and entity-type tallies, over one split of the labels or all of them."""
    facts = [r for r in read_jsonl(FACT_LABELS) if split in (None, r["split"])]
    entities = [r for r in read_jsonl(ENTITY_LABELS) if split in (None, r["split"])]
    return score_attribution(results, facts), score_entities(results, entities)


def report(attribution: Tally, entities: Tally, verbose: bool) -> str:
    lines = [f"{'attribution (kind and speaker)':<34}{'right':>7}{'of':>5}{'share':>8}"]
    for kind in KINDS:
        right, total = attribution.right[kind], attribution.total[kind]
        lines.append(f"  {kind:<32}{right:>7}{total:>5}{right / total if total else 0:>8.1%}")
    total = sum(attribution.total.values())
    lines.append(
        f"  {'all':<32}{sum(attribution.right.values()):>7}{total:>5}{attribution.accuracy:>8.1%}"
    )
    if attribution.absent:
        lines.append(f"  (and {attribution.absent} labelled facts the tool no longer emits)")
    lines.append(f"{'entity types':<34}{'right':>7}{'of':>5}{'share':>8}")
    for kind in TYPES:
        right, total = entities.right[kind], entities.total[kind]
        lines.append(f"  {kind:<32}{right:>7}{total:>5}{right / total if total else 0:>8.1%}")
    total = sum(entities.total.values())
    lines.append(
        f"  {'all':<32}{sum(entities.right.values()):>7}{total:>5}{entities.accuracy:>8.1%}"
    )
    if verbose:
        lines += [
            "",
            "wrong attributions:",
            *attribution.wrong,
            "",
            "wrong types:",
            *entities.wrong,
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", nargs="*", type=Path, help="JSONL results to score")
    parser.add_argument("-v", "--verbose", action="store_true", help="list what is wrong")
    args = parser.parse_args()
    if args.results:
        results = {r["id"]: r for path in args.results for r in read_jsonl(path)}
    else:
        labelled = {row["doc"] for row in read_jsonl(FACT_LABELS) + read_jsonl(ENTITY_LABELS)}
        results = replayed_results(labelled)
    for split in SPLITS:
        print(f"== {split or 'all labels'}")
        print(report(*scores(results, split), verbose=args.verbose and split is None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
