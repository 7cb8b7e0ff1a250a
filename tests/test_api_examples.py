"""The public API's docstring examples run, offline, as written (doctest)."""

from __future__ import annotations

import doctest
from pathlib import Path
from types import ModuleType

import pytest

import summarizer
import summarizer.runs.runner

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("module", [summarizer, summarizer.runs.runner], ids=lambda m: m.__name__)
def test_the_docstring_examples_run(
    module: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # the examples name the repository's files
    monkeypatch.setenv("SUMMARIZER_STORE", str(tmp_path / "store.sqlite3"))
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    failed, tried = doctest.testmod(module, optionflags=flags, report=True)
    assert tried > 0
    assert failed == 0
