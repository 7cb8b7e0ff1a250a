"""Conflicts between articles: differing figures and differing offices found by rules over
every sentence, and the model's proposals, kept only where the quotes bear them out."""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from summarizer.digest.models import Conflict, ConflictKind, ConflictSide, Quote
from summarizer.digest.numbers import Quantity, quantities
from summarizer.digest.sources import Source, SourceFact
from summarizer.evidence.grounding import normalize

_OFFICES = (
    "president|vice president|prime minister|minister|secretary|senator|sen\\.|representative|"
    "rep\\.|governor|gov\\.|ambassador|chancellor|king|queen|mayor|general|gen\\.|chief|"
    "director|speaker|chairman|chairwoman|leader|envoy|spokesman|spokeswoman|spokesperson|"
    "commissioner|premier|attorney general|prince|pope|ceo"
)
_FORMER = {"former", "ex", "ex-", "then", "then-", "outgoing", "late"}
_TITLE_WORD = re.compile(r"^(?:[A-Z][\w.’'-]*|former|ex-|then-|acting|outgoing|late|deputy)$")
_OFFICE = re.compile(rf"\b(?:{_OFFICES})\b", re.IGNORECASE)
_ABBREVIATION = re.compile(r"^(?:[A-Z]\.)+$|^(?:Sen|Rep|Gov|Gen|Lt|Col|Dr|Mr|Mrs|Ms)\.$")
MAX_TITLE_WORDS = 5


@dataclass(frozen=True)
class Mention:
    """A person named with an office: "former U.S. President Donald Trump"."""

    source: Source
    start: int
    end: int
    title: str
    office: str
    former: bool


def number_conflicts(sources: list[Source]) -> list[Conflict]:
    found: dict[tuple[str, str, str, str], Conflict] = {}
    for a, b in itertools.combinations(sources, 2):
        for qa, qb in _contradicting(_quantities(a), _quantities(b)):
            key = (a.label, b.label, qa.phrase.lower(), qb.phrase.lower())
            found.setdefault(key, _number_conflict(a, qa, b, qb))
    return list(found.values())


def _quantities(source: Source) -> list[Quantity]:
    return [q for s in source.sentences for q in quantities(s.text, s.start)]


def _contradicting(
    ours: list[Quantity], theirs: list[Quantity]
) -> Iterator[tuple[Quantity, Quantity]]:
    for qa, qb in itertools.product(ours, theirs):
        # An article that also gives the other's figure for the same thing does not contradict it.
        if qa.contradicts(qb) and not any(not q.contradicts(qb) and _same(q, qb) for q in ours):
            yield qa, qb


def _same(a: Quantity, b: Quantity) -> bool:
    return bool(a.unit & b.unit) and not (a.high < b.low or b.high < a.low)


def _number_conflict(a: Source, qa: Quantity, b: Source, qb: Quantity) -> Conflict:
    topic = "number of " + qa.unit_phrase(qa.unit & qb.unit)
    return _conflict(ConflictKind.NUMBER, topic, [(a, qa.phrase, qa), (b, qb.phrase, qb)])


def title_conflicts(sources: list[Source], people: Iterable[str]) -> list[Conflict]:
    """Some articles call a person a former holder of an office that others say they hold:
    one conflict per person and office, a side per article (its first such mention)."""
    conflicts = []
    for person in people:
        by_office: dict[str, dict[str, list[Mention]]] = {}
        for source in sources:
            for mention in _mentions(source, person):
                by_office.setdefault(mention.office, {}).setdefault(source.label, []).append(
                    mention
                )
        for office, by_source in by_office.items():
            consistent = [ms[0] for ms in by_source.values() if len({m.former for m in ms}) == 1]
            if len({m.former for m in consistent}) == 2:
                sides = [(m.source, m.title, m) for m in consistent]
                conflicts.append(_conflict(ConflictKind.TITLE, f"{person}: {office}", sides))
    return conflicts


def person_name(name: str) -> str:
    """The name without the office a model may have put in front of it."""
    words = name.split()
    offices = [i for i, w in enumerate(words) if _OFFICE.fullmatch(w) or w.endswith(".")]
    return " ".join(words[offices[-1] + 1 :] if offices else words)


def titles_of(source: Source, person: str) -> list[str]:
    """The titles an article gives a person ("former U.S. President"), once each."""
    if len(person.split()) < 2:
        return []
    return list(dict.fromkeys(m.title for m in _mentions(source, person)))


def _mentions(source: Source, person: str) -> Iterator[Mention]:
    surname = person.split()[-1]
    text = source.article.text
    for match in re.finditer(rf"\b{re.escape(surname)}\b", text):
        title_start, title = _title_before(text, match.start(), person)
        office = _OFFICE.search(title)
        if office:
            yield Mention(
                source=source,
                start=title_start,
                end=match.end(),
                title=title,
                office=office.group().lower().rstrip("."),
                former=any(w.lower().rstrip("-") in _FORMER for w in title.split()),
            )


def _title_before(text: str, name_start: int, person: str) -> tuple[int, str]:
    """The words right before a surname that make up a title, first names skipped."""
    before = text[max(0, name_start - 120) : name_start]
    before = before[before.rfind("\n") + 1 :]
    words = list(re.finditer(r"\S+", before))
    given = {w.lower() for w in person.split()[:-1]}
    kept: list[re.Match[str]] = []
    for word in reversed(words):
        token = word.group()
        if not kept and token.lower() in given:
            continue
        ends_sentence = token[-1] in '.!?:;,”"' and not _ABBREVIATION.match(token)
        if len(kept) >= MAX_TITLE_WORDS or ends_sentence or not _TITLE_WORD.match(token):
            break
        kept.insert(0, word)
    if not kept:
        return name_start, ""
    start = name_start - len(before) + kept[0].start()
    end = name_start - len(before) + kept[-1].end()
    return start, text[start:end]


# The most words a model-proposed conflict's value may have: "former U.S. President", "the
# 48 remaining Israeli hostages", "in Cairo under Egyptian auspices".
MAX_VALUE_WORDS = 8


@dataclass(frozen=True)
class Proposal:
    """A conflict the model proposes between two facts, with the value each one gives."""

    topic: str
    a: SourceFact
    value_a: str
    b: SourceFact
    value_b: str


def verified(proposal: Proposal, sources: dict[str, Source]) -> Conflict | None:
    """The proposal, if each value is a short phrase of its own fact's quote and they differ.

    Two whole sentences set side by side are not evidence of a contradiction: a value must
    name what differs ("59" against "48"), not restate its quote.
    """
    a, b = proposal.a, proposal.b
    value_a, value_b = normalize(proposal.value_a).text, normalize(proposal.value_b).text
    if a.article == b.article or not value_a or not value_b or value_a == value_b:
        return None
    if max(len(proposal.value_a.split()), len(proposal.value_b.split())) > MAX_VALUE_WORDS:
        return None
    if value_a not in normalize(a.quote.text).text or value_b not in normalize(b.quote.text).text:
        return None
    sides = [
        (sources[a.article], proposal.value_a, a.quote),
        (sources[b.article], proposal.value_b, b.quote),
    ]
    conflict = _conflict(ConflictKind.CLAIM, proposal.topic, sides)
    return conflict.model_copy(update={"proposed_by": "model"})


Span = Quantity | Mention | Quote


def _conflict(
    kind: ConflictKind, topic: str, sides: Sequence[tuple[Source, str, Span]]
) -> Conflict:
    built = [
        ConflictSide(
            article=source.label,
            value=value,
            quote=span if isinstance(span, Quote) else _sentence_quote(source, span),
            date=source.article.date,
        )
        for source, value, span in sides
    ]
    dates = [source.published for source, _, _ in sides]
    differ = len({d for d in dates if d is not None}) > 1
    return Conflict(
        kind=kind,
        topic=topic,
        sides=built,
        dates_differ=differ,
        note=_date_note(dates, differ),
        proposed_by="rules",
    )


def _sentence_quote(source: Source, span: Quantity | Mention) -> Quote:
    sentence = next(s for s in source.sentences if s.start <= span.start < s.end)
    return source.span(sentence.start, max(sentence.end, span.end))


def _date_note(dates: list[datetime.date | None], differ: bool) -> str:
    if differ:
        shown = ", ".join(sorted({d.isoformat() for d in dates if d is not None}))
        return f"published {shown}: the difference may be a change over time, not an error"
    if None in dates:
        return "a publication date is unknown: the difference may be a change over time"
    return "published the same day"
