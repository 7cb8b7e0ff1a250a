"""The one test that runs a real model: the embedded engine on a short article.

Skipped where the 'local' extra is not installed, unless SUMMARIZER_REQUIRE_LIVE=1 (as in
.ci/run), where a missing engine is a failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from summarizer.extraction.models import DocumentResult, FailedDocument
from summarizer.inputs.documents import Document
from summarizer.inputs.writing_systems import foreign_letters, scripts_of
from summarizer.llm import model_store
from summarizer.llm.engine import open_local_engine
from summarizer.pipeline import Summarizer
from summarizer.settings import Settings
from summarizer.testing import ARTICLES

# One engine at a time: the module runs on one xdist worker (--dist loadfile).
pytestmark = pytest.mark.live


def _engine_missing() -> str | None:
    try:
        import xllamacpp  # noqa: F401
    except ImportError:
        return "xllamacpp is not installed (pip install -e '.[local]')"
    if not model_store.parts_installed() and not model_store.is_verified(
        model_store.default_model_path()
    ):
        return "the embedded model's packages are not installed"
    return None


@pytest.fixture
def embedded_engine_available() -> None:
    reason = _engine_missing()
    if reason:
        if os.environ.get("SUMMARIZER_REQUIRE_LIVE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def _short_article(min_chars: int = 900) -> str:
    """The opening paragraphs of an example article, about 200 words."""
    kept: list[str] = []
    for paragraph in (
        (ARTICLES / "003_79d721cb69906ae1.txt").read_text(encoding="utf-8").split("\n")
    ):
        if sum(map(len, kept)) >= min_chars:
            break
        if paragraph.strip():
            kept.append(paragraph)
    return "\n".join(kept)


async def _summarize(document: Document) -> DocumentResult | FailedDocument:
    async with Summarizer(Settings.from_env()) as summarizer:
        return await summarizer.summarize(document)


@pytest.mark.usefixtures("embedded_engine_available")
def test_embedded_engine_summarizes_a_short_article() -> None:
    text = _short_article()
    document = Document(id="live", source="live.txt", text=text)
    outcome = asyncio.run(_summarize(document))
    assert isinstance(outcome, DocumentResult), outcome
    DocumentResult.model_validate(outcome.model_dump())
    assert outcome.provider == "local" and outcome.summary.text
    located = [f.evidence for f in outcome.facts if f.evidence.start is not None]
    assert located, [f.evidence.quote for f in outcome.facts]
    for evidence in located:
        assert evidence.end is not None and text[evidence.start : evidence.end]
    assert sum(outcome.grounding.support.values()) == len(outcome.facts)
    # Whatever the model wrote, it wrote in the article's script (the grammar sees to it).
    written = json.dumps(outcome.model_dump(exclude={"source", "id"}), ensure_ascii=False)
    assert foreign_letters(written, scripts_of(text)) == ""
    usage = outcome.usage
    print(
        f"\nlive: {len(text)} chars, {outcome.elapsed_s:.1f} s, {usage.prompt_tokens} prompt + "
        f"{usage.completion_tokens} completion tokens, grounding {outcome.grounding.rate:.0%}, "
        f"support {outcome.grounding.support_rate:.0%}"
    )


PARENT_SCRIPT = """
import json, sys, threading, time, urllib.request
from summarizer.settings import Settings
from summarizer.llm.engine import open_local_engine

engine = open_local_engine(Settings.from_env({}))
# A long prompt: while llama.cpp reads it, polling for the parent in Python stalls.
article = open(sys.argv[1], encoding="utf-8").read()
body = json.dumps({"model": "local", "max_tokens": 50, "temperature": 0,
                   "messages": [{"role": "user", "content": (article + "\\n") * 2}]})
request = urllib.request.Request(engine.base_url + "/chat/completions", body.encode(),
                                 {"content-type": "application/json"})
threading.Thread(target=lambda: urllib.request.urlopen(request, timeout=600), daemon=True).start()
time.sleep(3)  # the engine is now busy with the prompt
print(engine._process.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in state  # a zombie has already stopped


@pytest.mark.usefixtures("embedded_engine_available")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and prctl")
def test_engine_dies_with_its_parent_even_while_busy() -> None:
    article = ARTICLES / "001_b9058b3b0d63c9a3.txt"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT_SCRIPT, str(article)], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    engine_pid = int(parent.stdout.readline())
    assert _alive(engine_pid)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10  # reading the prompt alone takes far longer
    while _alive(engine_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(engine_pid)


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url.removesuffix("/v1") + "/health", timeout=10) as r:
            return bool(r.status == 200)
    except OSError:
        return False


@pytest.mark.usefixtures("embedded_engine_available")
def test_engine_survives_being_suspended_and_resumed() -> None:
    """Ctrl-Z then fg stops and continues the whole process group, the engine included."""
    engine = open_local_engine(Settings.from_env())
    try:
        assert engine._process is not None and _healthy(engine.base_url)
        pid = engine._process.pid
        os.kill(pid, signal.SIGSTOP)
        time.sleep(1.5)
        os.kill(pid, signal.SIGCONT)
        time.sleep(1.5)
        assert engine._process.poll() is None, "the engine exited after SIGCONT"
        assert _healthy(engine.base_url)
    finally:
        engine.stop()
