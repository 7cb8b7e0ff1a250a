"""Each source's attribution profile: how many of its shown facts rest on named sources, on
anonymous ones, or on the outlet's own voice (each fact's attribution,
summarizer.evidence.attribution), and the same over every sentence of the article, by the
same rules, so that a source no extracted fact cites ("According to Axios", "Sources close
to both leaders confirm") is still counted, and each anonymous sentence quoted."""

from __future__ import annotations

import re

from summarizer.digest.corroboration import is_prose
from summarizer.digest.models import AttributionProfile
from summarizer.digest.sources import Source
from summarizer.evidence.attribution import attribute
from summarizer.extraction.models import AttributionKind, EntityType


def _proper(source: str | None) -> str | None:
    """A speaker the reader can name ("Axios", "one Israeli official"), without a possessive;
    a bare common noun ("group", "government") stands for the sentence before's speaker."""
    if not source:
        return None
    source = re.sub(r"[’']s$", "", source.strip())
    return source if any(w[:1].isupper() for w in source.split()) else None


def profile(source: Source) -> AttributionProfile:
    counts = dict.fromkeys(AttributionKind, 0)
    named: list[str] = []
    for fact in source.facts:
        attribution = fact.fact.attribution
        counts[attribution.kind] += 1
        if attribution.source and attribution.source not in named:
            named.append(attribution.source)
    by_sentence = dict.fromkeys(AttributionKind, 0)
    anonymous = []
    entities = source.result.entities
    known = [e.name for e in entities if e.type != EntityType.PLACE]
    places = [e.name for e in entities if e.type == EntityType.PLACE]
    before = ""
    for sentence in source.sentences:
        if not is_prose(sentence):
            continue
        attribution = attribute(sentence.text, known, places, before)
        before = sentence.text
        by_sentence[attribution.kind] += 1
        if attribution.kind == AttributionKind.ANONYMOUS:
            anonymous.append(source.span(sentence.start, sentence.end))
        speaker = _proper(attribution.source)
        if speaker and not any(speaker in n or n.endswith(speaker) for n in named):
            named.append(speaker)
    return AttributionProfile(
        article=source.label,
        counts=counts,
        named_sources=named,
        sentences=by_sentence,
        anonymous=anonymous,
    )
