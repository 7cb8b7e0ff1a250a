"""The review page (`-f html`): every document's text with its evidence spans highlighted,
coloured by grounding status and support, and its facts or items beside it.

One self-contained file, written as the documents finish: a header, then one section per
document holding its data as JSON, then the script. The script renders a document's text
and items only when its section scrolls into view (or for all with `#all`), so that a page
of 1,000 documents opens at once. Nothing is fetched: it works offline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, MutableMapping
from typing import TextIO

from jinja2 import Template

from summarizer.errors import ReadError
from summarizer.extraction.models import DocumentResult, Outcome
from summarizer.inputs.documents import Document
from summarizer.writers.html import html_template


def remember_texts(
    items: Iterable[Document | ReadError], texts: MutableMapping[str, str]
) -> Iterator[Document | ReadError]:
    """The items unchanged, each document's text kept by id on the way: what the page
    highlights, the text evidence offsets index."""
    for item in items:
        if isinstance(item, Document):
            texts[item.id] = item.text
        yield item


class ReviewPageWriter:
    """Writes the page to `stream` document by document; `texts` holds each document's
    text by id until its outcome is written (filled by remember_texts)."""

    def __init__(self, stream: TextIO, texts: MutableMapping[str, str] | None = None) -> None:
        self.stream = stream
        self.texts: MutableMapping[str, str] = {} if texts is None else texts
        self.count = 0
        self.items = 0
        self.types: set[str] = set()
        self.stream.write(_template().module.head())  # type: ignore[attr-defined]

    def write(self, outcome: Outcome) -> None:
        self.count += 1
        if isinstance(outcome, DocumentResult):
            self.items += len(outcome.facts)
            self.types.update(str(fact.type) for fact in outcome.facts)
        text = self.texts.pop(outcome.id, None)
        module = _template().module
        self.stream.write(module.document(self.count, outcome, _data(outcome, text)))  # type: ignore[attr-defined]
        self.stream.flush()

    def close(self) -> None:
        tail = _template().module.tail(self.count, sorted(self.types), self.items)  # type: ignore[attr-defined]
        self.stream.write(tail)
        self.stream.flush()


def _data(outcome: Outcome, text: str | None) -> str:
    """A document's data as the script reads it, safe inside a <script> element."""
    value: dict[str, object] = {"text": text}
    if isinstance(outcome, DocumentResult):
        value["facts"] = [
            {
                "id": fact.id,
                "type": str(fact.type),
                "statement": fact.statement,
                "fields": fact.fields,
                "start": fact.evidence.start,
                "end": fact.evidence.end,
                "quote": fact.evidence.quote,
                "status": str(fact.evidence.status),
                "score": fact.evidence.score,
                "support": str(fact.evidence.support),
                "missing": fact.evidence.missing_words,
            }
            for fact in outcome.facts
        ]
    encoded = json.dumps(value, ensure_ascii=False)
    return encoded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _template() -> Template:
    return html_template("review.html.j2")
