"""Locate each evidence quote in the source text and say how it matched.

`exact`: the quote stands verbatim in the text. `normalized`: it stands there once case,
whitespace, typographic quotes/dashes/apostrophes and tokenization spaces ("team 's") are
normalized on both sides. `ungrounded`: not found. Offsets always index the original text,
so `text[start:end]` is the evidence as it stands in the source.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from summarizer.schemas import Evidence, GroundingReport, GroundingStatus

_DASHES = dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-")
# Quotation marks vanish in the normalized form: models drop or swap them to keep their JSON
# valid, and tokenized text puts spaces around them ("team 's").
_IGNORED = set("'\"\u2018\u2019\u201a\u201b\u2032\u00b4`\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb")
_IGNORED |= {"\u00ad", "\u200b", "\u200c", "\u200d", "\ufeff"}
# Stripped from the ends of a quote: models wrap quotes in quote marks or end them with a period.
_QUOTE_TRIM = " \t\r\n\"'.,;:\u2018\u2019\u201c\u201d"


@dataclass(frozen=True)
class NormalizedText:
    """A normalized string and, for each of its characters, the offset it came from."""

    text: str
    origin: list[int]

    def span_in_original(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


def normalize(text: str) -> NormalizedText:
    """Lower case, no whitespace, no quotation marks, one kind of dash, '...' for '\u2026'.

    Dropping whitespace altogether (rather than collapsing it) makes tokenized text
    ("U. S .", "Merson 's") and line breaks inside a quote compare equal to running text.
    """
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


def _occurrences(haystack: str, needle: str) -> Iterator[int]:
    start = haystack.find(needle)
    while start != -1:
        yield start
        start = haystack.find(needle, start + 1)


@dataclass
class Locator:
    """Finds quotes in one document; repeated quotes take the first occurrence not yet used."""

    text: str
    _normalized: NormalizedText | None = None
    _used: set[tuple[int, int]] = field(default_factory=set)

    def locate(self, quote: str) -> Evidence:
        fallback: tuple[tuple[int, int], GroundingStatus] | None = None
        for status, spans in (
            (GroundingStatus.EXACT, self._exact_spans(quote)),
            (GroundingStatus.NORMALIZED, self._normalized_spans(quote)),
        ):
            for span in spans:
                if span not in self._used:
                    return self._evidence(quote, span, status)
                fallback = fallback or (span, status)
        if fallback:
            return self._evidence(quote, *fallback)
        return Evidence(quote=quote, start=None, end=None, status=GroundingStatus.UNGROUNDED)

    def _exact_spans(self, quote: str) -> Iterator[tuple[int, int]]:
        for candidate in dict.fromkeys((quote, quote.strip(_QUOTE_TRIM))):
            if candidate:
                yield from ((s, s + len(candidate)) for s in _occurrences(self.text, candidate))

    def _normalized_spans(self, quote: str) -> Iterator[tuple[int, int]]:
        needle = normalize(quote.strip(_QUOTE_TRIM)).text
        if not needle:
            return
        if self._normalized is None:
            self._normalized = normalize(self.text)
        hay = self._normalized
        for start in _occurrences(hay.text, needle):
            yield hay.span_in_original(start, start + len(needle))

    def _evidence(self, quote: str, span: tuple[int, int], status: GroundingStatus) -> Evidence:
        self._used.add(span)
        return Evidence(quote=quote, start=span[0], end=span[1], status=status)


def locate_all(text: str, quotes: Iterable[str]) -> list[Evidence]:
    locator = Locator(text)
    return [locator.locate(q) for q in quotes]


def report(evidence: Iterable[Evidence]) -> GroundingReport:
    counts = dict.fromkeys(GroundingStatus, 0)
    for item in evidence:
        counts[item.status] += 1
    total = sum(counts.values())
    located = total - counts[GroundingStatus.UNGROUNDED]
    return GroundingReport(counts=counts, rate=round(located / total, 4) if total else 0.0)
