"""Bad input: one LetterParseError naming the file and the problem, never the letter's text."""

from __future__ import annotations

from pathlib import Path

import pytest
from letters_factory import Item, make_letter

from imr_llm._errors import InputError, LetterParseError
from imr_llm.letters import parse_letter, parse_letter_text


def _pdf_with_text(text: str) -> bytes:
    """A minimal one-page PDF showing `text` (Helvetica), xref offsets computed."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _expect(path: Path, message: str) -> LetterParseError:
    with pytest.raises(LetterParseError) as info:
        parse_letter(path)
    err = info.value
    assert isinstance(err, InputError) and err.exit_code == 2
    assert err.path == str(path) and str(err).startswith(f"{path}: ")
    assert message in str(err)
    assert "\n" not in str(err)
    return err


def test_empty_and_blank_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text(" \n\n \t\n")
    _expect(tmp_path / "empty.txt", "empty file")
    _expect(tmp_path / "blank.txt", "empty file")


def test_binary_junk(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 8
    (tmp_path / "junk.txt").write_bytes(junk)
    (tmp_path / "junk.pdf").write_bytes(junk)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n" + junk)
    _expect(tmp_path / "junk.txt", "binary or unreadable file")
    _expect(tmp_path / "junk.pdf", "binary or unreadable file")
    _expect(tmp_path / "broken.pdf", "binary or unreadable file")


def test_blank_pdf_page(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    path = tmp_path / "blank.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    _expect(path, "no extractable text")


def test_pdf_that_is_not_an_imr_letter(tmp_path: Path) -> None:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(_pdf_with_text("Invoice 42: three boxes of paper, paid in full"))
    err = _expect(path, "not an IMR final determination letter")
    assert "IMR ISSUES, DECISIONS AND RATIONALES" in str(err)
    assert "Invoice" not in str(err)


def test_letter_cut_off_before_items(tmp_path: Path) -> None:
    text = make_letter([Item("MRI of the knee")])
    path = tmp_path / "cut.txt"
    path.write_text(text[: text.index("The Final Determination was based")])
    _expect(path, "cut off before its items")


def test_letter_cut_off_before_the_decisions_section(tmp_path: Path) -> None:
    text = make_letter([Item("MRI of the knee")])
    path = tmp_path / "cut.txt"
    path.write_text(text[: text.index("IMR ISSUES")])
    _expect(path, "no 'IMR ISSUES, DECISIONS AND RATIONALES' section")


def test_missing_file(tmp_path: Path) -> None:
    _expect(tmp_path / "nope.pdf", "cannot read file")


def test_messages_never_carry_letter_text() -> None:
    text = make_letter([Item("Secret request name")])
    cut = text[: text.index("MAXIMUS guideline:")]
    with pytest.raises(LetterParseError) as info:
        parse_letter_text(cut, "cut.txt")
    message = str(info.value)
    assert "cut off" in message
    for fragment in ("Secret", "injured worker", "Low Back", "CM17-0001234"):
        assert fragment not in message
