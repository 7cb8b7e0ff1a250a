"""What the digest works on: each article's text, date and grounded facts, under its label."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from summarizer.digest.models import Article, Quote
from summarizer.digest.terms import find_date, parse_date
from summarizer.extraction.models import DocumentResult, Fact
from summarizer.inputs.text import Sentence, sentences


@dataclass(frozen=True)
class SourceFact:
    """A fact whose evidence was located: its quote is a span of the article's text."""

    article: str
    fact: Fact
    quote: Quote

    @property
    def ref(self) -> str:
        return f"{self.article}.{self.fact.id}"

    @property
    def text(self) -> str:
        """What similarity compares: the model's statement and the article's own words."""
        return f"{self.fact.statement} {self.quote.text}"


@dataclass
class Source:
    article: Article
    result: DocumentResult
    published: datetime.date | None = field(init=False)

    def __post_init__(self) -> None:
        given = parse_date(self.article.date) if self.article.date else None
        self.published = given or find_date(self.article.text)
        if self.published is not None:
            self.article.date = self.published.isoformat()

    @property
    def label(self) -> str:
        return self.article.label

    @cached_property
    def sentences(self) -> list[Sentence]:
        return sentences(self.article.text)

    @cached_property
    def facts(self) -> list[SourceFact]:
        """Located facts their evidence does not contradict, once each: a small model may
        state one fact twice, with the same evidence or the same words."""
        facts: list[SourceFact] = []
        seen: set[object] = set()
        for fact in self.result.facts:
            if not fact.well_founded:
                continue
            span = (fact.evidence.start, fact.evidence.end)
            statement = " ".join(fact.statement.casefold().split())
            if span not in seen and statement not in seen:
                facts.append(SourceFact(self.label, fact, self.quote(fact)))
            seen |= {span, statement}
        return facts

    @property
    def not_shown(self) -> int:
        return sum(not f.well_founded for f in self.result.facts)

    def quote(self, fact: Fact) -> Quote:
        start, end = fact.evidence.start, fact.evidence.end
        assert start is not None and end is not None  # located evidence has offsets
        return Quote(
            article=self.label,
            text=self.article.text[start:end],
            start=start,
            end=end,
            status=fact.evidence.status,
            fact=f"{self.label}.{fact.id}",
        )

    def span(self, start: int, end: int) -> Quote:
        return Quote(article=self.label, text=self.article.text[start:end], start=start, end=end)


def label_for(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...: short names the digest and the model cite articles by."""
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(ord("A") + rest) + label
    return label
