"""One error hierarchy: a kind to catch, not a list; and surprises that tests see."""

from __future__ import annotations

import asyncio
import logging

import pytest

from summarizer.errors import (
    RAISE_UNEXPECTED_ENV,
    DatasetError,
    EngineError,
    ExampleError,
    LLMError,
    ModelError,
    OutputError,
    OverwriteError,
    PriceError,
    PromptError,
    ReadError,
    RunError,
    SchemaError,
    SettingsError,
    StoreError,
    SummarizerError,
    UsageError,
)
from summarizer.extraction.models import FailedDocument
from summarizer.inputs.documents import Document
from summarizer.llm.session import ModelSession
from summarizer.pipeline import Summarizer
from summarizer.settings import Settings

NOWHERE = "http://127.0.0.1:9/v1"


@pytest.mark.parametrize(
    ("error", "kind", "older"),
    [
        (SettingsError, UsageError, ValueError),
        (PromptError, UsageError, Exception),
        (SchemaError, UsageError, ValueError),
        (ExampleError, UsageError, ValueError),
        (PriceError, UsageError, ValueError),
        (DatasetError, UsageError, ValueError),
        (OverwriteError, UsageError, ValueError),
        (LLMError, RunError, RuntimeError),
        (EngineError, RunError, RuntimeError),
        (ModelError, RunError, RuntimeError),
        (StoreError, RunError, RuntimeError),
        (OutputError, RunError, RuntimeError),
        (ReadError, SummarizerError, Exception),
    ],
)
def test_every_error_has_its_kind_and_keeps_its_older_base(
    error: type[Exception], kind: type[SummarizerError], older: type[Exception]
) -> None:
    assert issubclass(error, kind)
    assert issubclass(error, older)


class Surprise(Exception):
    """Stands for a bug: no SummarizerError."""


def _surprising_run(monkeypatch: pytest.MonkeyPatch) -> Summarizer:
    async def fail(self: ModelSession, *args: object) -> None:
        raise Surprise("a bug")

    monkeypatch.setattr(ModelSession, "extract", fail)
    return Summarizer(Settings(base_url=NOWHERE, model="m"))


DOCUMENT = Document(id="a", source="a.txt", text="Talks resumed on Monday in Cairo.")


def test_a_surprise_raises_where_tests_ask_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    run = _surprising_run(monkeypatch)
    with pytest.raises(Surprise):
        asyncio.run(run.summarize(DOCUMENT))


def test_a_surprise_is_one_documents_failure_with_its_traceback_logged_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(RAISE_UNEXPECTED_ENV)
    run = _surprising_run(monkeypatch)
    with caplog.at_level(logging.DEBUG, logger="summarizer"):
        outcome = asyncio.run(run.summarize(DOCUMENT))
    assert isinstance(outcome, FailedDocument)
    assert outcome.error == "unexpected error: Surprise: a bug"
    logged = [r for r in caplog.records if r.exc_info]
    assert [r.levelno for r in logged] == [logging.WARNING]
    assert "please report it" in logged[0].getMessage()


def test_a_known_error_fails_the_document_with_its_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def fail(self: ModelSession, *args: object) -> None:
        raise PromptError("prompt 'default': 'title' is undefined")

    monkeypatch.setattr(ModelSession, "extract", fail)
    outcome = asyncio.run(Summarizer(Settings(base_url=NOWHERE, model="m")).summarize(DOCUMENT))
    assert isinstance(outcome, FailedDocument)
    assert outcome.error == "prompt 'default': 'title' is undefined"
