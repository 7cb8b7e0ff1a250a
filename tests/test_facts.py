"""What the tool reads off the evidence sentence instead of asking the model: attribution, the
kind of fact, who, when and where, support; and the entities the model listed."""

from __future__ import annotations

import pytest

from summarizer.evidence.attribution import attribute
from summarizer.evidence.facts import (
    annotate,
    dates_in,
    inside_quotation,
    kind_of,
    looks_like_a_person,
    title_before,
)
from summarizer.evidence.grounding import Locator
from summarizer.extraction.models import (
    Attribution,
    AttributionKind,
    EntityType,
    Extraction,
    FactType,
    GroundingStatus,
    SupportVerdict,
)
from summarizer.inputs.text import SentenceIndex

ARTICLE = (
    "The city council of Riverton voted 7-2 on Tuesday to close the Elm Street bridge, after "
    "inspectors found cracks in two of its steel supports. Mayor Dana Ortiz said the closure "
    "would last at least six months. “We cannot take chances with people’s safety,” Ortiz "
    "told reporters. Sources close to the council say the state will pay for most of it. "
    "The repairs are expected to cost $4.2 million."
)


def _extraction(facts: list[tuple[str, str]], **names: list[str]) -> Extraction:
    return Extraction.model_validate(
        {
            "headline": "Riverton closes a bridge",
            "summary": ["Riverton closes the Elm Street bridge."],
            "facts": [{"quote": q, "statement": s} for q, s in facts],
            **names,
        }
    )


def test_annotate_reads_each_fact_off_its_sentence() -> None:
    extraction = _extraction(
        [
            ("The city council of Riverton voted 7-2 on Tuesday", "Riverton's council voted 7-2."),
            ("We cannot take chances with people’s safety", "Ortiz cannot take chances."),
            ("the state will pay for most of it", "The state will pay for most of it."),
            ("The repairs are expected to cost $4.2 million", "The repairs will cost $5 million."),
        ],
        people=["Dana Ortiz", "FBI"],
        organizations=["city council of Riverton", "Riverton city council"],
        places=["Riverton", "Elm Street", "Paris"],
    )
    locator = Locator(ARTICLE)
    evidence = [locator.locate(f.quote) for f in extraction.facts]
    annotated = annotate(extraction, evidence, ARTICLE)
    vote, quote, pay, cost = annotated.facts

    assert (vote.type, vote.attribution.kind) == (FactType.NUMBER, AttributionKind.OUTLET)
    assert vote.who == ["city council of Riverton"] and vote.when == ["on Tuesday"]
    assert vote.where == ["Riverton", "Elm Street"]
    assert vote.evidence.support == SupportVerdict.SUPPORTED

    assert quote.type == FactType.QUOTE
    # The speaker under the full name the model listed, not the surname the sentence gives.
    assert quote.attribution == Attribution(kind=AttributionKind.NAMED, source="Dana Ortiz")
    assert quote.who == ["Dana Ortiz"]  # by surname

    assert (pay.type, pay.attribution.kind) == (FactType.CLAIM, AttributionKind.ANONYMOUS)

    assert cost.evidence.support == SupportVerdict.UNSUPPORTED
    assert cost.evidence.missing_words == ["5"]
    assert [f.id for f in annotated.facts] == ["f1", "f2", "f3", "f4"]

    entities = {(e.name, e.type, e.mentions, e.role) for e in annotated.entities}
    assert ("Dana Ortiz", EntityType.PERSON, 2, "Mayor") in entities  # "Ortiz" alone too
    assert ("FBI", EntityType.ORGANIZATION, 0, None) not in entities  # not in the text
    assert all(e.name != "Paris" for e in annotated.entities)
    assert [e.name for e in annotated.entities].count("Riverton city council") == 0


def test_an_unlocated_quote_gets_no_annotation_and_no_support() -> None:
    extraction = _extraction(
        [("The mayor resigned in disgrace", "The mayor resigned.")] * 3, people=["Dana Ortiz"]
    )
    evidence = [Locator(ARTICLE).locate(f.quote) for f in extraction.facts]
    fact = annotate(extraction, evidence, ARTICLE).facts[0]
    assert fact.evidence.status == GroundingStatus.UNGROUNDED
    assert fact.evidence.support == SupportVerdict.UNSUPPORTED
    assert fact.evidence.missing_words == ["mayor", "resigned"]
    assert (fact.who, fact.when, fact.where) == ([], [], [])


@pytest.mark.parametrize(
    ("sentence", "kind", "name"),
    [
        (
            "Sources close to both leaders confirm the conversation centered on a plan.",
            "anonymous",
            None,
        ),
        ("Trump afterward said the call “went very well” on Friday.", "named", "Trump"),
        ("According to Axios, the confrontation occurred on Friday.", "named", "Axios"),
        ("Netanyahu reportedly responded with skepticism to the offer.", "anonymous", None),
        ("Officials said Netanyahu will travel to Washington next week.", "anonymous", None),
        (
            "The negotiations, under Egyptian and Qatari mediation, are the most serious yet.",
            "outlet",
            None,
        ),
    ],
)
def test_attribution_is_read_off_the_sentence(sentence: str, kind: str, name: str | None) -> None:
    assert attribute(sentence) == Attribution(kind=AttributionKind(kind), source=name)


def test_attribution_prefers_the_name_the_model_listed() -> None:
    sentence = "Save the Children told CNN that 400 migrants could be missing."
    assert attribute(sentence).source == "Save the Children"  # the speaker, not the one told
    assert attribute(sentence, ["Save the Children"]).source == "Save the Children"
    minister = "Defense Minister Gen Nakatani said his jets had never met a UFO."
    assert attribute(minister, ["Gen Nakatani"]).source == "Gen Nakatani"


@pytest.mark.parametrize(
    ("statement", "kind"),
    [
        ("Varvara swam nearly 14,000 miles.", FactType.NUMBER),
        ("Two guests were found dead.", FactType.NUMBER),
        ("The war began on October 7, 2023.", FactType.DATE),
        ("The bus caught fire on Thursday.", FactType.EVENT),
        ("One guest was found.", FactType.EVENT),
    ],
)
def test_the_kind_of_fact(statement: str, kind: FactType) -> None:
    assert kind_of(statement, False, Attribution(kind=AttributionKind.OUTLET)) == kind
    assert kind_of(statement, True, Attribution(kind=AttributionKind.OUTLET)) == FactType.QUOTE


def test_a_claim_is_what_someone_else_says() -> None:
    named = Attribution(kind=AttributionKind.NAMED, source="Ortiz")
    assert kind_of("The closure will last months.", False, named) == FactType.CLAIM


def test_a_quote_fact_is_one_whose_span_is_inside_a_quotation() -> None:
    text = "“We cannot take chances with safety,” Ortiz said, as crews closed the bridge."
    (sentence,) = SentenceIndex(text).sentences
    assert inside_quotation(sentence, 1, 30)  # "We cannot take chances"
    assert not inside_quotation(sentence, 50, 75)  # "crews closed the bridge"


def test_dates_and_times() -> None:
    sentence = (
        "Two guests were found dead at 11:30 a.m. Thursday, weeks after the March 3, 2015 "
        "sailing, and the FBI will report next week or in 2016."
    )
    assert dates_in(sentence) == [
        "11:30 a.m.",
        "Thursday",
        "March 3, 2015",
        "next week",
        "in 2016",
    ]


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("Dana Ortiz", True),
        ("Ludwig van Beethoven", True),
        ("FBI", False),
        ("Italian coast guard", False),
        ("Holland America Line", False),
    ],
)
def test_a_person_is_a_name_not_a_body(name: str, person: bool) -> None:
    assert looks_like_a_person(name) is person


@pytest.mark.parametrize(
    ("text", "name", "title"),
    [
        ("said Pentagon spokesman Mark Wright on Monday", "Mark Wright", "Pentagon spokesman"),
        ("U. S. President Donald Trump called", "Donald Trump", "U. S. President"),
        ("Lady Antebellum singer Hillary Scott 's bus", "Hillary Scott", "Lady Antebellum singer"),
        ("when Trump called Benjamin Netanyahu", "Benjamin Netanyahu", None),
        ("It rained on Monday. President Ortiz", "Ortiz", "President"),
    ],
)
def test_title_before_a_name(text: str, name: str, title: str | None) -> None:
    assert title_before(text, name) == title


def test_a_statement_of_another_sentence_gets_that_sentence_as_evidence() -> None:
    """The 1.5B model quotes one sentence and states the next one's fact: the sentence that
    supports the statement becomes the evidence, the model's quote kept beside it."""
    extraction = _extraction(
        [
            (
                "Mayor Dana Ortiz said the closure would last at least six months.",
                "Repairs are expected to cost $4.2 million.",  # its hedge kept
            ),
            ("The city council of Riverton voted 7-2 on Tuesday", "Riverton's council voted 7-2."),
            (
                "Sources close to the council say the state will pay for most of it.",
                "Reporters asked about parking.",
            ),
        ],
        people=["Dana Ortiz"],
    )
    evidence = [Locator(ARTICLE).locate(f.quote) for f in extraction.facts]
    annotated = annotate(extraction, evidence, ARTICLE)
    moved, kept, alone = (f.evidence for f in annotated.facts)
    assert moved.quote == "The repairs are expected to cost $4.2 million."
    assert ARTICLE[moved.start : moved.end] == moved.quote
    assert moved.cited_quote == extraction.facts[0].quote
    assert (moved.status, moved.support) == (GroundingStatus.EXACT, SupportVerdict.SUPPORTED)
    assert annotated.facts[0].type == FactType.NUMBER  # read off the sentence it rests on
    assert kept.cited_quote is None and kept.support == SupportVerdict.SUPPORTED
    # Nothing in the article says it: left where the model put it, and flagged.
    assert alone.cited_quote is None and alone.support == SupportVerdict.UNSUPPORTED


def test_anonymous_sources_first_are_the_source_of_what_follows() -> None:
    sentence = "Sources suggest Donald Trump emphasized a strategy rooted in strength."
    assert attribute(sentence, ["Donald Trump"]) == Attribution(kind=AttributionKind.ANONYMOUS)
    named = "Donald Trump said sources were wrong about the strategy."
    assert attribute(named, ["Donald Trump"]).source == "Donald Trump"
