"""The blind-written synthetic case files load, list every record with its class, and are
labelled synthetic. Held-out cases are only checked for form (schema, file names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_llm.evals._case_meta import SyntheticCase
from imr_llm.evals._samples import load_dataset

ROOT = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "synthetic_blind"
BANNER = "SYNTHETIC RECORD — invented for testing, not a real patient"
CASES = sorted(p.parent for p in ROOT.glob("*/*/case.json"))

pytestmark = pytest.mark.skipif(not CASES, reason="synthetic_blind not present")


@pytest.mark.parametrize("case_dir", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case_json_lists_every_record(case_dir: Path) -> None:
    case = SyntheticCase.model_validate_json((case_dir / "case.json").read_text("utf-8"))
    assert case.case_id == case_dir.name and case.synthetic
    files = sorted(p.name for p in (case_dir / "records").iterdir() if p.is_file())
    assert sorted(d.file for d in case.documents) == files
    assert case.items and all(i.ur_outcome in ("non-certified", "modified") for i in case.items)


@pytest.mark.parametrize(
    "case_dir", [c for c in CASES if c.parent.name == "tune"], ids=lambda p: p.name
)
def test_tune_records_are_bannered_synthetic(case_dir: Path) -> None:
    for path in (case_dir / "records").glob("*.txt"):
        assert path.read_text("utf-8").splitlines()[0] == BANNER, path.name


def test_the_summary_samples_carry_outcomes_and_classes() -> None:
    samples = load_dataset(ROOT / "tune", "summary").samples
    assert samples and all(s.gold_documents for s in samples)
    assert all(s.gold_facts and s.gold_facts.request_outcomes for s in samples)
