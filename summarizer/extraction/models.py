"""Pydantic models: what the model fills in (Extraction) and what the tool emits (DocumentResult).

The model-facing schema is kept tight (bounded lists, flat facts) because on the embedded
engine every output token costs about a tenth of a second.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Protocol, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

SCHEMA_VERSION = "3"
# What the model may write, bounded so that the grammar bounds the answer: a small model that
# repeats itself reaches a bound, never the output-token limit.
MIN_FACTS = 3
MAX_FACTS = 4
MAX_SUMMARY_SENTENCES = 2
MAX_NAMES = 4  # of each kind: people, organizations, places
MAX_HEADLINE_CHARS = 120
MAX_SENTENCE_CHARS = 300
# A quote cut at the bound stays a verbatim prefix of its sentence, which still grounds.
MAX_QUOTE_CHARS = 250
MAX_STATEMENT_CHARS = 160
MAX_NAME_CHARS = 60


class FactType(StrEnum):
    EVENT = "event"
    NUMBER = "number"
    QUOTE = "quote"
    CLAIM = "claim"
    DATE = "date"


class AttributionKind(StrEnum):
    NAMED = "named"  # a named person or body
    ANONYMOUS = "anonymous"  # "sources say", "officials said" without a name
    OUTLET = "outlet"  # the outlet's own voice


class EntityType(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    PLACE = "place"


class SupportVerdict(StrEnum):
    SUPPORTED = "supported"  # its numbers, names and most of its words stand in the evidence
    PARTIAL = "partial"  # numbers and names do, about half its other words do not
    UNSUPPORTED = "unsupported"


# ---- what the model fills in -------------------------------------------------------------
# Only what the model is needed for. Attribution, the kind of fact, who, when and where are
# read off the evidence sentence by code (summarizer.evidence.facts): on the 1.5B model those fields
# cost a third of the answer's tokens and came back null or wrong.

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NAME_CHARS)]


def quote_field() -> Any:
    # Bounded in the grammar only: a sentence chosen from the article may be longer.
    return Field(
        json_schema_extra={"maxLength": MAX_QUOTE_CHARS},
        description="The article's words stating the fact, verbatim",
    )


class QuotedItem(BaseModel):
    """One thing the model extracts, with the source's words that state it (`quote`): a news
    fact, or an item of a user's schema (summarizer.extraction.schemas), which declare the
    quote where they want it asked for."""

    if TYPE_CHECKING:
        quote: str

    def claim(self) -> str:
        """What the item says, to be checked against its quote's sentence."""
        raise NotImplementedError

    def fields(self) -> dict[str, Any] | None:
        """The values the item holds besides its quote, as the output shows them; None for
        a news fact, whose statement says it all."""
        return None


class ExtractedFact(QuotedItem):
    quote: str = quote_field()
    statement: str = Field(
        max_length=MAX_STATEMENT_CHARS, description="The same fact, shorter, in a few words"
    )

    @field_validator("quote", "statement")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    def claim(self) -> str:
        return self.statement


class QuoteCheck(Protocol):
    """Judges an extraction's quotes against the source (grounding.GroundingCheck)."""

    def complaint(self, extraction: GroundedAnswer) -> str | None: ...

    def quote_choices(self) -> list[str] | None:
        """The strings a quote may be (the source's sentences), or None for any string."""
        ...


GROUNDING_ERROR = "grounding"


class QuoteContext(dict[str, Any]):
    """pydantic's validation context for one call: the document's quote check, as an
    attribute. Empty as a dict on purpose: instructor renders every message as a Jinja
    template when its `context` is non-empty, and an article's own "{{ ... }}" would vanish
    from what the model reads (a stray "{%" would fail the call)."""

    def __init__(self, check: QuoteCheck) -> None:
        super().__init__()
        self.check = check


def quote_enum(choices: list[str]) -> dict[str, Any]:
    """A quote's JSON schema when it must be one of the source's sentences: an `enum`, which
    llama.cpp and OpenAI's structured outputs compile into the grammar, so that the 1.5B
    model copies a sentence of the article, never one of its own summary."""
    return {"type": "string", "enum": choices, "description": "A sentence of the article, verbatim"}


class Synopsis(BaseModel):
    """A headline and a summary: of a long document, written from its windows' (the first
    fields of every Extraction)."""

    headline: str = Field(max_length=MAX_HEADLINE_CHARS)
    summary: list[Annotated[str, StringConstraints(max_length=MAX_SENTENCE_CHARS)]] = Field(
        min_length=1, max_length=MAX_SUMMARY_SENTENCES, description="Sentences"
    )

    @field_validator("summary")
    @classmethod
    def sentences_not_blank(cls, value: list[str]) -> list[str]:
        if not any(sentence.strip() for sentence in value):
            raise ValueError("must hold at least one sentence")
        return value


class GroundedAnswer(Synopsis):
    """An answer whose `facts` each quote the source: the news schema's (Extraction) or a
    user's (summarizer.extraction.schemas). Its quotes are checked against the source while
    it is validated."""

    facts: Sequence[QuotedItem]
    # The item's name in the JSON schema's $defs, and its kind in the output.
    item_definition: ClassVar[str] = "ExtractedFact"
    item_kind: ClassVar[str | None] = None  # None: the news kinds (event, number, ...)

    def names(self) -> dict[EntityType, list[str]]:
        """The people, organizations and places the answer lists, to become entities."""
        return {}

    _schemas: ClassVar[dict[tuple[Any, ...], dict[str, Any]]] = {}

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Cached: instructor asks for the schema on every request, and pydantic takes about
        3 ms to build it, a large share of a batch's per-document time. A document's quote
        enum (quote_enum) is set in the request by the client, per call
        (summarizer.llm.client): the class stays one class, and a class per document would
        never be freed."""
        key = (cls, args, tuple(sorted(kwargs.items())))
        if key not in cls._schemas:
            cls._schemas[key] = super().model_json_schema(*args, **kwargs)
        return copy.deepcopy(cls._schemas[key])

    @model_validator(mode="after")
    def quotes_stand_in_the_source(self, info: ValidationInfo) -> Self:
        """With a QuoteCheck in the validation context (QuoteContext), invented quotes
        trigger a re-ask."""
        context = info.context
        check = context.check if isinstance(context, QuoteContext) else None
        if check is not None and (complaint := check.complaint(self)):
            # Its own error type: grounding re-asks have their own budget (the check's),
            # apart from the schema re-asks (summarizer.llm.client).
            raise PydanticCustomError(GROUNDING_ERROR, "{complaint}", {"complaint": complaint})
        return self


class Extraction(GroundedAnswer):
    """The whole answer for one news article: the built-in schema."""

    facts: list[ExtractedFact] = Field(min_length=MIN_FACTS, max_length=MAX_FACTS)
    people: list[Name] = Field(default_factory=list, max_length=MAX_NAMES)
    organizations: list[Name] = Field(default_factory=list, max_length=MAX_NAMES)
    places: list[Name] = Field(default_factory=list, max_length=MAX_NAMES)

    def names(self) -> dict[EntityType, list[str]]:
        return {
            EntityType.PERSON: self.people,
            EntityType.ORGANIZATION: self.organizations,
            EntityType.PLACE: self.places,
        }


# ---- what the tool emits ----------------------------------------------------------------


class GroundingStatus(StrEnum):
    EXACT = "exact"
    NORMALIZED = "normalized"
    FUZZY = "fuzzy"
    UNGROUNDED = "ungrounded"


class Evidence(BaseModel):
    quote: str
    start: int | None = Field(description="Offset of the span in the text the model saw")
    end: int | None
    status: GroundingStatus
    score: float | None = Field(
        default=None, description="Similarity of quote and span, 0-1 (1 for exact/normalized)"
    )
    # Unsupported until summarizer.evidence.facts has checked the statement against the evidence.
    support: SupportVerdict = Field(
        default=SupportVerdict.UNSUPPORTED,
        description="Whether the fact's statement follows from the evidence sentence",
    )
    missing_words: list[str] = Field(
        default_factory=list, description="Words of the statement not found in the evidence"
    )
    caveats: list[str] = Field(
        default_factory=list,
        exclude_if=lambda value: not value,
        description="Why a statement whose words stand in the evidence is not supported: a "
        "hedge of the evidence it drops ('drops “allegedly”'), or its text cut short",
    )
    page: int | None = Field(default=None, description="The PDF page the evidence starts on")
    paragraph: int | None = Field(
        default=None, description="The Word file's paragraph (non-empty, from 1) it starts in"
    )
    cited_quote: str | None = Field(
        default=None,
        description="The model's own quote, when a sentence next to it supports the statement "
        "and is the evidence instead",
    )


class Attribution(BaseModel):
    kind: AttributionKind
    source: str | None = None


class Fact(BaseModel):
    id: str
    type: str = Field(
        description="A news fact's kind (event, number, quote, claim, date), or the name of "
        "a user schema's item"
    )
    statement: str
    attribution: Attribution
    # Read off the evidence sentence; empty where it does not say.
    who: list[str] = Field(default_factory=list, description="People and organizations named")
    when: list[str] = Field(default_factory=list, description="Dates and times stated")
    where: list[str] = Field(default_factory=list, description="Places named")
    evidence: Evidence
    # Only for an item of a user's schema; absent from a news fact's output.
    fields: dict[str, Any] | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The values of a user schema's item",
    )

    @property
    def well_founded(self) -> bool:
        """Located, and not contradicted by its evidence: what --strict keeps and the digest
        shows."""
        return (
            self.evidence.status != GroundingStatus.UNGROUNDED
            and self.evidence.support != SupportVerdict.UNSUPPORTED
        )


class Summary(BaseModel):
    headline: str
    text: str
    key_points: list[str] = Field(description="The statements of the supported facts")


class Entity(BaseModel):
    name: str
    type: EntityType
    mentions: int = Field(description="Times the name (or a person's surname) occurs")
    role: str | None = Field(default=None, description="Title written before the name")


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class PromptInfo(BaseModel):
    name: str
    hash: str
    schema_name: str = Field(default="news", description="What was extracted")
    schema_hash: str | None = Field(
        default=None, description="Hash of the extraction schema (its JSON schema)"
    )


class GroundingReport(BaseModel):
    counts: dict[GroundingStatus, int] = Field(description="Facts by grounding status")
    rate: float = Field(description="Share of facts whose evidence was located")
    support: dict[SupportVerdict, int] = Field(description="Facts by support verdict")
    support_rate: float = Field(description="Share of facts supported by their evidence")
    realigned: int = Field(
        default=0, description="Facts whose evidence is a sentence next to the one quoted"
    )
    reasks: int = Field(default=0, description="Re-asks spent on quotes not in the source")
    dropped: int = Field(default=0, description="Facts dropped by --strict")


class TextWindow(BaseModel):
    start: int
    end: int
    facts: int = Field(description="Facts the model found in it, before de-duplication")


class DocumentResult(BaseModel):
    model_config = ConfigDict(use_enum_values=True)

    id: str
    source: str
    sha256: str
    status: Literal["ok"] = "ok"
    url: str | None = Field(default=None, description="Where a web page was fetched from")
    fetched_at: str | None = Field(default=None, description="When it was fetched (UTC)")
    summary: Summary
    facts: list[Fact]
    entities: list[Entity]
    grounding: GroundingReport
    model: str
    provider: str
    prompt: PromptInfo
    schema_version: str = SCHEMA_VERSION
    usage: Usage
    elapsed_s: float
    model_seconds: float | None = Field(
        default=None,
        description="Seconds the model spent on the last answer, as the server reports them",
    )
    # Only for a document longer than the model's context; absent from the others' output.
    windows: list[TextWindow] | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The parts of the text read one request each, in order",
    )


class FailedDocument(BaseModel):
    id: str
    source: str
    status: Literal["failed"] = "failed"
    error: str
    usage: Usage = Field(
        default_factory=Usage, description="Tokens spent on the attempts that failed"
    )


# What one document comes to: its result, or the reason there is none. The one definition;
# the pipeline, the store, the writers and the digest all name this alias.
Outcome = DocumentResult | FailedDocument
