"""The shared file readers (`imr_llm._files`) behind `imr_llm.letters` and `imr_llm.records`:
one reading of PDFs and text, each caller's own wording of what fails."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.errors import DependencyError, PdfReadError

from imr_llm._errors import LetterParseError, RecordsError
from imr_llm._files import PdfDecryptError, decode_bytes, pdf_pages
from imr_llm.letters import extract_text
from imr_llm.records import read_document

from ._pdf import write_pdf


def _encrypted(tmp_path: Path, user_password: str) -> Path:
    plain = write_pdf(tmp_path / "plain.pdf", [["Hello record"], ["Page two"]])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    path = tmp_path / "enc.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def test_pdf_pages_from_bytes_or_path_open_with_the_empty_password(tmp_path: Path) -> None:
    path = _encrypted(tmp_path, "")
    assert pdf_pages(path) == pdf_pages(path.read_bytes()) == ["Hello record\n", "Page two\n"]


def test_pdf_pages_refused_password(tmp_path: Path) -> None:
    with pytest.raises(PdfDecryptError) as err:
        pdf_pages(_encrypted(tmp_path, "pw"))
    assert err.value.__cause__ is None


def test_decode_bytes_utf8_then_cp1252() -> None:
    assert decode_bytes("\ufeffcafé".encode()) == "café"
    assert decode_bytes("café’".encode("cp1252")) == "café’"
    with pytest.raises(UnicodeDecodeError):
        decode_bytes(b"undefined in cp1252: \x81")


@pytest.mark.parametrize(
    ("raised", "letters", "records"),
    [
        (PdfReadError("x"), r"broken PDF \(PdfReadError\)", "encrypted PDF that cannot be opened"),
        (DependencyError("x"), None, "encrypted PDF that cannot be opened"),
    ],
)
def test_decryption_failure_keeps_each_callers_wording(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    raised: Exception,
    letters: str | None,
    records: str,
) -> None:
    path = _encrypted(tmp_path, "")

    def fail(self: PdfReader, password: str) -> None:
        raise raised

    monkeypatch.setattr(pypdf.PdfReader, "decrypt", fail)
    with pytest.raises(RecordsError, match=rf"enc\.pdf: {records}$"):
        read_document(path, "D1")
    if letters is None:  # letters leave pypdf's non-PDF errors (e.g. missing crypto) unwrapped
        with pytest.raises(type(raised)):
            extract_text(path)
    else:
        with pytest.raises(LetterParseError, match=rf"enc\.pdf: .*{letters}"):
            extract_text(path)
