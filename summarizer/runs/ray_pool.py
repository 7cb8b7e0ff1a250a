"""`summarizer batch --ray [ADDRESS]`: the documents still to do, spread over a Ray cluster's
actors (the optional extra `summarizer[ray]`).

Each actor runs the pipeline (summarizer.pipeline.Summarizer) on its own event loop, against
the endpoint given or its own embedded engine: one actor per node then, with the node's
cores. The driver stays what it is in a single-process batch: it reads the inputs, asks the
store first, and is the only writer of the store and the output; a document goes to an
actor only once the store has no result for it, and its outcome streams back as an awaited
ObjectRef. An actor that dies (killed, out of memory, its node gone) loses nothing: its
documents in flight go to another actor, and a replacement is started.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from summarizer.errors import RayUnavailable
from summarizer.extraction.models import FailedDocument, Outcome
from summarizer.inputs.documents import Document
from summarizer.inputs.text import stem, stop_words
from summarizer.llm.providers import select_endpoint
from summarizer.pipeline import Pending, Summarizer
from summarizer.runs.executors import Settled
from summarizer.settings import Settings

logger = logging.getLogger(__name__)

# Actors a document may lose in a row before it fails: a document that kills every actor it
# reaches (a crash in the engine) must not take the cluster down with it.
MAX_LOST_ACTORS = 3


@dataclass(frozen=True)
class RayOptions:
    address: str | None = None  # None: RAY_ADDRESS's, else a local cluster of this machine
    actors: int | None = None  # None: one per CPU (an endpoint) or per node (embedded engine)


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError:
        raise RayUnavailable("--ray needs Ray: pip install 'summarizer[ray]'") from None
    return ray


class SummarizerActor:
    """One pipeline on a Ray worker, with its own event loop (an async actor): it serves
    the requests in flight that the driver hands it, concurrently."""

    def __init__(self, settings: Settings) -> None:
        _preload()
        self.summarizer = Summarizer(settings)
        self._opened = False
        self._opening = asyncio.Lock()

    async def summarize(self, document: Document) -> Outcome:
        async with self._opening:
            if not self._opened:
                await self.summarizer.__aenter__()  # the engine starts on first use
                self._opened = True
        outcome = await self.summarizer.summarize(document)
        assert not isinstance(outcome, Pending)  # no Batch API route here: nothing waits
        return outcome

    def ping(self) -> int:
        return os.getpid()


def _preload() -> None:
    """What the first document would import on first use (sklearn's stop words, nltk's
    stemmer, wordfreq), while the actor starts: once `ready`, an actor is ready. Measured on
    a loaded 2-core machine, an actor's first document took 69 s, 55 of them in sklearn."""
    stop_words()
    stem("reading")
    importlib.import_module("wordfreq")


@dataclass
class _Slot:
    spec: dict[str, Any]  # the Ray options it was started with, to start a replacement
    handle: Any
    in_flight: int = 0


class RayPool:
    """The runner's executor on a Ray cluster: its actors serve one run's documents, least
    loaded first."""

    def __init__(self, settings: Settings, options: RayOptions, in_flight: int) -> None:
        """`in_flight`: requests in flight as a single process would have them
        (summarizer.runs.runner.concurrency_for): on an endpoint, in all, shared among the
        actors; on the embedded engine, per engine, so per actor (its settings give the
        engine a slot for each)."""
        self.ray = import_ray()
        self._started_ray = False
        self._connect(options.address)
        self.local_engine = select_endpoint(settings).provider == "local"
        specs = self._specs(options.actors)
        if self.local_engine:
            self.per_actor = in_flight
        else:
            self.per_actor = max(1, -(-in_flight // len(specs)))
        self.in_flight = self.per_actor * len(specs)
        self.settings = settings
        self._remote_class = self.ray.remote(SummarizerActor)
        self._specs_planned = specs
        self._slots: list[_Slot] | None = None  # started for the first document to do
        self.lost_actors = 0
        self.resent = 0

    @property
    def slots(self) -> list[_Slot]:
        """The actors, started when first needed: a re-run the store answers whole starts
        none."""
        if self._slots is None:
            self._slots = [self._start(spec) for spec in self._specs_planned]
        return self._slots

    def _connect(self, address: str | None) -> None:
        if self.ray.is_initialized():
            return
        options: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,  # failures come back as outcomes
            "logging_level": logging.WARNING,
        }
        address = address or os.environ.get("RAY_ADDRESS")
        try:
            if address is None:  # "local": a new cluster, not one ray start left running
                self.ray.init(address="local", num_cpus=os.cpu_count(), **options)
            else:
                self.ray.init(address=address, **options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = address or "a local cluster"
            raise RayUnavailable(f"--ray: cannot start or reach {where}: {exc}") from None
        self._started_ray = True

    def _specs(self, actors: int | None) -> list[dict[str, Any]]:
        """How each actor is placed: on the embedded engine one per alive node, with its
        cores; on an endpoint, `actors` of one CPU each (one per CPU of the cluster)."""
        nodes = [n for n in self.ray.nodes() if n.get("Alive")]
        if self.local_engine:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            specs = [
                {
                    "num_cpus": max(1, int(node["Resources"].get("CPU", 1))),
                    "scheduling_strategy": NodeAffinitySchedulingStrategy(
                        node["NodeID"], soft=True
                    ),
                }
                for node in nodes
            ]
            return specs[: actors or len(specs)]
        count = actors or max(1, int(self.ray.cluster_resources().get("CPU", 1)))
        return [{"num_cpus": 1} for _ in range(count)]

    def _start(self, spec: dict[str, Any]) -> _Slot:
        options = {**spec, "max_concurrency": max(self.per_actor, 2)}
        handle = self._remote_class.options(**options).remote(self.settings)
        return _Slot(spec, handle)

    async def ready(self) -> list[int]:
        """Wait until every actor is up (their process ids): a benchmark times the work."""
        return list(await asyncio.gather(*(slot.handle.ping.remote() for slot in self.slots)))

    async def start(self) -> None:
        return None  # the actors start with the first document to do

    async def settle(self, run_id: int) -> None:
        return None  # nothing waits here

    async def summarize(self, document: Document, key: str) -> Settled:
        return Settled(await self.outcome(document))

    async def outcome(self, document: Document) -> Outcome:
        """The document's outcome from an actor; another actor's if this one dies."""
        errors = self.ray.exceptions
        lost: list[str] = []
        while len(lost) < MAX_LOST_ACTORS:
            slot = min(self.slots, key=lambda s: s.in_flight)
            slot.in_flight += 1
            try:
                outcome: Outcome = await slot.handle.summarize.remote(document)
                return outcome
            except (errors.RayActorError, errors.ActorUnavailableError) as exc:
                lost.append(type(exc).__name__)
                self._replace(slot)
            finally:
                slot.in_flight -= 1
        return FailedDocument(
            id=document.id,
            source=document.source,
            error=f"lost {len(lost)} Ray actors in a row while summarizing it ({lost[-1]})",
        )

    def _replace(self, slot: _Slot) -> None:
        """A dead actor's slot gets a new actor (once: its other documents in flight see
        the same death); the document goes to the least loaded actor."""
        self.resent += 1
        if slot not in self.slots:
            return
        self.lost_actors += 1
        logger.warning("a Ray actor died; its documents go to the others, and a new one starts")
        self.slots[self.slots.index(slot)] = self._start(slot.spec)

    def kill_one(self) -> None:
        """Kill an actor, as a crash would (tests and fault drills)."""
        self.ray.kill(self.slots[0].handle, no_restart=True)

    async def close(self) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        """The actors killed and the cluster this run started shut down; once."""
        for slot in self._slots or []:
            self.ray.kill(slot.handle, no_restart=True)
        self._slots = []
        if self._started_ray:
            self._started_ray = False
            self.ray.shutdown()


def check_ray_settings(settings: Settings) -> None:
    if settings.record_cassette is not None:
        raise RayUnavailable("--ray cannot record a cassette: every actor would write it")
