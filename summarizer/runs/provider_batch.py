"""`summarizer batch --batch-api`: a corpus through the provider's Batch API, at batch prices,
with the store still the single source of truth.

An executor of the runner (summarizer.runs.executors). A document goes through the same
pipeline as a live one; only its requests take another road: the pipeline is given a
`DocumentRoute` (summarizer.llm.client.BatchRoute). Run over a document, the pipeline either
finds every answer it asks for among the batches' answers (kept in the store), and its
outcome is validated, grounded, priced and saved like a live one; or it asks for a request no
batch has answered yet, which is written down, and the document is Pending. Once every
document has been tried, the requests asked for go up in batches; the run polls them, keeps
their answers in the store and tries the waiting documents again. An answer that fails validation or
grounding makes the pipeline re-ask: a new request, in a follow-up batch (or live, with
fallback "live"). A request a batch failed or lost is sent again, up to `max_attempts`
batches, then its document fails.

Each batch's submission token is in the store before the batch is created, and in the
batch's metadata after: a run stopped at any point re-attaches to its batches, and no request
is submitted twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from openai.types.chat import ChatCompletion

from summarizer.errors import LLMError
from summarizer.extraction.models import Usage
from summarizer.inputs.documents import Document
from summarizer.llm.batch_api import (
    MAX_BYTES_PER_FILE,
    MAX_REQUESTS_PER_FILE,
    BatchApi,
    BatchStatus,
    request_line,
    split_files,
)
from summarizer.llm.sdks import response_usage
from summarizer.pipeline import Pending, Summarizer, params_json
from summarizer.runs.executors import Settled
from summarizer.runs.store import BatchJob, BatchRequest, BatchRequestState, Store
from summarizer.settings import Settings

logger = logging.getLogger(__name__)

Fallback = Literal["batch", "live"]
# Seconds between polls of a batch: OpenAI's take minutes to hours.
POLL_S = 30.0
# Batches a request may fail in (or be lost by) before its document fails.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class BatchApiOptions:
    fallback: Fallback = "batch"  # where re-asks and failed requests go: a follow-up batch or live
    poll_s: float = POLL_S
    max_attempts: int = MAX_ATTEMPTS
    max_requests: int = MAX_REQUESTS_PER_FILE
    max_bytes: int = MAX_BYTES_PER_FILE


def body_sha256(request: dict[str, Any]) -> str:
    return hashlib.sha256(params_json(request).encode()).hexdigest()


class DocumentRoute:
    """One document's requests in a Batch API run: each answered from a batch, sent live
    (fallback), or asked of the next batch (Pending)."""

    def __init__(self, batches: ProviderBatch, doc_key: str) -> None:
        self.batches = batches
        self.doc_key = doc_key
        self.waiting = False
        self.answered = 0  # requests of this document the batches answered
        self.batch_usage = Usage()
        self.live_usage = Usage()

    async def send(self, request: dict[str, Any], live: Any) -> Any | Pending:
        body = body_sha256(request)
        answer = self.batches.store.batch_answer(body)
        if answer is not None:
            response = ChatCompletion.model_validate_json(answer)
            self.answered += 1
            self.batch_usage += response_usage(response)
            return response
        state = self.batches.states.get(body, BatchRequestState())
        if state.in_flight:
            return self._wait("in a batch still running")
        options = self.batches.options
        # Live, once batches had their chance: a request a batch failed, or a re-ask of an
        # answer a batch gave.
        if options.fallback == "live" and (state.failures or self.answered):
            response = await live(**request)
            self.live_usage += response_usage(response)
            return response
        if state.failures >= options.max_attempts:
            raise LLMError(
                f"the Batch API failed this request in {state.failures} batches "
                f"(last: {state.last_error})"
            )
        self.batches.ask(body, request, self.doc_key)
        return self._wait("for the next batch")

    def _wait(self, where: str) -> Pending:
        self.waiting = True
        return Pending(f"waiting {where}")


@dataclass
class _Watch:
    """What the run saw of one batch: for its progress line and its ETA."""

    first_seen: float = field(default_factory=time.monotonic)
    first_done: int | None = None
    shown: tuple[str, int, int] | None = None


class ProviderBatch:
    """The runner's executor for a Batch API run: routes documents' requests, submits what
    they ask, polls the batches in flight and keeps their answers in the store."""

    def __init__(
        self,
        summarizer: Summarizer,
        store: Store,
        settings: Settings,
        options: BatchApiOptions,
        in_flight: int,
    ) -> None:
        self.summarizer = summarizer
        self.in_flight = in_flight
        self.store = store
        endpoint = summarizer.endpoint
        self.options = options
        self.api = BatchApi(endpoint, settings)
        # Batches belong to a server and a model: another's answers are not ours.
        self.endpoint_id = f"{endpoint.describe()} {endpoint.model}"
        self.states: dict[str, BatchRequestState] = {}
        # Request body hash: the request and its line, encoded once (a corpus of 50,000
        # asks for as many lines: bytes, not dicts, until they go up)
        self._asked: dict[str, tuple[BatchRequest, bytes]] = {}
        self._numbers: Counter[str] = Counter()  # requests asked this round, per document
        self._watches: dict[str, _Watch] = {}

    async def close(self) -> None:
        await self.api.close()

    async def start(self) -> None:
        await self.recover()

    async def recover(self) -> None:
        """Before anything is asked: the batches an earlier run of this endpoint left in
        flight, found again (also one it stopped creating), so that their requests wait
        for them rather than going up twice."""
        for job in self._in_flight():
            if job.batch_id is None:
                await self._finish_submitting(job)
        self.states = self.store.batch_request_states()

    async def summarize(self, document: Document, key: str) -> Settled | Pending:
        """The document's outcome, or Pending while it waits for a batch."""
        route = DocumentRoute(self, key)
        outcome = await self.summarizer.summarize(document, route)
        if isinstance(outcome, Pending):
            return outcome
        if route.waiting:  # a failure on the way (another window's) does not end it yet
            return Pending("a request of it waits for a batch")
        return Settled(outcome, route.batch_usage, route.live_usage)

    def ask(self, body: str, request: dict[str, Any], doc_key: str) -> None:
        """A request for the next batch. Its custom_id is the document's store key; the
        document's later requests (re-asks, windows, a long document's summary), the key
        numbered."""
        if body in self._asked:
            return
        number = self.store.count_batch_requests(doc_key) + self._numbers[doc_key]
        self._numbers[doc_key] += 1
        custom_id = doc_key if number == 0 else f"{doc_key}.{number + 1}"
        line = request_line(custom_id, request)
        self._asked[body] = (BatchRequest(custom_id, body, doc_key), line)

    async def settle(self, run_id: int) -> None:
        """Submit what the documents asked for, and wait until every batch in flight is
        done and its answers are in the store."""
        asked, self._asked = list(self._asked.values()), {}
        self._numbers.clear()
        if asked:
            await self._submit(asked, run_id)
        while jobs := self._in_flight():
            finished = [await self._poll(job) for job in jobs]
            if not all(finished):
                await asyncio.sleep(self.options.poll_s)
        self.states = self.store.batch_request_states()

    def _in_flight(self) -> list[BatchJob]:
        return [job for job in self.store.batch_jobs(self.endpoint_id) if job.in_flight]

    # ---- submitting ---------------------------------------------------------------------

    async def _submit(self, asked: list[tuple[BatchRequest, bytes]], run_id: int) -> None:
        requests = [request for request, _ in asked]
        lines = [line for _, line in asked]
        files = split_files(lines, self.options.max_requests, self.options.max_bytes)
        start = 0
        for file_lines in files:
            chunk = requests[start : start + len(file_lines)]
            start += len(file_lines)
            submission = _submission_token(run_id, file_lines)
            self.store.add_batch_job(submission, self.endpoint_id, run_id, chunk)
            input_file = await self.api.upload(f"summarizer-{submission}.jsonl", file_lines)
            self.store.update_batch_job(submission, input_file=input_file)
            status = await self.api.create(input_file, submission)
            self.store.update_batch_job(submission, batch_id=status.id, status=status.status)
            logger.info("batch %s submitted: %d requests", status.id, len(chunk))

    async def _finish_submitting(self, job: BatchJob) -> None:
        found = await self.api.find(job.submission)
        if found is None and job.input_file is not None:
            found = await self.api.create(job.input_file, job.submission)
        if found is None:  # stopped before its file went up: nothing was sent
            self.store.drop_batch_job(job.submission)
            return
        self.store.update_batch_job(job.submission, batch_id=found.id, status=found.status)
        logger.info("batch %s: re-attached (%s)", found.id, found.status)

    # ---- waiting ------------------------------------------------------------------------

    async def _poll(self, job: BatchJob) -> bool:
        """Whether the batch is done (its answers and failures then in the store)."""
        assert job.batch_id is not None
        status = await self.api.retrieve(job.batch_id)
        self.store.update_batch_job(
            job.submission, status=status.status, completed=status.completed, failed=status.failed
        )
        self._show(status)
        if status.final:
            await self._collect(job, status)
        return status.final

    async def _collect(self, job: BatchJob, status: BatchStatus) -> None:
        requests = {r.custom_id: r for r in self.store.batch_requests(job.submission)}
        results = await self.api.results(status, requests)
        answers = {
            custom_id: (requests[custom_id].body_sha256, json.dumps(body))
            for custom_id, body in results.answers.items()
            if custom_id in requests
        }
        failures = {c: error for c, error in results.failures.items() if c in requests}
        self.store.save_batch_results(job.submission, answers, failures)
        logger.info(
            "batch %s %s: %d answered, %d failed or lost",
            status.id,
            status.status,
            len(answers),
            len(failures),
        )

    def _show(self, status: BatchStatus) -> None:
        """A progress line when the batch's counts move: status, counts and an ETA."""
        watch = self._watches.setdefault(status.id, _Watch())
        seen = (status.status, status.completed, status.failed)
        if seen == watch.shown or status.final:
            return
        watch.shown = seen
        if watch.first_done is None:
            watch.first_done = status.completed + status.failed
        logger.info(
            "batch %s %s: %d of %d done, %d failed%s",
            status.id,
            status.status,
            status.completed,
            status.total,
            status.failed,
            _eta(watch, status),
        )


def _eta(watch: _Watch, status: BatchStatus) -> str:
    done = status.completed + status.failed
    rate = (done - (watch.first_done or 0)) / max(time.monotonic() - watch.first_seen, 1e-9)
    if rate <= 0 or not status.total:
        return ""
    return f", about {(status.total - done) / rate:.0f} s left"


def _submission_token(run_id: int, lines: list[bytes]) -> str:
    """Names a batch before it exists. Of the run and the requests, not random: a second
    submission of the same lines in one run cannot happen (a request sent again has a new
    custom_id), and a replayed cassette sends what was recorded."""
    digest = hashlib.sha256(f"{run_id}\0".encode())
    for line in lines:
        digest.update(line)
    return digest.hexdigest()[:32]
