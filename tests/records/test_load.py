"""Ingestion of .txt, .md, .pdf files and directories into a CaseFile."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from imr_llm._errors import RecordsError
from imr_llm.records import case_from_text, load_case

from ._pdf import write_pdf


def test_txt_lines_numbered_as_in_file_and_form_feed_pages(tmp_path: Path) -> None:
    f = tmp_path / "pr2.txt"
    f.write_text("PROGRESS REPORT\n\nDate of injury: 11/02/2016\fPage two line\n", "utf-8")
    case = load_case(f)
    (doc,) = case.documents
    assert doc.id == "D1" and doc.source == str(f)
    assert doc.pages == 2
    assert [(ln.number, ln.page, ln.text) for ln in doc.lines] == [
        (1, 1, "PROGRESS REPORT"),
        (2, 1, ""),
        (3, 1, "Date of injury: 11/02/2016"),
        (4, 2, "Page two line"),
    ]


def test_md_and_directory_sorted_with_stable_ids(tmp_path: Path) -> None:
    d = tmp_path / "records"
    (d / "sub").mkdir(parents=True)
    (d / "b_ur.md").write_text("# UR\nNon-certified", "utf-8")
    (d / "a_pr2.txt").write_text("PR-2", "utf-8")
    (d / "sub" / "c.txt").write_text("nested", "utf-8")
    (d / "notes.docx").write_text("ignored: unsupported in a directory", "utf-8")
    (d / ".hidden.txt").write_text("ignored", "utf-8")
    case = load_case([d])
    assert [(doc.id, Path(doc.source).name) for doc in case.documents] == [
        ("D1", "a_pr2.txt"),
        ("D2", "b_ur.md"),
        ("D3", "c.txt"),
    ]
    assert case.documents[1].lines[0].text == "# UR"


def test_pdf_pages_and_lines(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "ur.pdf", [["UTILIZATION REVIEW", "Non-certified"], ["Page 2"]])
    (doc,) = load_case(pdf).documents
    assert doc.pages == 2
    texts = [(ln.page, ln.text.strip()) for ln in doc.lines if ln.text.strip()]
    assert texts == [(1, "UTILIZATION REVIEW"), (1, "Non-certified"), (2, "Page 2")]
    assert [ln.number for ln in doc.lines] == list(range(1, len(doc.lines) + 1))


def test_pdf_encrypted_with_empty_password_opens(tmp_path: Path) -> None:
    plain = write_pdf(tmp_path / "plain.pdf", [["Hello record"]])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    enc = tmp_path / "enc.pdf"
    with enc.open("wb") as fh:
        writer.write(fh)
    (doc,) = load_case(enc).documents
    assert any("Hello record" in ln.text for ln in doc.lines)


def test_pdf_encrypted_with_password_is_an_error_naming_the_file(tmp_path: Path) -> None:
    plain = write_pdf(tmp_path / "plain.pdf", [["secret record text"]])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="pw", owner_password="owner", algorithm="AES-128")
    enc = tmp_path / "locked.pdf"
    with enc.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(RecordsError, match=r"locked\.pdf.*encrypted") as err:
        load_case(enc)
    assert "secret record text" not in str(err.value)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"\n  \n\f\n", "empty"),
        ("scan.docx", b"PK...", "unsupported"),
        ("bad.pdf", b"not a pdf at all", "unreadable PDF"),
        ("bin.txt", b"\x00\x01\x02PHI", "binary"),
    ],
)
def test_bad_files_raise_records_error_naming_file(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(RecordsError, match=problem) as err:
        load_case(f)
    assert err.value.path == str(f)
    assert name in str(err.value)
    assert err.value.exit_code == 2


def test_missing_path_and_empty_dir(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match="no such file"):
        load_case(tmp_path / "nope.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RecordsError, match=r"no \.txt"):
        load_case(tmp_path / "empty")


def test_case_from_text() -> None:
    case = case_from_text("The injured worker is a 53 year old female.\nLine two", source="letter")
    (doc,) = case.documents
    assert (doc.id, doc.source, len(doc.lines)) == ("D1", "letter", 2)
    with pytest.raises(RecordsError):
        case_from_text("   ")
