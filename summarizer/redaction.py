"""Keys never reach a file or a log, however they are passed: `--api-key`, the environment,
or the user-info part of a URL (`http://user:sk-...@host/v1`).

Everything the tool writes about an endpoint or a command line goes through here: the
command stored with each run, error messages, the endpoint's description. Cassettes scrub
their own headers and URIs (summarizer.llm.recording).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
_KEY_OPTIONS = ("--api-key",)
_URL_WITH_USERINFO = re.compile(r"\b([a-z][a-z0-9+.-]*://)([^/@\s]+)@", re.IGNORECASE)


def redact_url(url: str) -> str:
    """The URL without its user and password: `http://***@host/v1`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _URL_WITH_USERINFO.sub(rf"\1{MASK}@", url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{MASK}@{host}"))


def redact_argv(argv: Sequence[str]) -> list[str]:
    """A command line fit to store: option values that are keys masked, URLs without
    credentials."""
    redacted: list[str] = []
    for index, arg in enumerate(argv):
        if index and argv[index - 1] in _KEY_OPTIONS:
            redacted.append(MASK)
        elif any(arg.startswith(f"{option}=") for option in _KEY_OPTIONS):
            redacted.append(arg.split("=", 1)[0] + "=" + MASK)
        else:
            redacted.append(redact_text(arg))
    return redacted


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with URL credentials and each of `secrets` masked."""
    text = _URL_WITH_USERINFO.sub(rf"\1{MASK}@", text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text


def mask_key(key: str) -> str:
    """A key shown so that its owner can tell which it is, and nobody can use it: its last
    four characters at most, and only of a key long enough to keep the rest secret."""
    return f"{MASK}{key[-4:]}" if len(key) >= 20 else MASK
