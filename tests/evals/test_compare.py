"""compare_runs: paired deltas, flipped decisions, gates; prompt variants as sub-runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imr_llm._errors import GateFailed, InputError
from imr_llm.drafting import default_prompts_dir
from imr_llm.evals import compare_runs, run_eval

from ._builders import FakePredictor

FAST = {"n_boot": 50, "progress": False, "floor": False}


def _two_runs(letters_jsonl: Path, tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "majority", tmp_path / "fake"
    run_eval(letters_jsonl, model="baseline/majority", out=a, **FAST)
    # the fake overturns Acupuncture (gold Overturned) and Gym membership (gold Upheld)
    fake = FakePredictor(
        decide=lambda s: (
            "Overturned" if s.request in ("Acupuncture x6", "Gym membership") else "Upheld"
        )
    )
    run_eval(letters_jsonl, model=fake, out=b, **FAST)
    return a, b


def test_compare_deltas_and_flips(letters_jsonl: Path, tmp_path: Path) -> None:
    a, b = _two_runs(letters_jsonl, tmp_path)
    comparison = compare_runs([a, b], out=tmp_path / "cmp", n_boot=200, seed=0)
    [delta] = comparison["deltas"]
    acc = delta["metrics"]["decision_accuracy"]
    # majority 6/8; fake: 6/8 too (one Overturned right, one Upheld wrong): delta 0
    assert (acc["a"], acc["b"], acc["delta"]) == (0.75, 0.75, 0.0)
    kappa = delta["metrics"]["decision_kappa"]
    # fake: confusion [[5,1],[1,1]]; p_o = 6/8; p_e = (6/8)(6/8) + (2/8)(2/8) = 40/64
    # kappa = (48/64 - 40/64) / (24/64) = 1/3; majority 0 -> delta 1/3
    assert kappa["delta"] == pytest.approx(1 / 3)
    assert kappa["low"] <= kappa["delta"] <= kappa["high"]
    assert delta["n_shared"] == 8
    assert {f["sample_id"] for f in delta["flipped"]} == {"CM16-0000002#2", "CM16-0000005#2"}
    saved = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    assert saved["deltas"][0]["n_flipped"] == 2
    assert compare_runs([a, b], n_boot=200, seed=0)["deltas"] == comparison["deltas"]


def test_compare_gates(letters_jsonl: Path, tmp_path: Path) -> None:
    a, b = _two_runs(letters_jsonl, tmp_path)
    compare_runs([a, b], n_boot=50, fail_if=["delta.decision_kappa<0.3"])  # 1/3 >= 0.3: passes
    with pytest.raises(GateFailed, match=r"delta\.decision_kappa"):
        compare_runs([a, b], n_boot=50, fail_if=["delta.decision_kappa<0.5"])
    with pytest.raises(GateFailed, match="majority"):  # plain gates check every run
        compare_runs([a, b], n_boot=50, fail_if=["decision_kappa<0.2"])


def test_compare_refuses_mixed_tasks_and_non_runs(letters_jsonl: Path, tmp_path: Path) -> None:
    a, _ = _two_runs(letters_jsonl, tmp_path)
    s = tmp_path / "summary"
    run_eval(letters_jsonl, task="summary", model="baseline/majority", out=s, **FAST)
    with pytest.raises(InputError, match="different tasks"):
        compare_runs([a, s])
    with pytest.raises(InputError, match=r"metrics\.json"):
        compare_runs([a, tmp_path])


def test_prompt_variants_are_sub_runs_with_a_combined_report(
    letters_jsonl: Path, tmp_path: Path
) -> None:
    variants = []
    for name, extra in (("terse", "Be terse."), ("formal", "Write formally.")):
        directory = tmp_path / "prompts" / name
        directory.mkdir(parents=True)
        system = (default_prompts_dir() / "system.j2").read_text(encoding="utf-8")
        (directory / "system.j2").write_text(system + "\n" + extra + "\n", encoding="utf-8")
        variants.append(directory)
    out = tmp_path / "runs" / "variants"
    run = run_eval(letters_jsonl, model="baseline/majority", out=out, prompts=variants, **FAST)
    assert [v.name for v in run.variants] == ["terse", "formal"]
    versions = set()
    for name in ("terse", "formal"):
        config = json.loads((out / name / "config.json").read_text())
        assert config["variant"] == name
        versions.add(config["prompts_version"])
        assert (out / name / "metrics.json").is_file()
    assert len(versions) == 2  # different templates, different versions
    assert run.comparison is not None
    assert [r["name"] for r in run.comparison["runs"]] == ["terse", "formal"]
    for name in ("comparison.json", "report.md", "report.html"):
        assert (out / name).is_file()
    assert 'href="terse/report.html"' in (out / "report.html").read_text()
