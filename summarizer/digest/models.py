"""What a digest is made of: stories, each with its summary, consensus, conflicts,
single-source claims and attribution profile. Every quote is a span of its article's text."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from summarizer.extraction.models import AttributionKind, FailedDocument, GroundingStatus, Usage


class Article(BaseModel):
    """One source of the digest; `label` (A, B, ...) is how the rest of the digest cites it."""

    label: str
    id: str
    source: str
    title: str | None = None
    date: str | None = Field(default=None, description="Publication date, ISO, when known")
    text: str = Field(exclude=True, repr=False)  # the HTML page highlights spans of it


class Quote(BaseModel):
    """A verbatim span of one article: text == article.text[start:end]."""

    article: str  # label
    text: str
    start: int
    end: int
    status: GroundingStatus = GroundingStatus.EXACT
    fact: str | None = Field(default=None, description="The fact it is evidence for: 'A.f2'")


class SummarySentence(BaseModel):
    text: str
    facts: list[str] = Field(description="The facts it rests on: 'A.f2', ...")
    support: float = Field(description="Share of its content words found in those facts, 0-1")


class ConsensusFact(BaseModel):
    statement: str
    articles: list[str]
    evidence: list[Quote]
    similarity: float = Field(description="Lowest similarity of a corroborating quote, 0-1")
    basis: str = Field(
        default="facts",
        description="'facts' (an extracted fact told by others), 'figure' (the same number for "
        "the same kind of thing) or 'claim' (sentences sharing its names and predicate)",
    )
    values: list[str] = Field(
        default_factory=list,
        description="What the outlets share: each one's figure ('figure'), the keys ('claim')",
    )


class ConflictKind(StrEnum):
    NUMBER = "number"
    TITLE = "title"
    CLAIM = "claim"


class ConflictSide(BaseModel):
    article: str
    value: str
    quote: Quote
    date: str | None = None


class Conflict(BaseModel):
    kind: ConflictKind
    topic: str
    sides: list[ConflictSide]
    dates_differ: bool = Field(
        description="Published on different dates: may be a change over time"
    )
    note: str
    proposed_by: str = Field(description="'rules' or 'model'; the quotes are checked either way")


class SingleSourceClaim(BaseModel):
    statement: str
    article: str
    evidence: Quote


class AttributionProfile(BaseModel):
    article: str
    counts: dict[AttributionKind, int] = Field(description="The shown facts, by attribution")
    named_sources: list[str]
    sentences: dict[AttributionKind, int] = Field(
        default_factory=dict, description="Every sentence of the article, by attribution"
    )
    anonymous: list[Quote] = Field(
        default_factory=list, description="The sentences resting on unnamed sources"
    )


class CastMember(BaseModel):
    """One entity of the story, however each outlet names it."""

    name: str
    type: str
    aliases: list[str] = Field(description="Every name and description the outlets use for it")
    articles: list[str]
    titles: dict[str, list[str]] = Field(
        default_factory=dict, description="Article label -> the titles it gives the entity"
    )


class TimelineEvent(BaseModel):
    date: str | None = Field(description="ISO date, resolved; None: relative to an unknown date")
    when: list[str] = Field(description="The words each outlet dates it with")
    statement: str
    articles: list[str]
    evidence: list[Quote]


class FramingRow(BaseModel):
    article: str
    lead: Quote | None = Field(description="What the outlet leads with: its first sentence")
    carries: int = Field(description="Corroborated agreements it states")
    omits: list[str] = Field(description="Agreements two or more others state that it does not")


class Story(BaseModel):
    model_config = ConfigDict(use_enum_values=True)

    id: str
    headline: str
    articles: list[str]
    summary: list[SummarySentence]
    summary_method: str = Field(description="'model' or 'extractive' (the model's was unusable)")
    consensus: list[ConsensusFact]
    conflicts: list[Conflict]
    single_source: list[SingleSourceClaim]
    attribution: list[AttributionProfile]
    cast: list[CastMember] = Field(default_factory=list)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    framing: list[FramingRow] = Field(default_factory=list)
    not_shown: int = Field(
        default=0,
        description="Facts left out: evidence not in the source, or not supporting them",
    )

    @property
    def summary_text(self) -> str:
        return " ".join(sentence.text for sentence in self.summary)


class Digest(BaseModel):
    model_config = ConfigDict(use_enum_values=True)

    articles: list[Article]
    stories: list[Story]
    failed: list[FailedDocument] = Field(default_factory=list)
    model: str | None = None
    usage: Usage = Field(default_factory=Usage)
    notes: list[str] = Field(
        default_factory=list, description="Where the digest's methods do not apply fully"
    )

    def article(self, label: str) -> Article:
        return next(a for a in self.articles if a.label == label)
