"""A small web site on 127.0.0.1 for the fetching tests: an article page, redirects, a 404, an
image, an oversized body, a slow page, a PDF and Latin-1 text.

    python -m tests.webserver 8765     # serve it, to record cassettes/web/article.yaml
"""

from __future__ import annotations

import html
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def _pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for paragraph in PARAGRAPHS[:2]:
        pdf.add_page()
        pdf.multi_cell(0, 8, paragraph.replace("—", "-"))
    return bytes(pdf.output())


class Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = {
            ARTICLE_PATH: lambda: self._send(200, "text/html; charset=utf-8", PAGE),
            "/old-link": lambda: self._redirect(ARTICLE_PATH),
            "/loop": lambda: self._redirect("/loop"),
            "/image.png": lambda: self._send(200, "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 64),
            "/huge.html": lambda: self._send(200, "text/html", b"<p>" + b"x" * 2_000_000),
            "/slow.html": self._slow,
            "/report.pdf": lambda: self._send(200, "application/pdf", _pdf()),
            "/latin.txt": lambda: self._send(
                200, "text/plain; charset=iso-8859-1", "Café crème à Paris.".encode("latin-1")
            ),
        }
        route = routes.get(self.path.split("?")[0])
        if route is None:
            self._send(404, "text/html", b"<h1>Not found</h1>")
        else:
            route()

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("location", location)
        self.send_header("content-length", "0")
        self.end_headers()

    def _slow(self) -> None:
        time.sleep(2)
        self._send(200, "text/html", PAGE)

    def log_message(self, *args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that stops reading an oversized page is what the tests do


@contextmanager
def site(port: int = 0) -> Iterator[str]:
    """Yields the site's base URL, http://127.0.0.1:PORT."""
    server = _QuietServer(("127.0.0.1", port), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    with site(int(sys.argv[1])) as base:
        print(f"{base}{ARTICLE_PATH}", flush=True)
        threading.Event().wait()
