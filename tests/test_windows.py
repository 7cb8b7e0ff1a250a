"""Long documents: windows of whole sentences that fit, and one result put back together."""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer.evidence.merging import merge_entities, merge_facts
from summarizer.extraction.models import (
    Attribution,
    AttributionKind,
    Entity,
    EntityType,
    Evidence,
    Fact,
    FactType,
    GroundingStatus,
    SupportVerdict,
)
from summarizer.inputs.documents import Document, Layout, read_path
from summarizer.inputs.text import sentences
from summarizer.inputs.windows import Window, estimate_tokens, split_windows, window_document
from summarizer.pipeline import Summarizer
from summarizer.pipeline.results import fit_notes
from summarizer.settings import Settings
from summarizer.testing import ARTICLES

TEXTS = [path.read_text(encoding="utf-8") for path in sorted(ARTICLES.glob("*.txt"))]
SENTENCE = st.sampled_from(
    [
        "The council voted on Tuesday to close the bridge.",
        "Inspectors found cracks in two of its steel supports, officials said.",
        "“We cannot take chances,” the mayor told reporters.",
        "Москва объявила о новых мерах в понедельник.",
        "市议会周二投票决定关闭这座桥。",
        "東京で新しい橋が開通しました。",
        "The repairs are expected to cost $4.2 million.",
        "A" + " very" * 60 + " long sentence without a break.",
    ]
)


def assert_windows_cover(text: str, windows: list[Window], max_tokens: int) -> None:
    assert windows[0].start == 0
    assert windows[-1].end == len(text)
    for window in windows:
        assert estimate_tokens(text[window.start : window.end]) <= max_tokens
    for before, after in itertools.pairwise(windows):
        assert before.start < after.start <= before.end  # moves on, leaves no gap


@settings(max_examples=60, deadline=None)
@given(
    st.lists(SENTENCE, min_size=1, max_size=60),
    st.sampled_from([" ", "\n", "\n\n"]),
    st.integers(40, 400),
)
def test_windows_cover_the_text_and_fit(parts: list[str], gap: str, max_tokens: int) -> None:
    text = gap.join(parts)
    assert_windows_cover(text, split_windows(text, max_tokens), max_tokens)


def test_windows_start_at_sentences_and_overlap() -> None:
    text = " ".join(" ".join(TEXTS[i % len(TEXTS)].split()) for i in range(4))  # one paragraph
    windows = split_windows(text, 800)
    starts = {s.start for s in sentences(text)} | {0}
    assert len(windows) > 2
    assert all(w.start in starts for w in windows)
    for before, after in itertools.pairwise(windows):
        assert after.start < before.end  # the sentences at the boundary are read twice


def test_a_paragraph_that_begins_late_in_a_window_begins_the_next() -> None:
    # Measured on the 150,000-character benchmark: a story beginning 1,400 characters into
    # a 3,100-character window gave none of its facts; beginning the next window, all three.
    stories = [" ".join(TEXTS[i % len(TEXTS)].split()) for i in range(4)]
    text = "\n\n".join(stories)
    breaks = {m.end() for m in re.finditer(r"\n\n", text)}
    windows = split_windows(text, 800)
    assert_windows_cover(text, windows, 800)
    assert any(w.start in breaks for w in windows)
    for before, after in itertools.pairwise(windows):
        if after.start in breaks:
            assert after.start == before.end  # nothing straddles a paragraph break
        late = before.start + 0.6 * (before.end - before.start)
        assert not [b for b in breaks if late < b < before.end]


def test_windows_are_balanced_not_full_then_a_scrap() -> None:
    text = " ".join(" ".join(TEXTS[i % len(TEXTS)].split()) for i in range(5))  # one paragraph
    sizes = [w.end - w.start for w in split_windows(text, 1500)]
    assert len(sizes) > 1
    assert min(sizes) > 0.6 * max(sizes)


def test_a_text_that_fits_is_one_window() -> None:
    text = TEXTS[0]
    assert split_windows(text, estimate_tokens(text)) == [Window(0, len(text))]


def test_a_sentence_longer_than_a_window_is_cut_between_words() -> None:
    text = "word " * 2000
    windows = split_windows(text, 300)
    assert_windows_cover(text, windows, 300)
    assert all(text[w.end - 1] == " " for w in windows[:-1])


def test_unspaced_text_counts_a_token_a_character() -> None:
    chinese = "市议会周二投票决定关闭这座桥" * 10
    assert estimate_tokens(chinese) >= len(chinese)
    assert estimate_tokens("The council voted.") < len("The council voted.")


def test_english_estimates_are_above_what_the_engine_counted() -> None:
    # SummEval dev on Qwen2.5 ran 3.9 to 4.6 characters a token: the estimate must be higher.
    text = TEXTS[0]
    assert estimate_tokens(text) >= len(text) / 3.9


# ---- the cache key and the plan of a document -------------------------------------------


def test_a_short_document_keeps_its_cache_key() -> None:
    # Computed before long documents existed (commit c4970ce): a store of short documents
    # stays valid.
    document = read_path("examples/articles/002_f8c6bddbe5b99dbe.txt")
    summarizer = Summarizer(Settings())
    assert len(summarizer.windows(document)) == 1
    assert summarizer.request_key(document).key == (
        "67bc86554b5ed51028a0484649f82b52a0bc8c355b7a062a38277f4e684bd0f4"
    )


def test_the_window_budget_follows_the_context_and_the_prompt() -> None:
    small, large = (Summarizer(Settings(context_tokens=n)) for n in (4096, 8192))
    assert large.window_tokens - small.window_tokens == 4096
    longer_answers = Summarizer(Settings(context_tokens=8192, max_output_tokens=3072))
    assert large.window_tokens - longer_answers.window_tokens == 1536
    prompt = "".join(str(m["content"]) for m in large.prompt.render(Document("", "", "")))
    assert large.window_tokens < 8192 - 1536 - len(prompt) / 4.6


def test_a_long_document_is_keyed_by_its_windows() -> None:
    text = " ".join(TEXTS[i % len(TEXTS)] for i in range(6))
    document = Document(id="long", source="long.txt", text=text)
    narrow = Summarizer(Settings(context_tokens=3072))
    wide = Summarizer(Settings(context_tokens=4096))
    assert len(narrow.windows(document)) > len(wide.windows(document)) > 1
    assert narrow.request_key(document).key != wide.request_key(document).key
    assert '"windows":' in narrow.request_key(document).params


def test_a_window_is_a_document_of_its_own() -> None:
    document = Document(id="d", source="d.txt", text="One. Two. Three.", title="T")
    window = window_document(document, Window(5, 16), 2, 3)
    assert (window.text, window.title, window.id) == ("Two. Three.", "T", "d#window-2-of-3")
    assert "window 2 of 3" in window.source


# ---- merging ----------------------------------------------------------------------------


def fact(fact_id: str, start: int, end: int, quote: str, support: str = "supported") -> Fact:
    return Fact(
        id=fact_id,
        type=FactType.EVENT,
        statement=f"statement of {quote}",
        attribution=Attribution(kind=AttributionKind.OUTLET),
        evidence=Evidence(
            quote=quote,
            start=start,
            end=end,
            status=GroundingStatus.EXACT,
            score=1.0,
            support=SupportVerdict(support),
        ),
    )


TEXT = "Alpha rose. Beta fell. Gamma held. Delta won."


def test_facts_get_offsets_into_the_whole_text() -> None:
    first, second = Window(0, 22), Window(12, len(TEXT))
    merged = merge_facts(
        [(first, [fact("f1", 0, 11, "Alpha rose.")]), (second, [fact("f1", 23, 33, "Delta won.")])]
    )
    assert [f.id for f in merged] == ["f1", "f2"]
    for item in merged:
        assert TEXT[item.evidence.start : item.evidence.end] == item.evidence.quote


def test_a_fact_read_twice_in_an_overlap_is_kept_once_the_better_supported() -> None:
    first, second = Window(0, 34), Window(12, len(TEXT))
    in_first = fact("f1", 12, 22, "Beta fell.", "partial")
    in_second = fact("f1", 0, 10, "Beta fell.", "supported")
    merged = merge_facts([(first, [in_first]), (second, [in_second])])
    assert len(merged) == 1
    assert merged[0].evidence.support == SupportVerdict.SUPPORTED
    assert (merged[0].evidence.start, merged[0].evidence.end) == (12, 22)


def test_two_facts_of_one_window_on_one_sentence_are_kept_once() -> None:
    """No two facts share an evidence sentence (issue 24), from one window or two."""
    one_sentence = [fact("f1", 0, 11, "Alpha rose."), fact("f2", 0, 11, "Alpha rose.")]
    one_sentence[1] = one_sentence[1].model_copy(update={"statement": "Alpha went up."})
    assert len(merge_facts([(Window(0, len(TEXT)), one_sentence)])) == 1


def test_the_same_statement_twice_is_kept_once() -> None:
    twice = [fact("f1", 0, 11, "Alpha rose."), fact("f2", 12, 22, "Alpha rose.")]
    assert len(merge_facts([(Window(0, len(TEXT)), twice)])) == 1


def test_unlocated_facts_come_last_and_pages_are_placed() -> None:
    unlocated = fact("f1", 0, 0, "Nowhere.").model_copy(
        update={"evidence": Evidence(quote="Nowhere.", start=None, end=None, status="ungrounded")}
    )
    layout = Layout(kind="page", starts=(0, 23))
    merged = merge_facts(
        [(Window(12, len(TEXT)), [unlocated, fact("f2", 11, 21, "Delta won.")])], layout
    )
    assert [f.evidence.quote for f in merged] == ["Delta won.", "Nowhere."]
    assert merged[0].evidence.page == 2


def test_entities_are_counted_in_the_whole_text() -> None:
    text = "Mayor Dana Ortiz spoke. " * 3 + "Ortiz left."
    found = [
        [Entity(name="Dana Ortiz", type=EntityType.PERSON, mentions=1)],
        [Entity(name="dana ortiz", type=EntityType.PERSON, mentions=2)],
    ]
    merged = merge_entities(found, text)
    assert len(merged) == 1
    assert (merged[0].mentions, merged[0].role) == (4, "Mayor")


def test_notes_that_do_not_fit_are_thinned_evenly() -> None:
    notes = [f"Note {n} about the part {n} of the article." for n in range(64)]
    kept = fit_notes(notes, 100)
    assert estimate_tokens("\n".join(kept)) <= 100
    assert kept[0] == notes[0] and len(kept) > 1
    assert fit_notes(notes[:3], 10_000) == notes[:3]
