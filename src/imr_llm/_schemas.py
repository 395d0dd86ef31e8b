"""JSON Schemas in `schemas/` are generated from the contract models, never edited by hand.

Regenerate with `python -m imr_llm._schemas` (or `make schemas`); a test fails on drift.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from imr_llm.drafting._models import CaseSummary, ItemDraft, LetterDraft
from imr_llm.evals._case_meta import SyntheticCase
from imr_llm.evals._config import EvalConfig
from imr_llm.evals._eval_results import EvalResults
from imr_llm.guidelines._models import Excerpt
from imr_llm.letters._models import DecisionLetter
from imr_llm.records._models import CaseFile
from imr_llm.review._export import ReviewExport

SCHEMAS: dict[str, type[BaseModel]] = {
    "decision_letter": DecisionLetter,
    "case_file": CaseFile,
    "case_summary": CaseSummary,
    "item_draft": ItemDraft,
    "letter_draft": LetterDraft,
    "synthetic_case": SyntheticCase,
    "eval_config": EvalConfig,  # a run's config.json
    "eval_results": EvalResults,  # a run's metrics.json
    "guideline_excerpt": Excerpt,
    "review_export": ReviewExport,
}


def render(model: type[BaseModel]) -> str:
    """The schema file's exact text for `model`."""
    return json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = directory / f"{name}.json"
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("schemas")
    for p in write(target):
        print(p)
