"""Re-record the example cassettes and outputs against a real model.

    python scripts/record_examples.py            # all of examples/articles/*.txt
    python scripts/record_examples.py 002_f8c6bddbe5b99dbe
    python scripts/record_examples.py --render   # only re-render the markdown from the json
    python scripts/record_examples.py --replay   # outputs again from the cassettes, no model
    python scripts/record_examples.py --digest   # the digest of all five, in one cassette
    python scripts/record_examples.py --digest --replay

Uses whatever endpoint the environment selects (the embedded engine when no key or base
URL is set). Each article gets cassettes/examples/<stem>.yaml and examples/outputs/<stem>.{json,md}.
The digest gets cassettes/digest/examples.yaml (its articles' calls and the story's call, so
that `summarizer digest examples/articles --replay` works on a fresh machine) and
examples/outputs/digest.{md,json,html,png} (the picture where Chromium is installed).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from summarizer.digest.build import make_digest
from summarizer.extraction.models import DocumentResult, FailedDocument
from summarizer.inputs.documents import iter_documents, read_path
from summarizer.pipeline import Summarizer
from summarizer.settings import Settings
from summarizer.writers import render_digest, to_dict
from summarizer.writers.markdown import render_markdown

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ROOT / "examples" / "outputs"


def render(stem: str) -> None:
    result = DocumentResult.model_validate_json((OUTPUTS / f"{stem}.json").read_text())
    (OUTPUTS / f"{stem}.md").write_text(render_markdown(result))


async def _summarize(settings: Settings, path: str) -> DocumentResult | FailedDocument:
    async with Summarizer(settings) as summarizer:
        return await summarizer.summarize(read_path(path))


def record(article: Path, replay: bool = False) -> bool:
    """Summarize an example, recording its cassette (or replaying it: after a change to what
    the tool makes of an answer, the outputs follow without a model call)."""
    cassette = ROOT / "cassettes" / "examples" / f"{article.stem}.yaml"
    OUTPUTS.mkdir(parents=True, exist_ok=True)
    settings = (
        Settings.from_env(replay_cassette=cassette)
        if replay
        else Settings.from_env(record_cassette=cassette)
    )
    outcome = asyncio.run(_summarize(settings, str(article.relative_to(ROOT))))
    if isinstance(outcome, FailedDocument):
        print(f"{article.name}: FAILED: {outcome.error}", file=sys.stderr)
        return False
    (OUTPUTS / f"{article.stem}.json").write_text(
        json.dumps(to_dict(outcome), indent=2, ensure_ascii=False) + "\n"
    )
    render(article.stem)
    usage = outcome.usage
    print(
        f"{article.name}: {outcome.elapsed_s:.1f} s, {usage.prompt_tokens} prompt + "
        f"{usage.completion_tokens} completion tokens "
        f"({usage.completion_tokens / outcome.elapsed_s:.1f} completion tokens/s), "
        f"{len(outcome.facts)} facts, grounding rate {outcome.grounding.rate:.0%} "
        f"{ {str(k): v for k, v in outcome.grounding.counts.items()} }, "
        f"re-asks {outcome.grounding.reasks}"
    )
    return True


def record_digest(replay: bool = False) -> bool:
    cassette = ROOT / "cassettes" / "digest" / "examples.yaml"
    settings = (
        Settings.from_env(replay_cassette=cassette)
        if replay
        else Settings.from_env(record_cassette=cassette)
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        items = list(iter_documents(["examples/articles"]))
        one_at_a_time = replace(settings, store_path=Path(scratch) / "s.sqlite3", concurrency=1)
        digest = asyncio.run(make_digest(one_at_a_time, items))
    for output_format, suffix in (("markdown", "md"), ("json", "json"), ("html", "html")):
        (OUTPUTS / f"digest.{suffix}").write_text(render_digest(digest, output_format))
    chromium = shutil.which("chromium")
    if chromium:
        page = (OUTPUTS / "digest.html").resolve().as_uri()
        subprocess.run(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--screenshot={OUTPUTS / 'digest.png'}", "--window-size=1280,2400", page],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    story_counts = [
        (len(s.consensus), len(s.conflicts), len(s.single_source)) for s in digest.stories
    ]
    print(
        f"digest: {time.monotonic() - started:.0f} s, {len(digest.stories)} stories "
        f"(consensus, conflicts, single-source: {story_counts}), "
        f"{len(digest.failed)} failed, story calls {digest.usage.prompt_tokens} + "
        f"{digest.usage.completion_tokens} tokens"
    )
    return not digest.failed


def main(arguments: list[str]) -> int:
    articles = sorted((ROOT / "examples" / "articles").glob("*.txt"))
    replay = "--replay" in arguments
    stems = [a for a in arguments if a != "--replay"]
    if stems == ["--digest"]:
        return 0 if record_digest(replay) else 1
    if stems == ["--render"]:
        for article in articles:
            render(article.stem)
        return 0
    chosen = [a for a in articles if not stems or a.stem in stems]
    results = [record(article, replay) for article in chosen]
    return 0 if all(results) else 1


if __name__ == "__main__":
    os.chdir(ROOT)  # documents are named by their path relative to the repository
    raise SystemExit(main(sys.argv[1:]))
