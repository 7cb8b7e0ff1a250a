"""Web pages as documents: fetched with httpx (the openai SDK's own, httpx2, which cassettes
record), reduced to their article text with trafilatura, the URL and the time of fetching kept.

Bounded: a timeout on each read, a deadline on the whole fetch, at most MAX_REDIRECTS
redirects, at most max_bytes read, and only content that is a page, text or a PDF. Everything
else is a ReadError naming the URL and the cause.

A URL's user and password (`http://reader:PW@host/page`) are used for the fetch alone: the
document and every error name the URL without them.
"""

from __future__ import annotations

import datetime
import email.utils
import re
import socket
import threading
from contextlib import suppress
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx2

from summarizer.errors import ReadError
from summarizer.inputs.charsets import decode_declared, decode_html, known_charset
from summarizer.inputs.converters import pdf_text
from summarizer.inputs.documents import (
    MAX_CHARS,
    Document,
    check_length,
    converted_document,
    decode_text,
    html_document,
)
from summarizer.redaction import redact_text, redact_url

USER_AGENT = "summarizer/0.1 (article summarizer; +https://pypi.org/project/summarizer/)"
TIMEOUT_S = 30.0
# The whole fetch, redirects and body included: the timeout bounds each read, and a server
# sending a byte a second never trips it. A 10 MB PDF at 100 kB/s takes 100 s.
FETCH_DEADLINE_S = 120.0
MAX_REDIRECTS = 5
# A news page, images aside, is well under a megabyte; a PDF report can be several.
MAX_BYTES = 10_000_000
_HTML = {"text/html", "application/xhtml+xml"}
_TEXT = {"text/plain", "text/markdown"}
_PDF = {"application/pdf"}


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content_type: str
    charset: str | None
    body: bytes
    at: str  # the server's Date, else now: a replayed fetch keeps its recorded time


def fetch_document(
    url: str,
    max_chars: int = MAX_CHARS,
    max_bytes: int = MAX_BYTES,
    timeout_s: float = TIMEOUT_S,
    deadline_s: float | None = None,
) -> Document:
    """The page at `url` as a document; `deadline_s` (FETCH_DEADLINE_S unless given) bounds
    the whole fetch."""
    deadline = FETCH_DEADLINE_S if deadline_s is None else deadline_s
    fetched = _fetch(url, max_bytes, timeout_s, deadline)
    document = _document(redact_url(url), fetched, max_chars)
    return replace(document, url=redact_url(fetched.url), fetched_at=fetched.at)


class Deadline:
    """A whole fetch within `seconds`. httpx has no such timeout, so the sockets the fetch
    opens are noted as they connect (the `trace` extension) and shut down when the time is
    up: that ends a read waiting on one, whatever stage the fetch is at."""

    def __init__(self, seconds: float) -> None:
        self.passed = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpx's trace callback: each connection's socket, plain and then TLS."""
        if not event.endswith(("connect_tcp.complete", "start_tls.complete")):
            return
        sock = info["return_value"].get_extra_info("socket")
        with self._lock:
            self._sockets.append(sock)
            if self.passed:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.passed = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):  # closed already
        sock.shutdown(socket.SHUT_RDWR)


def _fetch(url: str, max_bytes: int, timeout_s: float, deadline_s: float) -> Fetched:
    with Deadline(deadline_s) as deadline:
        try:
            fetched = _fetch_within(url, max_bytes, timeout_s, deadline)
        except ReadError as error:
            if not deadline.passed:
                raise ReadError(redact_url(url), redact_text(error.cause)) from None
        else:
            # A body without a length ends where the connection does: cut short is not whole.
            if not deadline.passed:
                return fetched
    cause = f"not fetched whole within {deadline_s:g} s (the deadline of a fetch)"
    raise ReadError(redact_url(url), cause)


def _fetch_within(url: str, max_bytes: int, timeout_s: float, deadline: Deadline) -> Fetched:
    """The fetch, with the URL's credentials; _fetch takes them out of its errors."""
    try:
        with (
            httpx2.Client(
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                timeout=timeout_s,
                headers={"User-Agent": USER_AGENT},
            ) as client,
            client.stream("GET", url, extensions={"trace": deadline.trace}) as response,
        ):
            if response.status_code >= 400:
                raise ReadError(url, f"HTTP {response.status_code} {response.reason_phrase}")
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type not in _HTML | _TEXT | _PDF:
                shown = content_type or "none given"
                raise ReadError(url, f"not a web page, text or PDF (content type: {shown})")
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise ReadError(url, f"{declared:,} bytes, over the {max_bytes:,}-byte limit")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise ReadError(url, f"over the {max_bytes:,}-byte limit")
            at = _when(response.headers.get("date"))
            return Fetched(
                str(response.url), content_type, response.charset_encoding, bytes(body), at
            )
    except httpx2.InvalidURL as exc:  # not an HTTPError: it would end the run with a traceback
        raise ReadError(url, f"not a valid URL ({exc})") from None
    except httpx2.TooManyRedirects:
        raise ReadError(url, f"more than {MAX_REDIRECTS} redirects") from None
    except httpx2.TimeoutException:
        raise ReadError(url, f"no answer within {timeout_s:g} s") from None
    except httpx2.HTTPError as exc:
        raise ReadError(url, f"cannot fetch ({type(exc).__name__}: {exc})") from None


def _document(url: str, fetched: Fetched, max_chars: int) -> Document:
    doc_id = url_id(fetched.url)
    if fetched.content_type in _PDF:
        return converted_document(pdf_text, fetched.body, url, doc_id, max_chars)
    charset = known_charset(fetched.charset, url)
    if fetched.content_type in _HTML:
        html = decode_html(fetched.body, url, charset)
        document = html_document(html, url, doc_id)
        check_length(url, document.text, max_chars)
        return document
    if charset is not None and charset != "utf-8":
        text = decode_declared(fetched.body, url, charset)
        check_length(url, text, max_chars)
        return Document(id=doc_id, source=url, text=text)
    return Document(id=doc_id, source=url, text=decode_text(fetched.body, url, max_chars))


def _when(date_header: str | None) -> str:
    when = datetime.datetime.now(datetime.UTC)
    if date_header:
        with suppress(TypeError, ValueError, IndexError):
            when = email.utils.parsedate_to_datetime(date_header).astimezone(datetime.UTC)
    return when.isoformat(timespec="seconds")


def url_id(url: str) -> str:
    """A readable id: host and path, non-word characters folded ('example.com/news/a-b');
    never the user or password."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    path = parts.path.strip("/")
    return re.sub(r"[^\w./-]+", "-", f"{host}/{path}" if path else host)
