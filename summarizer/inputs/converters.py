"""Documents that are not text: PDF (the `pdf` extra, pypdf) and Word (the `docx` extra,
python-docx), turned into text with where each page or paragraph starts in it.

The text is what evidence offsets index; `--save-text DIR` writes it out so that they can be
checked. Pages are joined by a blank line, so that no sentence runs from one page into the next;
so are paragraphs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

from summarizer.errors import ConversionError

PAGE_BREAK = "\n\n"
# A PDF whose pages hold less text than this has no text layer worth the name: a scan.
MIN_PDF_TEXT_CHARS = 20
# A line at least this share of the page's longest was wrapped, not ended.
WRAPPED_SHARE = 0.6

PartKind = Literal["page", "paragraph"]


@dataclass(frozen=True)
class Converted:
    text: str
    kind: PartKind
    starts: tuple[int, ...]  # offset in text where part 1, 2, ... starts


def pdf_text(raw: bytes) -> Converted:
    try:
        import pypdf
    except ImportError:
        raise ConversionError(
            "PDF support is not installed: pip install 'summarizer[pdf]'"
        ) from None
    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ConversionError("encrypted PDF: it needs a password; decrypt it first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ConversionError:
        raise
    except Exception as exc:  # pypdf raises many kinds for a damaged file
        raise ConversionError(f"not a readable PDF ({type(exc).__name__}: {exc})") from None
    if not pages:
        raise ConversionError("PDF without pages")
    if sum(len(p.strip()) for p in pages) < MIN_PDF_TEXT_CHARS:
        raise ConversionError(
            f"no text layer in its {len(pages)} page(s), a scan perhaps: run OCR first "
            "(ocrmypdf, for one)"
        )
    return _joined([unwrapped(p.strip()) for p in pages], "page")


def unwrapped(page: str) -> str:
    """A page's lines joined where the PDF only wrapped them: after a line nearly as long as
    the page's longest that ends mid-sentence, or before one that starts in lower case. Kept
    apart: short lines (headings, list items) and sentence ends."""
    lines = [line.rstrip() for line in page.split("\n")]
    longest = max((len(line) for line in lines), default=0)
    joined: list[str] = []
    for line in lines:
        if joined and _continues(joined[-1], line, longest):
            joined[-1] = f"{joined[-1]} {line.lstrip()}"
        else:
            joined.append(line)
    return "\n".join(joined)


def _continues(previous: str, line: str, longest: int) -> bool:
    if not previous.strip() or not line.strip():
        return False
    if line.lstrip()[:1].islower():
        return True
    wrapped = len(previous) >= WRAPPED_SHARE * longest
    return wrapped and not previous.endswith((".", "!", "?", ":", "”", '"', "’"))


def docx_text(raw: bytes) -> Converted:
    try:
        import docx
    except ImportError:
        raise ConversionError(
            "Word support is not installed: pip install 'summarizer[docx]'"
        ) from None
    try:
        paragraphs = [p.text.strip() for p in docx.Document(io.BytesIO(raw)).paragraphs]
    except Exception as exc:  # a zip that is not a Word file, an encrypted one, a damaged one
        raise ConversionError(
            f"not a readable Word .docx file ({type(exc).__name__}: {exc})"
        ) from None
    kept = [p for p in paragraphs if p]
    if not kept:
        raise ConversionError("Word file without text")
    return _joined(kept, "paragraph")


def _joined(parts: list[str], kind: PartKind) -> Converted:
    starts: list[int] = []
    offset = 0
    for part in parts:
        starts.append(offset)
        offset += len(part) + len(PAGE_BREAK)
    return Converted(PAGE_BREAK.join(parts), kind, tuple(starts))
