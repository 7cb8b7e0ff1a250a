"""Text helpers shared by the pipeline and the digest: sentences with offsets, content words
and their stems, numbers.

nltk's stemmer and scikit-learn's stop words take seconds to import, so they load on first
use: `summarizer model` or `--help` never pay for them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# A period after one of these does not end a sentence ("U.S. President", "Sen. Wyden").
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "gen", "sen", "rep", "gov", "lt", "col", "capt",
    "sgt", "maj", "brig", "adm", "cmdr", "cpl", "pvt", "det", "insp", "supt", "rev", "prof",
    "vs", "inc", "corp", "co", "ltd", "dept", "univ", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "calif", "colo", "conn", "fla", "ariz", "okla",
    "tenn", "mich", "minn", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m",
}  # fmt: skip
# A sentence ends at . ! or ? and the closing marks after it, spaced apart in tokenized text
# ("soul . '' But"), before what opens a sentence (a capital in any script, a digit, a letter
# of a script without case), opening marks allowed ("KABC . `` This"); at 。！？ in Chinese
# and Japanese, which need no space; and at line breaks.
_SENTENCE_END = re.compile(
    r"[.!?](?:\s?(?:''|[”\"’')\]]))*(?=\s+(?:``|[“\"‘'`(\[])?\s?(?P<next>[^\W_]))"
    r"|[。！？](?:[」』”’)）])*"
    r"|\n\s*\n|\n(?=\S)"
)
WORD = re.compile(r"[^\W\d_][\w'’-]*|\d[\d,.]*\d|\d")
# Scripts written without spaces between words (kana, Han, hangul): their words are taken as
# character pairs.
UNSPACED_CHAR = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"
_UNSPACED = re.compile(UNSPACED_CHAR + "+")
_POSSESSIVE = re.compile(r"['’]s$")

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9,
}  # fmt: skip


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def sentences(text: str) -> list[Sentence]:
    """Sentences (and headline lines) of `text` with their offsets; text[start:end] == text."""
    found: list[Sentence] = []
    begin = 0
    for match in _SENTENCE_END.finditer(text):
        following = match.group("next")
        if following is not None and not _opens_a_sentence(following):
            continue
        cut = match.end() if match.group().strip() else match.start()
        if _ends_in_abbreviation(text, begin, match.start()):
            continue
        _append_stripped(found, text, begin, cut)
        begin = match.end()
    _append_stripped(found, text, begin, len(text))
    return found


def _opens_a_sentence(char: str) -> bool:
    """A digit, a capital, or a letter of a script without case (Arabic, Hebrew, Thai)."""
    return char.isdigit() or char.isupper() or (char.isalpha() and not char.islower())


def _ends_in_abbreviation(text: str, begin: int, period: int) -> bool:
    if text[period] != ".":
        return False
    word = text[begin:period].rsplit(None, 1)[-1] if text[begin:period].split() else ""
    word = word.lstrip("“\"‘'(").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _append_stripped(found: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start > 1:
        found.append(Sentence(start, end, text[start:end]))


class SentenceIndex:
    """A text's sentences, split once, for the sentence(s) around any span."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._sentences: list[Sentence] | None = None

    @property
    def sentences(self) -> list[Sentence]:
        if self._sentences is None:
            self._sentences = sentences(self.text)
        return self._sentences

    def around(self, start: int, end: int) -> Sentence:
        """The sentence(s) covering text[start:end], joined; the span itself if none does."""
        inside = [s for s in self.sentences if s.end > start and s.start < end]
        first, last = (inside[0].start, inside[-1].end) if inside else (start, end)
        return Sentence(first, last, self.text[first:last])

    def before(self, start: int) -> str:
        """The sentence that ends before offset `start`, or ''."""
        earlier = [s for s in self.sentences if s.end <= start]
        return earlier[-1].text if earlier else ""


def sentence_around(text: str, start: int, end: int) -> Sentence:
    """The sentence(s) covering text[start:end]: where a quote's context and attribution are."""
    return SentenceIndex(text).around(start, end)


@cache
def _stemmer() -> object:
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer()


@cache
def stem(word: str) -> str:
    return str(_stemmer().stem(word))  # type: ignore[attr-defined]


# Auxiliaries and verbs of saying that scikit-learn's list lacks: "did not approve" and
# "approved" differ by a negation, not by a word; "said" is attribution, not content.
_MORE_STOP_WORDS = {"did", "does", "just", "shall", "said", "says"}
# Words of its list (the Glasgow list) that carry the news: "fire", "call", "bill", "found".
_NEWS_WORDS = {
    "bill", "call", "computer", "cry", "describe", "detail", "empty", "fill", "find", "fire",
    "found", "front", "full", "interest", "mill", "move", "part", "show", "side", "system",
    "thick", "thin", "top",
}  # fmt: skip


@cache
def stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return (frozenset(ENGLISH_STOP_WORDS) | _MORE_STOP_WORDS) - _NEWS_WORDS


def words(text: str) -> list[str]:
    """Words and numbers as written, without possessive 's and surrounding apostrophes; in
    Chinese, Japanese and Korean runs, overlapping character pairs (`谈判在` -> `谈判`, `判在`)."""
    found: list[str] = []
    for word in WORD.findall(text):
        word = _POSSESSIVE.sub("", word).strip("'’-")
        if _UNSPACED.search(word):
            found += _pairs(word)
        elif word:
            found.append(word)
    return found


def _pairs(word: str) -> list[str]:
    pieces: list[str] = []
    for part in re.split(f"({_UNSPACED.pattern})", word):
        if not part:
            continue
        if _UNSPACED.fullmatch(part):
            pieces += [part[i : i + 2] for i in range(max(len(part) - 1, 1))]
        else:
            pieces.append(part)
    return pieces


def content_words(text: str) -> list[str]:
    """Lower-cased words of two letters or more (and numbers) that are not stop words."""
    lowered = (w.lower() for w in words(text))
    return [w for w in lowered if (len(w) > 1 or w.isdigit()) and w not in stop_words()]


def content_stems(text: str) -> list[str]:
    """Stemmed content words: what similarity and support are made of."""
    return [number_value(w) or stem(w) for w in content_words(text)]


# English prose is a third to a half stop words (headlines fewer); another language's, with
# English stop words, a few percent. Below some thirty words the share says little.
_ENGLISH_STOP_SHARE = 0.12
_FEW_WORDS = 30


def looks_english(text: str) -> bool:
    """Whether English stemming and word frequencies mean something for this text."""
    lowered = [w.lower() for w in WORD.findall(text) if not w[0].isdigit()]
    if not lowered or any(c.isalpha() and not c.isascii() and not _latin(c) for c in text):
        return False
    if len(lowered) < _FEW_WORDS:
        return True
    stops = sum(w in stop_words() for w in lowered)
    return stops / len(lowered) >= _ENGLISH_STOP_SHARE


def _latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


def number_value(word: str) -> str | None:
    """'1,200', '1200' and '1200.0' alike; number words as digits ('two' -> '2')."""
    lowered = word.lower()
    if lowered in NUMBER_WORDS:
        return str(NUMBER_WORDS[lowered])
    digits = lowered.replace(",", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    return str(int(value)) if value.is_integer() else str(value)
