"""Whose word a fact rests on: a named source, an anonymous one, or the outlet's own voice.

Read off the sentence the fact's quote stands in, not asked of the model: the 1.5B model
labelled "Sources close to both leaders confirm ..." as named, and named 15 of 18 example
facts, the outlet's own voice none. A name the model listed counts as a source only where it
stands in the sentence next to a verb of saying.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from summarizer.extraction.models import Attribution, AttributionKind

_SAYING = (
    r"(?:said|says|say|told|tells|stated|states|announced|announces|declared|insisted|insists|"
    r"warned|warns|added|adds|wrote|writes|tweeted|posted|confirmed|confirms|claimed|claims|"
    r"argued|argues|noted|notes|stressed|stresses|reported|reports|revealed|reveals|explained|"
    r"acknowledged|denied|denies|alleged|alleges|maintain|maintains|underscored|emphasized)"
)
_ANONYMOUS = re.compile(
    r"\b(?:sources?|insiders?|officials|an? (?:senior |top |former |government )?"
    r"(?:official|aide|diplomat|source|person|insider)|people (?:familiar|close|briefed)|"
    r"reportedly|reports (?:say|suggest|indicate|reveal|claim|have surfaced)|according to reports|"
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


def attribute(
    sentence: str, known_names: Sequence[str] = (), places: Sequence[str] = ()
) -> Attribution:
    """The attribution of what `sentence` states; `known_names` are the article's people and
    organizations as the model listed them, `places` names that never speak ("As talks
    begin in Cairo, reports reveal ..."). Anonymous sources that come first are the source
    of what follows ("Sources suggest Trump emphasized ...")."""
    present = [n for n in known_names if n and n in sentence]
    named = _named_source(sentence, present, set(places))
    anonymous = _ANONYMOUS.search(sentence)
    if named and not (anonymous and anonymous.start() < named[1]):
        return Attribution(kind=AttributionKind.NAMED, source=named[0])
    if anonymous:
        return Attribution(kind=AttributionKind.ANONYMOUS)
    if present and re.search(_SAYING, sentence):
        return Attribution(kind=AttributionKind.NAMED, source=present[0])
    return Attribution(kind=AttributionKind.OUTLET)


def _named_source(sentence: str, present: list[str], places: set[str]) -> tuple[str, int] | None:
    """The source named next to a verb of saying, and where it stands; where a listed name
    contains it or is contained in it ("Save" in "Save the Children", "Gen Nakatani" in
    "Defense Minister Gen Nakatani"), the listed name."""
    for match in _NAMED.finditer(sentence):
        name = next(g for g in match.groups() if g).strip(" .,")
        if name.split()[0] in _NOT_A_SOURCE or name in places or _ANONYMOUS.search(name):
            continue
        return next((n for n in present if name in n or n in name), name), match.start()
    return None
