"""Text out of letter and case-record files, shared by `imr_llm.letters` and `imr_llm.records`
(no imports from the rest of imr_llm): the text of each page of a PDF (pypdf, incl. the
empty-password AES decryption the published letters need) and the decoding of a text file.

Only the reading lives here; each caller keeps its own policy and wording: which pypdf errors
mean "broken PDF", what an unopenable encrypted PDF is called, what happens to text that decodes
neither as UTF-8 nor as Windows-1252, and the error messages naming the file (never its text).
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

PAGE_BREAK = "\f"
"""Page separator: between the pages of an extracted PDF, and a page break in a text file."""

TEXT_ENCODINGS = ("utf-8-sig", "cp1252")
"""Encodings tried in order for a text file (UTF-8 with its BOM dropped, then Windows-1252)."""


class PdfDecryptError(Exception):
    """An encrypted PDF that the empty password does not open. Its `__cause__` is the exception
    pypdf raised while trying (e.g. a missing crypto dependency); None when the password was
    refused."""


def pdf_pages(source: bytes | str | Path) -> list[str]:
    """The text of each page of a PDF given as bytes or a path ("" for a page without text).

    An encrypted PDF is opened with the empty password; `PdfDecryptError` if that fails. Other
    errors (pypdf's, or OSError reading a path) propagate for the caller to word.
    """
    from pypdf import PdfReader

    reader = PdfReader(BytesIO(source) if isinstance(source, bytes) else str(source))
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # pypdf raises several types (incl. missing crypto deps)
            raise PdfDecryptError() from exc
        if not opened:
            raise PdfDecryptError()
    return [page.extract_text() or "" for page in reader.pages]


def decode_bytes(data: bytes) -> str:
    """`data` decoded with the first of `TEXT_ENCODINGS` that fits; UnicodeDecodeError (the
    last encoding's) if none does."""
    for encoding in TEXT_ENCODINGS[:-1]:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode(TEXT_ENCODINGS[-1])
