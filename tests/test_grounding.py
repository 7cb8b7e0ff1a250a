from __future__ import annotations

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from summarizer.evidence.grounding import (
    DEFAULT_GROUNDING,
    GroundingCheck,
    GroundingPolicy,
    Locator,
    locate_all,
    normalize,
    report,
)
from summarizer.extraction.models import Evidence, Extraction, GroundingStatus, SupportVerdict
from summarizer.testing import ARTICLES, SHARED

EXACT, NORMALIZED, UNGROUNDED = (
    GroundingStatus.EXACT,
    GroundingStatus.NORMALIZED,
    GroundingStatus.UNGROUNDED,
)


def assert_span_holds(text: str, evidence: Evidence) -> None:
    """The contract: the span is the quote, verbatim or under normalization."""
    assert evidence.start is not None and evidence.end is not None
    span = text[evidence.start : evidence.end]
    if evidence.status == EXACT:
        assert span in evidence.quote
    else:
        assert normalize(evidence.quote).text.strip(".,;:") == normalize(span).text.strip(".,;:")


@pytest.mark.parametrize(
    ("text", "quote", "status", "span"),
    [
        ("The mayor resigned on Monday.", "mayor resigned", EXACT, "mayor resigned"),
        (
            "The mayor resigned on Monday.",
            '"The mayor resigned on Monday."',
            EXACT,
            "The mayor resigned on Monday",
        ),
        ("The Mayor RESIGNED.", "the mayor resigned", NORMALIZED, "The Mayor RESIGNED"),
        (
            "He said “it’s over” — twice.",
            'He said "it\'s over" - twice',
            NORMALIZED,
            "He said “it’s over” — twice",
        ),
        (
            "Paul Merson 's team won .",
            "Paul Merson's team won.",
            NORMALIZED,
            "Paul Merson 's team won",
        ),
        ("U . S . forces left", "U.S. forces left", NORMALIZED, "U . S . forces left"),
        (
            "the talks\nin Cairo began",
            "the talks in Cairo began",
            NORMALIZED,
            "the talks\nin Cairo began",
        ),
        (
            "accused him of being “too negative.”",
            "accused him of being too negative",
            NORMALIZED,
            "accused him of being “too negative",
        ),
        (
            "Le président a démissionné.",
            "président a démissionné",
            EXACT,
            "président a démissionné",
        ),
        (
            "LE PRÉSIDENT a démissionné.",
            "le président a démissionné",
            NORMALIZED,
            "LE PRÉSIDENT a démissionné",
        ),
        ("东京で会談が行われた。首相が発言した。", "首相が発言した", EXACT, "首相が発言した"),
        (
            "It cost 5\u00a0million dollars",
            "It cost 5 million dollars",
            NORMALIZED,
            "It cost 5\u00a0million dollars",
        ),
        ("Wait\u2026 what", "wait... what", NORMALIZED, "Wait\u2026 what"),
    ],
)
def test_located_cases(text: str, quote: str, status: GroundingStatus, span: str) -> None:
    evidence = Locator(text).locate(quote)
    assert evidence.status == status
    assert evidence.start is not None and evidence.end is not None
    assert text[evidence.start : evidence.end] == span
    assert_span_holds(text, evidence)


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("The mayor resigned on Monday.", "The governor resigned on Monday."),  # paraphrase
        ("The mayor resigned on Monday.", "the mayor stepped down"),
        ("Short.", "A quote much longer than the whole source text itself."),
        ("Anything at all.", ""),
        ("Anything at all.", "   "),
    ],
)
def test_not_found_is_ungrounded(text: str, quote: str) -> None:
    evidence = Locator(text).locate(quote)
    assert (evidence.status, evidence.start, evidence.end) == (UNGROUNDED, None, None)


def test_repeated_phrase_takes_next_unused_occurrence() -> None:
    text = "Talks resumed. Later, talks resumed. Again talks resumed."
    found = locate_all(text, ["talks resumed", "talks resumed", "talks resumed"])
    # Exact occurrences first; once they are used, an unused normalized one ("Talks").
    assert [(e.start, e.status) for e in found] == [(22, EXACT), (43, EXACT), (0, NORMALIZED)]
    found = locate_all(text, ["Later, talks resumed"] * 2)
    assert [e.start for e in found] == [15, 15]  # the only occurrence, reused
    found = locate_all(text, ["Talks resumed", "talks resumed", "TALKS RESUMED"])
    assert [(e.start, e.status) for e in found] == [(0, EXACT), (22, EXACT), (43, NORMALIZED)]


def test_a_sentence_quoted_twice_gives_both_facts_the_whole_sentence() -> None:
    # Tokenized text ends sentences with " .": its trimmed copy is no other occurrence.
    text = "He left . The militants crossed from Pakistan . They fled ."
    quote = "The militants crossed from Pakistan ."
    found = locate_all(text, [quote, quote])
    assert [(e.start, e.end) for e in found] == [(10, 47), (10, 47)]
    assert all(text[e.start : e.end] == quote for e in found)


def test_report_counts_and_rates_over_every_fact() -> None:
    text = "Alpha beta. Gamma delta."
    evidence = locate_all(text, ["Alpha beta", "GAMMA DELTA", "epsilon"])
    evidence[0] = evidence[0].model_copy(update={"support": SupportVerdict.SUPPORTED})
    grounding = report(evidence, reasks=1, dropped=1)
    assert grounding.counts == {EXACT: 1, NORMALIZED: 1, GroundingStatus.FUZZY: 0, UNGROUNDED: 1}
    assert grounding.rate == pytest.approx(0.6667)
    assert grounding.support == {
        SupportVerdict.SUPPORTED: 1,
        SupportVerdict.PARTIAL: 0,
        SupportVerdict.UNSUPPORTED: 2,
    }
    assert grounding.support_rate == pytest.approx(0.3333)
    assert (grounding.reasks, grounding.dropped) == (1, 1)
    assert report([]).rate == 0.0 and report([]).support_rate == 0.0


def _extraction(*facts: tuple[str, str]) -> Extraction:
    return Extraction.model_validate(
        {
            "headline": "h",
            "summary": ["s"],
            "facts": [{"quote": q, "statement": s} for q, s in facts],
        }
    )


TALKS = (
    "Talks resumed in Doha on Friday after a week-long pause. Alexander was handed over to "
    "the Red Cross in Khan Younis on Monday."
)


def test_the_re_ask_names_quotes_not_found_and_then_lets_the_answer_through() -> None:
    check = GroundingCheck(TALKS, reasks_left=1)
    answer = _extraction(
        ("Talks resumed in Doha on Friday", "Talks resumed in Doha."),
        ("Negotiators walked out of the talks", "Negotiators walked out."),
        ("Alexander was handed over to the Red Cross", "Hostage talks reflect high-stakes chess."),
    )
    complaint = check.complaint(answer)
    assert complaint is not None
    assert "facts[1].quote 'Negotiators walked out of the talks'" in complaint
    # A statement its quote does not support is named whenever quotes are re-asked for.
    assert "facts[2].statement 'Hostage talks reflect high-stakes chess.'" in complaint
    assert "facts[0]" not in complaint
    assert (check.reasks_used, check.reasks_left) == (1, 0)
    assert check.complaint(answer) is None  # budget spent: kept and flagged, not dropped


def test_an_unsupported_statement_alone_re_asks_only_when_asked_to() -> None:
    answer = _extraction(
        ("Talks resumed in Doha on Friday", "Talks resumed in Cairo on Friday."),
        ("Alexander was handed over to the Red Cross", "Alexander was handed over."),
        ("Alexander was handed over to the Red Cross", "He was handed to the Red Cross."),
    )
    assert GroundingCheck(TALKS).complaint(answer) is None
    strict = GroundingCheck(TALKS, reask_unsupported=True)
    complaint = strict.complaint(answer)
    assert (
        complaint is not None and "(Cairo)" in complaint and "quotes do not appear" not in complaint
    )


def test_seed_article_quote_with_typographic_marks_dropped_by_the_model() -> None:
    text = (ARTICLES / "002_f8c6bddbe5b99dbe.txt").read_text(encoding="utf-8")
    quote = (
        "Trump called Netanyahu to share what he described as a major breakthrough - "
        "Hamas's readiness to discuss the release of all Israeli captives"
    )
    evidence = Locator(text).locate(quote)
    assert evidence.status == NORMALIZED
    assert evidence.start is not None and evidence.end is not None
    assert text[evidence.start : evidence.end].startswith("Trump called Netanyahu to share")
    assert "“a major breakthrough” — Hamas’s" in text[evidence.start : evidence.end]


@pytest.mark.skipif(not (SHARED / "eval" / "summeval_dev.jsonl").is_file(), reason="no eval data")
def test_summeval_tokenized_text() -> None:
    line = (SHARED / "eval" / "summeval_dev.jsonl").read_text(encoding="utf-8").splitlines()[0]
    text = json.loads(line)["text"]
    # Take a tokenized stretch of the source and write it the way a model would: detokenized.
    words = text.split()[20:32]
    quote = " ".join(words).replace(" ,", ",").replace(" .", ".").replace(" 's", "'s")
    evidence = Locator(text).locate(quote)
    assert evidence.status in (EXACT, NORMALIZED)
    assert_span_holds(text, evidence)


TEXT_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))


@settings(max_examples=200, deadline=None)
@given(st.text(TEXT_ALPHABET, min_size=1, max_size=300), st.data())
def test_any_substring_is_found_exactly(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    evidence = Locator(text).locate(quote)
    assert evidence.status == EXACT
    assert evidence.start is not None and evidence.end is not None
    assert text[evidence.start : evidence.end] in quote


WORDS = st.lists(
    st.sampled_from(["talks", "Cairo", "hostages", "48", "said", "Trump's", "“deal”"]),
    min_size=3,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(WORDS, st.data())
def test_restyled_quote_is_found_normalized(words: list[str], data: st.DataObject) -> None:
    text = "Lead-in: " + " ".join(words) + " (end)"
    picked = words[data.draw(st.integers(0, len(words) - 2)) :]
    quote = "\n".join(
        w.upper().replace("“", '"').replace("”", '"').replace("'", "’") for w in picked
    )
    evidence = Locator(text).locate(quote)
    assert evidence.status in (EXACT, NORMALIZED)
    assert_span_holds(text, evidence)


FUZZY = GroundingStatus.FUZZY
SENTENCE = (
    "Hamas has toughened its demands and announced it will no longer consider interim deals. "
    "The group insists on a “comprehensive deal” that includes a permanent ceasefire and "
    "release of Palestinian prisoners. Israel has rejected those terms."
)


@pytest.mark.parametrize(
    ("quote", "expected_start"),
    [
        # a word substituted at the start
        (
            "Hamas insists on a comprehensive deal that includes a permanent ceasefire and release of Palestinian prisoners",
            "insists on a “comprehensive deal”",
        ),
        # a word dropped in the middle
        (
            "and announced it will no longer consider deals, the group insists",
            "and announced it will no longer consider",
        ),
        # two parts joined by an ellipsis
        (
            "Hamas has toughened its demands ... insists on a comprehensive deal",
            "Hamas has toughened",
        ),
        (
            "Hamas has toughened its demands… release of Palestinian prisoners",
            "Hamas has toughened",
        ),
        # two sentences run together without the text between them
        (
            "Hamas has toughened its demands and announced it will no longer consider interim deals. Israel has rejected those terms.",
            "Hamas has toughened",
        ),
    ],
)
def test_fuzzy_matches_carry_score_and_covering_span(quote: str, expected_start: str) -> None:
    evidence = Locator(SENTENCE).locate(quote)
    assert evidence.status == FUZZY, evidence
    assert evidence.start is not None and evidence.end is not None and evidence.score is not None
    assert SENTENCE[evidence.start :].startswith(expected_start)
    assert 0.85 <= evidence.score <= 1.0  # parts found verbatim score 1 but stay fuzzy


@pytest.mark.parametrize(
    "quote",
    [
        "Hamas rejected a permanent ceasefire and wants interim deals with Israel",  # contradicts
        "The militant group wants a broad agreement ending the war and freeing prisoners",  # paraphrase
        "Israel has accepted those terms",  # short: must match exactly or normalized
        "release of Palestinian prisoners ... and Gaza reconstruction funds",  # one part invented
        "no longer consider",  # too short to go fuzzy, and it is exact anyway
    ],
)
def test_near_misses_are_not_passed_off_as_evidence(quote: str) -> None:
    evidence = Locator(SENTENCE).locate(quote)
    if quote == "no longer consider":
        assert evidence.status == EXACT
    else:
        assert evidence.status == UNGROUNDED, evidence


def test_a_policy_sets_the_thresholds_and_a_check_re_locates_afresh() -> None:
    quote = "Hamas insists on a comprehensive deal that includes a permanent ceasefire and release of Palestinian prisoners"
    assert Locator(SENTENCE).locate(quote).status == FUZZY
    strict = GroundingPolicy(fuzzy_min_score=99.0)
    assert Locator(SENTENCE, strict).locate(quote).status == UNGROUNDED
    assert locate_all(SENTENCE, [quote], strict)[0].status == UNGROUNDED
    check = GroundingCheck(SENTENCE, policy=strict)
    assert check.locate_all([quote])[0].status == UNGROUNDED
    # Each call is a new answer: the same quote takes the same first occurrence again.
    again = check.locate_all(["Israel has rejected those terms"] * 2)
    assert again == check.locate_all(["Israel has rejected those terms"] * 2)
    assert check.locator.normalized is check.locator.normalized


def test_exact_and_normalized_score_one_ungrounded_none() -> None:
    found = locate_all(
        SENTENCE, ["Israel has rejected those terms", "ISRAEL HAS REJECTED", "nothing like it"]
    )
    assert [e.score for e in found] == [1.0, 1.0, None]


def test_dropped_word_span_covers_the_whole_passage() -> None:
    text = "In a significant development impacting Middle East diplomacy, former U.S. President"
    evidence = Locator(text).locate("In a significant impacting Middle East diplomacy")
    assert evidence.status == FUZZY
    assert evidence.start is not None and evidence.end is not None
    assert (
        text[evidence.start : evidence.end]
        == "In a significant development impacting Middle East diplomacy"
    )


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_every_fuzzy_span_is_similar_to_its_quote(data: st.DataObject) -> None:
    from rapidfuzz import fuzz

    text = (ARTICLES / "001_b9058b3b0d63c9a3.txt").read_text(encoding="utf-8")
    words = text.split()
    start = data.draw(st.integers(0, len(words) - 20))
    picked = words[start : start + data.draw(st.integers(12, 24))]
    drop = data.draw(st.integers(1, len(picked) - 2))
    quote = " ".join(picked[:drop] + picked[drop + 1 :])
    assume(
        len(normalize(quote).text) >= DEFAULT_GROUNDING.fuzzy_min_chars
    )  # shorter ones must match exactly
    evidence = Locator(text).locate(quote)
    assert evidence.status != UNGROUNDED
    assert evidence.start is not None and evidence.end is not None
    span = normalize(text[evidence.start : evidence.end]).text
    needle = normalize(quote).text.strip(".,;:")
    if evidence.status == FUZZY:
        assert fuzz.ratio(span, needle) >= 85
    else:
        assert_span_holds(text, evidence)


_TRICKY = "aZ \t\n\u00a0\u2026\u2014\u2013'\"“”‘’\u00ad\u200bÉßİΣς.,-\U0001f600\u3000"


@given(st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(), max_size=60))
@settings(max_examples=400, deadline=None)
def test_fast_normalization_equals_the_character_by_character_one(text: str) -> None:
    from summarizer.evidence.grounding import _normalize_each

    assert normalize(text) == _normalize_each(text)
    fast = normalize(text)
    o = fast.origin
    assert fast.word_starts() == [i for i in range(len(o)) if i == 0 or o[i] - o[i - 1] > 1]
    assert fast.word_ends() == [
        i for i in range(1, len(o) + 1) if i == len(o) or o[i] - o[i - 1] > 1
    ]


# ---- scripts other than Latin ---------------------------------------------------------------

SCRIPT_WORDS = {
    "Chinese": ["谈判", "开罗", "停火", "双方", "周三", "举行", "协议", "人质", "释放", "，", "。"],
    "Japanese": ["交渉", "は", "カイロ", "で", "水曜日", "に", "再開", "された", "。", "、"],
    "Cyrillic": ["переговоры", "в", "Каире", "начались", "в", "среду", "заложники", ",", "."],
    "Greek": ["οι", "διαπραγματεύσεις", "στο", "Κάιρο", "άρχισαν", "την", "Τετάρτη", "."],
    "Arabic": ["بدأت", "المحادثات", "في", "القاهرة", "يوم", "الأربعاء", "الرهائن", "."],
}
UNSPACED = {"Chinese", "Japanese"}
QUOTE_TRIM = " \t\r\n\"'.,;:"


def _script_text(script: str, picks: list[int]) -> str:
    words = [SCRIPT_WORDS[script][n % len(SCRIPT_WORDS[script])] for n in picks]
    return ("" if script in UNSPACED else " ").join(words)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(sorted(SCRIPT_WORDS)),
    st.lists(st.integers(0, 50), min_size=6, max_size=40),
    st.data(),
)
def test_a_quote_in_any_script_is_located_at_its_own_offsets(
    script: str, picks: list[int], data: st.DataObject
) -> None:
    prefix = "报道：" if script in UNSPACED else "Report: "
    text = prefix + _script_text(script, picks)
    start = data.draw(st.integers(len(prefix), len(text) - 2))
    end = data.draw(st.integers(start + 1, len(text)))
    quote = text[start:end]
    assume(normalize(quote.strip(QUOTE_TRIM)).text)
    evidence = Locator(text).locate(quote)
    assert evidence.status in (EXACT, NORMALIZED)
    assert evidence.start is not None and evidence.end is not None
    span = text[evidence.start : evidence.end]
    if evidence.status == EXACT:
        assert span in (quote, quote.strip(QUOTE_TRIM))
    else:
        assert normalize(span).text == normalize(quote.strip(QUOTE_TRIM)).text


@pytest.mark.parametrize(
    ("text", "quote", "expected"),
    [
        (
            "新华社电。外交部发言人周三表示，双方将在开罗继续举行停火谈判，以期达成协议。会谈预计持续三天。",
            "双方将在开罗继续进行停火谈判，以期达成协议",  # one character changed
            "双方将在开罗继续举行停火谈判，以期达成协议",
        ),
        (
            "東京で会議が開かれた。交渉は水曜日にカイロで再開され、双方は合意を目指している。",
            "交渉は水曜日にカイロで再開され、双方は合意を目指した",
            "交渉は水曜日にカイロで再開され、双方は合意を目指している",
        ),
    ],
    ids=["chinese", "japanese"],
)
def test_a_cjk_quote_with_a_changed_character_is_found_fuzzy_at_the_right_span(
    text: str, quote: str, expected: str
) -> None:
    evidence = Locator(text).locate(quote)
    assert evidence.status == GroundingStatus.FUZZY
    assert evidence.score is not None and evidence.score >= 0.85
    assert evidence.start is not None and evidence.end is not None
    assert text[evidence.start : evidence.end] == expected


def test_a_short_cjk_quote_that_says_otherwise_stays_ungrounded() -> None:
    text = "外交部发言人表示，谈判已经取得进展，双方接受了新的方案。"
    assert Locator(text).locate("双方拒绝了新的方案").status == UNGROUNDED  # "rejected"
