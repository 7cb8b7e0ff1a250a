from __future__ import annotations

from summarizer.inputs.cleaning import strip_boilerplate
from summarizer.inputs.documents import Document
from summarizer.testing import ARTICLES

BODY = "\n".join(
    f"Paragraph {i} of the story, with enough words to be a paragraph." for i in range(8)
)


def test_trailing_headline_list_comment_counter_fence_and_repeated_title_go() -> None:
    text = (
        "Big Story Title\n\nBig Story Title\nMay 13 2025 Jane Doe\n"
        + BODY
        + "\n0 Comments\n“`\nRecent-posts\n\nUnrelated celebrity engagement\n\nSports draft news\n"
    )
    cleaned = strip_boilerplate(text)
    assert cleaned.count("Big Story Title") == 1
    assert "0 Comments" not in cleaned and "“`" not in cleaned
    assert "Recent-posts" not in cleaned and "celebrity" not in cleaned
    assert BODY in cleaned


def test_article_text_is_left_alone() -> None:
    text = (
        "Related talks continue.\n" + BODY + "\nRead more about it in the report, officials said."
    )
    assert strip_boilerplate(text) == text
    # A heading-like line early in the article is not a trailing list.
    early = "Intro line.\nRelated\n" + BODY
    assert "Related" in strip_boilerplate(early)


def test_seed_articles_lose_their_furniture_and_keep_their_text() -> None:
    scraped = (ARTICLES / "003_79d721cb69906ae1.txt").read_text(encoding="utf-8")
    document = Document(id="003", source="003.txt", text=scraped)
    assert "Recent-posts" in scraped and "Recent-posts" not in document.body
    assert "NFL Draft" not in document.body
    assert document.body.count("Netanyahu Insists Hostage Talks") == 1
    assert "The release of Alexander is a rare patch of optimism" in document.body
    commented = (ARTICLES / "000_e5461a5ad9c76c4b.txt").read_text(encoding="utf-8")
    assert commented.rstrip().endswith("0 Comments")
    assert not strip_boilerplate(commented).endswith("0 Comments")
