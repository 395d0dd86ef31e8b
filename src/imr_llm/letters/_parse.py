"""Letter files -> `DecisionLetter`: the public entry points of `imr_llm.letters`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from imr_llm._errors import LetterParseError
from imr_llm.letters._extract import LETTER_SUFFIXES, extract_text
from imr_llm.letters._header import parse_header
from imr_llm.letters._items import parse_items
from imr_llm.letters._models import DecisionLetter
from imr_llm.letters._notice2013 import is_notice2013, parse_notice2013
from imr_llm.letters._repair import repair
from imr_llm.letters._reviewer import parse_reviewer
from imr_llm.letters._sections import split_sections, summary_text

log = logging.getLogger(__name__)


def parse_letter_text(text: str, source: str) -> DecisionLetter:
    """Parse the extracted text of one letter; `source` names it (file name) in the record
    and in errors."""
    if not text.strip():
        raise LetterParseError("empty file", path=source)
    from imr_llm.records._load import max_input_mb

    limit = max_input_mb()
    if len(text) > limit * 1_000_000:
        raise LetterParseError(
            f"{len(text) / 1_000_000:.1f} MB of text, over the {limit:g} MB input limit for one "
            "letter (raise it with IMR_LLM_MAX_INPUT_MB)",
            path=source,
        )
    doc = "\n".join(repair(text))
    if is_notice2013(doc):
        return parse_notice2013(doc, source, text)
    sections = split_sections(doc, path=source)
    header = parse_header(sections.header)
    return DecisionLetter(
        source=Path(source).name,
        case_number=header.case_number,
        date_assigned=header.date_assigned,
        date_of_injury=header.date_of_injury,
        decision_date=header.decision_date,
        ur_denial_date=header.ur_denial_date,
        application_received=header.application_received,
        priority=header.priority,
        reviewer=parse_reviewer(sections.credentials),
        clinical_case_summary=summary_text(sections.summary),
        items=parse_items(sections.issues, path=source),
    )


def parse_letter(path: str | Path) -> DecisionLetter:
    """Parse one letter file (.pdf, encrypted or not, or .txt)."""
    p = Path(path)
    letter = parse_letter_text(extract_text(p), str(p))
    log.debug("parsed %s: %d items", p, len(letter.items))
    return letter


def letter_paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """Letter files named by `paths`: files as given, directories scanned (recursively, sorted)
    for .pdf/.txt files. A path that does not exist raises `LetterParseError`."""
    if isinstance(paths, str | Path):
        paths = [paths]
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found.extend(
                sorted(
                    f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in LETTER_SUFFIXES
                )
            )
        elif p.is_file():
            found.append(p)
        else:
            raise LetterParseError("no such file or directory", path=p)
    return found


def load_letters(path: str | Path | Iterable[str | Path]) -> list[DecisionLetter]:
    """Gold letters from parsed JSON Lines file(s) and/or letter files and directories.

    Each path may be a JSON Lines file of `DecisionLetter` records (``.jsonl``, or any file
    starting with ``{``), a letter file (.pdf/.txt) or a directory of letter files; the result
    keeps the given order. A file that cannot be read or parsed raises `LetterParseError`.
    """
    paths = [path] if isinstance(path, str | Path) else list(path)
    letters: list[DecisionLetter] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file() and _is_jsonl(p):
            letters.extend(read_jsonl(p))
        else:
            letters.extend(parse_letter(f) for f in letter_paths(p))
    return letters


def _is_jsonl(path: Path) -> bool:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return True
    if path.suffix.lower() in LETTER_SUFFIXES:
        return False
    with path.open("rb") as fh:
        return fh.read(1) == b"{"


def read_jsonl(path: Path) -> list[DecisionLetter]:
    """`DecisionLetter` records from a JSON Lines file (one object per line, blanks skipped)."""
    letters = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                letters.append(DecisionLetter.model_validate(json.loads(line)))
            except (json.JSONDecodeError, ValidationError) as exc:
                kind = (
                    "invalid JSON"
                    if isinstance(exc, json.JSONDecodeError)
                    else (f"not a DecisionLetter record ({exc.error_count()} validation errors)")
                )
                raise LetterParseError(f"line {lineno}: {kind}", path=path) from None
    return letters


def to_jsonl_line(letter: DecisionLetter) -> str:
    """One JSON Lines record (no trailing newline) for `letter`."""
    return letter.model_dump_json()
