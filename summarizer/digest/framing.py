"""Framing, per outlet: what it leads with, and which agreements of the others it leaves out.

An agreement two or more other outlets state that this one does not is an omission worth a
reader's notice; one that only one other outlet states is not yet corroborated."""

from __future__ import annotations

from summarizer.digest.corroboration import is_prose
from summarizer.digest.models import ConsensusFact, FramingRow, Quote
from summarizer.digest.sources import Source


def framing(sources: list[Source], consensus: list[ConsensusFact]) -> list[FramingRow]:
    return [_row(source, consensus) for source in sources]


def _row(source: Source, consensus: list[ConsensusFact]) -> FramingRow:
    carried = [c for c in consensus if source.label in c.articles]
    omitted = [
        c.statement for c in consensus if source.label not in c.articles and len(c.articles) >= 2
    ]
    return FramingRow(article=source.label, lead=_lead(source), carries=len(carried), omits=omitted)


def _lead(source: Source) -> Quote | None:
    """Its first sentence of prose: the headline and by-line stand above it."""
    first = next((s for s in source.sentences if is_prose(s)), None)
    return source.span(first.start, first.end) if first else None
