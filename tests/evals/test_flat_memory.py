"""Flat memory: results read back one at a time or slim, the paged HTML report, bounded caches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imr_llm.evals import run_eval
from imr_llm.evals._predictors import CaseCache
from imr_llm.evals._results import SampleResult
from imr_llm.evals._samples import Sample
from imr_llm.evals._stream import iter_results, latest_offsets, slim_results

from ._builders import FakePredictor


def _result(sample_id: str, *, error: str | None = None) -> SampleResult:
    return SampleResult(
        sample_id=sample_id,
        case_id=sample_id.split("#")[0],
        task="draft",
        record="RECORD TEXT " * 50,
        gold={"decision": "Upheld"},
        prediction={"decision": "Upheld"},
        scores={"decision_correct": 1.0},
        error=error,
    )


def test_latest_line_wins_and_a_cut_line_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "results.jsonl"
    lines = [
        _result("a#0", error="ModelError: down"),
        _result("b#0"),
        _result("a#0"),
    ]
    text = "".join(r.model_dump_json() + "\n" for r in lines)
    path.write_text(text + _result("c#0").model_dump_json()[:40])  # killed mid-line
    offsets = latest_offsets(path)
    assert set(offsets) == {"a#0", "b#0"}
    assert offsets["a#0"][1] is True  # the later ok line replaced the error
    assert "skipped 1 unreadable line" in capsys.readouterr().err
    full = list(iter_results(path, ["b#0", "c#0", "a#0"], offsets=offsets))
    assert [r.sample_id for r in full] == ["b#0", "a#0"]  # in the order asked, missing skipped
    assert full[1].ok and full[1].record and full[1].prediction
    slim = slim_results(path, ["a#0", "b#0"])
    assert [r.sample_id for r in slim] == ["a#0", "b#0"]
    assert all(r.record is None and r.prediction is None and r.gold == {} for r in slim)
    assert slim[0].scores == {"decision_correct": 1.0}


def test_html_report_pages_the_sample_list(
    letters_jsonl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import imr_llm.evals._report_html as report

    monkeypatch.setattr(report, "PAGE_SIZE", 3)
    out = tmp_path / "run"
    run_eval(letters_jsonl, model=FakePredictor(), out=out, n_boot=20, progress=False, floor=False)
    main = (out / "report.html").read_text()
    pages = sorted((out / "report-samples").glob("page-*.html"))
    assert [p.name for p in pages] == ["page-2.html", "page-3.html"]  # 8 samples, 3 per page
    assert 'href="report-samples/page-2.html"' in main and "page 1 of 3" in main
    assert main.count('<details class="sample"') == 3
    last = pages[-1].read_text()
    assert last.count('<details class="sample"') == 2 and 'href="../report.html"' in last
    ids = [re.findall(r'id="s-([^"]+)"', p.read_text()) for p in [out / "report.html", *pages]]
    assert len({i for page in ids for i in page}) == 8  # every sample once, over the pages
    for page in [main, *(p.read_text() for p in pages)]:
        assert "<script" not in page.lower()
    # a re-run with fewer pages leaves no stale page behind
    monkeypatch.setattr(report, "PAGE_SIZE", 200)
    run_eval(letters_jsonl, model=FakePredictor(), out=out, n_boot=20, progress=False,
             floor=False, overwrite=True)  # fmt: skip
    assert not (out / "report-samples").exists()
    assert "page 1 of" not in (out / "report.html").read_text()


def test_case_cache_keeps_only_recent_cases() -> None:
    cache = CaseCache(max_cases=2)
    samples = [
        Sample(id=f"C{i}#0", case_id=f"C{i}", task="draft", source="s", record_text=f"Record {i}.")
        for i in range(4)
    ]
    first = cache.case(samples[0])
    assert cache.case(samples[0]) is first
    for sample in samples[1:]:
        cache.case(sample)
    assert len(cache._cases) == 2
    assert cache.case(samples[0]) is not first  # evicted, built again


@pytest.mark.parametrize("task", ["draft", "summary"])
def test_lazy_letter_samples_equal_the_eager_ones(task: str) -> None:
    from imr_llm.evals._lazy import LetterSamples, sample_ids, without
    from imr_llm.evals._samples import letter_samples, read_letters_jsonl

    gold = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "letters" / "gold.jsonl"
    eager = letter_samples(read_letters_jsonl(gold), task)  # type: ignore[arg-type]
    lazy = LetterSamples.load(gold, task)  # type: ignore[arg-type]
    assert len(lazy) == len(eager) and list(lazy) == eager
    assert lazy[5] == eager[5] and lazy[-1] == eager[-1]
    assert list(lazy[10:20]) == eager[10:20] and len(lazy[:7]) == 7
    assert sample_ids(lazy) == [s.id for s in eager]
    done = {s.id for s in eager[::2]}
    assert list(without(lazy, done)) == [s for s in eager if s.id not in done]


def test_lazy_dataset_names_a_bad_line(tmp_path: Path) -> None:
    from imr_llm._errors import InputError
    from imr_llm.evals._samples import load_dataset

    gold = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "letters" / "gold.jsonl"
    lines = gold.read_text().splitlines()[:3]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], "", lines[1], '{"source": 3}', lines[2]]) + "\n")
    with pytest.raises(InputError, match=r"bad\.jsonl: line 4 is not a DecisionLetter"):
        load_dataset(bad, "draft")
