"""Each source's attribution profile: how many of its shown facts rest on named sources, on
anonymous ones, or on the outlet's own voice (each fact's attribution,
summarizer.evidence.attribution)."""

from __future__ import annotations

from summarizer.digest.models import AttributionProfile
from summarizer.digest.sources import Source
from summarizer.extraction.models import AttributionKind


def profile(source: Source) -> AttributionProfile:
    counts = dict.fromkeys(AttributionKind, 0)
    named: list[str] = []
    for fact in source.facts:
        attribution = fact.fact.attribution
        counts[attribution.kind] += 1
        if attribution.source and attribution.source not in named:
            named.append(attribution.source)
    return AttributionProfile(article=source.label, counts=counts, named_sources=named)
