"""The support check: does a statement follow from its evidence sentence?"""

from __future__ import annotations

import pytest

from summarizer.evidence.support import SupportPolicy, check_support, nothing_found, support_rate
from summarizer.extraction.models import SupportVerdict

RED_CROSS = (
    "Alexander was handed over to the Red Cross in Khan Younis on Monday afternoon, the army said."
)
CALL = "Trump afterward said the call “went very well” and that talks would go on."


def test_the_digest_cases_that_grounding_let_through_are_unsupported() -> None:
    """Both statements were grounded on real sentences; neither follows from its sentence."""
    chess = check_support(
        "Hostage talks reflect high-stakes chess between negotiation and force", RED_CROSS
    )
    assert chess.verdict == SupportVerdict.UNSUPPORTED
    assert {"talks", "chess", "negotiation", "force"} <= set(chess.missing)

    call = check_support(
        "Trump calls Netanyahu to discuss the release of all Israeli captives", CALL
    )
    assert call.verdict == SupportVerdict.UNSUPPORTED
    assert "Netanyahu" in call.missing and "Israeli" in call.missing
    assert "Trump" not in call.missing and "calls" not in call.missing  # "call", stemmed


def test_a_changed_number_is_unsupported_however_many_words_match() -> None:
    evidence = "At least 13 people were killed when the building collapsed in Lagos on Tuesday."
    changed = check_support("12 people were killed when the building collapsed in Lagos", evidence)
    assert changed.verdict == SupportVerdict.UNSUPPORTED
    assert changed.missing == ["12"]
    assert changed.coverage > 0.8  # every other word is there
    same = check_support("13 people were killed when a building collapsed in Lagos", evidence)
    assert same.verdict == SupportVerdict.SUPPORTED and same.missing == []


@pytest.mark.parametrize(
    ("statement", "evidence"),
    [
        # Numbers written otherwise: thousands separators, words for digits.
        ("The bridge carries 12000 cars a day.", "The bridge carries about 12,000 cars a day."),
        ("Two Bentleys were among the gifts.", "The gifts included 2 Bentleys and a Ferrari."),
        # Stems: "captives" / "captive", "released" / "release".
        ("Hamas released the captives.", "Hamas agreed to release every captive it holds."),
        # A possessive and tokenization spaces ("Sterling 's", "did n't").
        ("Sterling's wife sued Stiviano.", "Sterling 's wife sued Stiviano last year ."),
        # A name as another form of itself.
        ("Israeli negotiators arrived in Doha.", "Negotiators from Israel arrived in Doha."),
        # A negation written another way.
        ("The jets have not met any UFOs.", "His jets had, to date, never met any UFOs."),
    ],
)
def test_the_same_fact_written_otherwise_is_supported(statement: str, evidence: str) -> None:
    assert check_support(statement, evidence).verdict == SupportVerdict.SUPPORTED


def test_a_negation_the_source_does_not_make_is_unsupported() -> None:
    support = check_support(
        "The council did not approve the budget.", "The council approved the budget on Monday."
    )
    assert support.verdict == SupportVerdict.UNSUPPORTED
    assert support.missing == ["not"]


def test_a_name_missing_from_the_evidence_is_unsupported_even_at_the_start() -> None:
    evidence = "The minister said the jets had never met a UFO."
    assert check_support("Nakatani said the jets never met a UFO.", evidence).missing == [
        "Nakatani"
    ]
    # A common word that opens the statement capitalized is not taken for a name.
    rescue = check_support(
        "Rescue crews quickly put out the fire in the old mill.",
        "Crews quickly put out the fire in the old mill on Monday.",
    )
    assert rescue.verdict == SupportVerdict.SUPPORTED


def test_partial_when_names_and_numbers_stand_but_some_words_do_not() -> None:
    support = check_support(
        "Two guests were found dead on the cruise ship.",
        "Holland America Line said two guests were found dead inside their stateroom.",
    )
    assert support.verdict == SupportVerdict.PARTIAL
    assert support.missing == ["cruise", "ship"]
    assert support.coverage == pytest.approx(4 / 6, abs=1e-3)  # two, guests, found, dead


def test_the_policy_sets_the_shares() -> None:
    statement, evidence = "Two guests were found dead on the cruise ship.", "Two guests found dead."
    lenient = SupportPolicy(supported=0.5, partial=0.3)
    assert check_support(statement, evidence).verdict == SupportVerdict.PARTIAL
    assert check_support(statement, evidence, lenient).verdict == SupportVerdict.SUPPORTED


def test_a_statement_without_content_or_evidence_is_unsupported() -> None:
    assert check_support("It is.", "It is what it is.").verdict == SupportVerdict.UNSUPPORTED
    lost = nothing_found("Varvara swam 14,000 miles.")
    assert lost.verdict == SupportVerdict.UNSUPPORTED
    assert lost.missing == ["Varvara", "swam", "14,000", "miles"]


def test_support_rate_is_the_share_supported() -> None:
    verdicts = [SupportVerdict.SUPPORTED, SupportVerdict.PARTIAL, SupportVerdict.SUPPORTED]
    assert support_rate(verdicts) == pytest.approx(0.6667)
    assert support_rate([]) == 0.0


def test_a_name_the_sentence_before_gives_caps_the_verdict_at_partial() -> None:
    """ "He reportedly converted" after a sentence naming Inoki: the statement resolved the
    reference, which the evidence sentence alone does not show."""
    statement = "Inoki reportedly converted to Islam in the 1990s."
    evidence = "He reportedly converted to Islam in the 1990s."
    assert check_support(statement, evidence).verdict == SupportVerdict.UNSUPPORTED
    context = "Antonio Inoki, a former wrestler, asked the question in parliament."
    resolved = check_support(statement, evidence, context=context)
    assert resolved.verdict == SupportVerdict.PARTIAL and resolved.missing == ["Inoki"]
    # A number is never taken from the context.
    numbers = check_support("He converted in 1995.", "He converted then.", context="In 1995 ...")
    assert numbers.verdict == SupportVerdict.UNSUPPORTED


def test_statements_in_scripts_without_spaces_are_checked_by_character_pairs() -> None:
    evidence = "外交部发言人周三表示，双方将在开罗继续举行停火谈判，预计持续三天。"
    assert check_support("双方将在开罗继续停火谈判", evidence).verdict == SupportVerdict.SUPPORTED
    moved = check_support("双方将在多哈继续停火谈判", evidence)  # Doha, not Cairo
    assert moved.verdict != SupportVerdict.SUPPORTED and "多哈" in moved.missing
    assert check_support("谈判持续5天", "谈判持续3天。").verdict == SupportVerdict.UNSUPPORTED


def test_statements_in_other_alphabets_are_checked_word_by_word() -> None:
    evidence = "Представитель министерства заявил, что переговоры в Каире продолжатся в среду."
    assert check_support("Переговоры в Каире продолжатся", evidence).verdict == (
        SupportVerdict.SUPPORTED
    )
    assert check_support("Переговоры в Москве продолжатся", evidence).missing == ["Москве"]
