"""Which facts other articles also report (consensus) and which only one does.

A fact of article A is corroborated by article B when a sentence of B says the same thing:
its term vector is close to the fact's (statement and quote). B need not have extracted
that fact itself. Facts corroborating each other merge into one consensus fact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from summarizer.digest.models import ConsensusFact, Quote, SingleSourceClaim
from summarizer.digest.numbers import quantities
from summarizer.digest.sources import Source, SourceFact
from summarizer.digest.terms import term_vectors
from summarizer.evidence.support import SupportPolicy, check_support
from summarizer.extraction.models import SupportVerdict
from summarizer.inputs.text import Sentence

# Cosine similarity at which a sentence of another article is taken to report a fact.
# Checked by eye on the example articles: with the story's own term frequencies weighing
# down the names every sentence mentions, the pairs at 0.22 and above were the same claim
# in other words, and the best pairs below it were not.
MIN_CORROBORATION = 0.22
# Shorter lines are headings and fragments: they share a name or two with anything.
MIN_SENTENCE_WORDS = 8
MAX_CAPITALIZED_SHARE = 0.6  # more, and it is a headline in title case
# Another outlet tells a fact in its own words: fewer of them need be the fact's.
CORROBORATION_POLICY = SupportPolicy(supported=0.8, partial=0.34)


@dataclass(frozen=True)
class Match:
    fact: SourceFact
    source: Source
    sentence: Sentence
    similarity: float


def corroborations(sources: list[Source]) -> list[Match]:
    """For each fact, the closest sentence of every other article, if close enough."""
    facts = [f for s in sources for f in s.facts]
    rows = [(s, sentence) for s in sources for sentence in s.sentences if is_prose(sentence)]
    if not facts or not rows:
        return []
    vectors = term_vectors([f.text for f in facts] + [r[1].text for r in rows], within=True)
    similarity = (vectors[: len(facts)] @ vectors[len(facts) :].T).toarray()
    matches = []
    for i, fact in enumerate(facts):
        for source in sources:
            if source.label == fact.article:
                continue
            columns = [j for j, (s, _) in enumerate(rows) if s is source]
            if not columns:
                continue
            best = columns[int(np.argmax(similarity[i, columns]))]
            score = float(similarity[i, best])
            sentence = rows[best][1]
            if (
                score >= MIN_CORROBORATION
                and not _figures_differ(fact, sentence)
                and _says_it_too(fact, sentence)
            ):
                matches.append(Match(fact, source, sentence, round(score, 3)))
    return matches


def is_prose(sentence: Sentence) -> bool:
    """A sentence of the story, not a headline: long enough and ending like a sentence."""
    words = sentence.text.split()
    ends = sentence.text.rstrip("”\"’')]")[-1:] in {".", "!", "?"}
    title_case = sum(w[0].isupper() for w in words) > MAX_CAPITALIZED_SHARE * len(words)
    return ends and not title_case and len(words) >= MIN_SENTENCE_WORDS


def _says_it_too(fact: SourceFact, sentence: Sentence) -> bool:
    """The sentence bears out the fact's statement: its names and numbers, a third of its
    words. "Trump afterward said the call went very well" shares words with "Trump calls
    Netanyahu to discuss the release of all Israeli captives", but not Netanyahu."""
    support = check_support(fact.fact.statement, sentence.text, CORROBORATION_POLICY)
    return support.verdict != SupportVerdict.UNSUPPORTED


def _figures_differ(fact: SourceFact, sentence: Sentence) -> bool:
    """Same words, other numbers: a conflict, not a consensus."""
    ours, theirs = quantities(fact.quote.text), quantities(sentence.text)
    return any(a.contradicts(b) for a in ours for b in theirs)


def consensus_and_single(
    sources: list[Source],
) -> tuple[list[ConsensusFact], list[SingleSourceClaim]]:
    facts = [f for s in sources for f in s.facts]
    matches = corroborations(sources)
    groups = _merge(facts, matches)
    by_label = {s.label: s for s in sources}
    consensus: list[ConsensusFact] = []
    single: list[SingleSourceClaim] = []
    for group in groups:
        group_matches = [m for m in matches if m.fact in group]
        articles = {f.article for f in group} | {m.source.label for m in group_matches}
        if len(articles) == 1:
            single.extend(
                SingleSourceClaim(statement=f.fact.statement, article=f.article, evidence=f.quote)
                for f in group
            )
        else:
            consensus.append(_consensus(group, group_matches, by_label))
    consensus.sort(key=lambda c: (-len(c.articles), c.articles))
    return consensus, single


def _merge(facts: list[SourceFact], matches: list[Match]) -> list[list[SourceFact]]:
    """Union of facts whose corroborating sentence is another fact's evidence."""
    parent = {f.ref: f.ref for f in facts}

    def root(ref: str) -> str:
        while parent[ref] != ref:
            parent[ref] = parent[parent[ref]]
            ref = parent[ref]
        return ref

    for match in matches:
        for other in match.source.facts:
            if _overlaps(other.quote, match.sentence):
                parent[root(other.ref)] = root(match.fact.ref)
    groups: dict[str, list[SourceFact]] = {}
    for fact in facts:
        groups.setdefault(root(fact.ref), []).append(fact)
    return list(groups.values())


def _overlaps(quote: Quote, sentence: Sentence) -> bool:
    return quote.start < sentence.end and sentence.start < quote.end


def _consensus(
    group: list[SourceFact], matches: list[Match], sources: dict[str, Source]
) -> ConsensusFact:
    lead = max(group, key=lambda f: sum(m.fact is f for m in matches))
    evidence: dict[str, Quote] = {}
    for fact in sorted(group, key=lambda f: f is not lead):
        evidence.setdefault(fact.article, fact.quote)
    for match in sorted(matches, key=lambda m: -m.similarity):
        sentence = match.sentence
        evidence.setdefault(
            match.source.label, sources[match.source.label].span(sentence.start, sentence.end)
        )
    scores = [m.similarity for m in matches if m.source.label in evidence]
    return ConsensusFact(
        statement=lead.fact.statement,
        articles=sorted(evidence),
        evidence=[evidence[label] for label in sorted(evidence)],
        similarity=min(scores) if scores else 1.0,
    )
