"""The story's timeline: the dated sentences of every outlet, one event per date.

A date with its year is read as written; "October 7" alone takes the year the story gives
that day elsewhere ("October 7, 2023"); "on Friday", "two weeks ago", "last week" are
resolved against the article's publication date where it has one (dateparser), and are
otherwise kept, undated, with the words that date them."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import dateparser

from summarizer.digest.corroboration import is_prose
from summarizer.digest.models import Quote, TimelineEvent
from summarizer.digest.sources import Source
from summarizer.digest.terms import parse_date
from summarizer.evidence.facts import dates_in

_AGO = re.compile(
    r"\b(?:(?:a|one|two|three|four|five|six|\d+)\s+(?:day|week|month|year)s?\s+ago|"
    r"(?:last|this|next|past)\s+(?:week|weekend|month|year))\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_TIME_OF_DAY = re.compile(r"^\d{1,2}(?::\d{2})?\s*[ap]", re.IGNORECASE)


@dataclass(frozen=True)
class Dated:
    source: Source
    quote: Quote
    when: str
    date: datetime.date | None


def timeline(sources: list[Source]) -> list[TimelineEvent]:
    found = [d for s in sources for d in _dated(s)]
    full = {(d.date.month, d.date.day): d.date for d in found if d.date and _YEAR.search(d.when)}
    found = [_with_year(d, full) for d in found]
    events: dict[object, list[Dated]] = {}
    for dated in found:
        key = dated.date or (dated.source.label, dated.quote.start)
        events.setdefault(key, []).append(dated)
    built = [_event(group) for group in events.values()]
    return sorted(built, key=lambda e: (e.date is None, e.date or "", e.articles))


def _dated(source: Source) -> list[Dated]:
    found = []
    for sentence in source.sentences:
        if not is_prose(sentence):
            continue
        words = [w for w in dates_in(sentence.text) if not _TIME_OF_DAY.match(w)]
        words += [m.group() for m in _AGO.finditer(sentence.text)]
        words = [w for w in dict.fromkeys(words) if not any(w != o and w in o for o in words)]
        for when in words:
            date = _resolve(when, source.published)
            quote = source.span(sentence.start, sentence.end)
            found.append(Dated(source, quote, when, date))
    return found


def _resolve(when: str, published: datetime.date | None) -> datetime.date | None:
    """An absolute date as written; a relative one only against a known publication date."""
    if _YEAR.search(when) and re.search(r"[A-Za-z]", when):
        return parse_date(when)
    if published is None:
        return None
    base = datetime.datetime.combine(published, datetime.time())
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
    parsed = dateparser.parse(re.sub(r"^(?:on|last|this)\s+", "", when), settings=settings)
    return parsed.date() if parsed else None


def _with_year(dated: Dated, full: dict[tuple[int, int], datetime.date]) -> Dated:
    """ "October 7" alone is the October 7 the story dates in full, if it does."""
    if dated.date is not None or _YEAR.search(dated.when):
        return dated
    parsed = dateparser.parse(dated.when, settings={"REQUIRE_PARTS": ["month", "day"]})
    if parsed is None or (parsed.month, parsed.day) not in full:
        return dated
    return Dated(dated.source, dated.quote, dated.when, full[(parsed.month, parsed.day)])


def _event(group: list[Dated]) -> TimelineEvent:
    first: dict[str, Dated] = {}
    for dated in group:
        first.setdefault(dated.source.label, dated)
    labels = sorted(first)
    statement = _statement(list(first.values()))
    return TimelineEvent(
        date=group[0].date.isoformat() if group[0].date else None,
        when=list(dict.fromkeys(f"{d.source.label}: {d.when}" for d in group)),
        statement=statement,
        articles=labels,
        evidence=[first[label].quote for label in labels],
    )


def _statement(group: list[Dated]) -> str:
    """A fact of these sentences that gives the date itself, else the shortest sentence."""
    for dated in group:
        for fact in dated.source.facts:
            inside = fact.quote.start <= dated.quote.start < fact.quote.end
            if inside and dated.when.casefold() in fact.fact.statement.casefold():
                return fact.fact.statement
    return " ".join(min((d.quote.text for d in group), key=len).split())
