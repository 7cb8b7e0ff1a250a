"""A readable report per document: summary, facts with their quotes and where they stand."""

from __future__ import annotations

from summarizer.extraction.models import (
    DocumentResult,
    Fact,
    FailedDocument,
    GroundingStatus,
    Outcome,
    SupportVerdict,
)


def render_markdown(outcome: Outcome) -> str:
    if isinstance(outcome, FailedDocument):
        return f"# {outcome.source}\n\n**Failed:** {outcome.error}\n"
    return "\n".join(
        [
            f"# {outcome.summary.headline}",
            "",
            _provenance(outcome),
            "",
            outcome.summary.text,
            "",
            _facts_heading(outcome),
            "",
            *(_fact(number, fact) for number, fact in enumerate(outcome.facts, 1)),
            *_entities(outcome),
        ]
    )


def _provenance(result: DocumentResult) -> str:
    usage = result.usage
    return (
        f"*{result.source} · {result.model} ({result.provider}) · prompt "
        f"{result.prompt.name}@{result.prompt.hash[:8]}{_schema(result)} · {usage.prompt_tokens} + "
        f"{usage.completion_tokens} tokens · {_time(result)}{_windows(result)}*"
    )


def _schema(result: DocumentResult) -> str:
    """A user's schema, named; nothing for the news schema, the default."""
    prompt = result.prompt
    if prompt.schema_name == "news" or prompt.schema_hash is None:
        return ""
    return f" · schema {prompt.schema_name}@{prompt.schema_hash[:8]}"


def _windows(result: DocumentResult) -> str:
    if not result.windows:
        return ""
    return f" · read in {len(result.windows)} windows"


def _time(result: DocumentResult) -> str:
    """The seconds it took, and what the server says its model spent: a result replayed
    from a cassette took next to no time of its own, its model the recorded time."""
    elapsed, model = result.elapsed_s, result.model_seconds
    if model is None:
        return f"{elapsed:.1f} s"
    if elapsed < model / 2:
        return f"{model:.1f} s in the model (replayed)"
    return f"{elapsed:.1f} s ({model:.1f} s in the model)"


def _facts_heading(result: DocumentResult) -> str:
    grounding = result.grounding
    counts = ", ".join(f"{n} {status}" for status, n in grounding.counts.items() if n) or "none"
    extra = f"; {grounding.dropped} dropped by --strict" if grounding.dropped else ""
    if grounding.reasks:
        extra += f"; {grounding.reasks} re-ask{'s' if grounding.reasks > 1 else ''}"
    if grounding.realigned:
        extra += f"; {grounding.realigned} realigned to the sentence that supports it"
    return (
        f"## Facts ({len(result.facts)}: {counts}{extra}; grounding rate {grounding.rate:.0%}, "
        f"support rate {grounding.support_rate:.0%})"
    )


def _fact(number: int, fact: Fact) -> str:
    details = [
        f"{label}: {', '.join(values)}"
        for label, values in (("who", fact.who), ("when", fact.when), ("where", fact.where))
        if values
    ]
    source = fact.attribution.source or fact.attribution.kind
    if fact.attribution.kind != "outlet" and fact.attribution.source:
        source = f"{fact.attribution.kind}: {fact.attribution.source}"
    lines = [
        f"{number}. **[{fact.type}]** {fact.statement}{_support_flag(fact)}",
        f"   - {'; '.join([*details, f'according to {source}'])}",
        f'   > "{fact.evidence.quote}" ({_where(fact)})',
    ]
    if fact.evidence.cited_quote is not None:
        cited = _shortened(fact.evidence.cited_quote)
        lines.append(f'   - realigned: the model quoted "{cited}", which does not say this')
    return "\n".join([*lines, ""])


def _shortened(text: str, words: int = 12) -> str:
    kept = text.split()
    return " ".join(kept[:words]) + ("…" if len(kept) > words else "")


def _support_flag(fact: Fact) -> str:
    evidence = fact.evidence
    if evidence.support == SupportVerdict.SUPPORTED:
        return ""
    if evidence.status == GroundingStatus.UNGROUNDED:
        return ""  # flagged NOT FOUND on its quote
    reasons = [f"{', '.join(evidence.missing_words)} not in the evidence"] * bool(
        evidence.missing_words
    )
    reasons += evidence.caveats
    why = f": {'; '.join(reasons)}" if reasons else ""
    if evidence.support == SupportVerdict.PARTIAL:
        return f" *(partly supported{why})*"
    return f" **NOT SUPPORTED**{why}"


def _where(fact: Fact) -> str:
    evidence = fact.evidence
    if evidence.status == GroundingStatus.UNGROUNDED:
        return "**NOT FOUND in the source**"
    part = ""
    if evidence.page is not None:
        part = f"page {evidence.page}, "
    elif evidence.paragraph is not None:
        part = f"paragraph {evidence.paragraph}, "
    if evidence.status == GroundingStatus.FUZZY:
        return f"{part}chars {evidence.start}-{evidence.end}, fuzzy match {evidence.score:.0%}"
    return f"{part}chars {evidence.start}-{evidence.end}, {evidence.status}"


def _entities(result: DocumentResult) -> list[str]:
    if not result.entities:
        return []
    rows = [f"| {e.name} | {e.type} | {e.role or ''} | {e.mentions} |" for e in result.entities]
    header = ["| name | type | title | mentions |", "| --- | --- | --- | --- |"]
    return ["## Entities", "", *header, *rows, ""]
