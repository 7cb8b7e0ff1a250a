"""Re-record the example cassettes and outputs against a real model.

    python scripts/record_examples.py            # all of examples/articles/*.txt
    python scripts/record_examples.py 002_f8c6bddbe5b99dbe
    python scripts/record_examples.py --render   # only re-render the markdown from the json

Uses whatever endpoint the environment selects (the embedded engine when no key or base
URL is set). Each article gets cassettes/examples/<stem>.yaml and examples/outputs/<stem>.{json,md}.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from summarizer.config import Settings
from summarizer.documents import read_path
from summarizer.pipeline import Summarizer
from summarizer.schemas import DocumentResult, FailedDocument
from summarizer.writers import to_dict
from summarizer.writers.markdown import render_markdown

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ROOT / "examples" / "outputs"


def render(stem: str) -> None:
    result = DocumentResult.model_validate_json((OUTPUTS / f"{stem}.json").read_text())
    (OUTPUTS / f"{stem}.md").write_text(render_markdown(result))


async def _summarize(settings: Settings, path: str) -> DocumentResult | FailedDocument:
    async with Summarizer(settings) as summarizer:
        return await summarizer.summarize(read_path(path))


def record(article: Path) -> bool:
    cassette = ROOT / "cassettes" / "examples" / f"{article.stem}.yaml"
    OUTPUTS.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env(record_cassette=cassette)
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


def main(stems: list[str]) -> int:
    articles = sorted((ROOT / "examples" / "articles").glob("*.txt"))
    if stems == ["--render"]:
        for article in articles:
            render(article.stem)
        return 0
    chosen = [a for a in articles if not stems or a.stem in stems]
    results = [record(article) for article in chosen]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
