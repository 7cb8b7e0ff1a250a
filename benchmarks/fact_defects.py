"""What a reader trips over in the results, counted: repeats, cut text, the outlet's voice
given to what someone said, places that are only part of an organization's name.

    python benchmarks/fact_defects.py                 # the 50 dev articles, replayed
    python benchmarks/fact_defects.py --examples      # the five examples, replayed
    python benchmarks/fact_defects.py --results logs.jsonl   # `summarizer logs -f jsonl`

The dev articles are replayed from cassettes/eval/summeval_dev_50.yaml (no model call, a few
seconds). Counted:

- repeats: a fact whose normalized statement is another fact's of the same document, or
  whose evidence overlaps another's;
- cut summaries: a summary that ends in "…" or not like a sentence, or holds a leaked
  field name ("facts [{");
- cut statements: a statement that does not end like a sentence and stops short of its
  evidence sentence's last word (the grammar's bound cut it), and of them those marked
  supported;
- speech verbs in the outlet's voice: a fact attributed to the outlet whose evidence holds
  "said", "says", "admitted", "admits", "told", "according to", "believes", "insists";
- organization places: a place whose every mention is the start of a longer name the answer
  lists ("Manchester" in "Manchester City") or of a name of a club, a university, a paper;
- supported statements that drop a hedge of their evidence ("allegedly", "was said to",
  "denied"), as summarizer.evidence.support finds them;
- long statements: over the 12 words asked for.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from summarizer.eval.summaries import load_dataset
from summarizer.evidence.support import dropped_hedges
from summarizer.extraction.models import DocumentResult
from summarizer.inputs.documents import Document, read_path
from summarizer.runs.runner import summarize
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "eval" / "summeval_dev.jsonl"
DEV_CASSETTE = ROOT / "cassettes" / "eval" / "summeval_dev_50.yaml"
EXAMPLES = ROOT / "examples" / "articles"
MAX_STATEMENT_WORDS = 12
_FINAL = (".", "!", "?", "”", '"', "’", "'", ")")
_SPEECH = re.compile(
    r"\b(?:said|says|admitted|admits|told|according to|believes|insists)\b", re.IGNORECASE
)
_LEAK = re.compile(r"[\[{]\s*[{\"]|\b(?:facts|quote|statement)\s*[\[{:]|\bfacts$")
_NAME_WORDS = {
    "city", "united", "university", "college", "hospital", "times", "mercury", "globe",
    "post", "herald", "fc", "county", "rovers", "athletic", "metroparks", "zoo", "club",
    "derby",
}  # fmt: skip


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def repeats(result: dict[str, Any]) -> tuple[int, int]:
    """Facts repeating an earlier one: (same statement, same evidence only)."""
    same_statement = same_evidence = 0
    statements: set[str] = set()
    spans: list[tuple[int, int]] = []
    for fact in result["facts"]:
        evidence, statement = fact["evidence"], _normal(fact["statement"])
        start, end = evidence["start"], evidence["end"]
        if statement in statements:
            same_statement += 1
        elif start is not None and any(s < end and start < e for s, e in spans):
            same_evidence += 1
        statements.add(statement)
        if start is not None:
            spans.append((start, end))
    return same_statement, same_evidence


def cut_summary(result: dict[str, Any]) -> bool:
    text = result["summary"]["text"].strip()
    return not text.endswith(_FINAL) or text.endswith("…") or bool(_LEAK.search(text))


def cut_statements(result: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """Statements that stop short of their sentence's end without ending like a sentence."""
    cut = []
    for fact in result["facts"]:
        statement = fact["statement"].strip()
        evidence = fact["evidence"]
        if statement.endswith(_FINAL) or evidence["start"] is None:
            continue
        last = re.findall(r"\w+", text[evidence["start"] : evidence["end"]])[-1:]
        if re.findall(r"\w+", statement)[-1:] != last:
            cut.append(fact)
    return cut


def speech_in_outlet_voice(result: dict[str, Any], text: str) -> list[dict[str, Any]]:
    return [
        f
        for f in result["facts"]
        if f["attribution"]["kind"] == "outlet"
        and f["evidence"]["start"] is not None
        and _SPEECH.search(text[f["evidence"]["start"] : f["evidence"]["end"]])
    ]


def organization_places(result: dict[str, Any], answer_names: list[str], text: str) -> list[str]:
    """Places whose every mention starts a longer name: one the answer lists, or one that
    ends like a club's, a university's or a paper's."""
    found = []
    for entity in result["entities"]:
        if entity["type"] != "place":
            continue
        name = entity["name"]
        longer = [n for n in answer_names if n != name and n.startswith(name + " ")]
        mentions = [m.end() for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)]
        if mentions and all(_starts_a_name(text, end, name, longer) for end in mentions):
            found.append(name)
    return found


def _starts_a_name(text: str, end: int, name: str, longer: list[str]) -> bool:
    start = end - len(name)
    if any(text.startswith(n, start) for n in longer):
        return True
    following = re.match(r"\s+(\w+)", text[end:])
    return bool(following) and following.group(1).lower() in _NAME_WORDS


async def _replayed(documents: list[Document], cassette: Path) -> list[DocumentResult]:
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(replay_cassette=cassette, store_path=Path(scratch) / "store.sqlite3")
        outcomes = await summarize(documents, settings)
    results = [o for o in outcomes if isinstance(o, DocumentResult)]
    if len(results) != len(documents):
        raise SystemExit(f"replay failed: {[o for o in outcomes if o not in results]}")
    return results


def replayed(examples: bool) -> list[tuple[dict[str, Any], str]]:
    """(result, text) of the dev articles or of the examples, replayed."""
    if not examples:
        documents = [i.document() for i in load_dataset(DATASET)]
        results = asyncio.run(_replayed(documents, DEV_CASSETTE))
    else:
        documents, results = [], []
        for path in sorted(EXAMPLES.glob("*.txt")):
            documents.append(read_path(str(path)))
            cassette = ROOT / "cassettes" / "examples" / f"{path.stem}.yaml"
            results += asyncio.run(_replayed(documents[-1:], cassette))
    texts = {d.id: d.text for d in documents}
    return [(r.model_dump(mode="json"), texts[r.id]) for r in results]


def count(pairs: list[tuple[dict[str, Any], str]], names: dict[str, list[str]]) -> dict[str, Any]:
    same_statement = same_evidence = 0
    cut, speech, places = [], [], []
    for result, text in pairs:
        a, b = repeats(result)
        same_statement, same_evidence = same_statement + a, same_evidence + b
        cut += cut_statements(result, text)
        speech += speech_in_outlet_voice(result, text)
        places += organization_places(result, names.get(result["id"], []), text)
    facts = [f for result, _ in pairs for f in result["facts"]]
    return {
        "documents": len(pairs),
        "facts": len(facts),
        "repeated facts (same statement, same evidence only)": (
            same_statement + same_evidence,
            same_statement,
            same_evidence,
        ),
        "cut summaries (of which ending in '…')": (
            sum(cut_summary(r) for r, _ in pairs),
            sum(r["summary"]["text"].endswith("…") for r, _ in pairs),
        ),
        "cut statements (of which supported)": (
            len(cut),
            sum(f["evidence"]["support"] == "supported" for f in cut),
        ),
        "key points that are cut statements": sum(
            f["statement"] in r["summary"]["key_points"]
            for r, _ in pairs
            for f in r["facts"]
            if f in cut
        ),
        "speech verb in the evidence, attributed to the outlet": len(speech),
        "places that are only part of an organization's name": len(places),
        "supported statements that drop their evidence's hedge": sum(
            bool(
                dropped_hedges(f["statement"], text[f["evidence"]["start"] : f["evidence"]["end"]])
            )
            for result, text in pairs
            for f in result["facts"]
            if f["evidence"]["support"] == "supported" and f["evidence"]["start"] is not None
        ),
        "statements over 12 words": sum(
            len(f["statement"].split()) > MAX_STATEMENT_WORDS for f in facts
        ),
        "supported / partial / unsupported": tuple(
            sum(f["evidence"]["support"] == v for f in facts)
            for v in ("supported", "partial", "unsupported")
        ),
    }


def answer_names(examples: bool) -> dict[str, list[str]]:
    """The names each recorded answer lists, all kinds together, by document id."""
    import yaml

    cassettes = (
        [ROOT / "cassettes" / "examples" / f"{p.stem}.yaml" for p in sorted(EXAMPLES.glob("*"))]
        if examples
        else [DEV_CASSETTE]
    )
    documents = (
        [read_path(str(p)) for p in sorted(EXAMPLES.glob("*.txt"))]
        if examples
        else [i.document() for i in load_dataset(DATASET)]
    )
    names: dict[str, list[str]] = {}
    for cassette in cassettes:
        for interaction in yaml.safe_load(cassette.read_text())["interactions"]:
            user = json.loads(interaction["request"]["body"])["messages"][-1]["content"]
            body = json.loads(interaction["response"]["body"]["string"])
            answer = json.loads(body["choices"][0]["message"]["content"])
            for document in documents:
                if (document.body or document.text)[:150] in user:
                    names[document.id] = [
                        n for k in ("people", "organizations", "places") for n in answer.get(k, [])
                    ]
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", action="store_true", help="the five examples, not dev")
    parser.add_argument("--results", type=Path, help="score these JSONL results (dev texts)")
    args = parser.parse_args()
    if args.results:
        texts = {i.id: i.text for i in load_dataset(DATASET)}
        lines = args.results.read_text(encoding="utf-8").splitlines()
        pairs = [(r, texts[r["id"]]) for r in map(json.loads, filter(None, lines))]
    else:
        pairs = replayed(args.examples)
    for what, value in count(pairs, answer_names(args.examples)).items():
        shown = " / ".join(map(str, value)) if isinstance(value, tuple) else value
        print(f"{what:<60}{shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
