"""Does a statement follow from its evidence? A deterministic check that needs no model.

Grounding proves that a quote stands in the source; this proves that the statement made from
it says nothing the quote does not. It compares words, so it runs in replay and in CI:

- every number, name and negation of the statement must stand in the evidence ("12" for
  "13", "Netanyahu" in a sentence about Trump alone, "not" where the source affirms);
- and most of its content words, stemmed ("captives" is found as "captive");
- and the evidence's hedges: a statement that drops "allegedly", "reportedly", "was said
  to", "is expected to", "may", a rumour or a denial from the words it draws on states as
  fact what the article does not ("Rebbie was arrested for sexually abusing a girl" from
  "... arrested after allegedly sexually abusing a girl"). A dropped hedge caps the verdict
  as a changed number does, at `SupportPolicy.dropped_hedge`.

The evidence is the located quote widened to its sentence(s): a statement may draw on the
sentence the quote was cut from. The digest checks its summary sentences against the facts
they cite with the same function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from summarizer.extraction.models import SupportVerdict
from summarizer.inputs.text import (
    content_stems,
    content_words,
    number_value,
    stem,
    stop_words,
    words,
)

# The key every negation shares: "not" in a statement is found as "never" or "n't" in the source.
_NEGATED = "\0not"
_NEGATIONS = {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without"}
# A capitalized first word is taken for a name only when it is rare as a lower-case word
# (wordfreq's Zipf scale: 4 is about one in 10,000 words): "Varvara", not "Rescue".
_COMMON_WORD_ZIPF = 4.0
_MIN_NAME_STEM = 4
# Words that leave a claim uncertain, as the article words it; a statement keeps the
# article's uncertainty with any of them, or by saying who says it.
_UNCERTAIN = re.compile(
    r"\b(?:allegedly|alleged(?:ly)?|alleges?|accused|suspected|reportedly|purportedly|"
    r"reports? (?:say|said|suggest(?:ed)?|indicate[sd]?|reveal(?:ed)?|claim(?:ed)?)|"
    r"(?:is|are|was|were|been|be) (?:said|thought|believed|understood|rumou?red|reported|"
    r"expected|likely|set|due|poised|tipped) to|it (?:is|was) (?:said|thought|believed|"
    r"understood|claimed)|expected to|likely|unlikely|probably|possibly|perhaps|apparently|"
    r"(?:appears?|appeared|seems?|seemed) to|may|might|could|rumou?rs?|speculation|"
    r"unconfirmed|claims?|claimed)\b",
    re.IGNORECASE,
)
# Words that deny: a statement that drops the denial states what was denied.
_DENIED = re.compile(
    r"\b(?:den(?:y|ies|ied|ial)|rubbish(?:ed|es)?|refut(?:ed|es)|"
    r"(?:dismiss(?:ed|es)?|reject(?:ed|s)?|disput(?:ed|es)?|contest(?:ed|s)?)\s+(?:\w+\s+){0,2}?"
    r"(?:claims?|reports?|allegations?|suggestions?|accusations?|rumou?rs?|speculation))\b",
    re.IGNORECASE,
)
_SAYING = re.compile(
    r"\b(?:said|says|say|told|tells|claims?|claimed|according to|believes?|believed|thinks?|"
    r"insists?|insisted|reports?|reported|announced|admit(?:s|ted)?|argues?|argued|warn(?:s|ed)?)\b",
    re.IGNORECASE,
)
# The words around a hedge that it hedges: the statement must draw on them for the hedge to
# be its own ("... which could mean ..." is not the hedge of a statement about the rest).
_HEDGED_WORDS_AFTER = 10
_DENIED_WORDS_AROUND = 40  # "..., though Wenger rubbished those claims"


@dataclass(frozen=True)
class SupportPolicy:
    """Shares of a statement's content words that must stand in the evidence."""

    supported: float = 0.8
    partial: float = 0.5
    # What a statement that drops its evidence's hedge can be at best. Partial, not
    # unsupported: the digest shows only facts that are not unsupported, and what it sends
    # the model must stay as recorded (cassettes/digest) until it is recorded again.
    dropped_hedge: SupportVerdict = SupportVerdict.PARTIAL


@dataclass(frozen=True)
class Support:
    verdict: SupportVerdict
    coverage: float = 0.0  # share of the statement's content words found
    missing: list[str] = field(default_factory=list)  # as written in the statement
    dropped: list[str] = field(default_factory=list)  # the evidence's hedges it leaves out


DEFAULT_POLICY = SupportPolicy()


def check_support(
    statement: str, evidence: str, policy: SupportPolicy = DEFAULT_POLICY, context: str = ""
) -> Support:
    """The verdict on `statement` given its `evidence`. A name missing from the evidence but
    found in its `context` (the sentence before: "He said ..." after "Smith arrived") is a
    reference the statement resolved: it caps the verdict at partial, not unsupported."""
    terms = _terms(statement)
    if not any(not t.negation for t in terms):
        return Support(SupportVerdict.UNSUPPORTED)
    evidence_words = words(evidence)
    found = {_key(w) for w in evidence_words}
    if any(_is_negation(w) for w in evidence_words):
        found.add(_NEGATED)
    missing = [t for t in terms if t.key not in found and not _name_found(t, evidence_words)]
    content = [t for t in terms if not t.negation]
    coverage = 1 - sum(not t.negation for t in missing) / len(content) if content else 0.0
    resolved = _resolved_by(context, missing)
    critical_missing = any(t.critical and t not in resolved for t in missing)
    verdict = _verdict(coverage, critical_missing, policy)
    if resolved and verdict == SupportVerdict.SUPPORTED:
        verdict = SupportVerdict.PARTIAL
    dropped = dropped_hedges(statement, evidence) if verdict != SupportVerdict.UNSUPPORTED else []
    if dropped:
        verdict = max(verdict, policy.dropped_hedge, key=_RANK.__getitem__)
    return Support(
        verdict=verdict,
        coverage=round(coverage, 3),
        missing=list(dict.fromkeys(t.word for t in missing)),
        dropped=dropped,
    )


_RANK = {SupportVerdict.SUPPORTED: 0, SupportVerdict.PARTIAL: 1, SupportVerdict.UNSUPPORTED: 2}


def dropped_hedges(statement: str, evidence: str) -> list[str]:
    """The hedges of `evidence` ("allegedly", "was said to", "denied") on the words the
    statement draws on, that the statement does not keep: not with a hedge of its own, not
    by saying who says it (a denial, not without a denial or a negation)."""
    ours = set(content_stems(statement))
    uncertain = bool(_UNCERTAIN.search(statement) or _SAYING.search(statement))
    denies = bool(_DENIED.search(statement)) or any(_is_negation(w) for w in words(statement))
    dropped: list[str] = []
    for pattern, kept, before, after in (
        (_UNCERTAIN, uncertain, 0, _HEDGED_WORDS_AFTER),
        (_DENIED, denies, _DENIED_WORDS_AROUND, _DENIED_WORDS_AROUND),
    ):
        if kept:
            continue
        for match in pattern.finditer(evidence):
            hedged = _around(evidence, match.start(), match.end(), before, after)
            shared = ours & set(content_stems(hedged))
            if len(shared) >= min(2, len(ours)):
                dropped.append(" ".join(match.group().lower().split()))
    return list(dict.fromkeys(dropped))


def _around(text: str, start: int, end: int, before: int, after: int) -> str:
    """The `before` words before text[start:end] and the `after` words after it, within its
    sentence's clause (a full stop, a semicolon or a dash ends it)."""
    head = re.split(r"[.;!?]\s|\s[-–—]\s", text[:start])[-1].split()
    tail = re.split(r"[.;!?]\s|\s[-–—]\s", text[end:])[0].split()
    return " ".join([*(head[-before:] if before else []), *tail[:after]])


def _resolved_by(context: str, missing: list[_Term]) -> list[_Term]:
    """The missing names that the context gives: references the statement resolved."""
    context_words = words(context)
    context_keys = {_key(w) for w in context_words}
    return [
        t
        for t in missing
        if t.critical
        and not t.negation
        and number_value(t.word) is None
        and (t.key in context_keys or _name_found(t, context_words))
    ]


def nothing_found(statement: str) -> Support:
    """The verdict for a statement whose evidence could not be located."""
    return Support(SupportVerdict.UNSUPPORTED, missing=[t.word for t in _terms(statement)])


def support_rate(verdicts: Iterable[SupportVerdict]) -> float:
    counted = list(verdicts)
    supported = sum(v == SupportVerdict.SUPPORTED for v in counted)
    return round(supported / len(counted), 4) if counted else 0.0


def _verdict(coverage: float, critical_missing: bool, policy: SupportPolicy) -> SupportVerdict:
    if critical_missing or coverage < policy.partial:
        return SupportVerdict.UNSUPPORTED
    if coverage < policy.supported:
        return SupportVerdict.PARTIAL
    return SupportVerdict.SUPPORTED


@dataclass(frozen=True)
class _Term:
    word: str
    key: str
    critical: bool  # a number, a name or a negation: one missing makes it unsupported
    negation: bool = False


def _terms(statement: str) -> list[_Term]:
    """The statement's content words, numbers and negations, once each."""
    terms: dict[str, _Term] = {}
    content = set(content_words(statement))
    for position, word in enumerate(words(statement)):
        if _is_negation(word):
            terms.setdefault(_NEGATED, _Term(word, _NEGATED, critical=True, negation=True))
            continue
        number = number_value(word)
        if word.lower() not in content and number is None:
            continue
        critical = number is not None or _is_name(word, first=position == 0)
        terms.setdefault(_key(word), _Term(word, _key(word), critical))
    return list(terms.values())


def _name_found(term: _Term, evidence_words: list[str]) -> bool:
    """A name stands in the evidence as another form of itself: "Israeli" as "Israel",
    "Iran" as "Iranian"."""
    if not term.word[:1].isupper() or number_value(term.word) is not None:
        return False
    name = term.word.lower()
    lowered = (w.lower() for w in evidence_words)
    return any(
        min(len(name), len(w)) >= _MIN_NAME_STEM and (w.startswith(name) or name.startswith(w))
        for w in lowered
    )


def _key(word: str) -> str:
    return number_value(word) or stem(word.lower())


def _is_negation(word: str) -> bool:
    lowered = word.lower()
    return lowered in _NEGATIONS or lowered.endswith(("n't", "n’t"))


def _is_name(word: str, first: bool) -> bool:
    if not word[:1].isupper() or word.lower() in stop_words():
        return False
    return not first or _zipf(word.lower()) < _COMMON_WORD_ZIPF


@cache
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))
