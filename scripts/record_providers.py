"""Re-record the cassette of a provider named by a model's prefix, on the embedded engine.

    python scripts/record_providers.py           # cassettes/providers/{anthropic,ollama}.yaml

The embedded engine (llama.cpp) also serves Anthropic's Messages API at /v1/messages, so
`--model anthropic/<model> --base-url <engine>` drives it through the Anthropic SDK: a real
recording of that path, with no key and nothing fetched. There is no grammar on that path
(llama.cpp drops `output_config`, and a forced tool call makes the 1.5B model write newlines
up to the output limit), and the model, writing freely, breaks the news schema's bounds: the
recording is of that failed document, its three attempts and their tokens.

`--model ollama/<model> --base-url <engine>/v1` drives the same engine the way Ollama is
driven (its OpenAI-compatible API, with the JSON schema as a grammar): that run succeeds.
The cassettes match on path and body, not on the engine's port;
tests/test_named_providers.py replays them.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from summarizer.extraction.models import DocumentResult, FailedDocument
from summarizer.inputs.documents import read_path
from summarizer.llm.engine import open_local_engine
from summarizer.llm.model_store import MODEL_NAME
from summarizer.runs.runner import summarize
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "examples/articles/002_f8c6bddbe5b99dbe.txt"
PROVIDERS = ("anthropic", "ollama")


async def _summarize(settings: Settings) -> DocumentResult | FailedDocument:
    [outcome] = await summarize([read_path(str(ROOT / ARTICLE))], settings)
    return outcome


def record(provider: str, cassette: Path) -> bool:
    """What `summarizer summarize ARTICLE --model PROVIDER/MODEL --base-url ENGINE --record
    CASSETTE` does, with the engine started and stopped around it."""
    engine = open_local_engine(Settings())
    try:
        settings = Settings(
            model=f"{provider}/{MODEL_NAME}", base_url=engine.base_url, record_cassette=cassette
        )
        outcome = asyncio.run(_summarize(settings))
    finally:
        engine.stop()
    usage = outcome.usage
    what = (
        f"failed: {outcome.error}"
        if isinstance(outcome, FailedDocument)
        else f"{len(outcome.facts)} facts, grounding rate {outcome.grounding.rate:.0%}"
    )
    print(
        f"{provider}: {cassette.relative_to(ROOT)}: {what}; "
        f"{usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens"
    )
    return cassette.is_file()


if __name__ == "__main__":
    recorded = [
        record(name, ROOT / "cassettes" / "providers" / f"{name}.yaml") for name in PROVIDERS
    ]
    sys.exit(0 if all(recorded) else 1)
