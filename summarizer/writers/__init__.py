"""Writers: outcomes as markdown, JSON, JSONL and the review page, and a digest as markdown,
JSON and HTML, streaming where the format allows; output files written whole or not at all.
They may import digest, eval and the stages below; never cli."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Literal, Protocol, TextIO

from summarizer.digest.models import Digest
from summarizer.extraction.models import Outcome
from summarizer.writers.digest_html import render_digest_html
from summarizer.writers.digest_markdown import render_digest_markdown
from summarizer.writers.markdown import render_markdown
from summarizer.writers.review_html import ReviewPageWriter

OutputFormat = Literal["markdown", "json", "jsonl", "html"]


class Writer(Protocol):
    def write(self, outcome: Outcome) -> None: ...
    def close(self) -> None: ...


def to_dict(outcome: Outcome) -> dict[str, object]:
    return outcome.model_dump(mode="json")


class JsonLinesWriter:
    """One line per document, flushed as soon as it is done."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, outcome: Outcome) -> None:
        self.stream.write(json.dumps(to_dict(outcome), ensure_ascii=False) + "\n")
        self.stream.flush()

    def close(self) -> None:
        pass


class JsonWriter:
    """One JSON value: the object for a single document, an array for several."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.items: list[dict[str, object]] = []

    def write(self, outcome: Outcome) -> None:
        self.items.append(to_dict(outcome))

    def close(self) -> None:
        value: object = self.items[0] if len(self.items) == 1 else self.items
        self.stream.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
        self.stream.flush()


class MarkdownWriter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.count = 0

    def write(self, outcome: Outcome) -> None:
        if self.count:
            self.stream.write("\n---\n\n")
        self.stream.write(render_markdown(outcome))
        self.stream.flush()
        self.count += 1

    def close(self) -> None:
        pass


def open_writer(
    output_format: OutputFormat, stream: TextIO, texts: MutableMapping[str, str] | None = None
) -> Writer:
    """A writer of `output_format`; the review page ("html") highlights each document's text,
    taken from `texts` (filled by summarizer.writers.review_html.remember_texts)."""
    if output_format == "html":
        return ReviewPageWriter(stream, texts)
    writers: dict[str, type[JsonLinesWriter | JsonWriter | MarkdownWriter]] = {
        "markdown": MarkdownWriter,
        "json": JsonWriter,
        "jsonl": JsonLinesWriter,
    }
    return writers[output_format](stream)


def render_digest(digest: Digest, output_format: str) -> str:
    """The digest as markdown, JSON or one self-contained HTML page."""
    if output_format == "html":
        return render_digest_html(digest)
    if output_format == "json":
        return digest.model_dump_json(indent=2) + "\n"
    return render_digest_markdown(digest)
