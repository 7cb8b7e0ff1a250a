"""A digest from per-article results: stories, then for each story its consensus, conflicts,
single-source claims, attribution profile and the model's cited summary."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from summarizer.digest.agreements import agreements
from summarizer.digest.cast import cast
from summarizer.digest.conflicts import number_conflicts, person_name, title_conflicts, verified
from summarizer.digest.corroboration import consensus_and_single
from summarizer.digest.framing import framing
from summarizer.digest.models import Article, Conflict, ConsensusFact, Digest, Story
from summarizer.digest.sources import Source, label_for
from summarizer.digest.sourcing import profile
from summarizer.digest.stories import group_stories
from summarizer.digest.summary import (
    DIGEST_PROMPT,
    DigestDraft,
    checked_sentences,
    draft_id,
    extractive,
    prompt_variables,
    proposals,
)
from summarizer.digest.timeline import timeline
from summarizer.errors import ReadError, SummarizerError
from summarizer.extraction.models import EntityType, FailedDocument, Usage
from summarizer.extraction.prompting import PromptSet, load_prompt_set
from summarizer.inputs.documents import Document
from summarizer.inputs.text import looks_english
from summarizer.inputs.writing_systems import in_scripts, scripts_of
from summarizer.llm.client import Completion
from summarizer.pipeline import Outcome, Summarizer, read_failure
from summarizer.runs.runner import open_batch
from summarizer.settings import Settings

logger = logging.getLogger(__name__)


async def make_digest(
    settings: Settings,
    items: Sequence[Document | ReadError],
    *,
    extractive: bool = False,
    command: str = "digest",
) -> Digest:
    """Every article through a batch run (store, cache), then the digest of those
    summarized, its stories' summaries written by the same model (or, `extractive`, from
    their facts); inputs that could not be read or summarized are listed as failed."""
    outcomes: dict[str, Outcome] = {}
    keep = lambda outcome: outcomes.__setitem__(outcome.source, outcome)  # noqa: E731
    # The runner's summarizer: its settings give the engine a slot per request in flight.
    with open_batch(settings, keep, command=command) as runner:
        builder = DigestBuilder(None if extractive else runner.summarizer)
        async with runner.summarizer:
            await runner.run(items)
            documents = [item for item in items if isinstance(item, Document)]
            digest = await builder.build([(d, outcomes[d.source]) for d in documents])
    read_failures = [read_failure(item) for item in items if isinstance(item, ReadError)]
    return digest.model_copy(update={"failed": read_failures + digest.failed})


def sources_of(
    pairs: Sequence[tuple[Document, Outcome]],
) -> tuple[list[Source], list[FailedDocument]]:
    """Labelled sources for the documents that were summarized; the others, as failures."""
    sources: list[Source] = []
    failed: list[FailedDocument] = []
    for document, outcome in pairs:
        if isinstance(outcome, FailedDocument):
            failed.append(outcome)
            continue
        article = Article(
            label=label_for(len(sources)),
            id=document.id,
            source=document.source,
            title=document.title or outcome.summary.headline,
            date=document.date,
            text=document.text,
        )
        sources.append(Source(article, outcome))
    return sources, failed


def story_texts(sources: Sequence[Source]) -> list[str]:
    return [
        "\n".join([s.article.title or "", s.article.text, *(e.name for e in s.result.entities)])
        for s in sources
    ]


class DigestBuilder:
    """Builds the digest; `summarizer` makes the one model call per story (None: extractive)."""

    def __init__(self, summarizer: Summarizer | None, prompt: PromptSet | None = None) -> None:
        self.summarizer = summarizer
        self.prompt = prompt
        if summarizer is not None and prompt is None:
            own = summarizer.settings.prompts_dir  # a user's own digest prompt wins
            has_own = own is not None and (own / DIGEST_PROMPT).is_dir()
            self.prompt = load_prompt_set(DIGEST_PROMPT, own if has_own else None)
        self.usage = Usage()

    async def build(self, pairs: Sequence[tuple[Document, Outcome]]) -> Digest:
        sources, failed = sources_of(pairs)
        groups = group_stories(story_texts(sources))
        stories = [
            await self.story(f"S{n}", [sources[i] for i in group])
            for n, group in enumerate(groups, 1)
        ]
        return Digest(
            articles=[s.article for s in sources],
            stories=stories,
            failed=failed,
            model=self.summarizer.endpoint.model if self.summarizer else None,
            usage=self.usage,
            notes=_language_notes(sources),
        )

    async def story(self, story_id: str, sources: list[Source]) -> Story:
        consensus, single = consensus_and_single(sources)
        conflicts = number_conflicts(sources) + title_conflicts(sources, _people(sources))
        draft = await self._draft(sources, consensus)  # on the facts' consensus, as recorded
        consensus, single = agreements(sources, consensus, single)
        facts = {draft_id(f): f for s in sources for f in s.facts}
        summary = checked_sentences(draft, facts) if draft else []
        if draft:
            by_label = {s.label: s for s in sources}
            proposed = (verified(p, by_label) for p in proposals(draft, facts))
            conflicts += _new([c for c in proposed if c is not None], conflicts)
        return Story(
            id=story_id,
            headline=draft.headline if draft else _headline(sources),
            articles=[s.label for s in sources],
            summary=summary or extractive(consensus, single),
            summary_method="model" if summary else "extractive",
            consensus=consensus,
            conflicts=conflicts,
            single_source=single,
            attribution=[profile(s) for s in sources],
            cast=cast(sources),
            timeline=timeline(sources),
            framing=framing(sources, consensus),
            not_shown=sum(s.not_shown for s in sources),
        )

    async def _draft(
        self, sources: list[Source], consensus: list[ConsensusFact]
    ) -> DigestDraft | None:
        if self.summarizer is None or self.prompt is None:
            return None
        if not any(s.facts for s in sources):
            return None
        try:
            messages = self.prompt.render_with(prompt_variables(sources, consensus))
            scripts = scripts_of("".join(s.article.text for s in sources))
            completion: Completion[DigestDraft] = await self.summarizer.extract(
                messages, in_scripts(DigestDraft, scripts)
            )
        except SummarizerError as exc:  # the model, the engine or the digest prompt
            labels = ", ".join(s.article.source for s in sources)
            logger.warning("digest summary of %s: %s (using the facts instead)", labels, exc)
            return None
        self.usage += completion.usage
        return completion.value


def _language_notes(sources: list[Source]) -> list[str]:
    """The story grouping, corroboration and conflicts weigh words by their rarity in English
    and stem them in English: say so where articles are in another language."""
    others = [s.label for s in sources if not looks_english(s.article.text)]
    if not others:
        return []
    return [
        f"Articles {', '.join(others)} are not in English: stories, consensus and conflicts "
        "rely on English word frequencies and stemming, and may miss what those articles share."
    ]


def _people(sources: list[Source]) -> list[str]:
    """Full names of the people the articles' results list, one per surname."""
    people: dict[str, str] = {}
    for source in sources:
        for entity in source.result.entities:
            words = person_name(entity.name).split()
            if entity.type == EntityType.PERSON and len(words) >= 2:
                people.setdefault(words[-1], " ".join(words))
    return list(people.values())


def _new(proposed: list[Conflict], found: list[Conflict]) -> list[Conflict]:
    """Proposals whose quotes the rules have not already set side by side."""
    seen = {frozenset((s.article, s.quote.start) for s in c.sides) for c in found}
    return [
        c for c in proposed if frozenset((s.article, s.quote.start) for s in c.sides) not in seen
    ]


def _headline(sources: list[Source]) -> str:
    return sources[0].result.summary.headline
