"""PDF and Word inputs: their text, and the page or paragraph each fact's evidence starts on.

The files are made here (fpdf2, python-docx); the endpoint is a scripted server on 127.0.0.1
answering with quotes from known pages, so that the page numbers can be checked.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import docx
import pytest
from fpdf import FPDF
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import ConversionError
from summarizer.inputs.converters import PAGE_BREAK, docx_text, pdf_text, unwrapped
from summarizer.inputs.documents import read_path
from summarizer.testing import (
    Reply,
    completion_with_content,
    fully_grounded_example,
    recorded_completion,
    serve,
)

runner = CliRunner()
PAGES = [
    [
        "The city council of Riverton met on Monday to discuss the old bridge.",
        "Inspectors had found cracks in two of its steel supports in March.",
    ],
    [
        "The council voted seven to two to close the bridge for repairs.",
        "Mayor Dana Ortiz said the closure would last at least six months.",
    ],
    [
        "The repairs are expected to cost four million euros.",
        "Most of the money will come from the regional government.",
    ],
]


def make_pdf(pages: list[list[str]]) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for sentences in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, " ".join(sentences))
    return bytes(pdf.output())


def make_docx(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
        document.add_paragraph("")  # empty paragraphs do not count
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def answer(quotes: list[str]) -> dict[str, Any]:
    """A completion the embedded engine returned, its content an answer quoting `quotes`."""
    content = {
        "headline": "Riverton closes its bridge",
        "summary": ["Riverton's council voted to close the bridge for repairs."],
        "facts": [{"quote": q, "statement": q.rstrip(".")} for q in quotes],
        "people": ["Dana Ortiz"],
        "places": ["Riverton"],
    }
    return completion_with_content(
        recorded_completion(fully_grounded_example()), json.dumps(content)
    )


def summarize(path: Path, quotes: list[str], tmp_path: Path, *extra: str) -> dict[str, Any]:
    with serve([Reply(200, answer(quotes))]) as (url, _script):
        args = ["summarize", str(path), "--base-url", url, "--model", "m", "-f", "json"]
        outcome = runner.invoke(app, [*args, *extra])
    assert outcome.exit_code == 0, outcome.stderr
    return dict(json.loads(outcome.stdout))


def test_each_fact_of_a_pdf_knows_its_page(tmp_path: Path) -> None:
    path = tmp_path / "council.pdf"
    path.write_bytes(make_pdf(PAGES))
    quotes = [PAGES[0][1], PAGES[1][1], PAGES[2][0]]
    result = summarize(path, quotes, tmp_path, "--save-text", str(tmp_path / "texts"))
    saved = (tmp_path / "texts" / "council.txt").read_text(encoding="utf-8")
    assert saved == read_path(str(path)).text
    assert [f["evidence"]["page"] for f in result["facts"]] == [1, 2, 3]
    for fact, quote in zip(result["facts"], quotes, strict=True):
        evidence = fact["evidence"]
        assert saved[evidence["start"] : evidence["end"]] == quote
        assert (evidence["status"], evidence["paragraph"]) == ("exact", None)
    with serve([Reply(200, answer(quotes))]) as (url, _script):
        args = ["summarize", str(path), "--base-url", url, "--model", "m", "-f", "markdown"]
        shown = runner.invoke(app, args)
    assert "(page 2, chars " in shown.stdout


def test_pages_are_joined_so_no_sentence_runs_across_them() -> None:
    converted = pdf_text(make_pdf(PAGES))
    assert converted.kind == "page" and len(converted.starts) == 3
    for number, start in enumerate(converted.starts):
        assert converted.text[start:].startswith(PAGES[number][0])
    assert converted.text.count(PAGE_BREAK) == 2


def test_each_fact_of_a_word_file_knows_its_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "council.docx"
    paragraphs = [" ".join(page) for page in PAGES]
    path.write_bytes(make_docx(paragraphs))
    quotes = [PAGES[2][1], PAGES[0][0]]
    result = summarize(path, [*quotes, PAGES[1][0]], tmp_path)
    assert [f["evidence"]["paragraph"] for f in result["facts"]] == [3, 1, 2]
    assert all(f["evidence"]["page"] is None for f in result["facts"])


def scanned_pdf(tmp_path: Path) -> bytes:
    from PIL import Image

    image = tmp_path / "scan.png"
    Image.new("RGB", (400, 300), "white").save(image)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(image), x=10, y=10, w=180)
    return bytes(pdf.output())


def encrypted_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, " ".join(PAGES[0]))
    pdf.set_encryption(owner_password="owner", user_password="reader")
    return bytes(pdf.output())


@pytest.mark.parametrize(
    ("convert", "make", "message"),
    [
        (pdf_text, scanned_pdf, "no text layer in its 1 page(s), a scan perhaps: run OCR first"),
        (pdf_text, lambda _: encrypted_pdf(), "encrypted PDF: it needs a password"),
        (pdf_text, lambda _: make_pdf(PAGES)[:400], "not a readable PDF"),
        (docx_text, lambda _: b"PK\x03\x04 not really a zip", "not a readable Word .docx file"),
        (docx_text, lambda _: make_docx([]), "Word file without text"),
    ],
    ids=["scanned", "encrypted", "broken-pdf", "broken-docx", "empty-docx"],
)
def test_a_file_that_cannot_be_read_says_why_in_one_line(
    convert: Any, make: Any, message: str, tmp_path: Path
) -> None:
    with pytest.raises(ConversionError) as error:
        convert(make(tmp_path))
    assert message in str(error.value) and "\n" not in str(error.value)


def test_lines_a_pdf_wrapped_are_joined_and_short_ones_kept() -> None:
    page = (
        "Council votes\n"
        "The city council of Riverton met on Monday to discuss the\n"
        "old bridge and its cracked supports.\n"
        "Inspectors found the cracks in March, and the council\n"
        "voted to close it.\n"
        "- Cost: four million"
    )
    assert unwrapped(page).split("\n") == [
        "Council votes",
        "The city council of Riverton met on Monday to discuss the old bridge and its cracked "
        "supports.",
        "Inspectors found the cracks in March, and the council voted to close it.",
        "- Cost: four million",
    ]
