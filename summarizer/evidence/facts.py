"""Facts and entities as the tool emits them, from the model's quotes, statements and names.

The model writes only what needs a model: a quote, a short statement, the names the article
is about. The rest is read off the located evidence sentence, the same way every time:

- attribution: a named source, an anonymous one, or the outlet's voice
  (summarizer.evidence.attribution);
- the kind of fact: a direct quotation, a number, a date, a claim someone makes, an event;
- who, when and where: the listed people and organizations, the dates and times, and the
  listed places that the sentence itself names;
- support: whether the statement follows from the sentence (summarizer.evidence.support). When it
  does not, but another sentence does (next to it, or anywhere if it supports it fully),
  that sentence becomes the evidence, the model's own quote kept beside it: the 1.5B model
  often quotes one sentence and states the fact of the next.

Entities are the names the model listed that stand in the article, with how often they occur
and the title written before a person's name ("Pentagon spokesman Mark Wright").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.evidence.attribution import attribute
from summarizer.evidence.support import (
    DEFAULT_POLICY,
    Support,
    SupportPolicy,
    check_support,
    nothing_found,
)
from summarizer.extraction.models import (
    Attribution,
    AttributionKind,
    Entity,
    EntityType,
    Evidence,
    Fact,
    FactType,
    GroundedAnswer,
    GroundingStatus,
    SupportVerdict,
)
from summarizer.inputs.documents import Layout
from summarizer.inputs.text import Sentence, SentenceIndex, number_value, stop_words, words

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night))?"
_WHEN = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:\s*,\s*|\s+)\d{{4}}"
    rf"|\d{{1,2}}\s+{_MONTH}(?:\s*,?\s*\d{{4}})?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
    rf"|(?:early |late |mid-?)?{_MONTH}(?:\s*,?\s*\d{{4}})"
    rf"|(?:last |this |next |on |early |late )?{_WEEKDAY}{_PART_OF_DAY}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}(?::\d{{2}})?\s*[ap]\.?\s?m\b\.?"
    rf"|(?:yesterday|today|tonight|tomorrow)"
    rf"|(?:last|this|next|earlier this|later this) (?:week|month|year|summer|winter|spring|fall)"
    rf"|(?:in |since |by |until )?(?:19|20)\d\d\b)",
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
# Quotation marks, tokenized ones (`` '') included, around at least four words.
_QUOTATION = re.compile(r"(?:[“\"]|``)\s*\S+(?:\s+\S+){3,}?\s*(?:[”\"]|'')")
# A title before a person's name ends in one of these ("Pentagon spokesman Mark Wright").
_ROLE_NOUNS = {
    "president", "minister", "secretary", "senator", "sen.", "rep.", "representative", "gov.",
    "governor", "mayor", "judge", "justice", "chancellor", "king", "queen", "prince",
    "princess", "pope", "general", "gen.", "commissioner", "director", "chairman",
    "chairwoman", "chair", "ceo", "chief", "coach", "dr.", "professor", "prof.", "ambassador",
    "spokesman", "spokeswoman", "spokesperson", "attorney", "lawyer", "singer", "actor",
    "actress", "official", "manager", "analyst", "economist", "researcher", "reporter",
    "correspondent", "editor", "founder", "owner", "leader", "captain", "commander",
    "officer", "scientist", "author", "player", "star", "host", "head", "deputy", "envoy",
    "negotiator", "adviser", "advisor", "aide", "sheriff", "detective",
    "prosecutor", "father", "mother", "son", "daughter", "wife", "husband", "widow",
}  # fmt: skip
_MAX_ROLE_WORDS = 4
# How far from the cited sentence a partly supporting one may stand in for it.
NEIGHBOURS = 2
_NAME_PARTICLES = {"de", "da", "del", "der", "di", "du", "van", "von", "al", "bin", "ibn", "le"}
_ORGANIZATION_WORDS = {
    "line", "lines", "authority", "department", "ministry", "office", "council", "committee",
    "party", "force", "forces", "army", "police", "guard", "agency", "university", "institute",
    "times", "news", "bank", "group", "corp", "inc", "company", "association", "union", "court",
    "children", "foundation", "organization", "commission", "board", "service", "network",
    "team", "club", "league", "fc", "media", "government", "house", "church", "school",
    "hospital", "airlines", "press", "post", "journal", "reuters", "associated",
}  # fmt: skip


@dataclass(frozen=True)
class Annotated:
    facts: list[Fact]
    entities: list[Entity]


def annotate(
    extraction: GroundedAnswer,
    evidence: Sequence[Evidence],
    text: str,
    policy: SupportPolicy = DEFAULT_POLICY,
    layout: Layout | None = None,
) -> Annotated:
    """The model's facts with their located evidence, annotated from the source text; with a
    `layout` (a PDF's pages, a Word file's paragraphs), where each piece of evidence starts.
    An item of a user's schema is checked the same way, its values standing for the
    statement, and keeps its kind and values."""
    article = _Article(text)
    entities = article.entities(extraction)
    facts = [
        article.fact(f"f{number}", item.claim(), found, entities, policy)
        for number, (item, found) in enumerate(zip(extraction.facts, evidence, strict=True), 1)
    ]
    if extraction.item_kind is not None:
        facts = [
            fact.model_copy(update={"type": extraction.item_kind, "fields": item.fields()})
            for fact, item in zip(facts, extraction.facts, strict=True)
        ]
    if layout is not None:
        facts = [place(fact, layout) for fact in facts]
    return Annotated(facts=facts, entities=entities)


def place(fact: Fact, layout: Layout) -> Fact:
    """The fact with the PDF page or Word paragraph its evidence starts in."""
    if fact.evidence.start is None:
        return fact
    part = layout.part_at(fact.evidence.start)
    evidence = fact.evidence.model_copy(update={layout.kind: part})
    return fact.model_copy(update={"evidence": evidence})


class _Article:
    def __init__(self, text: str) -> None:
        self.text = text
        self.index = SentenceIndex(text)

    def fact(
        self,
        fact_id: str,
        statement: str,
        evidence: Evidence,
        entities: list[Entity],
        policy: SupportPolicy,
    ) -> Fact:
        if evidence.start is None or evidence.end is None:
            return _unlocated(fact_id, statement, evidence)
        span = (evidence.start, evidence.end)
        around = self.index.around(*span)
        support = check_support(statement, around.text, policy, self.index.before(around.start))
        if support.verdict == SupportVerdict.UNSUPPORTED:
            neighbour = self.supporting_neighbour(statement, around, policy)
            if neighbour is not None:
                around, support = neighbour
                span = (around.start, around.end)
                evidence = Evidence(
                    quote=around.text,
                    start=around.start,
                    end=around.end,
                    status=GroundingStatus.EXACT,
                    score=1.0,
                    cited_quote=evidence.quote,
                )
        sources = [e for e in entities if e.type != EntityType.PLACE]
        places = [e for e in entities if e.type == EntityType.PLACE]
        attribution = attribute(around.text, [e.name for e in sources], [e.name for e in places])
        return Fact(
            id=fact_id,
            type=kind_of(statement, inside_quotation(around, *span), attribution),
            statement=statement,
            attribution=attribution,
            who=names_in(around.text, sources),
            when=dates_in(around.text),
            where=names_in(around.text, places),
            evidence=evidence.model_copy(
                update={"support": support.verdict, "missing_words": support.missing}
            ),
        )

    def supporting_neighbour(
        self, statement: str, cited: Sentence, policy: SupportPolicy
    ) -> tuple[Sentence, Support] | None:
        """Another sentence that supports the statement, the nearest first: the 1.5B model
        often quotes one sentence and states the fact of the next, or of one further on.
        Next to the cited sentence, partial support will do; further away, only full."""
        sentences = self.index.sentences
        position = next((n for n, s in enumerate(sentences) if s.end > cited.start), None)
        if position is None:
            return None
        by_distance = sorted(
            (n for n in range(len(sentences)) if n != position),
            key=lambda n: (abs(n - position), n < position),
        )
        near: tuple[Sentence, Support] | None = None
        for index in by_distance:
            candidate = sentences[index]
            support = check_support(
                statement, candidate.text, policy, self.index.before(candidate.start)
            )
            if support.verdict == SupportVerdict.SUPPORTED:
                return candidate, support
            nearby = abs(index - position) <= NEIGHBOURS
            if near is None and nearby and support.verdict == SupportVerdict.PARTIAL:
                near = (candidate, support)
        return near

    def entities(self, extraction: GroundedAnswer) -> list[Entity]:
        """The listed names that stand in the text, once each, most mentioned first."""
        found: dict[str, Entity] = {}
        for kind, names in extraction.names().items():
            for name in names:
                key = name.casefold()
                if not name or key in found:
                    continue
                if kind == EntityType.PERSON and not looks_like_a_person(name):
                    kind = EntityType.ORGANIZATION
                mentions = self.mentions(name, kind)
                if mentions:
                    role = title_before(self.text, name) if kind == EntityType.PERSON else None
                    found[key] = Entity(name=name, type=kind, mentions=mentions, role=role)
        return sorted(found.values(), key=lambda e: -e.mentions)

    def mentions(self, name: str, kind: EntityType) -> int:
        return mentions_in(self.text, name, kind)


def mentions_in(text: str, name: str, kind: EntityType) -> int:
    """Times `name` occurs in `text`; for a person, their surname alone too."""
    count = len(name_pattern(name).findall(text))
    if kind == EntityType.PERSON and count:
        surname = name.split()[-1]
        if len(surname) > 2 and surname[0].isupper():
            count = max(count, len(name_pattern(surname).findall(text)))
    return count


def _unlocated(fact_id: str, statement: str, evidence: Evidence) -> Fact:
    """A fact whose quote was not found: nothing to read off, nothing to support it."""
    support = nothing_found(statement)
    return Fact(
        id=fact_id,
        type=kind_of(statement, False, Attribution(kind=AttributionKind.OUTLET)),
        statement=statement,
        attribution=Attribution(kind=AttributionKind.OUTLET),
        evidence=evidence.model_copy(
            update={"support": support.verdict, "missing_words": support.missing}
        ),
    )


def looks_like_a_person(name: str) -> bool:
    """Not an acronym ("FBI"), a description ("Italian coast guard") or a body ("Holland
    America Line"), which a small model lists among people."""
    parts = name.split()
    if any(p.lower() in _ORGANIZATION_WORDS for p in parts):
        return False
    if any(p.isupper() and len(p.strip(".")) > 1 for p in parts):
        return False
    return all(p[:1].isupper() or p in _NAME_PARTICLES for p in parts)


def name_pattern(name: str) -> re.Pattern[str]:
    """A name as written, tolerant of tokenization spaces ("U. S." for "U.S.", "Sterling 's")."""
    tokens = re.findall(r"\w+", name)
    return re.compile(r"(?<!\w)" + r"\W{0,3}".join(map(re.escape, tokens)) + r"(?!\w)")


def names_in(sentence: str, entities: Sequence[Entity]) -> list[str]:
    """The entities the sentence names (a person by full name or surname), in its order."""
    positions: dict[str, int] = {}
    for entity in entities:
        candidates = [entity.name]
        if entity.type == EntityType.PERSON and len(entity.name.split()) > 1:
            candidates.append(entity.name.split()[-1])
        for candidate in candidates:
            if match := name_pattern(candidate).search(sentence):
                positions.setdefault(entity.name, match.start())
    return sorted(positions, key=positions.__getitem__)


def inside_quotation(sentence: Sentence, start: int, end: int) -> bool:
    """Whether the span [start, end) of the text overlaps words someone is quoted saying."""
    for match in _QUOTATION.finditer(sentence.text):
        if sentence.start + match.start() < end and start < sentence.start + match.end():
            return True
    return False


def dates_in(sentence: str) -> list[str]:
    found = (m.group().strip() for m in _WHEN.finditer(sentence))
    return list(dict.fromkeys(f for f in found if f))


def kind_of(statement: str, quoted: bool, attribution: Attribution) -> FactType:
    """A direct quotation, a number, a date, someone's claim, or an event, in that order."""
    if quoted:
        return FactType.QUOTE
    dates = " ".join(dates_in(statement))
    date_numbers = {number_value(w) for w in words(dates)}
    numbers = [
        value
        for w in words(statement)
        if (value := number_value(w)) is not None and w.lower() != "one"
    ]
    if any(n not in date_numbers and not _YEAR.match(n) for n in numbers):
        return FactType.NUMBER
    if dates and re.search(r"\d", dates):
        return FactType.DATE
    if attribution.kind != AttributionKind.OUTLET:
        return FactType.CLAIM
    return FactType.EVENT


def title_before(text: str, name: str) -> str | None:
    """The title written just before the first mention of a person's full name: a role noun
    ("spokesman", "President") and the capitalized words before it ("Pentagon", "U.S.")."""
    match = name_pattern(name).search(text)
    if match is None:
        return None
    before = text[max(0, match.start() - 80) : match.start()].split()
    title: list[str] = []
    for word in reversed(before[-_MAX_ROLE_WORDS:]):
        is_role = word.lower() in _ROLE_NOUNS
        if not (is_role if not title else is_role or _is_title_word(word)):
            break
        title.insert(0, word)
    return " ".join(title) or None


def _is_title_word(word: str) -> bool:
    """A capitalized word inside a title: not a sentence's end ("Monday.") nor a stop word."""
    if not word[:1].isupper() or word.lower() in stop_words() or word.endswith((",", ";", ":")):
        return False
    return not word.endswith(".") or len(word) <= 4 or "." in word[:-1]
