"""Documents longer than the model's context: split into overlapping windows of whole
sentences, each read like a short document (summarizer.evidence.merging puts what the
model found in each back together).

Local models cut an over-long prompt silently, or refuse it; a window is sized from the
context left once the prompt's own text and the answer are set aside, so it always fits.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from summarizer.inputs.documents import Document
from summarizer.inputs.text import UNSPACED_CHAR, sentences

# Characters per token, conservatively (SummEval dev on Qwen2.5: English prompts ran 3.9 to
# 4.6 characters a token). Scripts without spaces take about a token a character.
_LATIN_CHARS_PER_TOKEN = 3.5
_OTHER_CHARS_PER_TOKEN = 2.5
_UNSPACED = re.compile(UNSPACED_CHAR)
_LATIN = re.compile(r"[\u0000-\u024f\u2000-\u206f]")
# Text of one window, at most, once a document needs windows at all: about an article's
# length. The prompt asks for three or four facts, whatever it is given: measured on the
# 150,000-character benchmark (benchmarks/long_document.py), a window of 5,000 tokens gave
# its three facts from its first third, and windows of 2,000 tokens, each holding parts of
# two or three stories, gave theirs from one story.
WINDOW_READ_TOKENS = 1024
# Text of one window, at least: a few sentences. Less, and a context barely larger than the
# prompt split a 25,000-character document into 24,820 windows of one character each.
MIN_WINDOW_TOKENS = 256
# Of a window, what the next one reads again: a fact whose sentences straddle a boundary is
# whole in one of the two.
OVERLAP_SHARE = 0.1
# A window ends at the first paragraph break in its later half, if it has one, and the next
# starts there: the model takes its facts from the start of what it reads (measured above),
# so a story or section that begins a window is read, one that begins in its tail may not
# be. On the 150,000-character benchmark the planted article began 1,400 characters into a
# window of 3,100 and gave none of its three facts.
PARAGRAPH_END_SHARE = 0.5
_PARAGRAPH_END = re.compile(r"\n[^\S\n]*\n\s*$")


def estimate_tokens(text: str) -> int:
    """Tokens `text` takes, over- rather than under-estimated: a window must fit."""
    unspaced = len(_UNSPACED.findall(text))
    latin = len(_LATIN.findall(text))
    other = len(text) - unspaced - latin
    return math.ceil(latin / _LATIN_CHARS_PER_TOKEN + other / _OTHER_CHARS_PER_TOKEN + unspaced)


@dataclass(frozen=True)
class Window:
    """text[start:end] of the document, read as one request."""

    start: int
    end: int


@lru_cache(maxsize=8)
def plan_windows(text: str, budget: int) -> tuple[Window, ...]:
    """The parts `text` is read in: itself alone if it fits `budget` tokens, else windows of
    what the model reads well, within the budget. Cached: a batch asks for a document's
    windows twice, for its cache key and to read it, with no await between (estimating a
    3,000-character article's tokens takes 0.23 ms; splitting a long one, more). A few
    entries suffice, and keep at most a few texts alive."""
    if estimate_tokens(text) <= budget:
        return (Window(0, len(text)),)
    return tuple(split_windows(text, min(budget, WINDOW_READ_TOKENS)))


def split_windows(text: str, max_tokens: int, overlap_share: float = OVERLAP_SHARE) -> list[Window]:
    """Windows of whole sentences of at most `max_tokens` each (a sentence longer than that
    is cut between words), covering the text, each reading again the last sentences of the
    one before. Balanced: ten windows' worth of text gives ten windows of similar size, not
    nine full ones and a scrap."""
    if estimate_tokens(text) <= max_tokens:
        return [Window(0, len(text))]
    pieces = _pieces(text, max_tokens)
    costs = [estimate_tokens(text[start:end]) for start, end in pieces]
    before = list(itertools.accumulate(costs, initial=0))  # before[i]: pieces 0..i-1
    total = before[-1]
    overlap = int(max_tokens * overlap_share)
    # Windows fall short of full by up to a sentence: plan them 90% full.
    count = math.ceil((total - overlap) / (0.9 * (max_tokens - overlap)))
    windows: list[Window] = []
    first = 0
    while first < len(pieces):
        # What is left, shared among the windows left: sentences are not cut to measure,
        # so each window falls a little short and the share is taken again each time.
        left = max(count - len(windows), 1)
        rest = total - before[first]
        target = min(max_tokens, math.ceil((rest - overlap) / left) + overlap)
        last, used = first, costs[first]
        while last + 1 < len(pieces) and used + costs[last + 1] <= target:
            last += 1
            used += costs[last]
        if last + 1 < len(pieces):
            paragraph_end = _paragraph_end(text, pieces, costs, first, last, used)
            if paragraph_end is not None:
                windows.append(Window(pieces[first][0], pieces[paragraph_end][1]))
                first = paragraph_end + 1  # a paragraph break: nothing straddles it
                continue
        windows.append(Window(pieces[first][0], pieces[last][1]))
        if last + 1 == len(pieces):
            break
        first = _overlap_start(costs, first, last, overlap)
    return windows


def _paragraph_end(
    text: str,
    pieces: Sequence[tuple[int, int]],
    costs: Sequence[int],
    first: int,
    last: int,
    used: int,
) -> int | None:
    """The first piece of pieces[first..last] followed by a paragraph break once the window
    holds PARAGRAPH_END_SHARE of its `used` tokens: a paragraph (a story, a section) that
    begins in the window's later part begins the next window instead."""
    least = PARAGRAPH_END_SHARE * used
    held = 0
    for end in range(first, last):
        held += costs[end]
        start, stop = pieces[end]
        if held >= least and _PARAGRAPH_END.search(text, start, stop):
            return end
    return None


def _overlap_start(costs: Sequence[int], first: int, last: int, overlap: int) -> int:
    """Where the next window starts: far enough back to read `overlap` tokens again, at
    least the last sentence, never at or before this window's start (every window moves
    on)."""
    start, reread = last + 1, 0
    while start - 1 > first and (start > last or reread + costs[start - 1] <= overlap):
        start -= 1
        reread += costs[start]
    return start


def _pieces(text: str, max_tokens: int) -> list[tuple[int, int]]:
    """Consecutive spans covering the text, each a sentence with the space after it; one
    over `max_tokens` cut between words (or, in text without spaces, between characters)."""
    starts = [s.start for s in sentences(text)] or [0]
    starts[0] = 0
    bounds = [*starts, len(text)]
    pieces: list[tuple[int, int]] = []
    for start, end in itertools.pairwise(bounds):
        if end > start:
            pieces.extend(_cut(text, start, end, max_tokens))
    return pieces


def _cut(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int]]:
    if estimate_tokens(text[start:end]) <= max_tokens:
        return [(start, end)]
    # A token is at least one character: max_tokens characters always fit.
    parts: list[tuple[int, int]] = []
    while start < end:
        stop = min(end, start + max_tokens)
        while estimate_tokens(text[start:stop]) > max_tokens:
            stop = start + (stop - start) * 9 // 10
        if stop < end:
            space = text.rfind(" ", start + 1, stop)
            stop = space + 1 if space > start else stop
        parts.append((start, stop))
        start = stop
    return parts


def window_document(document: Document, window: Window, number: int, count: int) -> Document:
    """A window as a document of its own: what the model reads, and its cache key."""
    return Document(
        id=f"{document.id}#window-{number}-of-{count}",
        source=f"{document.source} (window {number} of {count})",
        text=document.text[window.start : window.end],
        title=document.title,
        url=document.url,
        date=document.date,
    )
