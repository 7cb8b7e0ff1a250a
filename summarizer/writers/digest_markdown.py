"""The digest for the terminal: per story its summary, consensus, conflicts, single-source
claims and attribution profile; quotes verbatim with their article and offsets."""

from __future__ import annotations

from summarizer.digest.models import (
    Conflict,
    ConsensusFact,
    Digest,
    Quote,
    SingleSourceClaim,
    Story,
)
from summarizer.extraction.models import AttributionKind

MAX_QUOTE_SHOWN = 240


def render_digest_markdown(digest: Digest) -> str:
    notes = [line for note in digest.notes for line in (f"> {note}", "")]
    lines = ["# Digest", "", *notes, *_sources(digest)]
    for story in digest.stories:
        lines += ["", *_story(story)]
    if digest.failed:
        lines += ["", "## Not included", ""]
        lines += [f"- {f.source}: {f.error}" for f in digest.failed]
    return "\n".join(lines) + "\n"


def _sources(digest: Digest) -> list[str]:
    lines = ["| | article | published | title |", "| --- | --- | --- | --- |"]
    for a in digest.articles:
        lines.append(f"| {a.label} | {a.source} | {a.date or 'unknown'} | {a.title or ''} |")
    return lines


def _story(story: Story) -> list[str]:
    lines = [
        f"## {story.id}: {story.headline}",
        "",
        f"*Articles {', '.join(story.articles)} · {_method(story.summary_method)}*",
        "",
        *(f"{s.text} [{', '.join(s.facts)}]" for s in story.summary),
        "",
        f"### Consensus ({len(story.consensus)})",
        "",
        *(line for c in story.consensus for line in _consensus(c)),
        f"### Conflicts ({len(story.conflicts)})",
        "",
        *(line for c in story.conflicts for line in _conflict(c)),
        f"### Single-source claims ({len(story.single_source)})",
        "",
        *(line for s in story.single_source for line in _single(s)),
        "### Attribution",
        "",
        "| article | named | anonymous | outlet | named sources |",
        "| --- | ---: | ---: | ---: | --- |",
        *(
            f"| {p.article} | {p.counts.get(AttributionKind.NAMED, 0)} | "
            f"{p.counts.get(AttributionKind.ANONYMOUS, 0)} | "
            f"{p.counts.get(AttributionKind.OUTLET, 0)} | {', '.join(p.named_sources)} |"
            for p in story.attribution
        ),
    ]
    lines += ["", *_anonymous(story), *_cast(story), *_timeline(story), *_framing(story)]
    if story.not_shown:
        lines += [
            "",
            f"*{story.not_shown} fact(s) not shown: evidence not found in the source, or not "
            "supporting the statement.*",
        ]
    return lines


def _anonymous(story: Story) -> list[str]:
    lines = [
        "| article | sentences: named | anonymous | outlet |",
        "| --- | ---: | ---: | ---: |",
    ]
    for p in story.attribution:
        counts = [p.sentences.get(kind, 0) for kind in AttributionKind]
        lines.append(f"| {p.article} | " + " | ".join(str(n) for n in counts) + " |")
    quoted = [q for p in story.attribution for q in p.anonymous]
    lines += ["", f"Anonymous sourcing ({len(quoted)}):", ""]
    return lines + [f"- {_quote(q)}" for q in quoted] + [""]


def _cast(story: Story) -> list[str]:
    lines = [
        f"### Cast ({len(story.cast)})",
        "",
        "| entity | type | named by | also called | titles |",
    ]
    lines.append("| --- | --- | --- | --- | --- |")
    for m in story.cast:
        aliases = "; ".join(a for a in m.aliases if a != m.name)
        titles = "; ".join(f"{label}: {', '.join(ts)}" for label, ts in m.titles.items())
        lines.append(f"| {m.name} | {m.type} | {', '.join(m.articles)} | {aliases} | {titles} |")
    return [*lines, ""]


def _timeline(story: Story) -> list[str]:
    lines = [f"### Timeline ({len(story.timeline)})", ""]
    for event in story.timeline:
        head = f"- **{event.date or 'undated'}** {event.statement} ({', '.join(event.articles)}; "
        lines.append(head + "; ".join(event.when) + ")")
        lines += [f"  - {_quote(q)}" for q in event.evidence]
    return [*lines, ""]


def _framing(story: Story) -> list[str]:
    lines = ["### Framing", "", "| article | leads with | agreements stated | leaves out |"]
    lines.append("| --- | --- | ---: | --- |")
    for row in story.framing:
        lead = _short(row.lead.text) if row.lead else ""
        lines.append(f"| {row.article} | {lead} | {row.carries} | {'; '.join(row.omits)} |")
    return [*lines, ""]


def _short(text: str, most: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _consensus(fact: ConsensusFact) -> list[str]:
    basis = {"facts": "similarity", "figure": "same figure", "claim": "shared terms"}[fact.basis]
    shared = f": {', '.join(fact.values)}" if fact.values else ""
    head = f"- **{fact.statement}** ({', '.join(fact.articles)}; {basis}{shared}"
    head += f"; similarity ≥ {fact.similarity})" if fact.basis == "facts" else ")"
    return [head, *(f"  - {_quote(q)}" for q in fact.evidence), ""]


def _conflict(conflict: Conflict) -> list[str]:
    head = f"- **{conflict.topic}** ({conflict.kind}, found by {conflict.proposed_by})"
    sides = [
        f"  - {s.article}{f' ({s.date})' if s.date else ''}: **{s.value}** — "
        + _quote(s.quote, around=s.value)
        for s in conflict.sides
    ]
    return [head, *sides, f"  - note: {conflict.note}", ""]


def _single(claim: SingleSourceClaim) -> list[str]:
    return [f"- {claim.article}: {claim.statement}", f"  - {_quote(claim.evidence)}", ""]


def _method(method: str) -> str:
    if method == "model":
        return "summary written by the model from the facts it cites"
    return "summary made of the best-attested facts (the model's was unusable or not asked for)"


def _quote(quote: Quote, around: str | None = None) -> str:
    """The quote, shortened around `around` (a conflict's value) when it is long."""
    text = " ".join(quote.text.split())
    if len(text) > MAX_QUOTE_SHOWN:
        middle = max(text.find(around), 0) + len(around) // 2 if around else 0
        start = max(0, min(middle - MAX_QUOTE_SHOWN // 2, len(text) - MAX_QUOTE_SHOWN))
        end = start + MAX_QUOTE_SHOWN
        text = ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
    return f"{quote.article} “{text}” (chars {quote.start}-{quote.end}, {quote.status})"
