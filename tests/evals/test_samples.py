"""Datasets -> samples: parsed JSONL, letter directories (bad files reported), synthetic cases."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from imr_llm._errors import InputError, LetterParseError
from imr_llm.evals import load_dataset
from imr_llm.evals._samples import age_sex, sample_fingerprint

ROOT = Path(__file__).resolve().parents[2]
SEEDS = Path("/work/shared/seeds")
SYNTHETIC = ROOT / "evals" / "datasets" / "synthetic"


def test_jsonl_draft_samples_are_items(letters_jsonl: Path) -> None:
    data = load_dataset(letters_jsonl, "draft")
    assert data.kind == "letters-jsonl"
    assert len(data.samples) == 8
    first = data.samples[1]
    assert first.id == "CM16-0000002#1"
    assert first.case_id == "CM16-0000002"
    assert first.request == "MRI lumbar spine"
    assert first.gold_decision == "Upheld"
    assert first.record_text and "45 year old male" in first.record_text
    assert [s.gold_decision for s in data.samples].count("Upheld") == 6


def test_jsonl_summary_samples_have_letter_key_facts(letters_jsonl: Path) -> None:
    data = load_dataset(letters_jsonl, "summary")
    assert len(data.samples) == 5
    facts = data.samples[1].gold_facts
    assert facts is not None
    assert (facts.age, facts.sex) == (45, "male")
    assert facts.date_of_injury == dt.date(2015, 3, 4)
    assert facts.ur_date == dt.date(2016, 11, 1)
    assert facts.ur_outcome == "non-certified"
    assert facts.disputed_requests == ["MRI lumbar spine", "Acupuncture x6"]
    assert facts.body_parts == []  # not stated by a letter: not scored


def test_fingerprint_is_stable(letters_jsonl: Path) -> None:
    a = load_dataset(letters_jsonl, "draft").samples
    assert sample_fingerprint(a) == sample_fingerprint(load_dataset(letters_jsonl, "draft").samples)
    assert sample_fingerprint(a) != sample_fingerprint(a[:-1])


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seed letters not present")
def test_letter_directory_skips_bad_files_unless_strict(tmp_path: Path) -> None:
    for seed in sorted(SEEDS.glob("*.txt"))[:2]:
        shutil.copy(seed, tmp_path / seed.name)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "not_a_letter.txt").write_text("hello <b>world</b>\n", encoding="utf-8")
    data = load_dataset(tmp_path, "draft")
    assert data.kind == "letters"
    assert len({s.case_id for s in data.samples}) == 2
    assert [Path(s.path).name for s in data.skipped] == ["not_a_letter.txt"]
    with pytest.raises(LetterParseError):
        load_dataset(tmp_path, "draft", strict=True)


def test_directory_without_letters_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no letters"):
        load_dataset(tmp_path, "draft")
    with pytest.raises(InputError, match="not found"):
        load_dataset(tmp_path / "missing", "draft")


@pytest.mark.skipif(not (SYNTHETIC / "CM17-0005177").is_dir(), reason="no synthetic demo case")
def test_synthetic_cases() -> None:
    draft = load_dataset(SYNTHETIC, "draft")
    assert draft.kind == "synthetic"
    sample = next(s for s in draft.samples if s.case_id == "CM17-0005177")
    assert sample.request and sample.gold_decision and sample.record_paths
    assert sample.gold_item is None
    summary = load_dataset(SYNTHETIC / "CM17-0005177", "summary")
    assert len(summary.samples) == 1
    assert summary.samples[0].gold_facts is not None
    assert summary.samples[0].gold_facts.age == 53


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22 year old male with date of injury", (22, "male")),
        ("The injured worker is a 52-year-old female who", (52, "female")),
        ("This 61 year old right-handed man reported", (61, "male")),
        ("no demographics here", (None, None)),
    ],
)
def test_age_sex(text: str, expected: tuple[int | None, str | None]) -> None:
    assert age_sex(text) == expected
