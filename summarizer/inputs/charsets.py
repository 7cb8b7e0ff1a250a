"""The text of a web page or an HTML file in the charset it is written in, and a warning when
that is a guess or leaves characters that could not be decoded.

A browser's order (w3lib, Scrapy's): the byte order mark, the HTTP header's charset, the
page's `<meta>` (or XML) declaration; with none of them UTF-8 if the bytes are UTF-8, else
charset-normalizer's guess. One exception: bytes that are UTF-8 beyond ASCII are read as
UTF-8 whatever is declared, since another charset's text almost never is (a page saved as
UTF-8 under a stale `<meta charset="iso-8859-1">`, a server whose default charset is wrong).
"""

from __future__ import annotations

import codecs
import logging

import charset_normalizer
from w3lib.encoding import html_to_unicode

logger = logging.getLogger(__name__)
REPLACEMENT = "\ufffd"


def decode_html(raw: bytes, source: str, header_charset: str | None = None) -> str:
    """The page's text; `header_charset` is the HTTP header's, if any."""
    header = f"text/html; charset={header_charset}" if header_charset else None
    guessed: list[str] = []
    encoding, text = html_to_unicode(
        header, raw, default_encoding="utf-8", auto_detect_fun=lambda body: _guess(body, guessed)
    )
    if encoding != "utf-8" and not raw.isascii() and _is_utf8(raw):
        encoding, text = "utf-8", raw.decode("utf-8").removeprefix("\ufeff")
        guessed.clear()
    if guessed:
        logger.warning(
            "%s: no charset declared and not UTF-8: read as %s, a guess", source, encoding
        )
    warn_replaced(text, source, encoding)
    return text


def known_charset(charset: str | None, source: str) -> str | None:
    """The codec a server's charset names ('utf-8', 'iso8859-1'); None for none, or for one
    Python does not know (said: the text is then read as if none was declared)."""
    if not charset:
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        logger.warning("%s: unknown charset %r declared, ignored", source, charset)
        return None


def decode_declared(raw: bytes, source: str, charset: str) -> str:
    """Text in the charset its server declared, what cannot be decoded replaced (and said)."""
    text = raw.decode(charset, errors="replace")
    warn_replaced(text, source, charset)
    return text


def warn_replaced(text: str, source: str, encoding: str) -> None:
    """Characters that could not be decoded are summarized as U+FFFD: not without a word."""
    if count := text.count(REPLACEMENT):
        logger.warning(
            "%s: %d character%s not valid %s, replaced with %s",
            source,
            count,
            "" if count == 1 else "s",
            encoding,
            REPLACEMENT,
        )


def _guess(raw: bytes, guessed: list[str]) -> str | None:
    """No charset declared: UTF-8 if it is, else charset-normalizer's best guess (noted)."""
    if _is_utf8(raw):
        return "utf-8"
    best = charset_normalizer.from_bytes(raw).best()
    if best is None:
        return None
    guessed.append(best.encoding)
    return best.encoding


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
