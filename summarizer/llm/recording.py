"""Record and replay model calls with vcrpy cassettes.

Requests are matched on method, path and JSON body (never host or port: the embedded
engine's port changes every run). Secrets are scrubbed before anything is written.
Use `cassette(path, "none")` in your own tests, or `vcr_config()` with pytest-recording.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Literal

import vcr
import yaml
from vcr.errors import CannotOverwriteExistingCassetteException

from summarizer.errors import CassetteError, ReplayMissError
from summarizer.redaction import redact_url

RecordMode = Literal["none", "once", "new_episodes", "all"]

SECRET_REQUEST_HEADERS = (
    "authorization",
    "api-key",
    "x-api-key",
    "x-goog-api-key",  # google-genai
    "cookie",
    "openai-organization",
    "openai-project",
)
SECRET_RESPONSE_HEADERS = ("set-cookie", "openai-organization", "openai-project")
SECRET_QUERY_PARAMETERS = ("api-key", "api_key", "key")
MATCH_ON = ("method", "path", "json_body", "fetch_target")
_BATCH_API_PATH = re.compile(r"/v1/(batches|files)(/|$)")
_MULTIPART_START = re.compile(r"--([0-9A-Za-z'()+_,./:=?-]{1,70})\r\n")
# The embedded engine's health checks, polled while it loads: not part of a run.
_ENGINE_PATHS = ("/health", "/props", "/slots")


def _json_or_raw(body: Any) -> Any:
    if body is None:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    try:
        return json.loads(text)
    except ValueError:
        return _without_boundary(text)


def _without_boundary(text: str) -> str:
    """A multipart body (a Batch API file upload) with its random boundary replaced: the
    same upload matches in a replay."""
    match = _MULTIPART_START.match(text)
    return text.replace(match.group(1), "BOUNDARY") if match else text


def json_body_matcher(r1: Any, r2: Any) -> None:
    """vcrpy matcher: equal when the bodies parse to equal JSON (key order does not matter)."""
    if _json_or_raw(r1.body) != _json_or_raw(r2.body):
        raise AssertionError("request bodies differ")


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_RESPONSE_HEADERS:
            del headers[name]
    return response


def fetch_target_matcher(r1: Any, r2: Any) -> None:
    """vcrpy matcher: a page fetched (GET) is the same page only on the same host, port and
    query; model calls (POST) and the Batch API's polls and downloads match on path (and
    body) alone, the server's port changing."""
    if r1.method != "GET" or _BATCH_API_PATH.search(r1.path):
        return
    if (r1.host, r1.port, r1.query) != (r2.host, r2.port, r2.query):
        raise AssertionError("fetched URLs differ")


def _scrub_request(request: Any) -> Any:
    """No credentials in the recorded URI (`http://user:key@host/v1`); no engine health
    check in the cassette."""
    if request.path.endswith(_ENGINE_PATHS):
        return None
    request.uri = redact_url(request.uri)
    return request


def vcr_config() -> dict[str, Any]:
    """Keyword arguments for vcr.VCR, also the return value for pytest-recording's vcr_config."""
    return {
        "match_on": list(MATCH_ON),
        "filter_headers": list(SECRET_REQUEST_HEADERS),
        "filter_query_parameters": list(SECRET_QUERY_PARAMETERS),
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
    }


def make_vcr(record_mode: RecordMode) -> vcr.VCR:
    recorder = vcr.VCR(record_mode=record_mode, **vcr_config())
    recorder.register_matcher("json_body", json_body_matcher)
    recorder.register_matcher("fetch_target", fetch_target_matcher)
    return recorder


@contextmanager
def cassette(path: Path, record_mode: RecordMode = "none") -> Iterator[Any]:
    """Replay (`none`, the default) or record the HTTP calls made inside the block.

    Recording with mode `all` starts a cassette afresh, so that stale interactions never
    linger in it, beside the old one: it replaces the old one only when the block ends
    normally having recorded something. A recording that fails or records nothing (an
    unreachable endpoint) leaves the old cassette as it was.
    """
    if record_mode == "none" and not path.is_file():
        raise ReplayMissError(f"{path}: no such cassette")
    if record_mode != "all":
        with make_vcr(record_mode).use_cassette(str(path), allow_playback_repeats=False) as tape:
            yield tape
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_name(f".{path.name}.recording")
    fresh.unlink(missing_ok=True)
    try:
        with make_vcr("all").use_cassette(str(fresh), allow_playback_repeats=False) as tape:
            yield tape
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    if fresh.is_file():
        fresh.replace(path)


@contextmanager
def open_cassette(path: Path, record_mode: RecordMode) -> Iterator[Any]:
    """cassette(), its file's faults one message for the run (CassetteError), not a stack
    trace per request: missing, unreadable, or not a cassette."""
    with ExitStack() as stack:
        try:
            tape = stack.enter_context(cassette(path, record_mode))
        except CassetteError:
            raise
        except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError) as exc:
            raise CassetteError(f"{path}: not a cassette ({_first_line(exc)})") from None
        yield tape


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def is_replay_miss(error: BaseException) -> bool:
    """True when the error (or what caused it) is vcrpy refusing an unrecorded request."""
    seen: BaseException | None = error
    chain: set[int] = set()
    while seen is not None and id(seen) not in chain:  # a chain may loop back on itself
        if isinstance(seen, CannotOverwriteExistingCassetteException):
            return True
        chain.add(id(seen))
        seen = seen.__cause__ or seen.__context__
    return False
