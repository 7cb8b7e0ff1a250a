"""The package move changed no cache key: a store written before it (by commit db81f00, with
`summarizer batch` replaying the example cassettes and the long-document cassette) answers
every document and every window after it.

    for a in examples/articles/*.txt; do summarizer batch $a --replay \\
        cassettes/examples/$(basename $a .txt).yaml --store tests/data/store_before_the_move.sqlite3; done
    summarizer batch long.txt --context-tokens 4096 --replay cassettes/long/two_articles.yaml \\
        --store tests/data/store_before_the_move.sqlite3
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from summarizer.extraction.models import DocumentResult
from summarizer.inputs.documents import Document, read_path
from summarizer.inputs.windows import window_document
from summarizer.pipeline import Summarizer
from summarizer.runs.store import Store
from summarizer.settings import Settings
from summarizer.testing import ARTICLES, EXAMPLE_CASSETTES, ROOT

from .test_long_documents import CASSETTE as LONG_CASSETTE
from .test_long_documents import CONTEXT_TOKENS, long_text

OLD_STORE = ROOT / "tests" / "data" / "store_before_the_move.sqlite3"


@pytest.fixture
def old_store(tmp_path: Path) -> Store:
    copy = tmp_path / "store.sqlite3"
    shutil.copy(OLD_STORE, copy)
    return Store(copy)


@pytest.mark.parametrize("stem", sorted(p.stem for p in ARTICLES.glob("*.txt")))
def test_each_example_is_a_cache_hit(old_store: Store, stem: str) -> None:
    settings = Settings(replay_cassette=EXAMPLE_CASSETTES / f"{stem}.yaml")
    document = read_path(str(ARTICLES / f"{stem}.txt"))
    with old_store:
        hit = old_store.cached(Summarizer(settings).request_key(document).key)
    assert isinstance(hit, DocumentResult) and hit.facts


def test_a_long_document_and_each_of_its_windows_are_cache_hits(old_store: Store) -> None:
    settings = Settings(context_tokens=CONTEXT_TOKENS, replay_cassette=LONG_CASSETTE)
    summarizer = Summarizer(settings)
    document = Document(id="long", source="long.txt", text=long_text())
    windows = summarizer.windows(document)
    with old_store:
        assert old_store.cached(summarizer.request_key(document).key) is not None
        for number, window in enumerate(windows, 1):
            part = window_document(document, window, number, len(windows))
            assert old_store.cached_window(summarizer.request_key(part).key) is not None
