"""What the outlets agree on, beyond the facts one of them extracted: the same figure for the
same kind of thing ("1,200 Israelis were slaughtered", "murdering over 1,200 civilians") and
the same claim in other words ("under Egyptian and Qatari mediation", "brokered by Egypt and
Qatar"), over every sentence of every article. Each agreement lists every outlet that states
it, with its quote; a fact one outlet extracted that another states too is no longer single.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from summarizer.digest.corroboration import is_prose
from summarizer.digest.lexicon import PREDICATES, Keys, keys_of, known_names
from summarizer.digest.models import ConsensusFact, Quote, SingleSourceClaim
from summarizer.digest.numbers import Quantity, quantities
from summarizer.digest.sources import Source, SourceFact
from summarizer.inputs.text import Sentence, content_stems, stem

# What a figure counts, read off the words nearest it: "250 taken hostage", "abducting some
# 250 men, women, and children" are both the abducted.
EVENTS = {"kill": "killed", "abduct": "taken hostage", "release": "released"}
_EVENT_WORDS = {"hostag": "abduct", **{k: v for k, v in PREDICATES.items() if v in EVENTS}}
EVENT_WINDOW = 4  # words either side of the figure
# Figures below this are counts of leaders, rounds and years, not of what a story reports.
MIN_AGREED_FIGURE = 10
# A key in more of the story's sentences than this says nothing of which claim they make.
# Names: "Gaza" is in 15 of the seed story's 161 sentences, "Egypt" in 6, "Cairo" in 4.
MAX_KEY_SHARE = 0.1
MAX_NAME_SHARE = 0.06
_PLACED = re.compile(r"\b(?:in|at|to) (?:the )?([A-Z][\w-]+)")
_CONCEPTS = frozenset(PREDICATES.values())
# Predicates said by nearly every news sentence: they cannot make two sentences one claim.
_GENERIC = {
    "take", "place", "make", "includ", "continu", "remain", "current", "recent", "support",
    "end", "state", "offici", "time", "week", "year", "day", "month", "like", "mani", "way",
    "issu", "effort", "move", "part", "seek", "see", "reportedli", "israel",
}  # fmt: skip


@dataclass(frozen=True)
class Row:
    source: Source
    sentence: Sentence
    keys: Keys

    def quote(self) -> Quote:
        return self.source.span(self.sentence.start, self.sentence.end)


def agreements(
    sources: list[Source], consensus: list[ConsensusFact], single: list[SingleSourceClaim]
) -> tuple[list[ConsensusFact], list[SingleSourceClaim]]:
    """The consensus with the agreed figures and claims added, and the single-source claims
    that no other outlet states."""
    if len(sources) < 2:
        return consensus, single
    found = figure_agreements(sources) + claim_agreements(sources)
    facts = [f for s in sources for f in s.facts]
    found = [_with_facts(a, facts) for a in found]
    shown = {q.fact for c in consensus for q in c.evidence if q.fact}
    new = [a for a in found if not _repeats(a, consensus)]
    corroborated = {q.fact for a in new for q in a.evidence if q.fact} - shown
    kept = [s for s in single if s.evidence.fact not in corroborated]
    merged = consensus + new
    merged.sort(key=lambda c: (-len(c.articles), c.basis != "facts"))
    return merged, kept


# ---- figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    source: Source
    sentence: Sentence
    quantity: Quantity
    event: str | None


def figures(source: Source) -> list[Figure]:
    found = []
    for sentence in source.sentences:
        for quantity in quantities(sentence.text, sentence.start):
            if quantity.low >= MIN_AGREED_FIGURE or quantity.high >= MIN_AGREED_FIGURE:
                event = event_of(sentence, quantity)
                found.append(Figure(source, sentence, quantity, event))
    return found


def event_of(sentence: Sentence, quantity: Quantity) -> str | None:
    """The event word nearest the figure, within EVENT_WINDOW words either side."""
    tokens = list(re.finditer(r"[\w’'-]+", sentence.text))
    offset = quantity.start - sentence.start
    at = next((i for i, t in enumerate(tokens) if t.end() > offset), 0)
    end = next(
        (i for i, t in enumerate(tokens) if t.start() >= quantity.end - sentence.start), len(tokens)
    )
    best: tuple[int, str] | None = None
    for index, token in enumerate(tokens):
        distance = at - index if index < at else max(0, index - end + 1)
        if distance > EVENT_WINDOW:
            continue
        stems = content_stems(token.group())
        event = _EVENT_WORDS.get(stems[0]) if stems else None
        if event and (best is None or distance < best[0]):
            best = (distance, event)
    return best[1] if best else None


def _agree(a: Figure, b: Figure) -> bool:
    overlap = not (a.quantity.high < b.quantity.low or b.quantity.high < a.quantity.low)
    if a.event or b.event:
        return overlap and a.event == b.event
    shared = a.quantity.unit & b.quantity.unit
    return overlap and len(shared) / len(a.quantity.unit | b.quantity.unit) >= 0.5


def figure_agreements(sources: list[Source]) -> list[ConsensusFact]:
    """Figures that all agree with each other: "some 250" and "about 300" both agree with
    neither more nor less than their ranges, so 250 and 300 never meet through them."""
    groups: list[list[Figure]] = []
    for figure in (f for s in sources for f in figures(s)):
        home = next((g for g in groups if all(_agree(figure, other) for other in g)), None)
        if home is None:
            groups.append([figure])
        else:
            home.append(figure)
    return [_figure_fact(g) for g in groups if len({f.source.label for f in g}) >= 2]


def _figure_fact(group: list[Figure]) -> ConsensusFact:
    first: dict[str, Figure] = {}
    for figure in group:
        first.setdefault(figure.source.label, figure)
    exact = [f for f in first.values() if f.quantity.low == f.quantity.high]
    anchor = exact[0] if exact else next(iter(first.values()))
    number = _number_text(anchor.quantity)
    hedged = any(f.quantity.low != f.quantity.high for f in first.values())
    what = (
        EVENTS[anchor.event] if anchor.event else anchor.quantity.unit_phrase(anchor.quantity.unit)
    )
    statement = f"{'about ' if hedged else ''}{number} {what}"
    labels = sorted(first)
    return ConsensusFact(
        statement=statement[0].upper() + statement[1:],
        articles=labels,
        evidence=[_sentence_quote(first[label].source, first[label].sentence) for label in labels],
        similarity=1.0,
        basis="figure",
        values=[first[label].quantity.phrase for label in labels],
    )


def _number_text(quantity: Quantity) -> str:
    match = re.search(r"\d[\d,.]*|\b[a-z]+\b(?= )", quantity.phrase.lower())
    numbers = re.findall(r"\d[\d,.]*", quantity.phrase)
    return numbers[0] if numbers else (match.group() if match else quantity.phrase)


# ---- claims in other words -------------------------------------------------------------------


def rows_of(sources: Sequence[Source]) -> list[Row]:
    known = known_names([s.article.text for s in sources])
    return [
        Row(source, sentence, keys_of(sentence.text, known))
        for source in sources
        for sentence in source.sentences
        if is_prose(sentence)
    ]


def claim_agreements(sources: list[Source]) -> list[ConsensusFact]:
    """Sentences of two or more outlets sharing a name the story does not always name and a
    predicate ("Egypt, Qatar" and "mediate"; "Cairo" and "talks")."""
    rows = rows_of(sources)
    common_names = _common(rows, MAX_NAME_SHARE)
    common = _common(rows, MAX_KEY_SHARE)
    combos: set[frozenset[str]] = set()
    for a, b in itertools.combinations(rows, 2):
        if a.source is b.source:
            continue
        names = (a.keys.names & b.keys.names) - common_names
        predicates = (a.keys.predicates & b.keys.predicates) - _GENERIC
        if not names:
            continue
        concepts = predicates & _CONCEPTS
        combos |= {frozenset(names | {p}) for p in concepts}
        others = sorted(predicates - _CONCEPTS - common)
        combos |= {frozenset(names | {p, q}) for p, q in itertools.combinations(others, 2)}
    supported = {c: [r for r in rows if c <= r.keys.all and _placed(c, r)] for c in combos}
    supported = {c: rs for c, rs in supported.items() if len({r.source.label for r in rs}) >= 2}
    return [_claim_fact(c, supported[c]) for c in _widest(supported)]


def _placed(keys: frozenset[str], row: Row) -> bool:
    """A claim with one name says where it happened in each sentence ("meetings in Cairo",
    "talks begin in Cairo"): "Jerusalem has offered a truce" is not "meetings in Jerusalem"."""
    names = keys & row.keys.names
    if len(names) != 1 or any(c.isdigit() for c in next(iter(names))):  # a date is a when
        return True
    return next(iter(names)) in {stem(m) for m in _PLACED.findall(row.sentence.text)}


def _common(rows: list[Row], share: float) -> frozenset[str]:
    """Keys in more than `share` of the story's sentences: its protagonists ("Trump",
    "Netanyahu", "Hamas") and its subject ("hostages"), which every claim shares."""
    counts: dict[str, int] = {}
    for row in rows:
        for key in row.keys.all:
            counts[key] = counts.get(key, 0) + 1
    return frozenset(k for k, n in counts.items() if n > share * len(rows))


def _widest(supported: dict[frozenset[str], list[Row]]) -> list[frozenset[str]]:
    """Key sets whose sentences no other key set's include (the same claim found twice)."""
    spans = {
        c: frozenset((r.source.label, r.sentence.start) for r in rs) for c, rs in supported.items()
    }
    order = sorted(spans, key=lambda c: (-len(spans[c]), -len(c), sorted(c)))
    kept: list[frozenset[str]] = []
    for combo in order:
        if not any(_within(spans[combo], spans[k]) for k in kept):
            kept.append(combo)
    return kept


def _within(ours: frozenset[tuple[str, int]], theirs: frozenset[tuple[str, int]]) -> bool:
    """Our sentences are theirs, but for those of one article: the same agreement, one
    sentence of another claim caught up in it."""
    shared = {label for label, _ in ours & theirs}
    others = {label for label, _ in ours - theirs}
    return not others or (len(shared) >= 2 and len(others) == 1)


def _claim_fact(keys: frozenset[str], rows: list[Row]) -> ConsensusFact:
    first: dict[str, Row] = {}
    stating = {
        (f.article, f.quote.start)
        for r in rows
        for f in r.source.facts
        if keys <= keys_of(f.fact.statement).all
    }
    by_preference = sorted(
        rows,
        key=lambda r: ((r.source.label, r.sentence.start) not in stating, len(r.sentence.text)),
    )
    for row in by_preference:
        first.setdefault(row.source.label, row)
    labels = sorted(first)
    shortest = min(first.values(), key=lambda r: len(r.sentence.text))
    return ConsensusFact(
        statement=" ".join(shortest.sentence.text.split()),
        articles=labels,
        evidence=[first[label].quote() for label in labels],
        similarity=round(len(keys) / max(len(r.keys.all) for r in first.values()), 3),
        basis="claim",
        values=sorted(keys),
    )


# ---- shared ----------------------------------------------------------------------------------


def _sentence_quote(source: Source, sentence: Sentence) -> Quote:
    return source.span(sentence.start, sentence.end)


def _with_facts(agreement: ConsensusFact, facts: list[SourceFact]) -> ConsensusFact:
    """Each quote that is a fact's evidence cites that fact; the fact's statement, where it
    says what the agreement is about, becomes the agreement's."""
    evidence = []
    statement = agreement.statement
    for quote in agreement.evidence:
        fact = next(
            (f for f in facts if f.article == quote.article and _same_span(f.quote, quote)), None
        )
        if fact is not None and _states(fact, agreement):
            quote = quote.model_copy(update={"fact": fact.ref, "status": fact.quote.status})
            if agreement.basis == "claim":
                statement = fact.fact.statement
        evidence.append(quote)
    return agreement.model_copy(update={"evidence": evidence, "statement": statement})


def _same_span(a: Quote, b: Quote) -> bool:
    return a.start < b.end and b.start < a.end


def _states(fact: SourceFact, agreement: ConsensusFact) -> bool:
    """The fact's statement is about what the outlets agree on, not another part of its
    sentence ("The negotiations are taking place in Cairo" is not about 1,200 killed)."""
    if agreement.basis == "figure":
        return any(n in fact.fact.statement for n in re.findall(r"\d[\d,]*", agreement.statement))
    ours = keys_of(fact.fact.statement).all
    return set(agreement.values) <= ours


def _repeats(agreement: ConsensusFact, consensus: Iterable[ConsensusFact]) -> bool:
    spans = {(q.article, q.start) for q in agreement.evidence}
    return any(spans <= {(q.article, q.start) for q in c.evidence} for c in consensus)
