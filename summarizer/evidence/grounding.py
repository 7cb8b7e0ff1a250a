"""Locate each evidence quote in the source text and say how well it matched.

Statuses, strongest first:
- `exact`: the quote stands verbatim in the text;
- `normalized`: it stands there once case, whitespace, quotation marks, dashes and
  tokenization spaces ("team 's") are ignored on both sides;
- `fuzzy`: an approximate match (a word changed, a clause dropped, parts joined by an
  ellipsis) scoring at least GroundingPolicy.fuzzy_min_score, with the matched span;
- `ungrounded`: not found.
Offsets always index the original text, so `text[start:end]` is the evidence as it stands
in the source. Repeated quotes take the first occurrence not yet used.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from summarizer.evidence.support import check_support, support_rate
from summarizer.extraction.models import (
    Evidence,
    GroundedAnswer,
    GroundingReport,
    GroundingStatus,
    SupportVerdict,
)
from summarizer.inputs.text import Sentence, SentenceIndex, sentences
from summarizer.inputs.writing_systems import UNSPACED_SCRIPTS, script_of

_DASHES = dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-")
# Quotation marks vanish in the normalized form: models drop or swap them to keep their JSON
# valid, and tokenized text puts spaces around them ("team 's").
_IGNORED = set("'\"\u2018\u2019\u201a\u201b\u2032\u00b4`\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb")
_IGNORED |= {"\u00ad", "\u200b", "\u200c", "\u200d", "\ufeff"}
# Whether each code point below 0x10000 survives normalization (none above is dropped).
_KEPT = np.ones(0x10000, dtype=bool)
_KEPT[[ord(c) for c in _IGNORED]] = False
_KEPT[[c for c in range(0x10000) if chr(c).isspace()]] = False
# Stripped from the ends of a quote: models wrap quotes in quote marks or end them with a period.
QUOTE_TRIM = " \t\r\n\"'.,;:\u2018\u2019\u201c\u201d"
_ELLIPSIS = re.compile(r"\s*(?:\[\s*(?:\.\s*){3}\]|\.\s*\.\s*\.|\u2026)\s*")

Span = tuple[int, int]


@dataclass(frozen=True)
class GroundingPolicy:
    """How near a quote must come to the text to count as found, and what may be offered as
    a quote: one object, passed down, so that a caller (or a test) can change a threshold
    without patching module state."""

    # rapidfuzz scores run 0-100. 85 on the normalized text accepts a changed or dropped word
    # in a sentence-long quote; a paraphrase that shares some words scores around 60-75.
    fuzzy_min_score: float = 85.0
    # Below this many normalized characters (about eight words) a quote must match exactly or
    # normalized: in a short quote one changed word ("accepted" for "rejected") still scores 85.
    fuzzy_min_chars: int = 40
    # The same eight words or so in Chinese, Japanese or Korean, where a character is a word
    # or half of one.
    fuzzy_min_chars_unspaced: int = 12
    # A sentence offered as a quote has at least this many words.
    min_quote_words: int = 3
    # Parts of a quote (around an ellipsis, or sentences run together) shorter than this are
    # too weak to anchor a match on their own.
    part_min_chars: int = 8

    def min_fuzzy_chars(self, needle: str) -> int:
        """The shortest normalized quote that may match approximately, in its script."""
        return self.fuzzy_min_chars_unspaced if is_unspaced(needle) else self.fuzzy_min_chars

    def min_part_chars(self, quote: str) -> int:
        """The shortest part of a split quote that may anchor a match, in its script."""
        return self.part_min_chars // 2 if is_unspaced(quote) else self.part_min_chars


DEFAULT_GROUNDING = GroundingPolicy()


@dataclass(frozen=True)
class NormalizedText:
    """A normalized string and, for each of its characters, the offset it came from."""

    text: str
    origin: list[int]

    def span_in_original(self, start: int, end: int) -> Span:
        return self.origin[start], self.origin[end - 1] + 1

    def word_starts(self) -> list[int]:
        """Indices where something (a space, a quotation mark) was dropped just before."""
        return [0, *self._gaps()] if self.origin else []

    def word_ends(self) -> list[int]:
        return [*self._gaps(), len(self.origin)] if self.origin else []

    def _gaps(self) -> list[int]:
        """Each i where origin jumps from i-1 to i by more than one character."""
        jumps = np.flatnonzero(np.diff(np.asarray(self.origin)) > 1) + 1
        return [int(i) for i in jumps]


def normalize(text: str) -> NormalizedText:
    """Lower case, no whitespace, no quotation marks, one kind of dash, '...' for '\u2026'.

    Dropping whitespace altogether (rather than collapsing it) makes tokenized text
    ("U. S .", "Merson 's") and line breaks inside a quote compare equal to running text.
    Each character is normalized on its own, so normalize(text[a:b]) is a slice of
    normalize(text): spans map back to the original exactly.
    """
    if _lowers_alike(text):
        return _normalize_fast(text)
    return _normalize_each(text)


def _lowers_alike(text: str) -> bool:
    """Whether lower-casing the whole text equals lower-casing each character: true unless a
    character grows when lowered ('\u0130') or depends on its neighbours (final sigma)."""
    return "\u03a3" not in text and len(text.lower()) == len(text)


_DROP_OR_MAP = str.maketrans({**dict.fromkeys(_IGNORED), **_DASHES, "\u2026": "..."})


def _normalize_fast(text: str) -> NormalizedText:
    """The same as _normalize_each, in whole-string and array operations: a batch normalizes
    every document, and the per-character loop took ~10 ms for an 8,000-character article."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    kept = (codes > 0xFFFF) | _KEPT[np.minimum(codes, 0xFFFF)]
    widths = np.where(codes == ord("\u2026"), 3, 1)
    origin = np.repeat(np.flatnonzero(kept), widths[kept])
    normalized = "".join(text.lower().translate(_DROP_OR_MAP).split())
    return NormalizedText(normalized, origin.tolist())


def _normalize_each(text: str) -> NormalizedText:
    chars: list[str] = []
    origin: list[int] = []
    for offset, raw in enumerate(text):
        if raw.isspace() or raw in _IGNORED:
            continue
        char = "..." if raw == "\u2026" else _DASHES.get(raw, raw)
        lowered = char.lower()
        for piece in lowered if len(lowered) == len(char) else char:
            chars.append(piece)
            origin.append(offset)
    return NormalizedText("".join(chars), origin)


def _occurrences(haystack: str, needle: str, start: int = 0) -> Iterator[int]:
    found = haystack.find(needle, start)
    while found != -1:
        yield found
        found = haystack.find(needle, found + 1)


@dataclass(frozen=True)
class Match:
    span: Span
    status: GroundingStatus
    score: float  # 0-1


@dataclass
class Locator:
    """Finds quotes in one document, remembering which spans earlier quotes took."""

    text: str
    policy: GroundingPolicy = DEFAULT_GROUNDING
    _normalized: NormalizedText | None = None
    _bounds: tuple[list[int], list[int]] | None = None
    _used: set[Span] = field(default_factory=set)

    @property
    def normalized(self) -> NormalizedText:
        """The text normalized, once: every quote located in it reuses this."""
        if self._normalized is None:
            self._normalized = normalize(self.text)
        return self._normalized

    def locate_all(self, quotes: Iterable[str]) -> list[Evidence]:
        """One answer's quotes, each taking the first occurrence the others have not. The
        spans of earlier calls are free again: each call is a new answer (a re-ask), while
        the normalized text is kept across them."""
        self._used.clear()
        return [self.locate(q) for q in quotes]

    def locate(self, quote: str) -> Evidence:
        match = self._match(quote, from_offset=0, mark_used=True)
        if match is None:
            return Evidence(quote=quote, start=None, end=None, status=GroundingStatus.UNGROUNDED)
        self._used.add(match.span)
        return Evidence(
            quote=quote,
            start=match.span[0],
            end=match.span[1],
            status=match.status,
            score=round(match.score, 3),
        )

    def _match(self, quote: str, from_offset: int, mark_used: bool) -> Match | None:
        exactish = self._first_unused(
            [
                (GroundingStatus.EXACT, self._exact_spans(quote, from_offset)),
                (GroundingStatus.NORMALIZED, self._normalized_spans(quote, from_offset)),
            ],
            prefer_unused=mark_used,
        )
        if exactish:
            return exactish
        return self._fuzzy(quote, from_offset) or self._match_parts(quote, from_offset)

    def _first_unused(
        self, searches: list[tuple[GroundingStatus, Iterator[Span]]], prefer_unused: bool
    ) -> Match | None:
        fallback: Match | None = None
        # An occurrence is used whatever its length: the quote, its trimmed or its
        # normalized copy found where another fact's quote stands is that same quote.
        used_starts = {start for start, _ in self._used}
        for status, spans in searches:
            for span in spans:
                if not prefer_unused or span[0] not in used_starts:
                    return Match(span, status, 1.0)
                fallback = fallback or Match(span, status, 1.0)
        return fallback

    def _exact_spans(self, quote: str, from_offset: int) -> Iterator[Span]:
        for candidate in dict.fromkeys((quote, quote.strip(QUOTE_TRIM))):
            if candidate:
                for start in _occurrences(self.text, candidate, from_offset):
                    yield start, start + len(candidate)

    def _normalized_spans(self, quote: str, from_offset: int) -> Iterator[Span]:
        needle = normalize(quote.strip(QUOTE_TRIM)).text
        if not needle:
            return
        hay = self.normalized
        for start in _occurrences(hay.text, needle, self._normalized_index(from_offset)):
            yield hay.span_in_original(start, start + len(needle))

    def _normalized_index(self, offset: int) -> int:
        if offset == 0:
            return 0
        origin = self.normalized.origin
        low, high = 0, len(origin)
        while low < high:  # first normalized char at or after the original offset
            mid = (low + high) // 2
            if origin[mid] < offset:
                low = mid + 1
            else:
                high = mid
        return low

    def _fuzzy(self, quote: str, from_offset: int) -> Match | None:
        needle = normalize(quote.strip(QUOTE_TRIM)).text
        base = self._normalized_index(from_offset)
        hay = self.normalized.text
        if len(needle) < self.policy.min_fuzzy_chars(needle) or len(needle) > len(hay) - base:
            return None
        # partial_ratio compares windows as long as the needle: good at finding where the
        # quote is, not at where it ends when the model dropped or added words.
        cutoff = self.policy.fuzzy_min_score - 15
        rough = fuzz.partial_ratio_alignment(needle, hay[base:], score_cutoff=cutoff)
        if rough is None:
            return None
        start, end = self._best_word_span(
            needle,
            base + rough.dest_start,
            base + rough.dest_end,
            slack=len(needle) // 3,
            floor=base,
        )
        while end - start > 1 and hay[end - 1] in ",;:.，。、；：" and hay[end - 1] != needle[-1]:
            end -= 1  # the word boundary kept the source's punctuation; the quote has none
        score = fuzz.ratio(needle, hay[start:end])
        if score < self.policy.fuzzy_min_score:
            return None
        return Match(
            self.normalized.span_in_original(start, end), GroundingStatus.FUZZY, score / 100
        )

    def _best_word_span(
        self, needle: str, rough_start: int, rough_end: int, slack: int, floor: int
    ) -> Span:
        """The word-aligned span near the rough one that is most similar to the needle.

        The rough window is exactly as long as the needle; the true passage is longer when the
        model dropped words and shorter when it added some. Coordinate ascent over word
        starts and ends within `slack` characters: a few dozen ratio computations.
        """
        if self._bounds is None:
            self._bounds = (self.normalized.word_starts(), self.normalized.word_ends())
        word_starts, word_ends = self._bounds
        hay = self.normalized.text
        starts = _within(word_starts, max(floor, rough_start - slack), rough_start + slack)
        ends = _within(word_ends, rough_end - slack, rough_end + slack)
        start, end = rough_start, rough_end
        for _ in range(2):
            start = max(
                starts or [start], key=lambda s: fuzz.ratio(needle, hay[s:end]) if s < end else -1
            )
            end = max(
                ends or [end], key=lambda e: fuzz.ratio(needle, hay[start:e]) if e > start else -1
            )
        return start, end

    def _match_parts(self, quote: str, from_offset: int) -> Match | None:
        """Parts around an ellipsis, or sentences run together: each located, in order.

        The evidence is the span covering all parts, marked fuzzy, since the source text
        between the parts is not in the quote.
        """
        trimmed = quote.strip(QUOTE_TRIM)
        parts = _quote_parts(trimmed)
        shortest = self.policy.min_part_chars(trimmed)
        if len(parts) < 2 or any(len(normalize(p).text) < shortest for p in parts):
            return None
        matches: list[Match] = []
        cursor = from_offset
        for part in parts:
            found = self._match(part, cursor, mark_used=False)
            if found is None:
                return None
            matches.append(found)
            cursor = found.span[1]
        weights = [len(p) for p in parts]
        score = sum(m.score * w for m, w in zip(matches, weights, strict=True)) / sum(weights)
        return Match((matches[0].span[0], matches[-1].span[1]), GroundingStatus.FUZZY, score)


def is_unspaced(text: str) -> bool:
    """Mostly written in a script without spaces between words (Chinese, Japanese, Korean)."""
    letters = [c for c in text if c.isalpha()]
    unspaced = sum(script_of(c) in UNSPACED_SCRIPTS for c in letters)
    return bool(letters) and unspaced * 2 > len(letters)


def _quote_parts(quote: str) -> list[str]:
    """The parts of a quote around its ellipses or, having none, its sentences (split as
    everywhere else, by summarizer.inputs.text), blank ones left out."""
    if _ELLIPSIS.search(quote):
        pieces = _ELLIPSIS.split(quote)
    else:
        pieces = [s.text for s in sentences(quote)]
    return [p for p in pieces if p.strip(QUOTE_TRIM)]


def _within(sorted_values: list[int], low: int, high: int) -> list[int]:
    return sorted_values[
        bisect.bisect_left(sorted_values, low) : bisect.bisect_right(sorted_values, high)
    ]


def stands_in(text: str, quote: str) -> bool:
    """Whether `quote` stands in `text`, exactly or but for case, spacing and quote marks."""
    status = Locator(text).locate(quote).status
    return status in (GroundingStatus.EXACT, GroundingStatus.NORMALIZED)


def locate_all(
    text: str, quotes: Iterable[str], policy: GroundingPolicy = DEFAULT_GROUNDING
) -> list[Evidence]:
    """Locator.locate_all for a text read once."""
    return Locator(text, policy).locate_all(quotes)


def report(evidence: Sequence[Evidence], reasks: int = 0, dropped: int = 0) -> GroundingReport:
    """Counts and rates over every fact the model gave, those --strict dropped included."""
    counts = dict.fromkeys(GroundingStatus, 0)
    support = dict.fromkeys(SupportVerdict, 0)
    for item in evidence:
        counts[item.status] += 1
        support[item.support] += 1
    located = len(evidence) - counts[GroundingStatus.UNGROUNDED]
    return GroundingReport(
        counts=counts,
        rate=round(located / len(evidence), 4) if evidence else 0.0,
        support=support,
        support_rate=support_rate(item.support for item in evidence),
        realigned=sum(item.cited_quote is not None for item in evidence),
        reasks=reasks,
        dropped=dropped,
    )


# ---- re-asking the model when a quote is not in the source --------------------------------


@dataclass
class GroundingCheck:
    """Passed to validation (schemas.GROUNDING_CHECK): re-asks for invented quotes.

    While its budget lasts, an extraction with a quote that cannot be found in the text is
    rejected with a message naming the quotes, which instructor sends back to the model.
    Once the budget is spent the extraction is accepted as it is: ungrounded facts are kept
    and flagged, never silently dropped.
    """

    text: str
    reasks_left: int = 1
    reasks_used: int = 0
    # Also re-ask when a statement is not supported by its quote's sentence (and name those
    # statements whenever quotes are re-asked for).
    reask_unsupported: bool = False
    # Offer the model the sentences it is shown (the text without page furniture, lines of
    # the text) as the only quotes it may write; None: any string.
    shown: str | None = None
    policy: GroundingPolicy = DEFAULT_GROUNDING
    _locator: Locator | None = None
    _index: SentenceIndex | None = None

    @property
    def locator(self) -> Locator:
        """One locator across all calls: every validation attempt and the final result
        locate quotes in the same text, normalized once."""
        if self._locator is None:
            self._locator = Locator(self.text, self.policy)
        return self._locator

    def locate_all(self, quotes: Iterable[str]) -> list[Evidence]:
        return self.locator.locate_all(quotes)

    def complaint(self, extraction: GroundedAnswer) -> str | None:
        if self.reasks_left <= 0:
            return None
        evidence = self.locate_all(f.quote for f in extraction.facts)
        missing = [
            f"facts[{index}].quote {item.quote!r}"
            for index, item in enumerate(evidence)
            if item.status == GroundingStatus.UNGROUNDED
        ]
        what = "statement" if extraction.item_kind is None else "values"
        unsupported = [
            f"facts[{index}].{what} {fact.claim()!r} ({', '.join(missing_words)})"
            for index, (fact, item) in enumerate(zip(extraction.facts, evidence, strict=True))
            if (missing_words := self._unsupported_words(fact.claim(), item)) is not None
        ]
        if not missing and not (self.reask_unsupported and unsupported):
            return None
        self.reasks_left -= 1
        self.reasks_used += 1
        return " ".join(_complaints(missing, unsupported))

    def quote_choices(self) -> list[str] | None:
        """The sentences the model is shown, once each, in order: what a quote may be. Not
        fragments ("Maj.", a lone name on its line) unless there is nothing else."""
        if self.shown is None:
            return None
        choices = list(dict.fromkeys(s.text for s in sentences(self.shown)))
        whole = [c for c in choices if len(c.split()) >= self.policy.min_quote_words]
        return whole or choices or None

    @property
    def index(self) -> SentenceIndex:
        if self._index is None:
            self._index = SentenceIndex(self.text)
        return self._index

    def _unsupported_words(self, statement: str, evidence: Evidence) -> list[str] | None:
        """The words that make a located fact's statement unsupported; None if it is not."""
        if evidence.start is None or evidence.end is None:
            return None
        support = check_support(statement, self.sentence(evidence.start, evidence.end).text)
        return support.missing if support.verdict == SupportVerdict.UNSUPPORTED else None

    def sentence(self, start: int, end: int) -> Sentence:
        return self.index.around(start, end)


def _complaints(missing: list[str], unsupported: list[str]) -> Iterator[str]:
    if missing:
        yield (
            f"These quotes do not appear in the article: {'; '.join(missing)}. Copy each quote "
            "word for word from the article, or replace the fact with one whose words you copy "
            "exactly."
        )
    if unsupported:
        yield (
            f"These statements say what their quotes do not (the words in brackets are not in "
            f"the quote's sentence): {'; '.join(unsupported)}. State only what the quote says."
        )
