"""A document longer than the model's context: each window read like a short document (and
kept, so that a re-run resumes at the window), the facts put together with offsets into the
whole text, and the headline and summary written from the windows' summaries or facts."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from openai.types.chat import ChatCompletionMessageParam

from summarizer.errors import RunError
from summarizer.evidence.grounding import report
from summarizer.evidence.merging import merge_entities, merge_facts
from summarizer.extraction.models import (
    MAX_SUMMARY_SENTENCES,
    DocumentResult,
    Fact,
    FailedDocument,
    Outcome,
    Summary,
    SupportVerdict,
    Synopsis,
    TextWindow,
    Usage,
)
from summarizer.extraction.prompting import fence
from summarizer.inputs.documents import Document
from summarizer.inputs.windows import Window, window_document
from summarizer.llm.client import BatchRoute, Call, Pending
from summarizer.pipeline.results import fit_notes, summary_text, total_seconds

if TYPE_CHECKING:
    from summarizer.pipeline.summarizer import Summarizer

logger = logging.getLogger(__name__)

# Windows of one document in flight on a remote endpoint (the embedded engine: its slots).
REMOTE_WINDOWS_IN_FLIGHT = 4


class WindowReader:
    """Reads the long documents of one run; every long document of a batch shares its
    windows in flight."""

    def __init__(self, summarizer: Summarizer) -> None:
        self.summarizer = summarizer
        self.settings = summarizer.settings
        local = summarizer.endpoint.provider == "local"
        # On the embedded engine as many as it has slots, so that none waits out its
        # timeout in the engine's queue.
        slots = max(self.settings.parallel_slots, 1) if local else REMOTE_WINDOWS_IN_FLIGHT
        self.in_flight = asyncio.Semaphore(slots)

    async def read(
        self, document: Document, windows: list[Window], route: BatchRoute | None
    ) -> Outcome | Pending:
        started = time.monotonic()
        count = len(windows)
        logger.info(
            "%s: %d characters, over the model's context: reading it in %d windows",
            document.source,
            len(document.text),
            count,
        )
        progress = _WindowProgress(document.source, count)

        async def read_one(number: int, window: Window) -> Outcome | Pending:
            async with self.in_flight:
                part = window_document(document, window, number, count)
                outcome = await self._window(part, route)
            progress.done(number, outcome)
            return outcome

        outcomes = await asyncio.gather(*(read_one(n, w) for n, w in enumerate(windows, 1)))
        # Every window asked its request first: they wait for one batch together.
        if waiting := next((o for o in outcomes if isinstance(o, Pending)), None):
            return waiting
        done = [o for o in outcomes if not isinstance(o, Pending)]
        usage = sum((o.usage for o in done), Usage())
        failed = next((o for o in done if isinstance(o, FailedDocument)), None)
        if failed is not None:
            return FailedDocument(
                id=document.id,
                source=document.source,
                error=f"window {done.index(failed) + 1} of {count}: {failed.error}",
                usage=usage,
            )
        results = [o for o in done if isinstance(o, DocumentResult)]
        return await self._merged(document, windows, results, usage, started, route)

    async def _window(self, window: Document, route: BatchRoute | None) -> Outcome | Pending:
        cache = self.summarizer.window_cache
        key = self.summarizer.request_key(window).key
        if cache is not None and (hit := cache.cached_window(key)):
            return hit
        outcome = await self.summarizer.summarize_whole(window, route)
        if cache is not None and isinstance(outcome, DocumentResult):
            cache.save_window(key, outcome)
        return outcome

    async def _merged(
        self,
        document: Document,
        windows: list[Window],
        results: list[DocumentResult],
        usage: Usage,
        started: float,
        route: BatchRoute | None,
    ) -> DocumentResult | Pending:
        facts = merge_facts(
            [(w, r.facts) for w, r in zip(windows, results, strict=True)], document.layout
        )
        written = await self._synopsis(document, results, facts, route)
        if isinstance(written, Pending):
            return written
        summary, synopsis_usage, seconds = written
        first = results[0]
        return first.model_copy(
            update={
                "id": document.id,
                "source": document.source,
                "sha256": document.sha256,
                "url": document.url,
                "fetched_at": document.fetched_at,
                "summary": summary,
                "facts": facts,
                "entities": merge_entities([r.entities for r in results], document.text),
                "grounding": report(
                    [f.evidence for f in facts],
                    reasks=sum(r.grounding.reasks for r in results),
                    dropped=sum(r.grounding.dropped for r in results),
                ),
                "usage": usage + synopsis_usage,
                "elapsed_s": round(time.monotonic() - started, 2),
                "model_seconds": total_seconds([*(r.model_seconds for r in results), seconds]),
                "windows": [
                    TextWindow(start=w.start, end=w.end, facts=len(r.facts))
                    for w, r in zip(windows, results, strict=True)
                ],
            }
        )

    async def _synopsis(
        self,
        document: Document,
        results: list[DocumentResult],
        facts: Sequence[Fact],
        route: BatchRoute | None,
    ) -> tuple[Summary, Usage, float | None] | Pending:
        """The whole document's headline and summary: the first window's, or written in
        one more request. If that fails, the first window's stand, with a warning: the
        facts are the larger part of the work, and every window is kept."""
        key_points = [f.statement for f in facts if f.evidence.support == SupportVerdict.SUPPORTED]
        first = results[0].summary
        first_window = first.model_copy(update={"key_points": key_points}), Usage(), None
        if self.settings.long_summary == "first":
            return first_window
        messages = self.synopsis_messages(document, self._notes(results, facts))
        model = self.summarizer.in_document_scripts(document, Synopsis)
        try:
            completion = await self.summarizer.session.extract(messages, model, Call(route=route))
        except RunError as exc:
            logger.warning(
                "%s: the summary of the whole could not be written (%s); the first window's stands",
                document.source,
                exc,
            )
            return first_window
        if isinstance(completion, Pending):
            return completion
        synopsis = completion.value
        summary = Summary(
            headline=synopsis.headline.strip(),
            text=summary_text(synopsis.summary),
            key_points=key_points,
        )
        return summary, completion.usage, completion.model_seconds

    def synopsis_messages(
        self, document: Document, notes: list[str]
    ) -> list[ChatCompletionMessageParam]:
        """The request for the whole document's headline and summary, written from `notes`
        (its windows' summaries or facts' evidence)."""
        return self.summarizer.synopsis_prompt.render_with(
            {
                "notes": notes,
                "title": document.title,
                "language": self.settings.language,
                "fence": fence(document),
                "max_summary_sentences": MAX_SUMMARY_SENTENCES,
            }
        )

    def _notes(self, results: list[DocumentResult], facts: Sequence[Fact]) -> list[str]:
        if self.settings.long_summary == "facts":
            notes = [f.evidence.quote for f in facts if f.evidence.start is not None]
        else:
            notes = [f"{r.summary.headline}: {r.summary.text}" for r in results]
        return fit_notes(notes, self.summarizer.window_tokens)


class _WindowProgress:
    """Progress through a long document's windows, on the log (stderr)."""

    def __init__(self, source: str, count: int) -> None:
        self.source = source
        self.count = count
        self.finished = 0

    def done(self, number: int, outcome: Outcome | Pending) -> None:
        self.finished += 1
        if isinstance(outcome, Pending):
            what = f"waiting: {outcome.reason}"
        elif isinstance(outcome, FailedDocument):
            what = f"failed: {outcome.error}"
        else:
            what = f"{len(outcome.facts)} facts"
        logger.info(
            "%s: window %d of %d read (%s); %d of %d done",
            self.source,
            number,
            self.count,
            what,
            self.finished,
            self.count,
        )
