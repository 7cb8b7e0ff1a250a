"""The digest's parts on real inputs: the example articles with the results the embedded model
recorded for them, NeuS stories for grouping, and planted sentences for the rules."""

from __future__ import annotations

import asyncio
import json

import pytest

from summarizer.digest.agreements import agreements
from summarizer.digest.build import DigestBuilder, sources_of
from summarizer.digest.conflicts import Proposal, number_conflicts, person_name, verified
from summarizer.digest.corroboration import consensus_and_single
from summarizer.digest.models import Article, Digest
from summarizer.digest.numbers import quantities
from summarizer.digest.sources import Source, SourceFact, label_for
from summarizer.digest.stories import group_stories
from summarizer.digest.summary import DigestDraft, DraftSentence, checked_sentences, draft_id
from summarizer.digest.terms import find_date
from summarizer.digest.timeline import timeline
from summarizer.extraction.models import DocumentResult, GroundingStatus
from summarizer.inputs.documents import Document, read_path
from summarizer.inputs.text import sentences
from summarizer.testing import ARTICLES, ROOT, SHARED, example_stems
from summarizer.writers.digest_markdown import render_digest_markdown


def example_pairs() -> list[tuple[Document, DocumentResult]]:
    pairs = []
    for stem in example_stems():
        document = read_path(str(ARTICLES / f"{stem}.txt"))
        assert isinstance(document, Document)
        result = (ROOT / "examples" / "outputs" / f"{stem}.json").read_text()
        pairs.append((document, DocumentResult.model_validate_json(result)))
    return pairs


@pytest.fixture(scope="module")
def example_digest() -> Digest:
    return asyncio.run(DigestBuilder(None).build(example_pairs()))


# ---- text -----------------------------------------------------------------------------------


def test_sentences_keep_offsets_and_do_not_split_abbreviations() -> None:
    text = "U.S. President Donald Trump spoke. Sen. Ron Wyden said “no.” Then\n\nA new line"
    found = sentences(text)
    assert [s.text for s in found] == [
        "U.S. President Donald Trump spoke.",
        "Sen. Ron Wyden said “no.”",
        "Then",
        "A new line",
    ]
    assert all(text[s.start : s.end] == s.text for s in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Headline\nMay, 13 2025 Benjamin Calderwood\n", "2025-05-13"),
        ("Posted 13 May 2025 by staff", "2025-05-13"),
        ("Updated: October 7, 2023.", "2023-10-07"),
        ("2025-10-04T10:00 report", "2025-10-04"),
        ("No date here at all", None),
    ],
)
def test_find_date(text: str, expected: str | None) -> None:
    found = find_date(text)
    assert (found.isoformat() if found else None) == expected


def test_labels_go_past_z() -> None:
    assert [label_for(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]


# ---- numbers and conflicts -------------------------------------------------------------------


def _one(text: str):  # type: ignore[no-untyped-def]
    (quantity,) = quantities(text)
    return quantity


def test_same_thing_different_figures_contradict() -> None:
    held = _one("the 59 Israeli hostages still held by Hamas")
    remaining = _one("the release of 48 remaining Israeli hostages.")
    taken = _one("and 250 taken hostage in a barbaric assault")
    assert held.contradicts(remaining)
    assert not held.contradicts(taken)  # taken in 2023 is not held now
    assert not remaining.contradicts(taken)


def test_qualified_figures_that_can_both_be_true_do_not_contradict() -> None:
    assert not _one("over 1,200 civilians were killed").contradicts(_one("1,300 civilians"))
    assert not _one("some 250 people were seized").contradicts(_one("240 people were seized"))
    assert _one("exactly 250 people were seized").contradicts(_one("240 people were seized"))
    assert quantities("on October 7, 2023 in Gaza") == []  # a date is not a quantity


def test_example_articles_conflict_on_hostages_and_on_trumps_office(example_digest: Digest) -> None:
    (story,) = example_digest.stories
    by_kind = {c.kind: c for c in story.conflicts}
    hostages = by_kind["number"]
    assert {s.value for s in hostages.sides} == {
        "59 Israeli hostages still held",
        "48 remaining Israeli hostages",
    }
    office = by_kind["title"]
    assert {s.value for s in office.sides} >= {"former U.S. President", "U.S. President"}
    for conflict in story.conflicts:
        for side in conflict.sides:
            article = example_digest.article(side.article)
            assert article.text[side.quote.start : side.quote.end] == side.quote.text
            assert side.value in side.quote.text
    assert "publication date" in office.note


def test_dates_that_differ_are_called_out() -> None:
    a = _source("A", "Hamas still holds 59 hostages in Gaza, officials said.", "2025-05-13")
    b = _source("B", "Hamas still holds 48 hostages in Gaza, officials said.", "2025-10-04")
    (conflict,) = number_conflicts([a, b])
    assert conflict.dates_differ
    assert "2025-05-13, 2025-10-04" in conflict.note and "change over time" in conflict.note


def test_model_proposed_conflicts_stand_only_on_their_quotes() -> None:
    a = _source("A", "The talks were held in Cairo on Friday, officials said.")
    b = _source("B", "The talks were held in Doha on Friday, officials said.")
    fa, fb = _fact(a), _fact(b)
    assert verified(Proposal("venue", fa, "Cairo", fb, "Doha"), {"A": a, "B": b}) is not None
    assert verified(Proposal("venue", fa, "Cairo", fb, "Paris"), {"A": a, "B": b}) is None
    assert verified(Proposal("venue", fa, "Cairo", fb, "cairo"), {"A": a, "B": b}) is None
    assert verified(Proposal("venue", fa, "Cairo", fa, "Friday"), {"A": a, "B": b}) is None
    # Whole sentences side by side name no difference.
    whole_a, whole_b = a.facts[0].quote.text, b.facts[0].quote.text
    assert verified(Proposal("talks", fa, whole_a, fb, whole_b), {"A": a, "B": b}) is None


def test_person_name_drops_the_office_a_model_put_in_front() -> None:
    assert person_name("U. S. President Donald Trump") == "Donald Trump"
    assert person_name("Israeli Prime Minister Benjamin Netanyahu") == "Benjamin Netanyahu"
    assert person_name("Edan Alexander") == "Edan Alexander"


# ---- consensus, single source, attribution ------------------------------------------------------


def test_a_fact_told_by_two_outlets_is_consensus_and_others_single_source() -> None:
    a = _source(
        "A",
        "Israeli and Hamas negotiators met in Doha on Friday to resume ceasefire talks. "
        "The weather in the city was unusually warm for the season.",
    )
    b = _source(
        "B",
        "Negotiators for Israel and Hamas resumed ceasefire talks in Doha on Friday, "
        "diplomats said. Egypt sent a delegation of security officials to observe.",
    )
    consensus, single = consensus_and_single([a, b])
    (agreed,) = consensus
    assert agreed.articles == ["A", "B"]
    assert {q.article for q in agreed.evidence} == {"A", "B"}
    assert all(q.text in (a.article.text + b.article.text) for q in agreed.evidence)
    assert len(single) == 0 or all(s.article in "AB" for s in single)


def test_examples_consensus_quotes_are_spans_and_single_source_are_the_rest(
    example_digest: Digest,
) -> None:
    (story,) = example_digest.stories
    assert story.consensus and story.single_source
    for fact in story.consensus:
        assert len(fact.articles) >= 2
        for quote in fact.evidence:
            assert example_digest.article(quote.article).text[quote.start : quote.end] == quote.text
    shown = {q.fact for c in story.consensus for q in c.evidence} | {
        s.evidence.fact for s in story.single_source
    }
    # Every quote of the examples is located; one of the sixteen facts states what no sentence
    # says ("The White House is not involved in the negotiations") and is never shown.
    facts = [f for pair in example_pairs() for f in pair[1].facts]
    unsupported = [f for f in facts if f.evidence.support == "unsupported"]
    assert (len(facts), len(unsupported), story.not_shown) == (16, 1, 1)
    assert unsupported[0].statement == "The White House is not involved in the negotiations."
    assert all(ref.split(".")[0] in story.articles for ref in shown if ref is not None)
    assert len(shown - {None}) == len(facts) - story.not_shown


def test_examples_consensus_is_the_same_claim_not_the_same_names(example_digest: Digest) -> None:
    """Every sentence of the story names Trump, Netanyahu or Hamas: a match needs more."""
    (story,) = example_digest.stories
    told = [c for c in story.consensus if c.basis == "facts"]
    quotes = {frozenset(q.text[:40] for q in c.evidence) for c in told}
    # Both say the two leaders discussed the hostages and Iran: the same claim, told twice.
    assert quotes == {
        frozenset(
            {"U.S. President Donald Trump and Israeli ", "In a significant development impacting M"}
        )
    }
    texts = " ".join(q.text for c in story.consensus for q in c.evidence)
    assert "hold off on unilateral moves" not in texts  # not "Netanyahu responded with skepticism"


def test_examples_agree_on_figures_mediators_cairo_and_the_day_it_began(
    example_digest: Digest,
) -> None:
    """The agreements issue 26 names: about 1,200 killed and about 250 taken (C "1,200
    Israelis", E "over 1,200 civilians"; C "250 taken hostage", E "some 250 men, women"),
    Egypt and Qatar as mediators, talks in Cairo, October 7, 2023."""
    (story,) = example_digest.stories
    found = {(c.basis, c.statement): c.articles for c in story.consensus if c.basis != "facts"}
    assert found == {
        ("figure", "About 1,200 killed"): ["C", "E"],
        ("figure", "About 250 taken hostage"): ["C", "E"],
        ("claim", "Mediators from Egypt and Qatar have attempted to bridge the gap."): [
            "A", "B", "C", "E"
        ],
        ("claim", "The negotiations are taking place in Cairo."): ["A", "C"],
        ("claim", "The crisis began on October 7, 2023."): ["C", "E"],
    }  # fmt: skip
    figures = {c.statement: c.values for c in story.consensus if c.basis == "figure"}
    assert figures["About 1,200 killed"] == ["1,200 Israelis", "over 1,200 civilians"]
    for fact in story.consensus:
        for quote in fact.evidence:
            assert example_digest.article(quote.article).text[quote.start : quote.end] == quote.text
    # Corroborated now, no longer single-source: C's Cairo and E's October 7.
    singles = {s.statement for s in story.single_source}
    assert "The negotiations are taking place in Cairo." not in singles
    assert "The crisis began on October 7, 2023." not in singles


def test_figures_agree_across_hedges_and_words_for_the_same_event() -> None:
    a = _source("A", "Hamas killed 1,200 Israelis and took 250 hostages in its assault on Israel.")
    b = _source(
        "B",
        "Gunmen murdered over 1,200 civilians and abducted some 250 people during the attack.",
    )
    c = _source("C", "Officials said about 300 people were abducted in the raid on the border.")
    agreed = {c.statement: c.articles for c in agreements([a, b, c], [], [])[0]}
    assert agreed["About 1,200 killed"] == ["A", "B"]
    assert agreed["About 250 taken hostage"] == ["A", "B"]  # not C's 300: about 250 is at most 275


def test_example_attribution_profiles_count_every_shown_fact(example_digest: Digest) -> None:
    (story,) = example_digest.stories
    profiles = {p.article: p for p in story.attribution}
    assert set(profiles) == {"A", "B", "C", "D", "E"}
    sources = {s.label: s for s in sources_of(example_pairs())[0]}
    for label, profile in profiles.items():
        assert sum(profile.counts.values()) == len(sources[label].facts)
    assert profiles["A"].counts["anonymous"] == 1  # "Trump has reportedly asked Netanyahu ..."
    # The body named, not the description the model listed ("Humanitarian organizations").
    assert "International Committee of the Red Cross" in profiles["E"].named_sources


# ---- stories ---------------------------------------------------------------------------------


def test_the_example_articles_are_one_story() -> None:
    texts = [(ARTICLES / f"{stem}.txt").read_text() for stem in example_stems()]
    assert group_stories(texts) == [list(range(len(texts)))]


@pytest.mark.skipif(not (SHARED / "eval" / "neus_dev.jsonl").is_file(), reason="no NeuS data")
def test_mixed_stories_are_told_apart() -> None:
    rows = [json.loads(line) for line in (SHARED / "eval" / "neus_dev.jsonl").open()][:5]
    neus = [f"{a['title']}\n{a['text']}" for row in rows for a in row["articles"]]
    examples = [(ARTICLES / f"{stem}.txt").read_text() for stem in example_stems()]
    groups = group_stories(examples + neus)
    assert [0, 1, 2, 3, 4] in groups  # the examples together, apart from the NeuS stories
    together = sum(
        any(set(range(5 + 3 * i, 8 + 3 * i)) <= set(g) for g in groups) for i in range(5)
    )
    assert together >= 3  # most NeuS stories' three outlets found each other


def test_extractive_summary_cites_facts_that_exist(example_digest: Digest) -> None:
    (story,) = example_digest.stories
    assert story.summary_method == "extractive"
    refs = {
        f"{a.label}.{f.id}"
        for a, (_, result) in zip(example_digest.articles, example_pairs(), strict=True)
        for f in result.facts
        if f.evidence.status != GroundingStatus.UNGROUNDED
    }
    assert story.summary and all(set(s.facts) <= refs for s in story.summary)


def test_a_model_sentence_stays_only_on_facts_that_support_it() -> None:
    a = _source("A", "Hamas released the soldier Edan Alexander on Monday, officials said.")
    b = _source("B", "Talks on a ceasefire resumed in Cairo under Egyptian mediation.")
    facts = {draft_id(f): f for s in (a, b) for f in s.facts}
    draft = DigestDraft(
        headline="h",
        summary=[
            # Cites B, but A's fact is what it says: cited as A's.
            DraftSentence(text="Hamas released Edan Alexander on Monday.", facts=["B1"]),
            DraftSentence(text="Hamas released Edan Alexander on Monday.", facts=["A1"]),
            DraftSentence(text="Markets rallied as oil prices fell sharply.", facts=["A1"]),
            DraftSentence(text="Ceasefire talks resumed in Cairo.", facts=["b1"]),
        ],
    )
    kept = checked_sentences(draft, facts)
    assert [(s.text, s.facts) for s in kept] == [
        ("Hamas released Edan Alexander on Monday.", ["A.f1"]),
        ("Ceasefire talks resumed in Cairo.", ["B.f1"]),
    ]
    assert all(s.support >= 0.5 for s in kept)


def test_a_sentence_grounded_on_an_unrelated_fact_is_dropped() -> None:
    """The digest's recorded slip: a summary sentence citing a fact it does not follow from."""
    a = _source(
        "A",
        "Alexander was handed over to the Red Cross in Khan Younis on Monday afternoon, "
        "the army said.",
    )
    facts = {draft_id(f): f for f in a.facts}
    chess = "Hostage talks reflect high-stakes chess between negotiation and force."
    draft = DigestDraft(headline="h", summary=[DraftSentence(text=chess, facts=["A1"])])
    assert checked_sentences(draft, facts) == []


def test_a_sentence_sharing_words_but_not_the_names_does_not_corroborate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The digest's recorded slip: "Trump calls Netanyahu ..." corroborated by "Trump
    afterward said the call went very well". Similar enough by terms; not the same fact."""
    a = _source(
        "A",
        "Trump calls Netanyahu to discuss the release of all Israeli captives, officials say.",
    )
    b = _source(
        "B",
        "Egypt sent a delegation of security officials to observe the talks. Trump afterward "
        "said the call about the release of the captives went very well.",
    )
    assert consensus_and_single([a, b])[0] == []
    monkeypatch.setattr("summarizer.digest.corroboration._says_it_too", lambda fact, s: True)
    assert consensus_and_single([a, b])[0] != []  # the support check is what tells them apart


def test_a_fact_stated_twice_is_kept_once() -> None:
    text = "Talks resumed in Cairo on Friday. Mediators met both delegations in Cairo."
    source = _source("A", text)
    first = source.result.facts[0]
    second_sentence = sentences(text)[1]
    evidence = first.evidence.model_copy(
        update={"start": second_sentence.start, "end": second_sentence.end}
    )
    again = first.model_copy(update={"id": "f2", "statement": f" {first.statement.upper()} "})
    result = source.result.model_copy(
        update={"facts": [first, again.model_copy(update={"evidence": evidence})]}
    )
    assert [f.fact.id for f in Source(source.article, result).facts] == ["f1"]


# ---- helpers ---------------------------------------------------------------------------------


def _source(label: str, text: str, date: str | None = None) -> Source:
    """A source whose one fact quotes its first sentence."""
    first = sentences(text)[0]
    result = {
        "id": label,
        "source": f"{label}.txt",
        "sha256": "0" * 64,
        "summary": {"headline": "h", "text": "t", "key_points": []},
        "facts": [
            {
                "id": "f1",
                "type": "event",
                "statement": first.text,
                "attribution": {"kind": "outlet"},
                "evidence": {
                    "quote": first.text,
                    "start": first.start,
                    "end": first.end,
                    "status": "exact",
                    "support": "supported",
                },
            }
        ],
        "entities": [],
        "grounding": {"counts": {}, "rate": 1.0, "support": {}, "support_rate": 1.0},
        "model": "m",
        "provider": "local",
        "prompt": {"name": "default", "hash": "0"},
        "usage": {},
        "elapsed_s": 0.0,
    }
    article = Article(label=label, id=label, source=f"{label}.txt", date=date, text=text)
    return Source(article, DocumentResult.model_validate(result))


def _fact(source: Source) -> SourceFact:
    return source.facts[0]


def test_sources_of_keeps_failures_apart() -> None:
    from summarizer.extraction.models import FailedDocument

    (document, result), *_ = example_pairs()
    failure = FailedDocument(id="x", source="x.txt", error="bad")
    sources, failed = sources_of([(document, result), (document, failure)])
    assert [s.label for s in sources] == ["A"] and failed == [failure]


def test_the_digest_says_when_its_english_methods_do_not_apply() -> None:
    chinese = _source("A", "外交部发言人周三表示，双方将在开罗继续举行停火谈判。" * 3)
    english = _source("B", "Talks resumed in Cairo on Wednesday, the foreign ministry said.")
    digest = asyncio.run(
        DigestBuilder(None).build(
            [(_document(chinese), chinese.result), (_document(english), english.result)]
        )
    )
    assert len(digest.notes) == 1 and digest.notes[0].startswith("Articles A are not in English")
    assert "> Articles A are not in English" in render_digest_markdown(digest)


def _document(source: Source) -> Document:
    return Document(id=source.label, source=source.article.source, text=source.article.text)


# ---- attribution over every sentence, cast, timeline, framing ---------------------------------


def test_attribution_names_axios_and_quotes_anonymous_sourcing(example_digest: Digest) -> None:
    (story,) = example_digest.stories
    profiles = {p.article: p for p in story.attribution}
    assert "Axios" in profiles["C"].named_sources  # "According to Axios, the confrontation ..."
    anonymous = [q.text for q in profiles["B"].anonymous]
    assert profiles["B"].sentences["anonymous"] == len(anonymous) >= 1
    assert any(t.startswith("Sources close to both leaders confirm") for t in anonymous)
    for profile in profiles.values():
        for quote in profile.anonymous:
            assert example_digest.article(quote.article).text[quote.start : quote.end] == quote.text


LABELS = json.loads((ROOT / "tests" / "data" / "digest_labels.json").read_text())


def test_cast_matches_the_labelled_entities(example_digest: Digest) -> None:
    (story,) = example_digest.stories
    members = {m.name: m for m in story.cast}
    for label in LABELS["entities"]:
        member = members[label["name"]]
        assert member.articles == label["articles"]
        aliases = {a.casefold() for a in member.aliases}
        assert {a.casefold() for a in label["aliases"]} <= aliases
    # Where the "former President" conflict comes from: B and D say "former".
    trump = members["Donald Trump"].titles
    assert trump["B"] == ["former U.S. President"] and trump["D"] == ["former President"]


def test_timeline_matches_the_labelled_events(example_digest: Digest) -> None:
    (story,) = example_digest.stories
    dated = {e.date: e.articles for e in story.timeline if e.date}
    for label in LABELS["timeline"]:
        assert dated[label["date"]] == label["articles"]
    undated = {(e.articles[0], w.split(": ", 1)[1]) for e in story.timeline for w in e.when}
    for label in LABELS["undated"]:  # their articles carry no date to resolve them against
        assert (label["article"], label["when"]) in undated


def test_relative_dates_resolve_against_the_publication_date() -> None:
    a = _source(
        "A",
        "Negotiators met in Doha on Friday to resume the ceasefire talks with Hamas officials. "
        "The envoy had visited the region two weeks ago for a round of quiet meetings.",
        date="2025-05-13",
    )
    events = {e.date: e.when for e in timeline([a])}
    assert events == {"2025-05-09": ["A: on Friday"], "2025-04-29": ["A: two weeks ago"]}


def test_framing_lists_each_outlets_lead_and_what_it_leaves_out(example_digest: Digest) -> None:
    (story,) = example_digest.stories
    rows = {r.article: r for r in story.framing}
    assert set(rows) == set(story.articles)
    assert rows["C"].lead is not None and rows["C"].lead.text.startswith("As indirect talks")
    # D states none of the corroborated agreements: it leaves out those of two or more others.
    wide = [c.statement for c in story.consensus if "D" not in c.articles]
    assert rows["D"].omits == wide and "About 1,200 killed" in rows["D"].omits
