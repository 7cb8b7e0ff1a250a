"""Remove obvious page furniture from scraped article text before the model reads it.

Line based and conservative: only lines that are clearly not article text go. The original
text stays the document's text, so evidence offsets still index the file; only what the model
is shown gets shorter.
"""

from __future__ import annotations

import re

# A heading after which a scraped page lists other stories, not this one.
_TRAILING_LIST = re.compile(
    r"^\s*(recent[\s-]*posts?|related( articles| stories| posts)?|read more|more stories|"
    r"trending( now)?|you may also like|popular( posts| stories)?|latest (news|posts|stories))"
    r"\s*:?\s*$",
    re.IGNORECASE,
)
_COMMENT_COUNTER = re.compile(
    r"^\s*(\d+\s+comments?|comments?\s*\(?\d*\)?|leave a (comment|reply)|no comments( yet)?)\s*$",
    re.IGNORECASE,
)
# A code fence left over from a markdown conversion, possibly "smartened" into curly quotes.
_STRAY_FENCE = re.compile(
    r"^\s*[`\u201c\u201d\u2018\u2019'\"~]{0,2}(```|`|~~~)[`\u201c\u201d]*\s*$"
)
# Headings of trailing lists are only trusted past this share of the text.
_TRAILING_LIST_MIN_POSITION = 0.5
_MAX_TITLE_CHARS = 300


def strip_boilerplate(text: str) -> str:
    lines = text.split("\n")
    kept: list[str] = []
    seen_short_lines: set[str] = set()
    consumed = 0
    for line in lines:
        key = line.strip()
        past_middle = consumed >= _TRAILING_LIST_MIN_POSITION * len(text)
        consumed += len(line) + 1
        if past_middle and _TRAILING_LIST.match(key):
            break
        if _COMMENT_COUNTER.match(key) or _STRAY_FENCE.match(key):
            continue
        if key and len(key) <= _MAX_TITLE_CHARS:
            if key in seen_short_lines:
                continue  # a repeated title or byline
            seen_short_lines.add(key)
        kept.append(line)
    return _collapse_blank_lines("\n".join(kept)).strip()


def _collapse_blank_lines(text: str) -> str:
    return re.sub(r"\n\s*\n(\s*\n)+", "\n\n", text)
