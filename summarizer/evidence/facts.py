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

from summarizer.evidence.attribution import Quotation, attribute, quotations
from summarizer.evidence.names import (
    CLUB_WORDS,
    NAME_CONTINUATIONS,
    PLACE_WORDS,
    THING_WORDS,
    is_country,
    is_demonym,
    is_group,
    may_be_a_person,
)
from summarizer.evidence.support import (
    DEFAULT_POLICY,
    Support,
    SupportPolicy,
    check_support,
    nothing_found,
)
from summarizer.extraction.models import (
    MAX_STATEMENT_CHARS,
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
# What ends a sentence, its closing quotation mark or bracket included.
SENTENCE_FINAL = (".", "!", "?", "”", '"', "’", "'", ")", "…")
# The share of a sentence inside a quotation for it to be the quotation's speaker's.
_QUOTED_SHARE = 0.6
# A statement this close to the grammar's bound, not ending like a sentence, was cut by it.
_CUT_SLACK = 5
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
    news = extraction.item_kind is None
    facts = [
        article.fact(f"f{number}", item.claim(), found, entities, policy, sentences=news)
        for number, (item, found) in enumerate(zip(extraction.facts, evidence, strict=True), 1)
    ]
    if not news:
        facts = [
            fact.model_copy(update={"type": extraction.item_kind, "fields": item.fields()})
            for fact, item in zip(facts, extraction.facts, strict=True)
        ]
    else:
        facts = distinct(facts)
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
        self._quotations: list[Quotation] | None = None

    def fact(
        self,
        fact_id: str,
        statement: str,
        evidence: Evidence,
        entities: list[Entity],
        policy: SupportPolicy,
        sentences: bool = True,
    ) -> Fact:
        """One fact read off its evidence; with `sentences`, its statement a sentence (a
        news fact's), which the grammar's length bound may have cut."""
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
        names = [e.name for e in sources]
        attribution = attribute(
            around.text,
            names,
            [e.name for e in places],
            before=self.index.before(around.start),
            statement=statement,
        )
        quotation = self.quotation_around(around, names, [e.name for e in places])
        if quotation is not None and attribution.kind == AttributionKind.OUTLET:
            attribution = quotation  # a sentence of a quotation its speaker opened before it
        quoted = inside_quotation(around, *span) or quotation is not None
        return Fact(
            id=fact_id,
            type=kind_of(statement, quoted, attribution),
            statement=statement,
            attribution=attribution,
            who=speaker_first(attribution, names_in(around.text, sources)),
            when=dates_in(around.text),
            where=names_in(around.text, places, [e.name for e in entities]),
            evidence=evidence.model_copy(update=_verdict(support, statement, sentences)),
        )

    def quotation_around(
        self, sentence: Sentence, names: Sequence[str], places: Sequence[str]
    ) -> Attribution | None:
        """The speaker of the quotation the sentence stands in, most of it, if the text
        names one: "'It 's helpful that other teams are being dragged into it . People are
        continually adjusting the form table ...'" is the manager's, named before it."""
        if self._quotations is None:
            self._quotations = quotations(self.text, names, places)
        length = max(sentence.end - sentence.start, 1)
        for quotation in self._quotations:
            inside = min(quotation.end, sentence.end) - max(quotation.start, sentence.start)
            if quotation.speaker is not None and inside / length >= _QUOTED_SHARE:
                return quotation.speaker
        return None

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
        """The listed names that stand in the text, once each, most mentioned first: typed
        by what they are (a country is a place, a group an organization, a demonym or a
        description nothing), a person's mentions under their full name ("Trump" and
        "President Trump" under "Donald Trump"), a place counted where it is not the start
        of an organization's name ("Manchester" in "Manchester City")."""
        listed: dict[str, tuple[str, set[EntityType]]] = {}
        for kind, names in extraction.names().items():
            for name in names:
                name = name.strip()
                if name:
                    listed.setdefault(name.casefold(), (name, set()))[1].add(kind)
        every_name = [name for name, _ in listed.values()]
        people: dict[str, str | None] = {}  # a person's name as written, less its title
        others: dict[str, EntityType] = {}
        for name, kinds in listed.values():
            typed = entity_type(name, kinds, self.text)
            if typed == EntityType.PERSON:
                bare, title = without_title(name)
                if people.get(bare) is None:
                    people[bare] = title
            elif typed is not None:
                others.setdefault(name, typed)
        found: dict[str, Entity] = {}
        for name, title in under_full_names(people).items():
            mentions = self.mentions(name, EntityType.PERSON)
            if mentions and name.casefold() not in found:
                role = title_before(self.text, name) or title
                found[name.casefold()] = Entity(
                    name=name, type=EntityType.PERSON, mentions=mentions, role=role
                )
        for name, kind in others.items():
            if kind == EntityType.PLACE:
                mentions = len(place_mentions(self.text, name, every_name))
            else:
                mentions = self.mentions(name, kind)
            if mentions and name.casefold() not in found:
                found[name.casefold()] = Entity(name=name, type=kind, mentions=mentions)
        return sorted(found.values(), key=lambda e: -e.mentions)

    def mentions(self, name: str, kind: EntityType) -> int:
        return mentions_in(self.text, name, kind)


def entity_type(name: str, kinds: set[EntityType], text: str) -> EntityType | None:
    """What a name the model listed (under `kinds`) is: None for a demonym ("Egyptian"), a
    description ("Hamas terrorists", "40-year-old man") or a plan ("Trump Peace Framework");
    a place for a country or a region, whatever list it was in; an organization for an armed
    or political group ("Hamas"), for a body listed among people ("Holland America Line"),
    or a name listed as a person and an organization both ("SpaceX")."""
    words = name.split()
    last = words[-1]
    if any(w[:1].isdigit() for w in words) or is_demonym(name) or last in THING_WORDS:
        return None
    if last[:1].islower() and last.lower() not in _NAME_PARTICLES:
        if last.lower() in PLACE_WORDS:
            return EntityType.PLACE
        if last.lower() in _ORGANIZATION_WORDS:
            return EntityType.ORGANIZATION
        return None  # "Humanitarian organizations", "Manchester derby"
    if is_country(name) and not (kinds == {EntityType.PERSON} and may_be_a_person(name)):
        return EntityType.PLACE
    if is_group(name) or (kinds != {EntityType.ORGANIZATION} and _named_as_a_club(text, name)):
        return EntityType.ORGANIZATION
    bare, title = without_title(name)
    if title is not None and looks_like_a_person(bare):
        return EntityType.PERSON  # "NBA Commissioner Adam Silver", listed as a body
    if EntityType.PERSON in kinds and EntityType.ORGANIZATION not in kinds:
        person = looks_like_a_person(name) and not _named_as_a_body(text, name)
        return EntityType.PERSON if person else EntityType.ORGANIZATION
    if EntityType.ORGANIZATION in kinds:
        return EntityType.ORGANIZATION
    return EntityType.PLACE


_BODY_BEFORE = (
    r"\b(?:group|organi[sz]ation|militia|movement|party|faction|outfit|band|company|firm|"
    r"network|agency|charity)\s+(?:called|named|known as)\s+"
)
_BODY_AFTER = (
    r"(?:\s+(?:militants|fighters|militia|members|leadership|terrorists|gunmen)\b"
    r"|-(?:run|led|backed|controlled)\b"
    r"|\s*,\s*(?:an?|the)\s+(?:[\w-]+\s+){0,3}(?:group|organi[sz]ation|militia|movement|"
    r"party|faction|company|firm|network|agency|charity|band)\b)"
)


def _named_as_a_club(text: str, name: str) -> bool:
    """The text writes the name as a club's, more often than not: before a player or a
    manager ("Chelsea youngster Jay Dasilva", "Hull manager Steve Bruce") or in brackets
    after one ("Jay DaSilva ( Chelsea )")."""
    pattern = name_pattern(name).pattern
    mentions = len(re.findall(pattern, text))
    as_club = len(re.findall(pattern + r"\s+(?:" + "|".join(CLUB_WORDS) + r")\b", text))
    as_club += len(re.findall(r"[A-Z][\w’'-]+\s*\(\s*" + pattern + r"\s*\)", text))
    return mentions > 0 and as_club * 2 > mentions


def _named_as_a_body(text: str, name: str) -> bool:
    """The text calls the name a group ("a militant group called Jaish al Adal", "Hamas
    fighters", "Hamas-run")."""
    pattern = name_pattern(name).pattern
    return bool(
        re.search(_BODY_BEFORE + pattern, text, re.IGNORECASE)
        or re.search(pattern + _BODY_AFTER, text)
    )


def without_title(name: str) -> tuple[str, str | None]:
    """A person's name and the title the model wrote into it: "President Trump" is Trump,
    "NBA Commissioner Adam Silver" is Adam Silver, the NBA Commissioner."""
    words = name.split()
    for index in range(len(words) - 1, 0, -1):
        if words[index - 1].lower() in _ROLE_NOUNS | {"mr", "mr.", "mrs", "mrs.", "ms", "ms."}:
            rest = words[index:]
            if rest and all(w[:1].isupper() or w in _NAME_PARTICLES for w in rest):
                return " ".join(rest), " ".join(words[:index])
            break
    return name, None


def under_full_names(people: dict[str, str | None]) -> dict[str, str | None]:
    """People listed once each under their full name: "Trump" and "President Trump" go to
    "Donald Trump" where that is listed; a surname shared by two full names stays apart."""
    merged: dict[str, str | None] = {}
    for name, title in people.items():
        words = name.split()
        longer = [
            other
            for other in people
            if len(other.split()) > len(words) and other.split()[-len(words) :] == words
        ]
        if len(longer) == 1:
            full = longer[0]
            merged[full] = merged.get(full) or people[full] or title
        elif not longer:
            merged[name] = merged.get(name) or title
        else:
            merged.setdefault(name, title)
    return merged


def place_mentions(text: str, name: str, listed: Sequence[str]) -> list[re.Match[str]]:
    """Where a place is mentioned as itself: not as the start of another listed name
    ("Manchester" in "Manchester City") nor of a club's, a paper's or a school's
    ("Pottstown Mercury", "Kuopio University Hospital")."""
    longer = [n for n in listed if len(n) > len(name) and n.casefold().startswith(name.casefold())]
    found = []
    for match in name_pattern(name).finditer(text):
        if any(text.startswith(n, match.start()) for n in longer):
            continue
        following = re.match(r"\s+([A-Z]\w*)", text[match.end() :])
        if following and following.group(1).lower() in NAME_CONTINUATIONS:
            continue
        found.append(match)
    return found


def _verdict(support: Support, statement: str, sentence: bool) -> dict[str, object]:
    """The evidence's verdict fields: a dropped hedge said, and a statement that the
    grammar's bound cut ("... to make sure the club stay in a") at best partly supported."""
    verdict = support.verdict
    caveats = [f"drops “{hedge}”" for hedge in support.dropped]
    if sentence and is_cut(statement):
        caveats.append("cut short")
        if verdict == SupportVerdict.SUPPORTED:
            verdict = SupportVerdict.PARTIAL
    return {"support": verdict, "missing_words": support.missing, "caveats": caveats}


def is_cut(statement: str) -> bool:
    """Whether a statement stops mid-sentence: at the grammar's length bound, or on a
    word or mark that cannot end one ("... stay in a", "... including the FBI,")."""
    text = statement.rstrip()
    if not text or text.endswith(SENTENCE_FINAL):
        return False
    last = re.findall(r"\w+", text)[-1:]
    dangling = text[-1] in ",;:-–—(" or (bool(last) and last[0].lower() in stop_words())
    return dangling or len(text) >= MAX_STATEMENT_CHARS - _CUT_SLACK


def distinct(facts: Sequence[Fact]) -> list[Fact]:
    """The facts without repeats: of two that say the same thing (the same words, case and
    punctuation aside) or rest on the same sentence, the better founded one is kept, in the
    place of the first: one its evidence does not contradict over one it does; of two such,
    the first (the model puts the main news first). Ids stay the model's: "f1", "f3".

    Founded, not supported over partial: the digest shows the first founded fact of each
    sentence, and what it sends the model must stay as recorded (cassettes/digest/neus_3.yaml
    has a partly supported fact before a supported one on the same sentence)."""
    kept: list[Fact] = []
    for fact in facts:
        twin = next((i for i, k in enumerate(kept) if same_fact(k, fact)), None)
        if twin is None:
            kept.append(fact)
        elif fact.well_founded and not kept[twin].well_founded:
            kept[twin] = fact
    return kept


SUPPORT_RANK = {
    SupportVerdict.SUPPORTED: 0,
    SupportVerdict.PARTIAL: 1,
    SupportVerdict.UNSUPPORTED: 2,
}


def same_fact(a: Fact, b: Fact) -> bool:
    """The same statement, or evidence that overlaps."""
    if normal_statement(a.statement) == normal_statement(b.statement):
        return True
    ea, eb = a.evidence, b.evidence
    if ea.start is None or ea.end is None or eb.start is None or eb.end is None:
        return False
    return ea.start < eb.end and eb.start < ea.end


def normal_statement(statement: str) -> str:
    return " ".join(re.findall(r"\w+", statement.casefold()))


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
    parts = [p for p in name.split() if p != "and"]  # "Bill and Denise Richard"
    if any(p.lower() in _ORGANIZATION_WORDS for p in parts):
        return False
    if any(p.isupper() and len(p.strip(".")) > 1 for p in parts):
        return False
    return all(p[:1].isupper() or p in _NAME_PARTICLES for p in parts)


def name_pattern(name: str) -> re.Pattern[str]:
    """A name as written, tolerant of tokenization spaces ("U. S." for "U.S.", "Sterling 's")."""
    tokens = re.findall(r"\w+", name)
    return re.compile(r"(?<!\w)" + r"\W{0,3}".join(map(re.escape, tokens)) + r"(?!\w)")


def names_in(sentence: str, entities: Sequence[Entity], listed: Sequence[str] = ()) -> list[str]:
    """The entities the sentence names (a person by full name or surname, a place where it
    is not the start of another `listed` name), in its order."""
    positions: dict[str, int] = {}
    for entity in entities:
        if entity.type == EntityType.PLACE:
            if found := place_mentions(sentence, entity.name, listed):
                positions.setdefault(entity.name, found[0].start())
            continue
        candidates = [entity.name]
        if entity.type == EntityType.PERSON and len(entity.name.split()) > 1:
            candidates.append(entity.name.split()[-1])
        for candidate in candidates:
            if match := name_pattern(candidate).search(sentence):
                positions.setdefault(entity.name, match.start())
    return sorted(positions, key=positions.__getitem__)


def speaker_first(attribution: Attribution, named: list[str]) -> list[str]:
    """The people and bodies a sentence names, its speaker first (added if the model did not
    list them: "Pellegrini has admitted ...")."""
    source = attribution.source
    if attribution.kind != AttributionKind.NAMED or not source:
        return named
    same = [n for n in named if source in n or n in source]
    return [same[0] if same else source, *(n for n in named if n not in same[:1])]


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
