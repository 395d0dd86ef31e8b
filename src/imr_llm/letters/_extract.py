"""Raw text out of a letter file: PDF (pypdf, incl. empty-password AES decryption) or plain text.

Pages of a PDF are joined with a form feed (``\\f``) so that the repair step knows where the
page breaks were. Nothing here interprets the letter; errors name the problem, never the text.
"""

from __future__ import annotations

import logging
from pathlib import Path

from imr_llm._errors import LetterParseError
from imr_llm._files import PAGE_BREAK, PdfDecryptError, decode_bytes, pdf_pages

log = logging.getLogger(__name__)

LETTER_SUFFIXES = (".pdf", ".txt")
"""File suffixes treated as letters when a directory is scanned."""

_PDF_MAGIC = b"%PDF-"


def extract_text(path: str | Path) -> str:
    """The text of the letter at `path` (PDF by content or suffix; otherwise plain text)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise LetterParseError(f"cannot read file ({exc.strerror or exc})", path=p) from None
    if not data.strip():
        raise LetterParseError("empty file", path=p)
    if data.lstrip()[:5] == _PDF_MAGIC:
        return pdf_text(data, path=p)
    if p.suffix.lower() == ".pdf":
        raise LetterParseError("binary or unreadable file: not a PDF", path=p)
    return decode_text(data, path=p)


def decode_text(data: bytes, *, path: str | Path | None = None) -> str:
    """Decode a plain-text letter; binary junk raises `LetterParseError`."""
    if b"\x00" in data[:4096]:
        raise LetterParseError("binary or unreadable file", path=path)
    try:
        text = decode_bytes(data)
    except (
        UnicodeDecodeError
    ):  # pragma: no cover - cp1252 decodes almost anything; latin-1 always does
        text = data.decode("latin-1")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(8, len(text) // 100):
        raise LetterParseError("binary or unreadable file", path=path)
    if not text.strip():
        raise LetterParseError("empty file", path=path)
    return text


def pdf_text(data: bytes, *, path: str | Path | None = None) -> str:
    """Text of a PDF given as bytes, pages joined with `PAGE_BREAK`."""
    from pypdf.errors import PyPdfError

    try:
        try:
            pages = pdf_pages(data)
        except PdfDecryptError as exc:
            if exc.__cause__ is None:
                raise LetterParseError(
                    "encrypted PDF that does not open with an empty password", path=path
                ) from None
            raise exc.__cause__ from None  # pypdf failed while decrypting: worded as below
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        log.debug("pypdf failed on %s: %r", path, exc)
        raise LetterParseError(
            f"binary or unreadable file: broken PDF ({type(exc).__name__})", path=path
        ) from None
    text = PAGE_BREAK.join(pages)
    if not text.strip():
        raise LetterParseError("PDF has no extractable text (scanned image?)", path=path)
    return text
