"""A readable report per document: summary, facts with their quotes and where they stand."""

from __future__ import annotations

from summarizer.schemas import DocumentResult, Fact, FailedDocument, GroundingStatus


def render_markdown(outcome: DocumentResult | FailedDocument) -> str:
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
            "## Key points",
            "",
            *(f"- {point}" for point in outcome.summary.key_points),
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
        f"{result.prompt.name}@{result.prompt.hash[:8]} · {usage.prompt_tokens} + "
        f"{usage.completion_tokens} tokens · {result.elapsed_s:.1f} s*"
    )


def _facts_heading(result: DocumentResult) -> str:
    grounding = result.grounding
    counts = ", ".join(f"{n} {status}" for status, n in grounding.counts.items() if n) or "none"
    extra = f"; {grounding.dropped} ungrounded dropped" if grounding.dropped else ""
    if grounding.reasks:
        extra += (
            f"; {grounding.reasks} re-ask{'s' if grounding.reasks > 1 else ''} for quotes not found"
        )
    return f"## Facts ({len(result.facts)}: {counts}{extra}; grounding rate {grounding.rate:.0%})"


def _fact(number: int, fact: Fact) -> str:
    details = [
        f"{label}: {value}"
        for label, value in (("who", fact.who), ("when", fact.when), ("where", fact.where))
        if value
    ]
    source = fact.attribution.source or fact.attribution.kind
    if fact.attribution.kind != "outlet" and fact.attribution.source:
        source = f"{fact.attribution.kind}: {fact.attribution.source}"
    evidence = fact.evidence
    if evidence.status == GroundingStatus.UNGROUNDED:
        where = "**NOT FOUND in the source**"
    elif evidence.status == GroundingStatus.FUZZY:
        where = f"chars {evidence.start}-{evidence.end}, fuzzy match {evidence.score:.0%}"
    else:
        where = f"chars {evidence.start}-{evidence.end}, {evidence.status}"
    lines = [
        f"{number}. **[{fact.type}]** {fact.statement}",
        f"   - {'; '.join([*details, f'according to {source}'])}",
        f'   > "{evidence.quote}" ({where})',
        "",
    ]
    return "\n".join(lines)


def _entities(result: DocumentResult) -> list[str]:
    if not result.entities:
        return []
    rows = [f"| {e.name} | {e.type} | {e.role} |" for e in result.entities]
    return ["## Entities", "", "| name | type | role |", "| --- | --- | --- |", *rows, ""]
