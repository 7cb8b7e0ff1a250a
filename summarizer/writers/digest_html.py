"""The digest as one self-contained HTML page: stories first, then every article's full text
with the quoted spans highlighted, so each claim can be checked against its source."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from jinja2 import Template

from summarizer.digest.models import Article, Digest, Quote
from summarizer.extraction.models import AttributionKind
from summarizer.writers.html import html_template

ATTRIBUTION_KINDS = tuple(AttributionKind)


@dataclass(frozen=True)
class Span:
    """A highlighted stretch of one article's text; `conflict` when a conflict quotes it."""

    start: int
    end: int
    id: str
    conflict: bool


@dataclass(frozen=True)
class Segment:
    """A piece of text between two span boundaries: never crosses the start or end of a span."""

    text: str
    spans: tuple[str, ...]  # ids of the spans that cover it; empty: not highlighted
    anchors: tuple[str, ...]  # ids of the spans that start here
    conflict: bool


@dataclass(frozen=True)
class ArticleView:
    article: Article
    anchor: str
    segments: list[Segment]


SpanKey = tuple[str, int, int]  # article label, start, end


class Links:
    """Where quotes, fact refs and article labels point in the page."""

    def __init__(
        self, articles: dict[str, str], spans: dict[SpanKey, str], facts: dict[str, str]
    ) -> None:
        self.articles = articles  # label -> article anchor
        self.spans = spans
        self.facts = facts  # fact ref -> span id

    def quote(self, quote: Quote) -> str:
        span = self.spans.get((quote.article, quote.start, quote.end))
        return f"#{span}" if span else self.article(quote.article)

    def fact(self, ref: str) -> str:
        span = self.facts.get(ref)
        return f"#{span}" if span else self.article(ref.split(".", 1)[0])

    def article(self, label: str) -> str:
        anchor = self.articles.get(label)
        return f"#{anchor}" if anchor else ""


def render_digest_html(digest: Digest) -> str:
    """The whole page; every quote of an article is highlighted in that article's text."""
    anchors = {a.label: f"article-{n}" for n, a in enumerate(digest.articles, 1)}
    spans = _spans(digest, anchors)
    links = Links(
        anchors,
        {(label, s.start, s.end): s.id for label, found in spans.items() for s in found},
        _fact_spans(digest, spans),
    )
    views = [
        ArticleView(a, anchors[a.label], _segments(a.text, spans.get(a.label, [])))
        for a in digest.articles
    ]
    return _template().render(
        digest=digest,
        views=views,
        links=links,
        titles={a.label: a.title or a.source for a in digest.articles},
        dates={a.label: a.date for a in digest.articles},
        kinds=ATTRIBUTION_KINDS,
    )


def _template() -> Template:
    return html_template("digest.html.j2")


def _quotes(digest: Digest) -> Iterator[tuple[Quote, bool]]:
    """Every quote of the digest, with whether a conflict cites it."""
    for story in digest.stories:
        for fact in story.consensus:
            yield from ((quote, False) for quote in fact.evidence)
        for conflict in story.conflicts:
            yield from ((side.quote, True) for side in conflict.sides)
        yield from ((claim.evidence, False) for claim in story.single_source)


def _spans(digest: Digest, anchors: dict[str, str]) -> dict[str, list[Span]]:
    """The distinct spans of each article, in text order; quotes outside the text are left out."""
    lengths = {a.label: len(a.text) for a in digest.articles}
    conflicts: dict[SpanKey, bool] = {}
    for quote, conflict in _quotes(digest):
        key = (quote.article, quote.start, quote.end)
        if 0 <= quote.start < quote.end <= lengths.get(quote.article, -1):
            conflicts[key] = conflicts.get(key, False) or conflict
    spans: dict[str, list[Span]] = {}
    for label, start, end in sorted(conflicts, key=lambda k: (k[0], k[1], -k[2])):
        found = spans.setdefault(label, [])
        span_id = f"{anchors[label]}-span-{len(found) + 1}"
        found.append(Span(start, end, span_id, conflicts[(label, start, end)]))
    return spans


def _fact_spans(digest: Digest, spans: dict[str, list[Span]]) -> dict[str, str]:
    """The span each fact ref links to: the first quote given as evidence for it."""
    ids = {(label, s.start, s.end): s.id for label, found in spans.items() for s in found}
    facts: dict[str, str] = {}
    for quote, _ in _quotes(digest):
        span = ids.get((quote.article, quote.start, quote.end))
        if quote.fact and span:
            facts.setdefault(quote.fact, span)
    return facts


def _segments(text: str, spans: list[Span]) -> list[Segment]:
    """The text cut at every span boundary, so overlapping spans become flat, disjoint marks."""
    cuts = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    return [_segment(text, start, end, spans) for start, end in pairwise(cuts)]


def _segment(text: str, start: int, end: int, spans: list[Span]) -> Segment:
    covering = [s for s in spans if s.start <= start and end <= s.end]
    return Segment(
        text=text[start:end],
        spans=tuple(s.id for s in covering),
        anchors=tuple(s.id for s in covering if s.start == start),
        conflict=any(s.conflict for s in covering),
    )
