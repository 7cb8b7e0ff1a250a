"""A document's result from the model's answer and its grounding; its failure otherwise."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from summarizer.errors import LLMError, ReadError, SummarizerError
from summarizer.evidence.facts import annotate
from summarizer.evidence.grounding import GroundingCheck, report
from summarizer.extraction.models import (
    MAX_SENTENCE_CHARS,
    DocumentResult,
    FailedDocument,
    GroundedAnswer,
    PromptInfo,
    Summary,
    SupportVerdict,
    Usage,
)
from summarizer.inputs.documents import Document
from summarizer.inputs.text import sentences
from summarizer.inputs.windows import estimate_tokens
from summarizer.llm.client import Completion
from summarizer.llm.recording import is_replay_miss

logger = logging.getLogger(__name__)

SUPPORTED = SupportVerdict.SUPPORTED
_SENTENCE_FINAL = (".", "!", "?", "”", '"', "’", "'", ")")
# A field name or JSON punctuation where a sentence should be: the model wrote on into the
# next field ("facts [{").
_LEAKED = re.compile(
    r"^\W*(?:headline|summary|facts|quote|statement|people|organizations|places)\b\W*$"
    r"|[\[{]\s*[{\"]|\"\s*:\s*[\[{\"]",
    re.IGNORECASE,
)
# A part this far below the bound that ends on a word ended there: it lacks only its full
# stop. Nearer the bound it may be cut mid-word ("... and achieve a decis", 298 characters),
# which cannot be told from a sentence's end: left as it is.
_COMPLETE_BELOW = MAX_SENTENCE_CHARS - 50
# Words no sentence ends on: a part that ends on one was cut.
_DANGLING = {
    "a", "an", "the", "of", "to", "in", "on", "at", "for", "with", "by", "from", "and", "or",
    "but", "as", "that", "which", "who", "whose", "their", "his", "her", "its", "our", "my",
    "your", "this", "these", "those", "into", "onto", "than", "about", "between", "including",
}  # fmt: skip


def build_result(
    document: Document,
    completion: Completion[GroundedAnswer],
    check: GroundingCheck,
    *,
    strict: bool,
    provider: str,
    prompt: PromptInfo,
    elapsed_s: float,
) -> DocumentResult:
    extraction = completion.value
    evidence = check.locate_all(f.quote for f in extraction.facts)
    annotated = annotate(extraction, evidence, document.text, layout=document.layout)
    facts = annotated.facts
    dropped = 0
    if strict:
        facts = [f for f in facts if f.well_founded]
        dropped = len(annotated.facts) - len(facts)
        if dropped:
            logger.warning(
                "%s: dropped %d fact(s) whose evidence is not in the source or does not "
                "support them (--strict)",
                document.source,
                dropped,
            )
    return DocumentResult(
        id=document.id,
        source=document.source,
        sha256=document.sha256,
        url=document.url,
        fetched_at=document.fetched_at,
        summary=Summary(
            headline=extraction.headline.strip(),
            text=summary_text(extraction.summary),
            key_points=[f.statement for f in facts if f.evidence.support == SUPPORTED],
        ),
        facts=facts,
        entities=annotated.entities,
        grounding=report(
            [f.evidence for f in annotated.facts], reasks=check.reasks_used, dropped=dropped
        ),
        model=completion.model,
        provider=provider,
        prompt=prompt,
        usage=completion.usage,
        elapsed_s=round(elapsed_s, 2),
        model_seconds=completion.model_seconds,
    )


def summary_text(parts: list[str]) -> str:
    """The summary's sentences as one text, never a sentence cut mid-way. A part the
    grammar cut (at its length bound, or on a word that cannot end a sentence: "... the
    Changing of ", "... including the FBI, ") keeps its complete sentences; having none, it
    is dropped where the summary has another, and only where it has not does it end at its
    last clause with an ellipsis. A part that is a field of the answer's JSON leaked into
    the summary ("facts [{") is dropped."""
    given = [p.strip() for p in parts]
    given = [p for p in given if p and not _LEAKED.search(p)]
    kept: list[str] = []
    for number, part in enumerate(given):
        if is_cut_sentence(part):
            complete = sentences(part)[:-1]
            if complete:
                part = " ".join(s.text for s in complete)
            elif kept or number < len(given) - 1:
                continue
            else:
                part = re.split(r"[,;:—–]\s[^,;:—–]*$", part)[0].rstrip(" ,;:") + "…"
        elif len(part) < _COMPLETE_BELOW and not part.endswith(_SENTENCE_FINAL):
            part += "."  # ended where the model ended it, short of the bound: complete
        kept.append(part)
    return " ".join(kept)


def is_cut_sentence(part: str) -> bool:
    """A summary part that stops mid-sentence: at the grammar's length bound, or on a word
    or mark no sentence ends on."""
    if part.endswith(_SENTENCE_FINAL):
        return False
    if len(part) >= MAX_SENTENCE_CHARS - 1:
        return True
    last = re.findall(r"\w+", part)[-1:]
    return part[-1] in ",;:-–—(" or (bool(last) and last[0].lower() in _DANGLING)


def fit_notes(notes: list[str], max_tokens: int) -> list[str]:
    """As many notes as fit, spread evenly over the document when not all do."""
    kept = notes
    while len(kept) > 1 and estimate_tokens("\n".join(kept)) > max_tokens:
        kept = kept[::2]
    return kept


def total_seconds(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known), 2) if known else None


def model_failure(
    document: Document, exc: SummarizerError, replay_cassette: Path | None
) -> FailedDocument:
    """The model, the engine or this document's prompt failed: one line, with the tokens
    its attempts spent."""
    reason = str(exc)
    if is_replay_miss(exc) and replay_cassette:
        reason = (
            f"request not recorded in {replay_cassette} (prompt, model or "
            "options changed since it was recorded; re-record with --record)"
        )
    usage = (exc.usage if isinstance(exc, LLMError) else None) or Usage()
    return FailedDocument(id=document.id, source=document.source, error=reason, usage=usage)


def unexpected_failure(document: Document, exc: Exception) -> FailedDocument:
    """A surprise (a bug) as this document's failure, its traceback logged once at warning
    level: what a user can paste into a report."""
    logger.warning(
        "%s: unexpected %s, please report it", document.source, type(exc).__name__, exc_info=exc
    )
    return FailedDocument(
        id=document.id,
        source=document.source,
        error=f"unexpected error: {type(exc).__name__}: {exc}",
    )


def read_failure(error: ReadError) -> FailedDocument:
    return FailedDocument(id=error.source, source=error.source, error=error.cause)
