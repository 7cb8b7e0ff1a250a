"""A document far longer than the model's context, end to end on the embedded engine.

    python benchmarks/long_document.py [--chars 150000] [--store FILE] [--save-text FILE]

Builds one text of about `--chars` characters from SummEval dev articles (real news,
../shared/eval), with a planted article in its last 5% (written for this test: a chlorine
leak at a desalination plant, like no other article there), and summarizes it like
`summarizer summarize`.
Prints the windows it was read in, the wall time and the model's time, and checks the two
things a long document must not lose: every exactly grounded fact's offsets give back its
quote in the whole text (`text[start:end] == quote`), and a fact of the planted article is
among the facts. Exit status 1 if either fails.

With `--store`, windows already read are not read again: a run stopped half way resumes,
and a second run measures the merge and the summary alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

from summarizer.evidence.grounding import QUOTE_TRIM
from summarizer.extraction.models import DocumentResult, Evidence, GroundingStatus
from summarizer.inputs.documents import Document
from summarizer.pipeline import Summarizer
from summarizer.runs.runner import summarize
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "eval" / "summeval_dev.jsonl"
PLANTED = (
    "( AP ) The Harbor Point desalination plant in Corvallis will close for six months after "
    "a chlorine leak injured 14 workers on Monday , the Benton County health department said . "
    "The leak began in a storage room shortly after 9 a.m. , and the workers were treated at "
    "Good Samaritan Regional Medical Center for breathing problems . Four of them remained in "
    "the hospital on Tuesday , officials said . The plant supplies drinking water to about "
    "40,000 homes . County officials said tanker trucks would deliver water to the affected "
    "neighborhoods until the plant reopens . Inspectors from the state Department of "
    "Environmental Quality arrived on Tuesday to examine the storage tanks . ' We will not "
    "reopen until we know exactly what failed , ' plant manager Linda Okafor told reporters . "
    "The plant , which opened in 2019 , had passed its last safety inspection in March ."
)
# Words of the planted article a fact about it must share with it.
PLANTED_WORDS = (
    "harbor",
    "desalination",
    "chlorine",
    "corvallis",
    "benton",
    "tanker",
    "okafor",
    "good samaritan",
    "environmental quality",
)


def long_text(chars: int) -> tuple[str, int]:
    """The text and the offset of the planted article, in its last 5%."""
    articles = [json.loads(line)["text"] for line in DATASET.read_text().splitlines()]
    planted_at = int(chars * 0.97)
    parts: list[str] = []
    length = 0
    for article in articles * 10:
        if length + len(article) + 2 > planted_at:
            break
        parts.append(article)
        length += len(article) + 2
    text = "\n\n".join(parts) + "\n\n"
    offset = len(text)
    text += PLANTED
    for article in articles:  # fill up to `chars` with whole sentences of other articles
        room = chars - len(text) - 2
        if room < 200:
            break
        cut = article[:room].rfind(" . ")
        if cut > 0:
            text += "\n\n" + article[: cut + 2]
    return text, offset


def gives_back_its_quote(text: str, evidence: Evidence) -> bool:
    """The grounding contract for an exact match: the span is the quote, or the quote
    without the quotation marks or final stop around it that the text does not have."""
    span = text[evidence.start : evidence.end]
    return span in (evidence.quote, evidence.quote.strip(QUOTE_TRIM))


def planted_facts(result: DocumentResult, offset: int) -> list[str]:
    return [
        f.statement
        for f in result.facts
        if (f.evidence.start is not None and f.evidence.start >= offset)
        and any(w in (f.statement + f.evidence.quote).lower() for w in PLANTED_WORDS)
    ]


async def run(text: str, store: Path) -> tuple[DocumentResult | None, Summarizer, str]:
    """The document as `summarizer summarize` reads it (the runner), its windows kept in
    `store` if given; and a Summarizer of the same settings, to plan its windows."""
    document = Document(id="long", source="long-document", text=text)
    settings = Settings(store_path=store)
    [outcome] = await summarize([document], settings)
    summarizer = Summarizer(settings)
    if isinstance(outcome, DocumentResult):
        return outcome, summarizer, ""
    return None, summarizer, outcome.error


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chars", type=int, default=150_000)
    parser.add_argument("--store", type=Path, help="keep the windows here (resume)")
    parser.add_argument("--save-text", type=Path, help="write the text here")
    parser.add_argument("--output", type=Path, help="write the result (JSON) here")
    args = parser.parse_args()

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    for noisy in ("httpx", "httpx2"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    text, offset = long_text(args.chars)
    if args.save_text:
        args.save_text.write_text(text, encoding="utf-8")
    with tempfile.TemporaryDirectory() as scratch:  # without --store, nothing read before
        started = time.monotonic()
        store = args.store or Path(scratch) / "store.sqlite3"
        result, summarizer, error = asyncio.run(run(text, store))
        wall = time.monotonic() - started
    windows = summarizer.windows(Document(id="long", source="", text=text))
    print(
        f"text: {len(text):,} characters; planted article at {offset:,} ({offset / len(text):.1%})"
    )
    print(f"window budget: {summarizer.window_tokens:,} tokens of text")
    print(f"windows: {len(windows)}: " + ", ".join(f"{w.start:,}-{w.end:,}" for w in windows))
    if result is None:
        print(f"FAILED: {error}")
        return 1
    if args.output:
        args.output.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    located = [f for f in result.facts if f.evidence.start is not None]
    exact = [f for f in located if f.evidence.status == GroundingStatus.EXACT]
    wrong = [f.id for f in exact if not gives_back_its_quote(text, f.evidence)]
    planted = planted_facts(result, offset)
    print(
        f"wall: {wall:.1f} s; model: {result.model_seconds} s; tokens: {result.usage.prompt_tokens:,} + {result.usage.completion_tokens:,}"
    )
    print(
        f"facts: {len(result.facts)} ({len(located)} located, {len(exact)} exact); support rate {result.grounding.support_rate:.0%}"
    )
    print(
        f"offsets: {len(exact) - len(wrong)}/{len(exact)} exact facts give back their quote "
        f"({sum(text[f.evidence.start : f.evidence.end] == f.evidence.quote for f in exact)} "
        "character for character, the others without a final stop or quotation marks)"
    )
    print(f"planted fact: {planted if planted else 'MISSING'}")
    print(f"headline: {result.summary.headline}")
    print(f"summary: {result.summary.text}")
    return 0 if planted and not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
