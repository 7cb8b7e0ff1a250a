"""The embedded engine: llama.cpp's OpenAI-compatible server (xllamacpp) on a loopback port.

The server runs in a child process so that it can be stopped for certain (SIGTERM) when
the command ends, and so that llama.cpp's own logging goes to a log file instead of the
user's terminal.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import platformdirs

from summarizer.errors import EngineError, ModelError
from summarizer.llm.model_store import MODEL_NAME, ensure_default_model
from summarizer.settings import Settings

logger = logging.getLogger(__name__)

_READY_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class EngineOptions:
    model_path: Path
    context_per_slot: int = 8192
    parallel: int = 1
    threads: int = 0  # 0: one per available core
    ngram_speculation: bool = False
    alias: str = "local"


class LocalEngine:
    """Context manager: starts the server, yields its base URL, stops it on exit."""

    def __init__(self, options: EngineOptions, log_path: Path) -> None:
        self.options = options
        self.log_path = log_path
        self._process: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> LocalEngine:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> str:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "summarizer.llm.engine", json.dumps(self._params())]
        log = self.log_path.open("a")
        started = time.monotonic()
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, text=True
        )
        log.close()
        address = self._read_address()
        self.base_url = f"{address.rstrip('/')}/v1"
        self._wait_until_healthy(address, started)
        logger.info(
            "embedded engine ready at %s in %.1f s (log: %s)",
            self.base_url,
            time.monotonic() - started,
            self.log_path,
        )
        return self.base_url

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _params(self) -> dict[str, object]:
        o = self.options
        return {
            "model_path": str(o.model_path),
            "n_ctx": o.context_per_slot * o.parallel,
            "n_parallel": o.parallel,
            "threads": o.threads or (os.cpu_count() or 1),
            "ngram_speculation": o.ngram_speculation,
            "alias": o.alias,
        }

    def _read_address(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._process.wait()
            raise EngineError(
                f"embedded engine exited with status {self._process.returncode} before "
                f"listening; see {self.log_path}"
            )
        return str(json.loads(line)["address"])

    def _wait_until_healthy(self, address: str, started: float) -> None:
        url = f"{address.rstrip('/')}/health"
        while time.monotonic() - started < _READY_TIMEOUT_S:
            assert self._process is not None
            if self._process.poll() is not None:
                raise EngineError(f"embedded engine stopped while loading; see {self.log_path}")
            try:
                with urllib.request.urlopen(url, timeout=2.0) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass  # still loading (503) or not yet accepting connections
            time.sleep(0.2)
        self.stop()
        raise EngineError(f"embedded engine not ready after {_READY_TIMEOUT_S:.0f} s")


def engine_log_path() -> Path:
    return Path(platformdirs.user_log_dir("summarizer")) / "engine.log"


def open_local_engine(settings: Settings) -> LocalEngine:
    """The embedded engine for these settings, started; the caller stops it."""
    try:
        import xllamacpp  # noqa: F401
    except ImportError:
        raise ModelError(
            "the embedded engine is not installed: pip install 'summarizer[local]' "
            "(or use --base-url / OPENAI_API_KEY)"
        ) from None
    if settings.model_path is not None:
        if not settings.model_path.is_file():
            raise ModelError(f"{settings.model_path}: no such model file")
        model_path, alias = settings.model_path, settings.model_path.stem
    else:
        logger.info("checking the embedded model (assembled on first use, about 1.1 GB)")
        model_path, alias = ensure_default_model(), MODEL_NAME
    options = EngineOptions(
        model_path=model_path,
        context_per_slot=settings.context_per_slot,
        parallel=settings.parallel_slots,
        ngram_speculation=settings.ngram_speculation,
        alias=alias,
    )
    engine = LocalEngine(options, engine_log_path())
    engine.start()
    return engine


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies, even by kill -9.

    Polling the parent id is not enough: while llama.cpp works on a request the Python
    thread that would notice may not run for a minute or more.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def _serve(params: dict[str, object]) -> None:
    """Child process: run the server until SIGTERM or until the parent is gone."""
    import xllamacpp

    p = xllamacpp.CommonParams()
    p.model.path = str(params["model_path"])
    p.n_ctx = int(str(params["n_ctx"]))
    p.n_parallel = int(str(params["n_parallel"]))
    p.cpuparams.n_threads = int(str(params["threads"]))
    p.cpuparams_batch.n_threads = int(str(params["threads"]))
    p.port = 0
    p.use_jinja = True
    p.cache_prompt = True
    p.model_alias = {str(params["alias"])}
    if params["ngram_speculation"]:
        # Drafts text copied from the prompt; costs more than it saves under a grammar.
        p.speculative.types = [
            xllamacpp.common_speculative_type.COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE
        ]
    parent = os.getppid()
    server = xllamacpp.Server(p)
    print(json.dumps({"address": server.listening_address}), flush=True)
    # Stop on SIGTERM/SIGINT, or when the parent is gone (killed with -9, say): an orphaned
    # server would otherwise hold both cores and 2 GB of memory forever.
    stop = {signal.SIGTERM, signal.SIGINT}
    while os.getppid() == parent:
        received = signal.sigtimedwait(stop, 1.0)
        # After SIGSTOP and SIGCONT (Ctrl-Z, fg) CPython returns an empty siginfo
        # (si_signo 0) instead of going on waiting: only a real stop signal ends the server.
        if received is not None and received.si_signo in stop:
            break
    del server


if __name__ == "__main__":
    _die_with_parent()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    _serve(json.loads(sys.argv[1]))
