"""What a sentence is about, as keys that two outlets share when they tell the same claim in
other words: "under Egyptian and Qatari mediation" and "brokered by Egypt and Qatar" are both
{egypt, qatar, mediate}. Names (places, bodies, people, dates) and predicates are kept apart:
an agreement needs one of each, since every sentence of a story names its protagonists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from summarizer.digest.terms import parse_date
from summarizer.evidence.facts import dates_in
from summarizer.evidence.names import COUNTRIES, is_country, is_demonym, is_group
from summarizer.inputs.text import content_stems, stem

# Stems of words that say the same thing, under one predicate key. Chosen on the seed story
# and the NeuS dev stories; a word absent here is its own key.
PREDICATES: dict[str, str] = {
    **dict.fromkeys(("mediat", "broker", "intermediari", "mediator"), "mediate"),
    **dict.fromkeys(("talk", "negoti", "meet", "discuss", "convers"), "talks"),
    **dict.fromkeys(("kill", "slaughter", "murder", "massacr", "dead", "death", "die"), "kill"),
    **dict.fromkeys(("abduct", "kidnap", "captiv", "seiz"), "abduct"),
    **dict.fromkeys(("ceasefir", "truce"), "ceasefire"),
    **dict.fromkeys(("releas", "freed", "free"), "release"),
    **dict.fromkeys(("phone", "call"), "call"),
    **dict.fromkeys(("began", "begin", "start", "trigger"), "begin"),
    **dict.fromkeys(("stall", "impass", "stalem", "standstil", "deadlock"), "stall"),
}
# Predicate stems too common in news to make two sentences one claim on their own.
_WEAK = {"said", "say", "report", "new", "also", "would", "could", "may", "one", "two"}
_CALENDAR = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec",
}  # fmt: skip
_CALENDAR_STEMS = {stem(w) for w in _CALENDAR}
_NAME = re.compile(r"\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*")


@dataclass(frozen=True)
class Keys:
    names: frozenset[str]
    predicates: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.names | self.predicates


def keys_of(text: str, known: frozenset[str] = frozenset()) -> Keys:
    """`known`: the words the story writes capitalized inside a sentence, which are names
    where they open one too ("Trump has reportedly asked ...")."""
    found = names_in(text, known)
    names = {_name_key(n) for n in found}
    names |= {d for d in (_date_key(t) for t in dates_in(text)) if d}
    names.discard("")
    capitalized = {s for n in found for s in content_stems(n)}
    predicates = {
        PREDICATES.get(s, s)
        for s in content_stems(text)
        if s not in capitalized
        and s not in _WEAK
        and not s[0].isdigit()
        and s not in _CALENDAR_STEMS
    }
    return Keys(frozenset(names), frozenset(predicates - names))


def names_in(text: str, known: frozenset[str] = frozenset()) -> list[str]:
    """Runs of capitalized words, months and days left out, a common word opening a sentence
    too ("Mediators from Egypt ..." names Egypt, not Mediators)."""
    found = []
    for match in _NAME.finditer(text):
        run: list[str] = []
        for word in [*match.group().split(), ""]:
            if word and word.lower().rstrip(".") not in _CALENDAR:
                run.append(word)
                continue
            if run:
                found.append(" ".join(run))
            run = []
        if found and len(found[-1].split()) == 1 and _opens(text, match.start()):
            word = found[-1]
            if word not in known and not (is_country(word) or is_group(word)):
                found.pop()
    return found


def known_names(texts: list[str]) -> frozenset[str]:
    """Capitalized words that stand inside a sentence somewhere in the texts."""
    inside = {m.group() for t in texts for m in re.finditer(r"(?<=[a-z,;] )[A-Z][\w-]+", t)}
    lower = {w for t in texts for w in re.findall(r"\b[a-z][\w-]+", t)}
    return frozenset(w for w in inside if w.lower() not in lower)


def _opens(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in '.!?:—"“'


def _name_key(name: str) -> str:
    words = [re.sub(r"[’']s?$", "", w) for w in name.split()]
    if len(words) == 1 and is_demonym(words[0]):
        return country_of(words[0]) or ""
    if words[0] in {"The", "A", "An", "In", "On", "As", "But"}:
        words = words[1:]
    return stem(words[-1]) if words else ""


@cache
def country_of(demonym: str) -> str | None:
    """ "Egyptian" -> the stem of Egypt, "Qatari" -> Qatar: the country it shares a stem with."""
    word = demonym.rstrip("s")
    single = [c for c in COUNTRIES if " " not in c and len(c) >= 4]
    for country in sorted(single, key=len, reverse=True):
        if word.startswith(country) or (len(country) >= 6 and word.startswith(country[:-1])):
            return stem(country)
    return None


def _date_key(text: str) -> str | None:
    if not re.search(r"\d{4}", text) or not re.search(r"[A-Za-z]", text):
        return None
    parsed = parse_date(text)
    return parsed.isoformat() if parsed else None
