"""The CLI: `imr-llm eval --task ...`, `imr-llm eval run ...`, `imr-llm eval compare ...`,
exit codes (gate failed 1, bad input 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imr_llm.cli import main


def _exit_code(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_eval_with_options_and_run_subcommand(
    letters_jsonl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--dataset", str(letters_jsonl), "--model", "baseline/majority", "-q", "--n-boot", "50"]
    assert _exit_code(["eval", "--task", "draft", *base, "--out", str(tmp_path / "a")]) == 0
    assert "Decision accuracy: 0.750" in capsys.readouterr().out
    assert _exit_code(["eval", "run", "--task", "draft", *base, "--out", str(tmp_path / "b")]) == 0
    a = json.loads((tmp_path / "a" / "metrics.json").read_text())
    b = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert a["metrics"] == b["metrics"]


def test_gates_set_the_exit_status(
    letters_jsonl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["eval", "--dataset", str(letters_jsonl), "--model", "baseline/majority", "-q",
            "--n-boot", "50", "--no-floor"]  # fmt: skip
    failing = [*base, "--out", str(tmp_path / "f"), "--fail-if", "decision_kappa<0.2"]
    assert _exit_code(failing) == 1
    assert "FAILED" in capsys.readouterr().err
    passing = [*base, "--out", str(tmp_path / "p"), "--fail-if", "decision_accuracy<0.5",
               "--fail-if", "metrics.decision_kappa < 0"]  # fmt: skip
    assert _exit_code(passing) == 0
    assert _exit_code([*base, "--out", str(tmp_path / "x"), "--fail-if", "kappa=1"]) == 2
    assert not (tmp_path / "x").exists()  # bad gate syntax fails before any work
    assert _exit_code([*base, "--out", str(tmp_path / "y"), "--fail-if", "nope<1"]) == 2


def test_compare_subcommand(
    letters_jsonl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, model in (("maj", "baseline/majority"), ("ext", "baseline/extractive")):
        argv = ["eval", "--dataset", str(letters_jsonl), "--model", model, "-q", "--n-boot",
                "50", "--out", str(tmp_path / name)]  # fmt: skip
        assert _exit_code(argv) == 0
    capsys.readouterr()
    runs = [str(tmp_path / "maj"), str(tmp_path / "ext")]
    out = tmp_path / "cmp"
    assert _exit_code(["eval", "compare", *runs, "--out", str(out), "--n-boot", "50"]) == 0
    printed = capsys.readouterr().out
    assert "Eval comparison" in printed and "Decisions flipped" in printed
    assert (out / "comparison.json").is_file() and (out / "report.html").is_file()
    gate = ["eval", "compare", *runs, "--n-boot", "50", "--fail-if", "delta.decision_kappa<0.5"]
    assert _exit_code(gate) == 1
    assert _exit_code(["eval", "compare", runs[0]]) == 2  # needs two runs


def test_bad_invocations_exit_2(letters_jsonl: Path, tmp_path: Path) -> None:
    assert _exit_code(["eval", "--dataset", str(letters_jsonl), "--out", str(tmp_path)]) == 2
    assert _exit_code(["eval", "--dataset", str(tmp_path / "none"), "--model",
                       "baseline/majority", "--out", str(tmp_path / "o")]) == 2  # fmt: skip
    assert _exit_code(["eval", "--task", "poem", "--dataset", str(letters_jsonl)]) == 2
    assert _exit_code(["eval", "--model", "baseline/majority", "compare", "a", "b"]) == 2


def test_workers_default_to_one_per_cpu_at_high_concurrency(
    letters_jsonl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imr_llm.evals._workers import auto_workers, can_fork

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert auto_workers(32) == (2 if can_fork() else 1)
    assert auto_workers(4) == 1 and auto_workers(32, batch=True) == 1
    monkeypatch.setattr("os.cpu_count", lambda: 16)
    assert auto_workers(64) == (4 if can_fork() else 1)

    base = ["--dataset", str(letters_jsonl), "--model", "baseline/majority", "-q", "--n-boot", "50"]
    for extra, expected in ([], 1), (["--max-concurrency", "8"], auto_workers(8)):
        out = tmp_path / f"run{len(extra)}"
        assert _exit_code(["eval", "--task", "draft", *base, *extra, "--out", str(out)]) == 0
        assert json.loads((out / "config.json").read_text())["workers"] == expected
