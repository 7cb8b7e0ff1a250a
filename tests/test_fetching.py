"""Web pages as inputs: fetched from the fake server's site on 127.0.0.1
(summarizer/testing/site.py), and replayed from a cassette recorded on the embedded engine,
with no site and no model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import ReadError
from summarizer.inputs.documents import iter_documents
from summarizer.inputs.fetching import MAX_REDIRECTS, fetch_document, url_id
from summarizer.testing import ROOT, FakeServer
from summarizer.testing.site import ARTICLE_PATH, PARAGRAPHS, TITLE

# Recorded with the site on a fixed port:
#   python -m summarizer.testing.site 8765 &
#   summarizer summarize http://127.0.0.1:8765/news/sea-wall.html \
#       --record cassettes/web/article.yaml -f json
RECORDED_URL = f"http://127.0.0.1:8765{ARTICLE_PATH}"
CASSETTE = ROOT / "cassettes" / "web" / "article.yaml"


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with FakeServer() as server:
        yield server.root


def test_a_page_is_reduced_to_its_article_with_url_and_time(base: str) -> None:
    document = fetch_document(base + ARTICLE_PATH)
    assert PARAGRAPHS[0] in document.text and PARAGRAPHS[-1] in document.text
    assert "Home" not in document.text and "Gazette" not in document.text  # page furniture
    assert document.title == TITLE
    assert document.url == base + ARTICLE_PATH and document.source == base + ARTICLE_PATH
    assert document.fetched_at is not None and document.fetched_at.endswith("+00:00")
    assert document.id == url_id(base + ARTICLE_PATH)
    assert url_id(RECORDED_URL) == "127.0.0.1-8765/news/sea-wall.html"


def test_a_redirect_is_followed_and_the_final_url_kept(base: str) -> None:
    document = fetch_document(base + "/old-link")
    assert document.source == base + "/old-link" and document.url == base + ARTICLE_PATH


@pytest.mark.parametrize(
    ("path", "cause", "options"),
    [
        ("/missing", "HTTP 404 Not Found", {}),
        ("/loop", f"more than {MAX_REDIRECTS} redirects", {}),
        ("/image.png", "not a web page, text or PDF (content type: image/png)", {}),
        ("/huge.html", "2,000,003 bytes, over the 1,000,000-byte limit", {"max_bytes": 10**6}),
        ("/slow.html", "no answer within 0.5 s", {"timeout_s": 0.5}),
    ],
    ids=["404", "redirect-loop", "image", "oversized", "slow"],
)
def test_a_page_that_cannot_be_used_says_why(
    base: str, path: str, cause: str, options: dict[str, float]
) -> None:
    with pytest.raises(ReadError) as error:
        fetch_document(base + path, **options)  # type: ignore[arg-type]
    assert error.value.source == base + path and cause in error.value.cause


def test_a_pdf_and_a_latin_1_text_are_read_as_what_they_are(base: str) -> None:
    report = fetch_document(base + "/report.pdf")
    assert report.layout is not None and report.layout.kind == "page"
    assert len(report.layout.starts) == 2
    assert fetch_document(base + "/latin.txt").text == "Café crème à Paris."


def test_urls_and_url_lists_are_inputs_like_files(base: str, tmp_path: Path) -> None:
    listing = tmp_path / "reading.urls"
    listing.write_text(f"# this week\n{base}{ARTICLE_PATH}\n\n{base}/missing\nftp://old\n")
    items = list(iter_documents([f"{base}/old-link", str(listing)]))
    assert [type(i).__name__ for i in items] == ["Document", "Document", "ReadError", "ReadError"]
    assert str(items[2]) == f"{base}/missing: HTTP 404 Not Found"
    assert str(items[3]) == f"{listing}:3: not an http(s) URL: 'ftp://old'"


def test_a_recorded_page_replays_offline_with_its_provenance(tmp_path: Path) -> None:
    """No site listens on port 8765 and no model runs: the fetch and the model call come
    from the cassette."""
    outcome = CliRunner().invoke(
        app,
        ["summarize", RECORDED_URL, "--replay", str(CASSETTE), "-f", "json"],
        env={"OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""},
    )
    assert outcome.exit_code == 0, outcome.stderr
    result = json.loads(outcome.stdout)
    assert (result["source"], result["url"]) == (RECORDED_URL, RECORDED_URL)
    assert result["fetched_at"] == "2026-11-26T14:45:00+00:00"  # the server's Date, recorded
    assert result["grounding"]["rate"] == 1.0 and len(result["facts"]) >= 3
    text = "\n".join(PARAGRAPHS)
    assert all(f["evidence"]["quote"] in text for f in result["facts"])
