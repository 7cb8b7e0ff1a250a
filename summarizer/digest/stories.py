"""Group articles into stories: weighted term vectors, average-linkage clustering on cosine.

No model and no network: articles about one event share its names and key terms. Words are
weighted by their rarity in general English (wordfreq), so that a handful of articles about
one story still separates what they share (names, places, the event) from what every article
says; a corpus IDF cannot, with five documents.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from summarizer.digest.terms import term_vectors

# Cosine distance under which two groups join (average linkage). Chosen on NeuS, where the
# 300 articles of 100 stories are mixed and re-grouped (benchmarks/digest_neus.py prints the
# pairwise precision and recall).
STORY_DISTANCE = 0.75


def group_stories(texts: Sequence[str], max_distance: float = STORY_DISTANCE) -> list[list[int]]:
    """Indices of `texts` grouped by story, largest story first, each in input order."""
    if len(texts) < 2:
        return [list(range(len(texts)))] if texts else []
    vectors = term_vectors(texts).toarray()
    empty = ~vectors.any(axis=1)
    if empty.any():  # an article with no content words has no direction: it stands alone
        vectors = np.hstack([vectors, np.diag(empty.astype(float))])
    labels = fcluster(linkage(vectors, method="average", metric="cosine"), max_distance, "distance")
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))
