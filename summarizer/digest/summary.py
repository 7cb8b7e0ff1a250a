"""The story's multi-source summary: the model writes it from the grounded facts, citing them;
a sentence stays only if it cites real facts and its words are found in them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from summarizer.digest.conflicts import Proposal
from summarizer.digest.models import ConsensusFact, SingleSourceClaim, SummarySentence
from summarizer.digest.sources import Source, SourceFact
from summarizer.digest.text import content_stems

DIGEST_PROMPT = "digest"
MAX_SENTENCES = 4
MAX_CONFLICTS = 3
# Share of a sentence's content words that must be found in the facts it cites.
MIN_SUPPORT = 0.5


class DraftSentence(BaseModel):
    text: str
    facts: list[str] = Field(min_length=1, max_length=4, description="Fact ids, e.g. A2")


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


def prompt_variables(sources: list[Source]) -> dict[str, object]:
    return {
        "max_sentences": MAX_SENTENCES,
        "max_conflicts": MAX_CONFLICTS,
        "articles": [
            {
                "label": source.label,
                "title": source.article.title,
                "date": source.article.date,
                "facts": [
                    {"id": draft_id(f), "statement": f.fact.statement, "quote": f.quote.text}
                    for f in source.facts
                ],
            }
            for source in sources
            if source.facts
        ],
    }


def draft_id(fact: SourceFact) -> str:
    """How the model cites a fact: 'A2' for article A's fact f2."""
    return fact.article + fact.fact.id.removeprefix("f")


def checked_sentences(draft: DigestDraft, facts: dict[str, SourceFact]) -> list[SummarySentence]:
    kept = []
    for sentence in draft.summary[:MAX_SENTENCES]:
        cited = [facts[i] for i in dict.fromkeys(_ids(sentence.facts)) if i in facts]
        support = _support(sentence.text, cited)
        if cited and support >= MIN_SUPPORT:
            refs = [f.ref for f in cited]
            kept.append(SummarySentence(text=sentence.text.strip(), facts=refs, support=support))
    return kept


def _ids(values: list[str]) -> list[str]:
    return [v.strip().strip("[]").upper() for v in values]


def _support(text: str, facts: list[SourceFact]) -> float:
    words = set(content_stems(text))
    if not words:
        return 0.0
    found = set(content_stems(" ".join(f.text for f in facts)))
    return round(len(words & found) / len(words), 3)


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
