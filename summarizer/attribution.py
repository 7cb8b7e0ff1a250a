"""Whose word a fact rests on: a named source, an anonymous one, or the outlet's own voice.

Read off the sentence the fact's quote stands in, not taken from the model: a small model
labels "Sources close to both leaders confirm ..." as named. The model's `attributed_to`
counts only where that name is in the sentence next to a verb of saying.
"""

from __future__ import annotations

import re

from summarizer.digest.models import AttributionProfile
from summarizer.digest.sources import Source, SourceFact
from summarizer.digest.text import sentence_around
from summarizer.schemas import AttributionKind

_SAYING = (
    r"(?:said|says|say|told|tells|stated|states|announced|announces|declared|insisted|insists|"
    r"warned|warns|added|adds|wrote|writes|tweeted|posted|confirmed|confirms|claimed|claims|"
    r"argued|argues|noted|notes|stressed|stresses|reported|reports|revealed|reveals|explained|"
    r"acknowledged|denied|denies|alleged|alleges|maintain|maintains|underscored|emphasized)"
)
_ANONYMOUS = re.compile(
    r"\b(?:sources?|insiders?|officials|an? (?:senior |top |former |government )?"
    r"(?:official|aide|diplomat|source|person|insider)|people (?:familiar|close|briefed)|"
    r"reportedly|reports (?:say|suggest|indicate|have surfaced)|according to reports|"
    r"it (?:is|was) (?:understood|reported|believed)|on condition of anonymity|"
    r"(?:asked|spoke) not to be (?:named|identified)|rumou?r(?:s|ed)?)\b",
    re.IGNORECASE,
)
_NAME = r"[A-Z][\w’'.-]*(?:\s+(?:[A-Z][\w’'.-]*|of|de|al-))*"
_NAMED = re.compile(
    rf"\b[Aa]ccording to (?:the )?(?P<a>{_NAME})"
    rf"|\b(?P<b>{_NAME}),?(?:\s+\w+){{0,2}}\s+{_SAYING}\b"
    rf"|\b{_SAYING},?\s+(?P<c>{_NAME})"
    rf"|[”\"],?\s+(?P<d>{_NAME})\s+{_SAYING}\b"
)
# Capitalized words that open a sentence without naming anyone.
_NOT_A_SOURCE = {
    "The", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "I", "In", "On",
    "But", "And", "However", "Meanwhile", "Still", "Yet", "As", "If", "When", "While", "A", "An",
}  # fmt: skip


def classify(source: Source, fact: SourceFact) -> tuple[AttributionKind, str | None]:
    sentence = sentence_around(source.article.text, fact.quote.start, fact.quote.end).text
    name = _named_source(sentence, fact.fact.attribution.source)
    if name and not _ANONYMOUS.search(name):
        return AttributionKind.NAMED, name
    if _ANONYMOUS.search(sentence):
        return AttributionKind.ANONYMOUS, None
    return AttributionKind.OUTLET, None


def _named_source(sentence: str, proposed: str | None) -> str | None:
    for match in _NAMED.finditer(sentence):
        name = next(g for g in match.groups() if g)
        if name.split()[0] not in _NOT_A_SOURCE:
            return name.strip(" .,")
    if proposed and proposed in sentence and re.search(_SAYING, sentence):
        return proposed
    return None


def profile(source: Source) -> AttributionProfile:
    counts = dict.fromkeys(AttributionKind, 0)
    named: list[str] = []
    for fact in source.facts:
        kind, name = classify(source, fact)
        counts[kind] += 1
        if name and name not in named:
            named.append(name)
    return AttributionProfile(article=source.label, counts=counts, named_sources=named)
