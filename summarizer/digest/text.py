"""Text helpers for the digest: sentences with offsets, content-word stems, publication dates."""

from __future__ import annotations

import datetime
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from dateutil import parser as date_parser
from nltk.stem.porter import PorterStemmer
from scipy.sparse import csr_matrix
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.preprocessing import normalize
from wordfreq import zipf_frequency

# A period after one of these does not end a sentence ("U.S. President", "Sen. Wyden").
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "gen", "sen", "rep", "gov", "lt", "col", "capt",
    "sgt", "vs", "inc", "corp", "co", "ltd", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?][”\"’')\]]*(?=\s+[“\"‘'(\[]?[A-Z0-9])|\n\s*\n|\n(?=\S)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d,.]*")
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE_PATTERNS = [
    re.compile(rf"\b{_MONTHS},?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"),
    re.compile(rf"\b\d{{1,2}}\s+{_MONTHS},?\s+\d{{4}}\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?!\d)"),
]
# Publication dates stand at the top of a scraped article (a by-line), not in its story.
DATE_SEARCH_CHARS = 400


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
        cut = match.end() if match.group().strip() else match.start()
        if _ends_in_abbreviation(text, begin, match.start()):
            continue
        _append_stripped(found, text, begin, cut)
        begin = match.end()
    _append_stripped(found, text, begin, len(text))
    return found


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


def sentence_around(text: str, start: int, end: int) -> Sentence:
    """The sentence(s) covering text[start:end]: where a quote's attribution is written."""
    covering = [s for s in sentences(text) if s.end > start and s.start < end]
    if not covering:
        return Sentence(start, end, text[start:end])
    first, last = covering[0].start, covering[-1].end
    return Sentence(first, last, text[first:last])


_stemmer = PorterStemmer()


@cache
def stem(word: str) -> str:
    return str(_stemmer.stem(word))


def content_stems(text: str) -> list[str]:
    """Lower-cased, stemmed words without English stop words: what similarity is made of."""
    return [stem(w) for w in _words(text)]


# Zipf frequency of a word in general English (wordfreq: 7 is "the", 0 unseen): a word's
# background rarity. Unlike a corpus IDF it means something for a corpus of one story.
_ZIPF_CEILING = 7.0


@cache
def rarity(word: str) -> float:
    return max(0.0, _ZIPF_CEILING - zipf_frequency(word, "en"))


def term_weights(text: str) -> dict[str, float]:
    """Stemmed content words weighted by (1 + log tf) x background rarity."""
    counts = Counter(w for w in _words(text) if not w[0].isdigit())
    weights: dict[str, float] = {}
    for word, count in counts.items():
        key = stem(word)
        weights[key] = weights.get(key, 0.0) + (1 + math.log(count)) * rarity(word)
    return weights


def term_vectors(texts: Sequence[str], within: bool = False) -> csr_matrix:
    """Rows of unit length (or zero): their dot product is the cosine similarity.

    `within`: also weight each term by its inverse frequency among these texts, so that what
    every text of one story mentions (its protagonists' names) says little about which two
    texts report the same thing.
    """
    weights = [term_weights(t) for t in texts]
    if within:
        frequency = Counter(term for w in weights for term in w)
        idf = {term: 1 + math.log((1 + len(texts)) / (1 + n)) for term, n in frequency.items()}
        weights = [{term: v * idf[term] for term, v in w.items()} for w in weights]
    return normalize(DictVectorizer().fit_transform(weights))


def _words(text: str) -> list[str]:
    words = (w.strip("'’-").lower() for w in _WORD.findall(text))
    return [w for w in words if len(w) > 1 and w not in ENGLISH_STOP_WORDS]


def find_date(text: str) -> datetime.date | None:
    """A publication date near the top of a text ("May, 13 2025", "13 May 2025", ISO)."""
    head = text[:DATE_SEARCH_CHARS]
    for pattern in _DATE_PATTERNS:
        if match := pattern.search(head):
            parsed = parse_date(match.group())
            if parsed is not None:
                return parsed
    return None


def parse_date(value: str) -> datetime.date | None:
    try:
        parsed: datetime.datetime = date_parser.parse(value.replace(",", " "), fuzzy=True)
        return parsed.date()
    except (ValueError, OverflowError):
        return None
