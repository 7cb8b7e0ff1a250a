"""The story's multi-source summary: the model writes it from the grounded facts, citing them;
a sentence stays only if it cites real facts that support it
(summarizer.evidence.support: its numbers and names, and at least half its content words,
are found in them)."""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel, Field

from summarizer.digest.conflicts import Proposal
from summarizer.digest.models import ConsensusFact, SingleSourceClaim, SummarySentence
from summarizer.digest.sources import Source, SourceFact
from summarizer.evidence.support import Support, check_support
from summarizer.extraction.models import SupportVerdict
from summarizer.inputs.text import content_stems

DIGEST_PROMPT = "digest"
MAX_SENTENCES = 4
MAX_CONFLICTS = 3
# The most facts one summary sentence may rest on.
MAX_CITED = 4


class DraftSentence(BaseModel):
    text: str
    facts: list[str] = Field(min_length=1, max_length=MAX_CITED, description="Fact ids, e.g. A2")


class DraftConflict(BaseModel):
    fact_a: str
    value_a: str
    fact_b: str
    value_b: str
    topic: str


class DigestDraft(BaseModel):
    """What the model fills in for one story."""

    headline: str
    summary: list[DraftSentence] = Field(min_length=1, max_length=MAX_SENTENCES + 1)
    conflicts: list[DraftConflict] = Field(default_factory=list, max_length=MAX_CONFLICTS)


def prompt_variables(sources: list[Source], consensus: list[ConsensusFact]) -> dict[str, object]:
    """The story's facts by outlet, each with the other outlets that report it too, and the
    id of the tags that fence them off as data (a hash of them: they cannot hold it)."""
    also = _also_reported_by(consensus)
    articles = [
        {
            "label": source.label,
            "title": source.article.title,
            "date": source.article.date,
            "facts": [
                {
                    "id": draft_id(f),
                    "statement": f.fact.statement,
                    "quote": f.quote.text,
                    "also_in": also.get(f.ref, []),
                }
                for f in source.facts
            ],
        }
        for source in sources
        if source.facts
    ]
    fence = hashlib.sha256(json.dumps(articles, sort_keys=True).encode()).hexdigest()[:12]
    return {
        "max_sentences": MAX_SENTENCES,
        "max_conflicts": MAX_CONFLICTS,
        "articles": articles,
        "fence": fence,
    }


def _also_reported_by(consensus: list[ConsensusFact]) -> dict[str, list[str]]:
    """Fact ref ('A.f2') -> labels of the other articles whose quotes corroborate it."""
    also: dict[str, list[str]] = {}
    for merged in consensus:
        for quote in merged.evidence:
            if quote.fact:
                also[quote.fact] = [a for a in merged.articles if a != quote.article]
    return also


def draft_id(fact: SourceFact) -> str:
    """How the model cites a fact: 'A2' for article A's fact f2."""
    return fact.article + fact.fact.id.removeprefix("f")


def checked_sentences(draft: DigestDraft, facts: dict[str, SourceFact]) -> list[SummarySentence]:
    """The draft's sentences that the facts support, each with the facts it rests on.

    A small model often cites the wrong ids for a sentence it wrote well: when its citations
    do not support the sentence, the facts whose words do are cited instead.
    """
    kept: list[SummarySentence] = []
    for sentence in draft.summary[:MAX_SENTENCES]:
        text = sentence.text.strip()
        cited = [facts[i] for i in dict.fromkeys(_ids(sentence.facts)) if i in facts]
        support = _support(text, cited)
        if support.verdict == SupportVerdict.UNSUPPORTED:
            cited = _best_facts(text, list(facts.values()))
            support = _support(text, cited)
        duplicate = text.casefold() in {k.text.casefold() for k in kept}
        if cited and support.verdict != SupportVerdict.UNSUPPORTED and not duplicate:
            refs = [f.ref for f in cited]
            kept.append(SummarySentence(text=text, facts=refs, support=support.coverage))
    return kept


def _best_facts(text: str, facts: list[SourceFact], most: int = MAX_CITED) -> list[SourceFact]:
    """Greedily, the facts that cover most of the text's content words not yet covered."""
    words = set(content_stems(text))
    remaining = {n: set(content_stems(f.text)) & words for n, f in enumerate(facts)}
    chosen: list[SourceFact] = []
    while remaining and len(chosen) < most:
        best = max(remaining, key=lambda n: len(remaining[n]))
        covered = remaining.pop(best)
        if not covered:
            break
        chosen.append(facts[best])
        remaining = {n: shared - covered for n, shared in remaining.items()}
    return chosen


def _ids(values: list[str]) -> list[str]:
    return [v.strip().strip("[]").upper() for v in values]


def _support(text: str, facts: list[SourceFact]) -> Support:
    """The sentence checked against the facts it cites, as a fact against its evidence."""
    return check_support(text, " ".join(f.text for f in facts))


def proposals(draft: DigestDraft, facts: dict[str, SourceFact]) -> list[Proposal]:
    found = []
    for conflict in draft.conflicts:
        a, b = (facts.get(i) for i in _ids([conflict.fact_a, conflict.fact_b]))
        if a is not None and b is not None:
            found.append(Proposal(conflict.topic, a, conflict.value_a, b, conflict.value_b))
    return found


def extractive(
    consensus: list[ConsensusFact], single: list[SingleSourceClaim]
) -> list[SummarySentence]:
    """Without a usable model summary: the best-attested facts' statements, in that order."""
    sentences = [
        SummarySentence(text=c.statement, facts=[q.fact for q in c.evidence if q.fact], support=1.0)
        for c in consensus
    ]
    sentences += [
        SummarySentence(text=s.statement, facts=[s.evidence.fact or ""], support=1.0)
        for s in single
    ]
    return sentences[:MAX_SENTENCES]
