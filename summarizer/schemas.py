"""Pydantic models: what the model fills in (Extraction) and what the tool emits (DocumentResult).

The model-facing schema is kept tight (bounded lists, flat facts) because on the embedded
engine every output token costs about a tenth of a second.
"""

from __future__ import annotations

import copy
from contextvars import ContextVar
from enum import StrEnum
from typing import Any, ClassVar, Literal, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = "2"
MAX_FACTS = 8
MAX_KEY_POINTS = 5
MAX_ENTITIES = 10
MIN_FACTS = 3
MAX_QUOTE_CHARS = 200


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


# ---- what the model fills in -------------------------------------------------------------


class ExtractedFact(BaseModel):
    # Bounded so a long quote is cut short, which leaves it a verbatim prefix of the source.
    verbatim_quote: str = Field(
        max_length=MAX_QUOTE_CHARS, description="A sentence copied word for word from the article"
    )
    type: FactType
    statement: str = Field(description="The fact in one neutral sentence")
    who: str | None = None
    what: str | None = None
    when: str | None = None
    where: str | None = None
    attribution: AttributionKind
    attributed_to: str | None = Field(default=None, description="Who says it, if named")

    @field_validator("verbatim_quote", "statement")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


class ExtractedEntity(BaseModel):
    name: str
    type: EntityType
    role: str


class QuoteCheck(Protocol):
    """Judges an extraction's quotes against the source (grounding.GroundingCheck)."""

    def complaint(self, extraction: Extraction) -> str | None: ...


# The check for the document being extracted in this task. Not instructor's `context`:
# given one, instructor renders every message as a Jinja template, so an article's own
# "{{ ... }}" would vanish from what the model reads and a stray "{%" would fail it.
GROUNDING_CHECK: ContextVar[QuoteCheck | None] = ContextVar("grounding_check", default=None)


class Extraction(BaseModel):
    """The whole answer for one article."""

    headline: str
    summary: str = Field(description="2-4 sentences, neutral voice")
    key_points: list[str] = Field(min_length=2, max_length=MAX_KEY_POINTS)
    facts: list[ExtractedFact] = Field(min_length=MIN_FACTS, max_length=MAX_FACTS)
    entities: list[ExtractedEntity] = Field(default_factory=list, max_length=MAX_ENTITIES)

    _schemas: ClassVar[dict[tuple[Any, ...], dict[str, Any]]] = {}

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Cached: instructor asks for the schema on every request, and pydantic takes about
        3 ms to build it, a large share of a batch's per-document time."""
        key = (cls, args, tuple(sorted(kwargs.items())))
        if key not in cls._schemas:
            cls._schemas[key] = super().model_json_schema(*args, **kwargs)
        return copy.deepcopy(cls._schemas[key])

    @model_validator(mode="after")
    def quotes_stand_in_the_source(self) -> Self:
        """With a QuoteCheck set for this task, invented quotes trigger a re-ask."""
        check = GROUNDING_CHECK.get()
        if check is not None and (complaint := check.complaint(self)):
            raise ValueError(complaint)
        return self


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


class Attribution(BaseModel):
    kind: AttributionKind
    source: str | None = None


class Fact(BaseModel):
    id: str
    type: FactType
    statement: str
    who: str | None = None
    what: str | None = None
    when: str | None = None
    where: str | None = None
    attribution: Attribution
    evidence: Evidence


class Summary(BaseModel):
    headline: str
    text: str
    key_points: list[str]


class Entity(BaseModel):
    name: str
    type: EntityType
    role: str


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class PromptInfo(BaseModel):
    name: str
    hash: str


class GroundingReport(BaseModel):
    counts: dict[GroundingStatus, int]
    rate: float = Field(description="Share of facts whose evidence was located")
    reasks: int = Field(default=0, description="Re-asks spent on quotes not in the source")
    dropped: int = Field(default=0, description="Ungrounded facts dropped by --strict")


class DocumentResult(BaseModel):
    model_config = ConfigDict(use_enum_values=True)

    id: str
    source: str
    sha256: str
    status: Literal["ok"] = "ok"
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


class FailedDocument(BaseModel):
    id: str
    source: str
    status: Literal["failed"] = "failed"
    error: str
