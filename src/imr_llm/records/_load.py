"""Read case-file documents (.txt, .md, .pdf, or directories of them) into a `CaseFile`.

Document ids are ``D1``, ``D2``, ... in the order the files are read: the paths as given, each
directory expanded to its supported files in sorted (path) order. Short ids keep the prompts
small for the local model; `Document.source` keeps the file path, and the ids are stable for a
given set of files. Lines are numbered from 1 within a document, exactly as in the file (blank
lines count, so ``[D1:12]`` is line 12 of the file's text); pages come from PDF pages or form
feeds (``\\f``) in text files. Error messages name the file, never its content (PHI).

Size limit: the records' text may total at most `max_input_mb` MB (default 20, or
`$IMR_LLM_MAX_INPUT_MB`): a larger case would start thousands of model calls. `load_records`
reads a set of files the way `parse` reads letters: a file that cannot be read is reported and
skipped, the rest are loaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from imr_llm._errors import RecordsError
from imr_llm._files import PAGE_BREAK, PdfDecryptError, decode_bytes, pdf_pages
from imr_llm.records._models import CaseFile, Document, Line

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf")
DEFAULT_MAX_INPUT_MB = 20.0
_MB = 1_000_000


def max_input_mb(value: float | None = None) -> float:
    """`value`, else `$IMR_LLM_MAX_INPUT_MB`, else DEFAULT_MAX_INPUT_MB."""
    if value is not None:
        return float(value)
    raw = os.environ.get("IMR_LLM_MAX_INPUT_MB", "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_MB
    try:
        limit = float(raw)
    except ValueError:
        raise RecordsError(f"IMR_LLM_MAX_INPUT_MB={raw!r} is not a number") from None
    if limit <= 0:
        raise RecordsError(f"IMR_LLM_MAX_INPUT_MB={raw!r} must be above 0")
    return limit


def _too_big(size: int, limit_mb: float, what: str) -> str:
    return (
        f"{what} {size / _MB:.1f} MB of text, over the {limit_mb:g} MB limit "
        "(raise it with --max-input-mb or IMR_LLM_MAX_INPUT_MB)"
    )


def _lines_from_pages(pages: list[str]) -> list[Line]:
    lines: list[Line] = []
    number = 0
    for page_no, page in enumerate(pages, start=1):
        for raw in page.splitlines():
            number += 1
            lines.append(Line(number=number, page=page_no, text=raw.rstrip()))
    return lines


def _limit(value: float | None) -> float:
    return max_input_mb(value)


def _read_text(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        msg = f"cannot read file ({exc.strerror or type(exc).__name__})"
        raise RecordsError(msg, path=path) from exc
    try:
        text = decode_bytes(raw)
    except UnicodeDecodeError as exc:
        raise RecordsError("not a UTF-8 or Windows-1252 text file", path=path) from exc
    if "\x00" in text:
        raise RecordsError("looks like a binary file, not text", path=path)
    return text.replace("\r\n", "\n").replace("\r", "\n").split(PAGE_BREAK)


def _read_pdf(path: Path) -> list[str]:
    from pypdf.errors import PdfReadError

    try:
        return pdf_pages(path)
    except PdfDecryptError as exc:
        if exc.__cause__ is None:
            raise RecordsError(
                "encrypted PDF that cannot be opened without a password", path=path
            ) from None
        raise RecordsError("encrypted PDF that cannot be opened", path=path) from exc.__cause__
    except (PdfReadError, OSError, ValueError, KeyError) as exc:
        raise RecordsError(f"unreadable PDF ({type(exc).__name__})", path=path) from exc


def read_document(path: str | Path, doc_id: str, *, limit_mb: float | None = None) -> Document:
    """Read one file into a `Document` with id `doc_id` (at most `limit_mb` MB of text)."""
    path = Path(path)
    limit = max_input_mb(limit_mb)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise RecordsError(
            f"unsupported file type {suffix or '(none)'!r}; expected one of "
            + ", ".join(SUPPORTED_SUFFIXES),
            path=path,
        )
    if not path.is_file():
        raise RecordsError("no such file", path=path)
    if suffix != ".pdf" and path.stat().st_size > limit * _MB:
        raise RecordsError(_too_big(path.stat().st_size, limit, "the file is"), path=path)
    pages = _read_pdf(path) if suffix == ".pdf" else _read_text(path)
    size = sum(len(page.encode("utf-8")) for page in pages)
    if size > limit * _MB:
        raise RecordsError(_too_big(size, limit, "the file holds"), path=path)
    lines = _lines_from_pages(pages)
    if not any(line.text.strip() for line in lines):
        raise RecordsError("empty document (no text could be extracted)", path=path)
    return Document(id=doc_id, source=str(path), pages=max(len(pages), 1), lines=lines)


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(
                f
                for f in path.rglob("*")
                if f.is_file()
                and f.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in f.relative_to(path).parts)
            )
            if not found:
                raise RecordsError("directory has no .txt, .md or .pdf files", path=path)
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise RecordsError("no such file or directory", path=path)
    return files


def _doc_size(doc: Document) -> int:
    return sum(len(line.text.encode("utf-8")) + 1 for line in doc.lines)


def load_case(
    paths: str | Path | Iterable[str | Path], *, max_input_mb: float | None = None
) -> CaseFile:
    """Load files and/or directories (expanded in sorted order) into one `CaseFile`; the
    first file that cannot be read raises RecordsError."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files = _expand(paths)
    if not files:
        raise RecordsError("no case-file documents given")
    limit = _limit(max_input_mb)
    docs: list[Document] = []
    total = 0
    for i, f in enumerate(files, start=1):
        docs.append(read_document(f, f"D{i}", limit_mb=limit))
        total += _doc_size(docs[-1])
        if total > limit * _MB:
            raise RecordsError(_too_big(total, limit, "the records are"))
    return CaseFile(documents=docs)


@dataclass
class LoadedRecords:
    """The documents that could be read, and one error per file (or argument) that could not."""

    case: CaseFile
    skipped: list[RecordsError] = field(default_factory=list)


def load_records(
    paths: str | Path | Iterable[str | Path], *, max_input_mb: float | None = None
) -> LoadedRecords:
    """Like `load_case`, but a file (or path argument) that cannot be read is skipped and
    reported in `skipped`; RecordsError only when no document could be read or the records
    together exceed the size limit. Ids are D1, D2, ... over the documents read."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    limit = _limit(max_input_mb)
    skipped: list[RecordsError] = []
    files: list[Path] = []
    for item in items:
        try:
            files.extend(_expand([item]))
        except RecordsError as exc:
            skipped.append(exc)
    docs: list[Document] = []
    total = 0
    for f in files:
        try:
            doc = read_document(f, f"D{len(docs) + 1}", limit_mb=limit)
        except RecordsError as exc:
            skipped.append(exc)
            continue
        docs.append(doc)
        total += _doc_size(doc)
        if total > limit * _MB:
            raise RecordsError(_too_big(total, limit, "the records are"))
    if not docs:
        if len(skipped) == 1:
            raise skipped[0]
        raise RecordsError(
            f"no case-file document could be read ({len(skipped)} file(s) failed)"
            if skipped
            else "no case-file documents given"
        )
    return LoadedRecords(case=CaseFile(documents=docs), skipped=skipped)


def case_from_text(text: str, *, doc_id: str = "D1", source: str = "<text>") -> CaseFile:
    """Wrap a text (e.g. a letter's clinical case summary) as a one-document `CaseFile`."""
    pages = text.replace("\r\n", "\n").replace("\r", "\n").split("\f")
    lines = _lines_from_pages(pages)
    if not any(line.text.strip() for line in lines):
        raise RecordsError("empty text", path=source)
    return CaseFile(
        documents=[Document(id=doc_id, source=source, pages=max(len(pages), 1), lines=lines)]
    )
