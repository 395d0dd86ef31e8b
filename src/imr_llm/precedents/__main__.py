"""Regenerate the shipped precedent corpus from the gold letters:

python -m imr_llm.precedents [evals/datasets/letters/gold.jsonl]
"""

from __future__ import annotations

import sys
from pathlib import Path

from imr_llm.letters import load_letters
from imr_llm.precedents._corpus import default_corpus_file, precedents_from_letters


def main() -> None:
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "evals/datasets/letters/gold.jsonl")
    rows = precedents_from_letters(load_letters(source))
    out = default_corpus_file()
    out.write_text("".join(r.model_dump_json() + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} precedents to {out}")


if __name__ == "__main__":
    main()
