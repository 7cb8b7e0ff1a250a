"""Re-record the Batch API cassette: two example articles through `summarizer batch --batch-api`.

    python scripts/record_batch_api.py      # cassettes/batch_api/two_articles.yaml

The Batch API is the local one of the tests (summarizer/testing/batches.py: `/v1/files` and
`/v1/batches` on 127.0.0.1), and each request line of a batch is answered by the embedded
engine: a real run of the whole road (upload, create, polls, output download, validation
and grounding of each answer, a follow-up batch for any re-ask), with no key and nothing
fetched. tests/test_provider_batch.py replays it offline.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.llm.engine import open_local_engine  # noqa: E402
from summarizer.llm.model_store import MODEL_NAME  # noqa: E402
from summarizer.settings import Settings  # noqa: E402
from summarizer.testing import FakeServer  # noqa: E402

ARTICLES = [
    "examples/articles/002_f8c6bddbe5b99dbe.txt",
    "examples/articles/004_dc610e0354c53506.txt",
]
CASSETTE = ROOT / "cassettes" / "batch_api" / "two_articles.yaml"
OUTPUT = ROOT / "cassettes" / "batch_api" / "two_articles.jsonl"


def main() -> None:
    engine = open_local_engine(Settings())
    try:

        def answer(body: dict[str, Any]) -> dict[str, Any]:
            response = httpx.post(f"{engine.base_url}/chat/completions", json=body, timeout=600)
            response.raise_for_status()
            return dict(response.json())

        with FakeServer(answer=answer, lines_per_poll=1) as server:
            CASSETTE.parent.mkdir(parents=True, exist_ok=True)
            CASSETTE.unlink(missing_ok=True)
            args = [
                sys.executable,
                "-m",
                "summarizer",
                "batch",
                *[str(ROOT / a) for a in ARTICLES],
                "-o",
                str(OUTPUT),
                "--base-url",
                server.url,
                "--model",
                MODEL_NAME,
                "--batch-api",
                "--batch-poll",
                "0.5",
                "--record",
                str(CASSETTE),
            ]
            # Its own process: the cassette records what the tool sends, not the server's
            # own calls to the engine (vcrpy patches every HTTP client of a process).
            subprocess.run(args, check=True, cwd=ROOT)
            print(f"{len(server.batches)} batch(es), {sum(server.submitted.values())} requests")
    finally:
        engine.stop()
    for line in OUTPUT.read_text().splitlines():
        result = json.loads(line)
        print(result["id"], result["status"], len(result.get("facts", [])), "facts")


if __name__ == "__main__":
    main()
