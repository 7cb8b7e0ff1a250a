"""What the model found in each window of a long document, put back together as one result
whose offsets index the whole text: facts read twice where windows overlap kept once, names
counted in the whole text."""

from __future__ import annotations

from collections.abc import Sequence

from summarizer.evidence.facts import (
    SUPPORT_RANK,
    mentions_in,
    normal_statement,
    place,
    place_mentions,
    same_fact,
    title_before,
    under_full_names,
)
from summarizer.extraction.models import Entity, EntityType, Fact
from summarizer.inputs.documents import Layout
from summarizer.inputs.windows import Window


def merge_facts(
    found: Sequence[tuple[Window, Sequence[Fact]]], layout: Layout | None = None
) -> list[Fact]:
    """Every window's facts with offsets into the whole text, in the order of the text. Of
    two facts that rest on the same sentence (read twice where the windows overlap) or say
    the same thing, the better supported one is kept. Ids are renumbered f1, f2, ..."""
    located: list[Fact] = []
    unlocated: list[Fact] = []
    for window, facts in found:
        for fact in facts:
            shifted = shift(fact, window.start)
            (unlocated if shifted.evidence.start is None else located).append(shifted)
    located.sort(key=lambda f: (f.evidence.start, SUPPORT_RANK[f.evidence.support]))
    kept: list[Fact] = []
    for fact in located:
        twin = next((i for i, k in enumerate(kept) if same_fact(k, fact)), None)
        if twin is None:
            kept.append(fact)
        elif SUPPORT_RANK[fact.evidence.support] < SUPPORT_RANK[kept[twin].evidence.support]:
            kept[twin] = fact
    statements = {normal_statement(f.statement) for f in kept}
    for fact in unlocated:
        if normal_statement(fact.statement) not in statements:
            kept.append(fact)
            statements.add(normal_statement(fact.statement))
    if layout is not None:
        kept = [place(f, layout) for f in kept]
    return [f.model_copy(update={"id": f"f{n}"}) for n, f in enumerate(kept, 1)]


def shift(fact: Fact, offset: int) -> Fact:
    evidence = fact.evidence
    if evidence.start is None or evidence.end is None:
        return fact
    moved = evidence.model_copy(
        update={"start": evidence.start + offset, "end": evidence.end + offset}
    )
    return fact.model_copy(update={"evidence": moved})


def merge_entities(found: Sequence[Sequence[Entity]], text: str) -> list[Entity]:
    """The names any window listed, once each (a person under their full name, as one
    window's entities are), counted in the whole text, most mentioned first."""
    first: dict[str, Entity] = {}
    for entities in found:
        for entity in entities:
            first.setdefault(entity.name.casefold(), entity)
    names = [e.name for e in first.values()]
    people = under_full_names(
        {e.name: e.role for e in first.values() if e.type == EntityType.PERSON}
    )
    merged: dict[str, Entity] = {}
    for entity in first.values():
        if entity.type == EntityType.PERSON and entity.name not in people:
            continue  # merged into a fuller name
        if entity.type == EntityType.PLACE:
            mentions = len(place_mentions(text, entity.name, names))
        else:
            mentions = mentions_in(text, entity.name, entity.type)
        role = None
        if entity.type == EntityType.PERSON:
            role = title_before(text, entity.name) or people[entity.name]
        merged[entity.name.casefold()] = entity.model_copy(
            update={"mentions": mentions, "role": role}
        )
    return sorted(merged.values(), key=lambda e: -e.mentions)
