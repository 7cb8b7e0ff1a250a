"""The digest's HTML page: its structure as written, and as a real browser renders it.

The browser test runs headless Chromium; it is skipped where none is installed, unless
SUMMARIZER_REQUIRE_BROWSER=1 (as in .ci/run), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from summarizer.digest.models import (
    Article,
    AttributionProfile,
    Conflict,
    ConflictKind,
    ConflictSide,
    ConsensusFact,
    Digest,
    Quote,
    SingleSourceClaim,
    Story,
    SummarySentence,
)
from summarizer.extraction.models import AttributionKind
from summarizer.writers.digest_html import render_digest_html

TEXTS = {
    "A": (
        "Israeli and Hamas negotiators met in Doha on Friday as ceasefire talks resumed after a "
        "two-week pause.\n"
        "Hamas is still holding 59 hostages in Gaza, an Israeli official said, speaking on "
        "condition of anonymity.\n"
        "\n"
        "Speaking in Florida, former U.S. President Donald Trump said a deal was close & warned "
        'of "hell to pay" if the hostages were not freed.\n'
        "Mediators said the draft runs to <20 pages."
    ),
    "B": (
        "Negotiators met in Doha on Tuesday, the latest round of talks on a ceasefire in Gaza.\n"
        "Hamas holds 48 hostages, U.S. President Donald Trump told reporters at the White House.\n"
        'Qatar\'s foreign ministry spokesman Majed al-Ansari said the talks were "serious".'
    ),
    "C": (
        "Talks in Doha continued on Tuesday between Israeli and Hamas negotiators, diplomats said.\n"
        "The Egyptian delegation arrived late, according to sources familiar with the talks."
    ),
}
DATES = {"A": "2024-12-13", "B": "2025-03-18", "C": "2025-03-18"}
SOURCES = {"A": "reuters.txt", "B": "apnews.txt", "C": "bbc.txt"}
TITLES = {
    "A": "Ceasefire talks resume in Doha",
    "B": "Trump says Hamas holds 48 hostages",
    "C": "Doha talks continue",
}

# Each article's quotes: fact ref -> verbatim text. A's overlap: f2 and f4 cross, f3 lies
# inside f5 and starts where it starts.
QUOTES = {
    "A.f1": "negotiators met in Doha on Friday",
    "A.f2": "Hamas is still holding 59 hostages",
    "A.f3": "former U.S. President Donald Trump",
    "A.f4": "59 hostages in Gaza, an Israeli official said",
    "A.f5": "former U.S. President Donald Trump said a deal was close",
    "B.f1": "Negotiators met in Doha on Tuesday",
    "B.f2": "Hamas holds 48 hostages",
    "B.f3": "U.S. President Donald Trump",
    "C.f1": "Talks in Doha continued on Tuesday",
    "C.f2": "The Egyptian delegation arrived late",
}
CONFLICT_FACTS = {"A.f2", "A.f3", "B.f2", "B.f3"}


def quote(ref: str) -> Quote:
    label = ref.split(".")[0]
    text = QUOTES[ref]
    start = TEXTS[label].find(text)
    assert start >= 0, ref
    return Quote(article=label, text=text, start=start, end=start + len(text), fact=ref)


def side(ref: str, value: str) -> ConflictSide:
    label = ref.split(".")[0]
    return ConflictSide(article=label, value=value, quote=quote(ref), date=DATES[label])


def profile(label: str, counts: tuple[int, int, int], named: list[str]) -> AttributionProfile:
    return AttributionProfile(
        article=label, counts=dict(zip(AttributionKind, counts, strict=True)), named_sources=named
    )


@pytest.fixture
def digest() -> Digest:
    story = Story(
        id="s1",
        headline="Ceasefire talks in Doha; hostage count disputed",
        articles=["A", "B", "C"],
        summary=[
            SummarySentence(
                text="Israeli and Hamas negotiators met again in Doha for ceasefire talks.",
                facts=["A.f1", "B.f1", "C.f1"],
                support=1.0,
            ),
            SummarySentence(
                text="Reports differ on how many hostages Hamas holds: 59 in December, 48 in March.",
                facts=["A.f2", "B.f2"],
                support=0.8,
            ),
        ],
        summary_method="model",
        consensus=[
            ConsensusFact(
                statement="Israeli and Hamas negotiators met in Doha.",
                articles=["A", "B", "C"],
                evidence=[quote("A.f1"), quote("B.f1"), quote("C.f1")],
                similarity=0.71,
            )
        ],
        conflicts=[
            Conflict(
                kind=ConflictKind.NUMBER,
                topic="hostages held in Gaza",
                sides=[side("A.f2", "59"), side("B.f2", "48")],
                dates_differ=True,
                note="Published on different dates (2024-12-13, 2025-03-18): may be a change over time.",
                proposed_by="rules",
            ),
            Conflict(
                kind=ConflictKind.TITLE,
                topic="Donald Trump",
                sides=[side("A.f3", "former U.S. President"), side("B.f3", "U.S. President")],
                dates_differ=True,
                note="Different titles for the same person.",
                proposed_by="model",
            ),
        ],
        single_source=[
            SingleSourceClaim(
                statement="Egypt's delegation arrived late.", article="C", evidence=quote("C.f2")
            ),
            SingleSourceClaim(
                statement="An Israeli official gave the number of hostages anonymously.",
                article="A",
                evidence=quote("A.f4"),
            ),
            SingleSourceClaim(
                statement="Trump said a deal was close.", article="A", evidence=quote("A.f5")
            ),
        ],
        attribution=[
            profile("A", (1, 1, 2), ["Donald Trump"]),
            profile("B", (2, 0, 1), ["Donald Trump", "Majed al-Ansari"]),
            profile("C", (0, 2, 0), []),
        ],
        not_shown=1,
    )
    articles = [
        Article(
            label=label,
            id=f"doc-{label.lower()}",
            source=SOURCES[label],
            title=TITLES[label],
            date=DATES[label],
            text=text,
        )
        for label, text in TEXTS.items()
    ]
    return Digest(articles=articles, stories=[story], model="test-model")


# ---- a strict little DOM: every end tag must close the element it belongs to ------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def select(self, tag: str, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter() if n.tag == tag and (cls is None or cls in n.classes)]


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert [n.tag for n in builder.stack] == ["#document"], "unclosed elements"
    return builder.root


def span_texts(document: Node) -> dict[str, str]:
    """Each highlighted span's text: its marks joined, in document order."""
    texts: dict[str, str] = {}
    for mark in document.select("mark", "evidence"):
        for span in mark.attrs["data-spans"].split():
            texts[span] = texts.get(span, "") + mark.text
    return texts


def check_highlights(document: Node, digest: Digest) -> None:
    marks = document.select("mark", "evidence")
    # A: f1 | f2 | f2+f4 | f4 | f3+f5 | f5; B: f1 | f2 | f3; C: f1 | f2.
    assert len(marks) == 11
    texts = span_texts(document)
    assert sorted(texts.values()) == sorted(QUOTES.values())
    refs = {span: next(r for r, q in QUOTES.items() if q == text) for span, text in texts.items()}
    ids = {n.attrs["id"] for n in document.iter() if "id" in n.attrs}
    assert set(refs) <= ids, "a span without its anchor"
    for mark in marks:
        spans = mark.attrs["data-spans"].split()
        assert ("conflict" in mark.classes) == any(refs[s] in CONFLICT_FACTS for s in spans)
    for article in digest.articles:
        assert article_text(document, article.label) == article.text


def article_text(document: Node, label: str) -> str:
    (text,) = [
        n for n in document.select("div", "article-text") if n.attrs["data-article"] == label
    ]
    return text.text


def check_conflicts(document: Node) -> None:
    (table,) = document.select("table", "conflicts")
    rows = table.select("tbody")[0].select("tr")
    assert len(rows) == 2
    number, title = rows
    assert "hostages held in Gaza" in number.text and "dates differ" in number.text
    assert [s.text for s in number.select("strong", "value")] == ["59", "48"]
    assert [q.text for q in number.select("q")] == [QUOTES["A.f2"], QUOTES["B.f2"]]
    assert "2024-12-13" in number.text and "2025-03-18" in number.text
    assert [s.text for s in title.select("strong", "value")] == [
        "former U.S. President",
        "U.S. President",
    ]
    assert [q.text for q in title.select("q")] == [QUOTES["A.f3"], QUOTES["B.f3"]]


# ---- the page as written ---------------------------------------------------------------


def test_page_is_well_formed_and_self_contained(digest: Digest) -> None:
    html = render_digest_html(digest)
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    document = parse(html)
    assert not document.select("script") and not document.select("link")
    assert not [n for n in document.iter() if {"src", "srcset"} & n.attrs.keys()]
    ids = [n.attrs["id"] for n in document.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    hrefs = [a.attrs["href"] for a in document.select("a")]
    assert all(h.startswith("#") and h[1:] in ids for h in hrefs), hrefs


def test_quotes_are_highlighted_exactly(digest: Digest) -> None:
    document = parse(render_digest_html(digest))
    check_highlights(document, digest)


def test_article_text_is_escaped(digest: Digest) -> None:
    html = render_digest_html(digest)
    assert "</mark> &amp; warned" in html and "to &lt;20 pages" in html
    assert "<20" not in html and " & warned" not in html


def test_summary_links_each_fact_to_its_span(digest: Digest) -> None:
    document = parse(render_digest_html(digest))
    texts = span_texts(document)
    refs = {a.text: a.attrs["href"][1:] for a in document.select("a", "fact-ref")}
    assert set(refs) == {"A.f1", "B.f1", "C.f1", "A.f2", "B.f2"}
    assert all(texts[span] == QUOTES[ref] for ref, span in refs.items())


def test_conflicts_table(digest: Digest) -> None:
    check_conflicts(parse(render_digest_html(digest)))


def test_attribution_and_consensus(digest: Digest) -> None:
    document = parse(render_digest_html(digest))
    (table,) = document.select("table", "attribution")
    rows = [[td.text for td in tr.select("td")] for tr in table.select("tbody")[0].select("tr")]
    assert [r[1:] for r in rows] == [
        ["1", "1", "2", "Donald Trump"],
        ["2", "0", "1", "Donald Trump, Majed al-Ansari"],
        ["0", "2", "0", ""],
    ]
    (fact,) = document.select("li", "fact")
    assert [q.text for q in fact.select("q")] == [QUOTES["A.f1"], QUOTES["B.f1"], QUOTES["C.f1"]]
    claims = document.select("li", "claim")
    assert [c.select("q")[0].text for c in claims] == [
        QUOTES["C.f2"],
        QUOTES["A.f4"],
        QUOTES["A.f5"],
    ]


def test_quotes_outside_the_text_are_not_highlighted(digest: Digest) -> None:
    digest.stories[0].single_source[0].evidence.end = 10_000
    document = parse(render_digest_html(digest))
    assert QUOTES["C.f2"] not in span_texts(document).values()
    assert article_text(document, "C") == TEXTS["C"]


# ---- the page as a browser renders it ----------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    reason = "no Chromium browser found (apt-get install chromium)"
    if os.environ.get("SUMMARIZER_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _run_chromium(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_page_renders_in_chromium(digest: Digest, tmp_path: Path) -> None:
    chromium = _chromium()
    page = tmp_path / "digest.html"
    page.write_text(render_digest_html(digest), encoding="utf-8")
    url = page.as_uri()

    dom = _run_chromium(chromium, tmp_path / "profile", "--dump-dom", url).stdout
    document = parse(dom)
    check_conflicts(document)
    check_highlights(document, digest)

    screenshot = tmp_path / "digest.png"
    _run_chromium(
        chromium, tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1280,2000", url
    )
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert screenshot.stat().st_size > 10_000


# ---- the cast, the timeline and the framing, on the seed story ---------------------------------


@pytest.fixture(scope="module")
def seed_digest() -> Digest:
    import asyncio

    from summarizer.digest.build import DigestBuilder
    from tests.test_digest import example_pairs

    return asyncio.run(DigestBuilder(None).build(example_pairs()))


def check_story_tables(document: Node) -> None:
    (cast,) = document.select("table", "cast")
    rows = {
        tr.select("td")[0].text: [td.text for td in tr.select("td")] for tr in cast.select("tr")[1:]
    }
    assert "the Israeli prime minister" in rows["Benjamin Netanyahu"][3]
    assert "D: former President" in rows["Donald Trump"][4]
    (timeline,) = document.select("ol", "timeline")
    events = timeline.select("li", "event")
    first = events[0].select("time")[0]
    assert first.attrs.get("datetime") == "2023-10-07"
    assert [a.text for a in events[0].select("a", "label")][:2] == ["C", "E"]
    (framing,) = document.select("table", "framing")
    leads = [tr.select("td")[1].text for tr in framing.select("tr")[1:]]
    assert len(leads) == 5 and leads[2].startswith("As indirect talks")


def test_cast_timeline_and_framing(seed_digest: Digest) -> None:
    check_story_tables(parse(render_digest_html(seed_digest)))


def test_cast_timeline_and_framing_render_in_chromium(seed_digest: Digest, tmp_path: Path) -> None:
    chromium = _chromium()
    page = tmp_path / "digest.html"
    page.write_text(render_digest_html(seed_digest), encoding="utf-8")
    dom = _run_chromium(chromium, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    check_story_tables(parse(dom))
