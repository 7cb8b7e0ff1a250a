"""What the model found in each window of a long document, put back together as one result
whose offsets index the whole text: facts read twice where windows overlap kept once, names
counted in the whole text."""

from __future__ import annotations

import re
from collections.abc import Sequence

from summarizer.evidence.facts import mentions_in, place, title_before
from summarizer.extraction.models import Entity, EntityType, Fact, SupportVerdict
from summarizer.inputs.documents import Layout
from summarizer.inputs.windows import Window

_SUPPORT_RANK = {
    SupportVerdict.SUPPORTED: 0,
    SupportVerdict.PARTIAL: 1,
    SupportVerdict.UNSUPPORTED: 2,
}


def merge_facts(
    found: Sequence[tuple[Window, Sequence[Fact]]], layout: Layout | None = None
) -> list[Fact]:
    """Every window's facts with offsets into the whole text, in the order of the text. Of
    two facts from different windows that rest on the same sentence (read twice where the
    windows overlap) or say the same thing, the better supported one is kept. Ids are
    renumbered f1, f2, ..."""
    located: list[tuple[int, Fact]] = []
    unlocated: list[Fact] = []
    for number, (window, facts) in enumerate(found):
        for fact in facts:
            shifted = shift(fact, window.start)
            if shifted.evidence.start is None:
                unlocated.append(shifted)
            else:
                located.append((number, shifted))
    located.sort(key=lambda item: (item[1].evidence.start, _SUPPORT_RANK[item[1].evidence.support]))
    kept: list[tuple[int, Fact]] = []
    for number, fact in located:
        twin = next((i for i, (n, k) in enumerate(kept) if _same_fact(n, k, number, fact)), None)
        if twin is None:
            kept.append((number, fact))
        elif _SUPPORT_RANK[fact.evidence.support] < _SUPPORT_RANK[kept[twin][1].evidence.support]:
            kept[twin] = (number, fact)
    facts = [fact for _, fact in kept]
    statements = {_normal(f.statement) for f in facts}
    facts += [f for f in unlocated if _normal(f.statement) not in statements]
    if layout is not None:
        facts = [place(f, layout) for f in facts]
    return [f.model_copy(update={"id": f"f{n}"}) for n, f in enumerate(facts, 1)]


def shift(fact: Fact, offset: int) -> Fact:
    evidence = fact.evidence
    if evidence.start is None or evidence.end is None:
        return fact
    moved = evidence.model_copy(
        update={"start": evidence.start + offset, "end": evidence.end + offset}
    )
    return fact.model_copy(update={"evidence": moved})


def _same_fact(window_a: int, a: Fact, window_b: int, b: Fact) -> bool:
    if _normal(a.statement) == _normal(b.statement):
        return True
    if window_a == window_b:  # two facts the model drew from one sentence: both stand
        return False
    return _overlap(a, b)


def _overlap(a: Fact, b: Fact) -> bool:
    ea, eb = a.evidence, b.evidence
    assert ea.start is not None and ea.end is not None
    assert eb.start is not None and eb.end is not None
    return ea.start < eb.end and eb.start < ea.end


def _normal(statement: str) -> str:
    return " ".join(re.findall(r"\w+", statement.casefold()))


def merge_entities(found: Sequence[Sequence[Entity]], text: str) -> list[Entity]:
    """The names any window listed, once each, counted in the whole text, most mentioned
    first."""
    merged: dict[str, Entity] = {}
    for entities in found:
        for entity in entities:
            key = entity.name.casefold()
            if key in merged:
                continue
            role = title_before(text, entity.name) if entity.type == EntityType.PERSON else None
            mentions = mentions_in(text, entity.name, entity.type)
            merged[key] = entity.model_copy(update={"mentions": mentions, "role": role})
    return sorted(merged.values(), key=lambda e: -e.mentions)
