"""Quantities in a sentence ("some 250 hostages", "48 remaining Israeli hostages") and when
two of them, from different articles, contradict each other."""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.inputs.text import content_stems

_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000,
}  # fmt: skip
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_LOWER_BOUND = {"over", "more than", "at least", "upwards of", "in excess of"}
_UPPER_BOUND = {"nearly", "almost", "under", "fewer than", "less than", "up to", "close to"}
_ABOUT = {"about", "around", "some", "roughly", "approximately", "an estimated", "estimated"}
_QUALIFIER = "|".join(sorted(_LOWER_BOUND | _UPPER_BOUND | _ABOUT, key=len, reverse=True))
_QUANTITY = re.compile(
    rf"(?:\b(?P<qualifier>{_QUALIFIER})\s+)?"
    rf"\b(?P<number>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|{'|'.join(_NUMBER_WORDS)})\b"
    rf"(?:\s+(?P<scale>{'|'.join(_SCALE)})\b)?"
    r"(?P<unit>(?:[ \t]+[A-Za-z][\w’'-]*){1,4})",
    re.IGNORECASE,
)
# Words after a number that end its unit phrase ("48 hostages *in* Gaza").
_UNIT_STOP = {
    "in", "of", "on", "at", "by", "for", "from", "to", "and", "or", "but", "as", "with", "who",
    "that", "which", "were", "was", "are", "is", "have", "had", "has", "the", "a", "an",
    "during", "after", "before", "since", "into", "over", "under",
}  # fmt: skip
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
_ABOUT_MARGIN = 0.1
# Share of unit-phrase words two quantities must have in common to be the same quantity:
# "59 Israeli hostages still held" and "48 remaining Israeli hostages" (2 of 5) are; "250
# taken hostage" and "59 Israeli hostages still held" (1 of 5) are not.
MIN_UNIT_OVERLAP = 0.4


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    phrase: str
    low: float
    high: float
    unit: frozenset[str]
    unit_words: tuple[str, ...]

    def unit_phrase(self, stems: frozenset[str]) -> str:
        """Its unit words whose stems are in `stems`: "Israeli hostages"."""
        return " ".join(
            w for w in self.unit_words if content_stems(w) and content_stems(w)[0] in stems
        )

    def contradicts(self, other: Quantity) -> bool:
        """Same kind of thing, ranges that cannot both be true."""
        if not self.unit or not other.unit:
            return False
        shared = len(self.unit & other.unit) / len(self.unit | other.unit)
        disjoint = self.high < other.low or other.high < self.low
        return shared >= MIN_UNIT_OVERLAP and disjoint


def quantities(text: str, offset: int = 0) -> list[Quantity]:
    found = []
    position = 0
    # Searched on from where each unit phrase ends, not where its match did: "over 1,200
    # civilians and abducting some 250" must leave "some" to the second figure.
    while match := _QUANTITY.search(text, position):
        number = match.group("number").lower()
        unit_words = _unit_words(match.group("unit"))
        if _YEAR.match(number) or not unit_words:
            position = match.end("number")
            continue
        value = _value(number) * _SCALE.get((match.group("scale") or "").lower(), 1)
        low, high = _range(value, (match.group("qualifier") or "").lower())
        end = match.start("unit") + len(match.group("unit")) - _trailing(match.group("unit"))
        position = end
        found.append(
            Quantity(
                start=offset + match.start(),
                end=offset + end,
                phrase=text[match.start() : end],
                low=low,
                high=high,
                unit=frozenset(content_stems(" ".join(unit_words))),
                unit_words=tuple(unit_words),
            )
        )
    return found


def _unit_words(unit: str) -> list[str]:
    words = []
    for word in unit.split():
        if word.lower() in _UNIT_STOP:
            break
        words.append(word)
    return words


def _trailing(unit: str) -> int:
    """Characters of `unit` after its last kept word."""
    kept = _unit_words(unit)
    if not kept:
        return len(unit)
    last = unit.find(kept[-1], sum(len(w) for w in kept[:-1]))
    return len(unit) - (last + len(kept[-1]))


def _value(number: str) -> float:
    return float(_NUMBER_WORDS.get(number) or number.replace(",", ""))


def _range(value: float, qualifier: str) -> tuple[float, float]:
    if qualifier in _LOWER_BOUND:
        return value, float("inf")
    if qualifier in _UPPER_BOUND:
        return 0.0, value
    if qualifier in _ABOUT:
        return value * (1 - _ABOUT_MARGIN), value * (1 + _ABOUT_MARGIN)
    return value, value
