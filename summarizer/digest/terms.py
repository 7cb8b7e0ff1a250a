"""Text helpers for the digest: term vectors weighted by rarity, publication dates.

Sentences, content words and stems come from summarizer.inputs.text, shared with the pipeline."""

from __future__ import annotations

import datetime
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache

from dateutil import parser as date_parser
from scipy.sparse import csr_matrix
from sklearn.feature_extraction import DictVectorizer
from sklearn.preprocessing import normalize
from wordfreq import zipf_frequency

from summarizer.inputs.text import content_words, stem

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


# Zipf frequency of a word in general English (wordfreq: 7 is "the", 0 unseen): a word's
# background rarity. Unlike a corpus IDF it means something for a corpus of one story.
_ZIPF_CEILING = 7.0


@cache
def rarity(word: str) -> float:
    return max(0.0, _ZIPF_CEILING - zipf_frequency(word, "en"))


def term_weights(text: str) -> dict[str, float]:
    """Stemmed content words weighted by (1 + log tf) x background rarity."""
    counts = Counter(w for w in content_words(text) if not w[0].isdigit())
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
