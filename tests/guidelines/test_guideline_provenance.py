"""Provenance: no invented wording in the starter library.

Every fragment of a `decision-quote` excerpt's text (fragments are separated by '...') must be
found, whitespace-normalised, in the text of the public letter it cites
(`evals/datasets/reference/letters/<source_letter>.txt`); every fragment of a `regulation`
excerpt in the reference notes (`evals/datasets/reference/mtus-notes.md`). The stored letter
texts are checked against the published PDFs when those are available.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from imr_llm.guidelines import Excerpt, load_library

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "evals" / "datasets" / "reference"
LETTERS = REFERENCE / "letters"
NOTES = REFERENCE / "mtus-notes.md"
EXCERPTS = list(load_library())


def normalize(text: str) -> str:
    """Whitespace and page-furniture insensitive form; hyphens broken across lines rejoined."""
    text = text.replace("<<<PAGEBREAK>>>", " ")
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"-\s+", "-", text).strip()


def fragments(text: str) -> list[str]:
    return [f for f in (normalize(p) for p in re.split(r"\.\.\.|…", text)) if f]


def source_text(excerpt: Excerpt) -> str:
    if excerpt.kind == "regulation":
        return normalize(NOTES.read_text(encoding="utf-8"))
    path = LETTERS / f"{excerpt.source_letter}.txt"
    assert path.is_file(), f"{excerpt.id}: cited letter text {path.name} is not stored"
    return normalize(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("excerpt", EXCERPTS, ids=[e.id for e in EXCERPTS])
def test_text_is_verbatim_from_its_source(excerpt: Excerpt) -> None:
    source = source_text(excerpt)
    for fragment in fragments(excerpt.text):
        assert fragment in source, f"{excerpt.id}: not in source: {fragment[:80]!r}"


@pytest.mark.parametrize("excerpt", EXCERPTS, ids=[e.id for e in EXCERPTS])
def test_source_metadata_names_the_letter(excerpt: Excerpt) -> None:
    if excerpt.kind == "decision-quote":
        assert excerpt.source_letter and excerpt.source_letter in excerpt.source
    else:
        assert excerpt.source_url or "CCR" in excerpt.source or "Labor Code" in excerpt.source


def test_excerpts_are_short() -> None:
    """ODG/ACOEM wording is copyrighted: keep each excerpt to a short quotation."""
    for excerpt in EXCERPTS:
        assert len(excerpt.text.split()) <= 200, excerpt.id


def test_provenance_check_catches_invented_wording() -> None:
    excerpt = EXCERPTS[0].model_copy(update={"text": EXCERPTS[0].text + " ... Invented rule."})
    source = source_text(excerpt)
    assert not all(f in source for f in fragments(excerpt.text))


def _letters_dir() -> Path | None:
    for candidate in (
        os.environ.get("IMR_LLM_LETTERS_DIR"),
        ROOT / "evals" / "datasets" / "letters" / "sources" / "pdf",  # shipped copies
        ROOT.parent / "shared" / "imr-letters",
    ):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def test_stored_letter_texts_match_published_pdfs() -> None:
    letters_dir = _letters_dir()
    if letters_dir is None:
        pytest.skip("published letter PDFs not available (set IMR_LLM_LETTERS_DIR)")
    from pypdf import PdfReader

    checked = 0
    for stored in sorted(LETTERS.glob("CM*.txt")):
        pdf = letters_dir / f"{stored.stem}.pdf"
        if not pdf.exists():
            continue
        reader = PdfReader(pdf)
        if reader.is_encrypted:
            reader.decrypt("")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        assert normalize(text) == normalize(stored.read_text(encoding="utf-8")), stored.name
        checked += 1
    assert checked > 0


def _squash(text: str) -> str:
    return re.sub(r"[\s-]+", "", text).lower()


@pytest.mark.parametrize(
    "excerpt",
    [e for e in EXCERPTS if e.kind == "decision-quote" and e.basis == "MTUS"],
    ids=lambda e: e.id,
)
def test_mtus_citation_matches_the_source_letters_own_line(excerpt: Excerpt) -> None:
    """The line built from metadata is the one the cited letter itself wrote (for MTUS)."""
    cited = excerpt.citation().text.removeprefix("Decision based on MTUS ").rstrip(".")
    assert _squash(cited) in _squash(source_text(excerpt)), cited
