"""The small web site the fetching tests read, served by the fake server at its root: an
article page, redirects, a 404, an image, an oversized body, a slow page, a PDF and Latin-1
text.

    python -m summarizer.testing.site 8765    # serve it, to record cassettes/web/article.yaml
"""

from __future__ import annotations

import asyncio
import html
import sys
import threading
from collections.abc import Awaitable, Callable

from aiohttp import web

from .examples import ROOT

ARTICLE = (ROOT / "tests" / "data" / "injection_clean.txt").read_text(encoding="utf-8")
TITLE, *PARAGRAPHS = [p for p in ARTICLE.split("\n") if p.strip()]
ARTICLE_PATH = "/news/sea-wall.html"
PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>"
    + html.escape(TITLE)
    + "</title></head><body><nav><a href='/'>Home</a> <a href='/sport'>Sport</a></nav>"
    + "<article><h1>"
    + html.escape(TITLE)
    + "</h1>"
    + "".join(f"<p>{html.escape(p)}</p>" for p in PARAGRAPHS)
    + "</article><footer>© Port Alden Gazette</footer></body></html>"
).encode()
SLOW_S = 2.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_site_routes(router: web.UrlDispatcher) -> None:
    """The pages, then a 404 page for any other GET (so this goes after every other GET)."""
    pages: dict[str, Handler] = {
        ARTICLE_PATH: _page(200, "text/html; charset=utf-8", PAGE),
        "/old-link": _redirect(ARTICLE_PATH),
        "/loop": _redirect("/loop"),
        "/image.png": _page(200, "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 64),
        "/huge.html": _page(200, "text/html", b"<p>" + b"x" * 2_000_000),
        "/slow.html": _slow,
        "/report.pdf": _report,
        "/latin.txt": _page(
            200, "text/plain; charset=iso-8859-1", "Café crème à Paris.".encode("latin-1")
        ),
    }
    for path, handler in pages.items():
        router.add_get(path, handler)
    router.add_get("/{tail:.*}", _page(404, "text/html", b"<h1>Not found</h1>"))


def _page(status: int, content_type: str, body: bytes) -> Handler:
    async def send(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body, headers={"content-type": content_type})

    return send


def _redirect(location: str) -> Handler:
    async def send(_request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"location": location})

    return send


async def _slow(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(SLOW_S)
    return await _page(200, "text/html", PAGE)(request)


async def _report(request: web.Request) -> web.StreamResponse:
    return await _page(200, "application/pdf", _pdf())(request)


def _pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for paragraph in PARAGRAPHS[:2]:
        pdf.add_page()
        pdf.multi_cell(0, 8, paragraph.replace("—", "-"))
    return bytes(pdf.output())


def main(port: int) -> None:
    from .server import FakeServer

    with FakeServer(port=port) as server:
        print(f"{server.root}{ARTICLE_PATH}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main(int(sys.argv[1]))
