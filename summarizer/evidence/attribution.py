"""Whose word a fact rests on: a named source, an anonymous one, or the outlet's own voice.

Read off the sentence the fact's quote stands in, not asked of the model: the 1.5B model
labelled "Sources close to both leaders confirm ..." as named, and named 15 of 18 example
facts, the outlet's own voice none.

- A verb of saying or sourcing ("said", "admitted", "told", "believes", "countered",
  "according to") with its speaker gives `named` and the speaker: a person, a body or an
  outlet cited ("According to Axios" gives Axios), or a speaker described but named by
  role ("her lawyer told ...", "prosecutors said"). "He said" is the speaker of the
  sentence before, or the person it names.
- Sources, officials without a name, "reportedly", "is thought to", "a woman who cannot be
  named" give `anonymous`.
- Only a sentence with neither is the outlet's own voice.

Where a sentence has several, the attribution that closes it (", prosecutors said.") governs
it; otherwise the first: "Sources suggest Trump emphasized ..." is anonymous, "He reportedly
converted to Islam, although he says ..." too. "Told" names its speaker, never the one told
("her lawyer told CNN affiliate KABC" is the lawyer's word). A verb attributes nothing when
passive ("accused of"), negated ("has n't revealed"), in a condition ("if Hamas thinks"), or
when the statement is made of the words before it ("X has won ... but revealed that ...").

A sentence inside a quotation that runs over several sentences is the quotation's speaker's,
named next to it ("'...,' Allen said. '... These things happen.'"): `quotations`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.evidence.names import is_demonym
from summarizer.extraction.models import Attribution, AttributionKind
from summarizer.inputs.text import content_stems, sentences

_VERBS = (
    "said", "says", "say", "told", "tells", "tell", "stated", "states", "announced",
    "announces", "declared", "declares", "insisted", "insists", "warned", "warns", "added",
    "adds", "wrote", "writes", "tweeted", "confirmed", "confirms", "confirm",
    "claimed", "claims", "argued", "argues", "noted", "notes", "stressed", "stresses",
    "stress", "reported", "reports", "revealed", "reveals", "reveal", "explained",
    "explains", "acknowledged", "acknowledges", "admitted", "admits", "admit", "denied",
    "denies", "deny", "alleged", "alleges", "maintained", "maintains", "maintain",
    "underscored", "emphasized", "emphasised", "believes", "believe", "believed", "thinks",
    "countered", "conceded", "concedes", "predicted", "predicts", "urged", "urges",
    "condemned", "condemns", "vowed", "vows", "pledged", "promised", "accused", "accuses",
    "described", "describes", "commented", "suggested", "suggests", "suggest", "testified",
    "recalled", "recalls", "asked", "replied", "responded", "continued", "downplayed",
    "demanded", "demands", "made it clear", "made clear", "is confident", "was confident",
    "is convinced", "was convinced", "is adamant", "was adamant", "remains confident",
    "found", "finds", "shows", "showed", "concluded", "concludes", "makes it clear",
    "saying", "adding", "noting", "insisting", "claiming", "arguing", "warning", "calling",
    "emphasizing", "emphasising", "describing", "explaining", "stressing", "telling",
)  # fmt: skip
_VERB = re.compile(
    r"\b(?:" + "|".join(sorted(map(re.escape, _VERBS), key=len, reverse=True)) + r")\b"
)
# Verbs that stand before their speaker after a quotation or a comma (", said Mark Wright").
_INVERTIBLE = {"said", "says", "added", "adds", "wrote", "explained", "continued", "asked", "noted"}
# Verbs whose object (the one told) is never the speaker.
_TO_SOMEONE = {"told", "tells", "tell", "telling", "asked"}
_PARTICIPLES = {v for v in _VERBS if v.endswith("ing")}
# Verbs that source a finding only with a study or its like as subject: "a study has found"
# ("officers found two skid marks" is not a source).
_FINDING = {"found", "finds", "shows", "showed", "concluded", "concludes"}
_STUDIES = {
    "study", "studies", "research", "survey", "report", "poll", "analysis", "review",
    "investigation", "inquiry", "researchers", "scientists", "experts", "data", "figures",
    "tests", "trial", "paper", "audit",
}  # fmt: skip
# A speaker whose name the article withholds: "The driver, who has not been identified, said".
_UNNAMED = re.compile(
    r"\b(?:(?:has|have|had|was|were|is|are) not been (?:named|identified)|unnamed|"
    r"unidentified|(?:can ?not|cannot|could not|can't) be (?:named|identified)|anonymity|"
    r"not to be (?:named|identified))\b",
    re.IGNORECASE,
)
_NEGATIONS = {"not", "n't", "never", "no"}
_ACCORDING = re.compile(r"\b[Aa]ccording to\s+")
# Unnamed sources, and the hedges that say the outlet has it from someone it does not name.
_ANONYMOUS = re.compile(
    r"\b(?:sources?|insiders?|officials|an? (?:senior |top |former |government |unnamed )?"
    r"(?:official|aide|diplomat|source|person|insider|spokes(?:man|woman|person))|"
    r"(?:one|another|two|three|several) (?:[A-Z]\w+ )?(?:official|diplomat|source)s?|"
    r"people (?:familiar|close|briefed)|"
    r"reportedly|reports (?:say|said|suggest|indicate|reveal|claim|have surfaced)|"
    r"according to reports|it (?:is|was) (?:understood|reported|believed|thought|said)|"
    r"(?:is|are|was|were) (?:thought|believed|understood|said|rumou?red) to|"
    r"on condition of anonymity|(?:asked|spoke) not to be (?:named|identified)|"
    r"(?:can ?not|could ?not|can't|cannot) be (?:named|identified)|"
    r"rumou?r(?:s|ed)?)\b",
    re.IGNORECASE,
)
_NAME_WORD = r"(?:[A-Z][\w’'.&-]*|&)"
_NAME = re.compile(
    rf"{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|of|for|de|del|da|van|von|al|al-|bin|the|and|'s(?=\s+[A-Z]))"
    rf"(?=\s|$))*"
    rf"(?:\s+{_NAME_WORD})?"
)
# Capitalized words that open a sentence or a clause without naming anyone.
_NOT_A_SOURCE = {
    "The", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "I", "In", "On",
    "But", "And", "However", "Meanwhile", "Still", "Yet", "As", "If", "When", "While", "A",
    "An", "His", "Her", "Their", "Its", "Our", "My", "For", "After", "Before", "At", "By",
    "With", "Scroll", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    "Sunday", "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December", "Mr", "Mrs", "Ms", "Mr.", "Mrs.", "Ms.",
}  # fmt: skip
_PRONOUNS = {"he", "she", "they", "we", "i", "it"}
_DETERMINERS = {"the", "a", "an", "his", "her", "their", "its", "our", "my", "this", "that"}
# Words between a speaker and the verb ("Pellegrini has admitted", "SpaceX has also said").
_AUXILIARIES = {
    "has", "have", "had", "also", "later", "previously", "repeatedly", "afterward",
    "afterwards", "then", "again", "once", "will", "would", "is", "was", "publicly", "openly",
    "now", "still", "himself", "herself", "themselves", "itself", "has since", "since",
    "both", "all", "never", "not", "reportedly",
}  # fmt: skip
# Where the words before a verb stop being its subject.
_BOUNDARY = re.compile(
    r"(?:[,;:()“”\"]|``|''|\s'\s|^'|\s[-–—]\s|\b(?:that|and|but|while|as|because|after|"
    r"before|although|though|when|whereas|which|whom|if|so|than)\b)",
    re.IGNORECASE,
)
# An aside between commas before the verb: ", however," or ", who cannot be named,".
_ASIDE = re.compile(
    r",\s*(?:however|meanwhile|though|too|also|in turn|in a statement|for (?:his|her|their|its) "
    r"part|who [^,]{1,80}|which [^,]{1,80}|including [^,]{1,80}|the [^,]{1,60}|an? [^,]{1,60}|"
    r"\d+)\s*,\s*$"
)
_MAX_SUBJECT_WORDS = 8
_COMMON_WORD_ZIPF = 4.0
# What may follow a verb that closes its sentence (", prosecutors said in a statement.").
_CLOSING = re.compile(
    r"^\s*(?:(?:in|on|at|to|during|from|via|through|with|after|before|last|this|earlier|"
    r"later|yesterday|today|tonight|when|while|as)\b[^,;:]{0,60}?)?\s*[.!?]*\s*(?:''|'|”|\")?\s*$"
)
_QUOTE_END = re.compile(r"(?:''|”|\"|’|\s')\s*,?\s*$")
_PREPOSITIONS = {"of", "in", "on", "to", "for", "with", "by", "from", "about", "at", "into"}
_CONDITIONAL = {"if", "whether", "unless"}


@dataclass(frozen=True)
class _Found:
    """One attribution a sentence makes, and where it stands."""

    position: int
    attribution: Attribution
    closing: bool  # it ends the sentence (", prosecutors said."): it governs the whole of it
    end: int = 0  # where the words it attributes begin, when they follow it ("said that ...")


def attribute(
    sentence: str,
    known_names: Sequence[str] = (),
    places: Sequence[str] = (),
    before: str = "",
    statement: str = "",
) -> Attribution:
    """The attribution of what `sentence` states. `known_names` are the article's people and
    organizations as the model listed them, `places` names that never speak ("As talks begin
    in Cairo, reports reveal ..."), `before` the sentence before it, which says who "he" is
    ("Mate said ..." before "... he said in the release"). With the `statement` made of the
    sentence, a speaker whose words follow the verb ("... but revealed that ...") is not the
    source of a statement made of the words before it ("Cambiasso has won all the major
    European competitions")."""
    found = _attributions(sentence, known_names, set(places), before)
    if statement:
        found = [f for f in found if f.closing or not _about_what_precedes(sentence, f, statement)]
    if not found:
        return Attribution(kind=AttributionKind.OUTLET)
    closing = [f for f in found if f.closing]
    chosen = closing[-1] if closing else min(found, key=lambda f: f.position)
    return chosen.attribution


def _about_what_precedes(sentence: str, found: _Found, statement: str) -> bool:
    """Whether the statement is made of the words before a verb that reports a clause
    ("... but revealed that ..."), not of that clause."""
    if not found.end or not re.match(r"\s+(?:that|whether|how|why)\b", sentence[found.end :]):
        return False
    ours = set(content_stems(statement))
    before = ours & set(content_stems(sentence[: found.position]))
    after = ours & set(content_stems(sentence[found.end :]))
    return len(before) > len(after)


def _attributions(
    sentence: str, known: Sequence[str], places: set[str], before: str
) -> list[_Found]:
    found: list[_Found] = []
    for match in _ANONYMOUS.finditer(sentence):
        if not _names_follow(sentence, match):
            anonymous = Attribution(kind=AttributionKind.ANONYMOUS)
            found.append(_Found(match.start(), anonymous, False))
    for match in _ACCORDING.finditer(sentence):
        rest = sentence[match.end() :]
        phrase = re.split(r"\s*[,;:.!?]\s|\s*[,;:]|\s+(?:that|who|which)\s", rest)[0]
        source = _according_to(phrase, known, places)
        if source is not None:
            closing = bool(_CLOSING.match(rest[len(phrase) :]))
            found.append(_Found(match.start(), source, closing, match.end() + len(phrase)))
    said: list[_Found] = []
    for match in _VERB.finditer(sentence):
        speaker = _speaker(sentence, match, known, places, before)
        if speaker is not None:
            attribution, closing, start = speaker
            if start == match.start() and said:  # "Dirar has revealed ... but thinks ..."
                attribution = said[-1].attribution
            said.append(_Found(start, attribution, closing, match.end()))
    return found + said


def _names_follow(sentence: str, match: re.Match[str]) -> bool:
    """'a spokesman' or 'officials' followed by the name: "Coast Guard official Filippo
    Marini said" is named."""
    after = sentence[match.end() :]
    following = re.match(r"\s+(?:for|of|with)?\s*([A-Z][\w’'.-]+(?:\s+[A-Z][\w’'.-]+)+)", after)
    word = match.group().lower()
    return bool(following) and ("spokes" in word or "official" in word)


def _speaker(
    sentence: str, verb: re.Match[str], known: Sequence[str], places: set[str], before: str
) -> tuple[Attribution, bool, int] | None:
    """The speaker of one verb of saying, whether the verb closes the sentence (what follows
    it is a time, a place or nothing) or a quotation ("'' he said"), and where the speaker
    stands. None where the verb attributes nothing: passive ("was told", "accused of"),
    negated ("has n't revealed"), in a condition ("if Hamas thinks"), a finding without a
    study ("officers found")."""
    head = sentence[: verb.start()]
    tail = sentence[verb.end() :]
    word = verb.group()
    if re.search(r"\b(?:is|are|was|were|been|be|being)\s+$", head) or (
        word in {"accused", "alleged", "suspected"} and re.match(r"\s+(?:of|to)\b", tail)
    ):
        return None
    if word in _INVERTIBLE and (_QUOTE_END.search(head) or re.search(r",\s*$", head)):
        inverted = re.match(
            r"\s+((?:\S+\s+){0,5}?\S+?)\s*(?=[,.;:!?]|\s+(?:in|on|at|during|after|before|who|"
            r"told|to)\b|$)",
            tail,
        )
        if inverted:
            attribution = _classify(inverted.group(1), known, places, before, head)
            if attribution is not None:
                closing = bool(_CLOSING.match(tail[inverted.end() :]))
                return attribution, closing, verb.start()
    if word in _PARTICIPLES:
        # "..., emphasizing that": said by the clause's subject.
        if not head.rstrip().endswith(","):
            return None
        attribution = _nearest_name(head, known, places)
        return (attribution, False, verb.start()) if attribution is not None else None
    subject, boundary, start = _subject(head)
    if subject is None or boundary.strip().lower() in _CONDITIONAL:
        return None
    if word in _FINDING and (not subject or subject.split()[-1].lower() not in _STUDIES):
        return None
    if _UNNAMED.search(head[start:]) or re.search(r"\breportedly\s*$", head):
        # "The driver of the car, who has not been identified, said"; "X reportedly said"
        return Attribution(kind=AttributionKind.ANONYMOUS), False, start
    if not subject:  # "Cambiasso refuses to give up and admits ...": the sentence's subject
        attribution = _nearest_name(head, known, places) or _opening_noun(head)
        start = verb.start()
    else:
        attribution = _classify(subject, known, places, before, head)
        # "..., Dr. Christopher Kuhar, the zoo's executive director told Fox 8": the name
        # the role stands beside.
        beside = re.search(r",\s*([^,]{2,60}?)\s*,\s*$", head[:start])
        if attribution is not None and subject.split()[0].lower() in _DETERMINERS and beside:
            name = _name_in(beside.group(1), known, places)
            if name is not None and _NAME.fullmatch(beside.group(1).strip()):
                attribution = Attribution(kind=AttributionKind.NAMED, source=name)
    if attribution is None:
        return None
    rest = tail
    if word in _TO_SOMEONE:
        rest = re.sub(r"^\s*(?:[\w’'.&-]+\s+){0,5}?(?=[.!?]|$)", "", rest)
        rest = re.sub(r"^\s*(?:[\w’'.&-]+\s*){1,6}$", "", rest)
    after_quote = bool(_QUOTE_END.search(head[:start]))
    closing = after_quote or (bool(_CLOSING.match(rest)) and boundary.strip() == ",")
    return attribution, closing, start


def _subject(head: str) -> tuple[str | None, str, int]:
    """The words just before a verb that can be its subject, back to a comma, a quotation
    mark or a conjunction (asides left out, auxiliaries dropped), that boundary, and where
    the subject starts; None where they cannot be one (too long, negated, or ending in "of",
    "the", "citing")."""
    text = head.rstrip()
    while (aside := _ASIDE.search(text)) is not None:
        text = text[: aside.start()].rstrip()
    if (relative := re.search(r",[^,]{1,80},\s*who\s*$", text)) is not None:
        text = text[
            : relative.start()
        ]  # "Ali Asghar Mirshekari, the deputy governor ..., who said"
    boundaries = list(_BOUNDARY.finditer(text))
    boundary, start = "", len(head) - len(head.lstrip())
    if boundaries:
        boundary, start = boundaries[-1].group(), boundaries[-1].end()
        text = text[start:]
    subject = text.split()
    while subject and subject[-1].lower() in _AUXILIARIES | _NEGATIONS:
        if subject.pop().lower() in _NEGATIONS:
            return None, boundary, start
    if len(subject) > _MAX_SUBJECT_WORDS:
        return None, boundary, start
    if subject and (
        subject[-1].lower() in _DETERMINERS | _PREPOSITIONS or subject[-1].lower().endswith("ing")
    ):
        return None, boundary, start
    start += len(text) - len(text.lstrip())
    return " ".join(subject), boundary, start


def _classify(
    phrase: str, known: Sequence[str], places: set[str], before: str, head: str
) -> Attribution | None:
    """A speaker as written: a pronoun resolved, an unnamed source, a name, or a role."""
    phrase = phrase.strip(" ,.'\"“”`")
    if not phrase:
        return None
    words = phrase.split()
    if len(words) == 1 and words[0].lower() in _PRONOUNS:
        return _resolve(words[0], head, known, places, before)
    if _ANONYMOUS.search(phrase) and not _NAME.search(_without_first(phrase)):
        return Attribution(kind=AttributionKind.ANONYMOUS)
    common = len(words) > 1 and not any(w[:1].isupper() for w in words[1:])
    name = None if common and not _listed_in(phrase, known) else _name_in(phrase, known, places)
    if name is not None:
        return Attribution(kind=AttributionKind.NAMED, source=name)
    while words and words[0].lower() in _DETERMINERS:
        words = words[1:]
    words = [w for w in words if w not in {"'s", "’s"}]
    if not words or not all(w[:1].isalpha() for w in words) or words[-1].lower() in _PRONOUNS:
        return None
    if len(words) > 4 or words[-1].lower() in {"it", "this", "there", "report", "reports"}:
        return None
    return Attribution(kind=AttributionKind.NAMED, source=" ".join(words))


def _listed_in(phrase: str, known: Sequence[str]) -> bool:
    return any(n and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", phrase) for n in known)


def _without_first(phrase: str) -> str:
    return phrase.split(maxsplit=1)[1] if len(phrase.split()) > 1 else ""


def _name_in(phrase: str, known: Sequence[str], places: set[str]) -> str | None:
    """The name a phrase holds (the model's listed name where one contains it or stands
    in it: "Gen Nakatani" in "Defense Minister Gen Nakatani"), its last one if several:
    "the Pakistani newspaper Dawn" is Dawn."""
    listed = [
        (match.end(), len(n), n)
        for n in known
        if n and (match := _last(rf"(?<!\w){re.escape(n)}(?!\w)", phrase)) is not None
    ]
    if listed:  # the last ("Falcao 's former team-mate Nabil Dirar"), the longest there
        return max(listed)[2]
    names = [m.group().strip(" .,") for m in _NAME.finditer(phrase)]
    names = [n for n in names if _a_name(n, places)]
    if not names:
        return None
    name = names[-1]
    return next((n for n in known if n and (name in n or n in name)), name)


def _a_name(name: str, places: set[str]) -> bool:
    first = name.split()[0]
    if first in _NOT_A_SOURCE or name in places or _ANONYMOUS.search(name):
        return False
    return not (len(name.split()) == 1 and is_demonym(name))


def _last(pattern: str, text: str) -> re.Match[str] | None:
    matches = list(re.finditer(pattern, text))
    return matches[-1] if matches else None


def _according_to(phrase: str, known: Sequence[str], places: set[str]) -> Attribution | None:
    """Who "according to ..." cites: "reports" are anonymous; "a release from Oregon State
    University" is the university; "Pakistani media" is what it says."""
    phrase = phrase.strip()
    if not phrase:
        return None
    if _ANONYMOUS.search(phrase) and not _NAME.search(_without_first(phrase)):
        return Attribution(kind=AttributionKind.ANONYMOUS)
    if re.match(r"(?:the\s+)?(?:reports?|sources?|estimates?)\b", phrase, re.IGNORECASE):
        return Attribution(kind=AttributionKind.ANONYMOUS)
    name = _name_in(phrase, known, places)
    if name is not None:
        return Attribution(kind=AttributionKind.NAMED, source=name)
    words = [w for w in phrase.split() if w.lower() not in _DETERMINERS][:4]
    if not words:
        return None
    return Attribution(kind=AttributionKind.NAMED, source=" ".join(words))


def _nearest_name(head: str, known: Sequence[str], places: set[str]) -> Attribution | None:
    """The listed person or body nearest before the verb, else the name that opens the
    sentence ("Cambiasso refuses to give up and admits ...")."""
    positions = [
        (m.start(), n)
        for n in known
        if n
        for form in dict.fromkeys([n, n.split()[-1] if len(n.split()) > 1 else n])
        if len(form) > 2
        for m in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", head)
    ]
    if positions:
        return Attribution(kind=AttributionKind.NAMED, source=max(positions)[1])
    text = re.sub(r"^(?:the|a|an)\s+", "", head.lstrip(), flags=re.IGNORECASE)
    opening = _NAME.match(text)
    if opening is None:
        return None
    name = opening.group().strip(" .,")
    if not _a_name(name, places) or (" " not in name and _common_word(name)):
        return None
    return Attribution(kind=AttributionKind.NAMED, source=name)


def _opening_noun(head: str) -> Attribution | None:
    """The noun a sentence opens with, as its speaker: "A chiropractor in Iowa has
    surrendered his license and admitted ..." (after a caption: "Patient satisfaction :")."""
    opening = re.match(
        r"^(?:[^:]{0,40}:\s*)?(?:[Tt]he|[Aa]n?)\s+((?:[a-z][\w-]*\s+){0,2}?[a-z][\w-]*)\s+"
        r"(?:in|of|from|at|who|,|has|have|had|is|was|will|would)\b",
        head.lstrip(),
    )
    if opening is None or opening.group(1).split()[-1].lower() in _PRONOUNS:
        return None
    return Attribution(kind=AttributionKind.NAMED, source=opening.group(1))


def _common_word(word: str) -> bool:
    """A capitalized word that is common in lower case ("Patient"), not a name ("Varvara")."""
    from wordfreq import zipf_frequency

    return bool(zipf_frequency(word.lower(), "en") >= _COMMON_WORD_ZIPF)


def _resolve(
    pronoun: str, head: str, known: Sequence[str], places: set[str], before: str
) -> Attribution | None:
    """Who "he", "she" or "they" is: the speaker of the sentence before, else the person or
    body named nearest before it, in this sentence or the one before."""
    if before:
        previous = attribute(before, known, list(places))
        if previous.kind == AttributionKind.NAMED and previous.source:
            return previous
    for text in (head, before):
        nearest = _nearest_name(text, known, places) if text else None
        if nearest is not None:
            return nearest
    return None


# ---- quotations that run over several sentences -------------------------------------------


@dataclass(frozen=True)
class Quotation:
    """Words someone is quoted saying, as a span of the text, and who says them."""

    start: int
    end: int
    speaker: Attribution | None


# The longest quotation believed: a quote mark left open runs no further.
_MAX_QUOTATION_CHARS = 800
# How far a quotation's speaker may stand from it ("'...,' Henderson said").
_SPEAKER_WINDOW = 120
# Text between two quotations that still makes the second go on with the first's speaker.
_QUOTE_VERB = (
    r"(?:said|says|added|adds|explained|continued|insisted|told|tells|wrote|admitted|admits|"
    r"revealed|claimed|warned|stated|declared|confirmed|recalled|joked|commented|noted|"
    r"replied|went on|argued|believes|thinks|told [\w.]+(?: [\w.]+){0,3})"
)
_CONTINUED = re.compile(
    rf"^[\s,.;:]*(?:(?:\S+\s+){{0,3}}?\S+\s+{_QUOTE_VERB}\b[^.]{{0,30}})?[\s,.;:]*$"
)
_SPEAKER_AFTER = re.compile(
    rf"^\s*[,.]?\s*(?:(?P<a>(?:[\w’'.&-]+\s+){{0,5}}?[\w’'.&-]+)\s+{_QUOTE_VERB}\b"
    rf"|{_QUOTE_VERB}\s+(?P<b>(?:[\w’'.&-]+\s+){{0,4}}?[\w’'.&-]+)\s*(?=[,.;]|$))"
)
_SPEAKER_BEFORE = re.compile(
    rf"(?:^|[.,;:]\s+|\s)(?P<a>(?:[A-Z][\w’'.&-]*\s+){{0,4}}[A-Z][\w’'.&-]*|[Hh]e|[Ss]he|"
    rf"[Tt]hey)\s+(?:\w+\s+)?{_QUOTE_VERB}\s*[:,]?\s*$"
)


def quotations(text: str, known: Sequence[str] = (), places: Sequence[str] = ()) -> list[Quotation]:
    """The text's quotations, each with its speaker where the text names one next to it
    ("'It was great to get that goal,' Allen said", "Henderson said 'Obviously ...'"), or
    where it goes on from one that does ("'...,' he said. 'These things happen.'")."""
    found: list[Quotation] = []
    for start, end in _quote_spans(text):
        speaker = _quote_speaker(text, start, end, known, set(places))
        gap = re.sub(r"[\"'`‘’“”]", " ", text[found[-1].end : start]) if found else ""
        if speaker is None and found and _CONTINUED.match(gap):
            speaker = found[-1].speaker
        found.append(Quotation(start, end, speaker))
    return found


def _quote_speaker(
    text: str, start: int, end: int, known: Sequence[str], places: set[str]
) -> Attribution | None:
    earlier = sentences(text[max(0, start - 400) : start])
    before_quote = earlier[-1].text if earlier else ""
    after = _SPEAKER_AFTER.match(text[end : end + _SPEAKER_WINDOW])
    candidates = []
    if after:
        candidates.append(after.group("a") or after.group("b"))
    before = _SPEAKER_BEFORE.search(text[max(0, start - _SPEAKER_WINDOW) : start])
    if before:
        candidates.append(before.group("a"))
    for phrase in candidates:
        attribution = _classify(phrase, known, places, before_quote, before_quote)
        if attribution is not None and attribution.kind == AttributionKind.NAMED:
            return attribution
    return None


_CONTRACTION = re.compile(r"(?:s|re|ll|ve|m|d|t)\b")


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """Where quotations stand: between “ and ”, `` and '', two straight double quotes, or
    the single quotes of tokenized text (" 'We knew it , ' he said"), apostrophes and
    contractions (" 's", "O'Neill") left out."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None

    def close(at: int) -> None:
        nonlocal opened
        if opened is not None and at - opened <= _MAX_QUOTATION_CHARS:
            spans.append((opened, at))
        opened = None

    for match in re.finditer(r"“|”|``|''|\"|‘|’|'", text):
        mark, i, after = match.group(), match.start(), match.end()
        prev = text[i - 1] if i else " "
        nxt = text[after] if after < len(text) else " "
        if mark in ("“", "``", "‘"):
            opened = after
        elif mark in ("”", "''"):
            close(i)
        elif mark == '"':
            if opened is None:
                opened = after
            else:
                close(i)
        elif prev.isalnum() and nxt.isalnum():
            continue  # an apostrophe: "O'Neill", "don’t"
        elif prev.isspace() and _CONTRACTION.match(text, after):
            continue  # tokenized "it 's", "I 'd"
        elif prev.isspace() or not i:
            if nxt.isalnum() or nxt in "[(":
                close(i)  # a quotation's next paragraph opens without the last one closed
                opened = after  # " 'We knew ..."
            elif opened is not None:
                close(i)  # " ... for us , ' Henderson said"
            elif re.match(r"\s+[A-Z]", text[after:]) and not text[:i].rstrip().endswith(","):
                opened = after  # " ' I did get a good view ..."
        elif opened is not None and not nxt.isalnum():
            close(i)  # "... the best.'"
    return spans
