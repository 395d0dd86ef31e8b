"""The synthetic case files are valid, labelled synthetic, carry their planted noise, and agree
with the real letter they were written from (where that is cheap to check)."""

from __future__ import annotations

import datetime as dt
import os
import re
from functools import cache
from pathlib import Path

import pytest

from imr_llm.evals._case_meta import SyntheticCase

ROOT = Path(__file__).resolve().parents[2]
SYNTHETIC = ROOT / "evals" / "datasets" / "synthetic"
STORED_LETTERS = ROOT / "evals" / "datasets" / "reference" / "letters"
BANNER = "SYNTHETIC RECORD — invented for testing, not a real patient"
CASE_DIRS = sorted(p.parent for p in SYNTHETIC.glob("*/case.json"))
DEMO_CASE = "CM17-0005177"


def load(case_dir: Path) -> SyntheticCase:
    return SyntheticCase.model_validate_json((case_dir / "case.json").read_text(encoding="utf-8"))


def record_text(path: Path) -> str:
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return path.read_text(encoding="utf-8")


def normalize(text: str) -> str:
    text = text.replace("<<<PAGEBREAK>>>", " ")
    return re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text)).strip()


def _published_dir() -> Path | None:
    env = os.environ.get("IMR_LLM_LETTERS_DIR")
    for candidate in (Path(env) if env else None, ROOT.parent / "shared" / "imr-letters"):
        if candidate is not None and candidate.is_dir():
            return candidate
    return None


@cache
def letter_text(letter_source: str) -> str:
    """The real letter's text: read from the published PDF with pypdf when it is available,
    else the copy stored in evals/datasets/reference/letters/."""
    stem = Path(letter_source).stem
    published = _published_dir()
    if letter_source.endswith(".pdf") and published and (published / letter_source).exists():
        from pypdf import PdfReader

        reader = PdfReader(published / letter_source)
        if reader.is_encrypted:
            reader.decrypt("")
        return normalize("\n".join(page.extract_text() or "" for page in reader.pages))
    stored = STORED_LETTERS / f"{stem}.txt"
    assert stored.is_file(), f"letter text for {letter_source} is not stored in {STORED_LETTERS}"
    return normalize(stored.read_text(encoding="utf-8"))


def test_dataset_has_demo_case_and_enough_cases() -> None:
    assert (SYNTHETIC / DEMO_CASE / "records").is_dir()
    assert len(CASE_DIRS) >= 1


@pytest.mark.parametrize("case_dir", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_case_json_is_valid(case_dir: Path) -> None:
    case = load(case_dir)
    assert case.synthetic is True
    assert case.case_id == case_dir.name
    if case.case_id.startswith("CM"):
        assert f"Case Number: {case.case_id}" in letter_text(case.letter_source)
    else:
        assert Path(case.letter_source).stem == case.case_id
    assert case.items, "a case needs the real letter's items"
    assert case.facts.disputed_requests


@pytest.mark.parametrize("case_dir", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_records_are_labelled_synthetic(case_dir: Path) -> None:
    records = sorted((case_dir / "records").iterdir())
    assert 3 <= len(records) <= 8, "a case file has 3-8 documents"
    for path in records:
        first_line = record_text(path).strip().splitlines()[0].strip()
        assert first_line == BANNER, f"{path.name} does not start with the synthetic banner"


@pytest.mark.parametrize("case_dir", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_planted_noise_exists(case_dir: Path) -> None:
    case = load(case_dir)
    kinds = {p.kind for p in case.planted}
    assert {"irrelevant_note", "copied_forward"} <= kinds
    for planted in case.planted:
        path = case_dir / "records" / planted.document
        assert path.is_file(), f"planted document {planted.document} missing"
        text = record_text(path)
        if planted.kind == "injected_instruction":
            assert re.search(r"ignore (all )?(prior|previous) instructions", text, re.I)
        if "'{{'" in planted.description:
            assert "{{" in text and "{%" in text


def test_dataset_plants_injection_and_template_characters() -> None:
    texts = [record_text(p) for d in CASE_DIRS for p in (d / "records").iterdir()]
    assert any("{{" in t and "{%" in t for t in texts)
    kinds = [p.kind for d in CASE_DIRS for p in load(d).planted]
    assert kinds.count("injected_instruction") >= 1


def _dates_in(text: str) -> set[dt.date]:
    found = set()
    for m, d, y in re.findall(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})\b", text):
        year = int(y) + (2000 if len(y) == 2 else 0)
        try:
            found.add(dt.date(year, int(m), int(d)))
        except ValueError:
            continue
    for month, d, y in re.findall(r"\b([A-Z][a-z]+) (\d{1,2}), (\d{4})", text):
        try:
            found.add(dt.datetime.strptime(f"{month} {d} {y}", "%B %d %Y").date())
        except ValueError:
            continue
    return found


@pytest.mark.parametrize("case_dir", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_consistent_with_real_letter(case_dir: Path) -> None:
    case = load(case_dir)
    letter = letter_text(case.letter_source)
    facts = case.facts
    header = re.search(r"Date of Injury: ?(\d{2})/(\d{2})/(\d{4})", letter)
    if header and facts.date_of_injury:
        month, day, year = (int(x) for x in header.groups())
        assert facts.date_of_injury == dt.date(year, month, day)
    dates = _dates_in(letter)
    for value in (facts.date_of_injury, facts.ur_date):
        if value is not None:
            assert value in dates, f"{value} is not a date the letter mentions"
    if facts.age is not None:
        ages = {int(a) for a in re.findall(r"\b(\d{2}) ?-?year-?\s?old", letter)}
        assert not ages or facts.age in ages
    for item in case.items:
        request = normalize(item.request)
        assert f"{request}: {item.decision}" in letter or f"{request} is: {item.decision}" in (
            letter
        ), f"item not in letter: {item.request!r}"
    outcomes = len(re.findall(r": ?(?:Upheld|Overturned)\b", letter))
    assert len(case.items) == outcomes, "the letter has a different number of items"


def test_a_record_ships_as_pdf_and_matches_its_source() -> None:
    pdfs = sorted(SYNTHETIC.glob("*/records/*.pdf"))
    assert pdfs, "at least one record ships as PDF (evals/datasets/synthetic/make_pdfs.py)"
    pytest.importorskip("fpdf")
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_pdfs", SYNTHETIC / "make_pdfs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert {SYNTHETIC / p for p in module.PDF_RECORDS} == set(pdfs)
    for relative, text in module.PDF_RECORDS.items():
        extracted = normalize(record_text(SYNTHETIC / relative))
        assert extracted == normalize(BANNER + "\n" + text), f"{relative} is stale: rerun make_pdfs"
