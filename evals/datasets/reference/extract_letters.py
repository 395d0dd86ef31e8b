"""Store the text of the public IMR letters that the guideline library and the synthetic cases
cite, so tests can check provenance offline.

Usage: python evals/datasets/reference/extract_letters.py LETTERS_DIR [SEEDS_DIR]

LETTERS_DIR holds the published (AES-encrypted, empty password) PDFs `<CASE>.pdf`; SEEDS_DIR the
seed letters as text `<stem>.txt`. Writes `letters/<CASE or stem>.txt` here for every letter named
by a starter excerpt's `source_letter` or a synthetic case's `letter_source`: the pypdf text of
each page joined by newlines (PDFs), or the seed text unchanged.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

from pypdf import PdfReader

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
STARTER = ROOT / "src" / "imr_llm" / "guidelines" / "starter"
SYNTHETIC = ROOT / "evals" / "datasets" / "synthetic"
OUT = HERE / "letters"


def pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    if reader.is_encrypted:
        reader.decrypt("")
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def cited_letters() -> set[str]:
    names = set()
    for file in STARTER.glob("*.toml"):
        letter = tomllib.loads(file.read_text(encoding="utf-8")).get("source_letter")
        if letter:
            names.add(letter)
    for file in SYNTHETIC.glob("*/case.json"):
        names.add(Path(json.loads(file.read_text(encoding="utf-8"))["letter_source"]).stem)
    return names


def main(letters_dir: Path, seeds_dir: Path | None) -> None:
    OUT.mkdir(exist_ok=True)
    for name in sorted(cited_letters()):
        pdf = letters_dir / f"{name}.pdf"
        seed = seeds_dir / f"{name}.txt" if seeds_dir else None
        if pdf.exists():
            text = pdf_text(pdf)
        elif seed is not None and seed.exists():
            text = seed.read_text(encoding="utf-8")
        else:
            print(f"missing: {name}", file=sys.stderr)
            continue
        (OUT / f"{name}.txt").write_text(text, encoding="utf-8")
        print(OUT / f"{name}.txt")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
