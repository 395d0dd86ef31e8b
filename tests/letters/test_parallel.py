"""`parse --jobs N`: worker processes, same bytes and order as one job, bounded look-ahead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from imr_llm.cli import main
from imr_llm.letters._parallel import AHEAD_PER_JOB, parse_many

SOURCES = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "letters" / "sources"


def _inputs(tmp_path: Path) -> list[Path]:
    """Seeds, a few PDFs and two bad files in between (errors must keep their place)."""
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4 not really")
    seeds = sorted((SOURCES / "seeds").glob("*.txt"))
    pdfs = sorted((SOURCES / "pdf").glob("*.pdf"))[:5]
    return [*seeds[:2], empty, *pdfs, junk, *seeds[2:]]


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_jobs_output_is_byte_identical_to_one_job(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = [str(p) for p in _inputs(tmp_path)]
    outs = {}
    errs = {}
    for jobs in ("1", "3"):
        out = tmp_path / f"jobs{jobs}.jsonl"
        code, _, err = _run(["parse", *inputs, "--jobs", jobs, "-o", str(out)], capsys)
        assert code == 2  # the two bad files
        outs[jobs] = out.read_bytes()
        errs[jobs] = err.splitlines()
    assert outs["1"] == outs["3"]
    assert len(outs["1"].splitlines()) == len(inputs) - 2
    # errors are reported in input order too, the same lines for any --jobs
    assert errs["1"] == errs["3"]
    assert "empty.txt: empty file" in errs["1"][0]
    assert "junk.pdf" in errs["1"][1]


def test_jobs_stdout_streams_in_input_order(capsys: pytest.CaptureFixture[str]) -> None:
    pdfs = sorted((SOURCES / "pdf").glob("*.pdf"))[:4]
    code, out, _ = _run(["parse", *map(str, pdfs), "-j", "2"], capsys)
    assert code == 0
    assert [line.split('"source":"')[1].split('"')[0] for line in out.splitlines()] == [
        p.name for p in pdfs
    ]


def test_parse_many_reads_a_bounded_window_ahead() -> None:
    seeds = sorted((SOURCES / "seeds").glob("*.txt"))
    pulled: list[Path] = []

    def paths() -> Iterator[Path]:
        for i in range(200):
            pulled.append(seeds[i % len(seeds)])
            yield seeds[i % len(seeds)]

    outcomes = parse_many(paths(), jobs=2)
    first = next(outcomes)
    assert first.line is not None
    # only the window is read before the first record comes out: memory does not grow with input
    assert len(pulled) <= 2 * AHEAD_PER_JOB + 1
    outcomes.close()
