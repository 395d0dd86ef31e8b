"""Limits: records size (configurable, one clear line), a bad file in a records directory is
reported and skipped by summarize and draft (exit 2, output still written), and user templates
cannot hang or flood the machine (one-line PromptError, bounded time)."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

import imr_llm.llm
from imr_llm._errors import PromptError, RecordsError
from imr_llm.cli import main
from imr_llm.drafting._prompts import PromptSet
from imr_llm.records import load_case

from .conftest import SUMMARY_SCRIPT, ScriptedModel, item_script


def _code(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture
def scripted_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import FakeLibrary

    script = {**SUMMARY_SCRIPT, **item_script(2)}
    monkeypatch.setattr(imr_llm.llm, "get_model", lambda *a, **k: ScriptedModel(script))
    monkeypatch.setattr("imr_llm.guidelines.load_library", lambda path=None: FakeLibrary())


def test_records_over_the_size_limit_are_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.txt"
    big.write_text("Progress note line with findings.\n" * 40_000, "utf-8")  # 1.36 MB
    with pytest.raises(RecordsError, match=r"1\.4 MB of text, over the 1 MB limit"):
        load_case(big, max_input_mb=1)
    assert len(load_case(big, max_input_mb=2).documents[0].lines) == 40_000
    # several files together
    (tmp_path / "d").mkdir()
    for i in range(3):
        (tmp_path / "d" / f"n{i}.txt").write_text("Note.\n" * 100_000, "utf-8")  # 0.6 MB
    with pytest.raises(RecordsError, match=r"the records are 1\.2 MB"):
        load_case(tmp_path / "d", max_input_mb=1)
    monkeypatch.setenv("IMR_LLM_MAX_INPUT_MB", "1")
    assert _code(["summarize", str(big), "--model", "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "IMR_LLM_MAX_INPUT_MB" in err and "findings" not in err


@pytest.mark.parametrize("command", ["summarize", "draft"])
def test_a_bad_file_in_a_directory_is_reported_and_skipped(
    records_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    scripted_model: None,
    command: str,
) -> None:
    (records_dir / "scan.pdf").write_bytes(b"%PDF-1.4 broken")
    (records_dir / "zz-empty.txt").write_text("\n\n", "utf-8")
    out = tmp_path / "out" / f"{command}.json"
    extra = ["--item", "PT 3x2"]
    argv = [command, str(records_dir), "-o", str(out), *(extra if command == "draft" else [])]
    code = _code(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    skipped = [line for line in err.splitlines() if " skipped " in line]
    assert len(skipped) == 2
    assert any("scan.pdf" in line for line in skipped)
    assert any("zz-empty.txt" in line for line in skipped)
    assert "2 record file(s) could not be read" in err
    assert out.is_file() and stat.S_IMODE(out.stat().st_mode) == 0o600  # written, private


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ range(10**9)|list }}", "range() of more than"),
        ("{{ 7**(7**8) }}", "power too large"),
        ("{{ 'x'*10**8 }}", "repetition longer than"),
        ("{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}",
         "loop steps"),
        ("{% for a in range(99999) %}{{ 'y' * 99 }}{% endfor %}", "output exceeds"),
        ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "RecursionError"),
    ],
)  # fmt: skip
def test_user_templates_are_bounded(source: str, message: str) -> None:
    prompts = PromptSet(templates={"t": source}, sources={"t": "mine/t.j2"})
    started = time.monotonic()
    with pytest.raises(PromptError) as err:
        prompts.render("t")
    assert time.monotonic() - started < 5.0
    text = str(err.value)
    assert message in text and text.startswith("mine/t.j2: ") and "\n" not in text


def test_bounded_templates_still_render_normal_ones() -> None:
    source = "{% for a in range(3) %}{{ a }}{% endfor %} {{ 2**10 }} {{ 'ab'*3 }} {{ xs|length }}"
    out = PromptSet(templates={"t": source}).render("t", xs=list(range(50_000)))
    assert out == "012 1024 ababab 50000"


def test_render_limits_are_per_render() -> None:
    prompts = PromptSet(templates={"t": "{% for a in range(60000) %}{% endfor %}ok"})
    for _ in range(50):  # 3,000,000 steps in all, but each render is far below the bound
        assert prompts.render("t") == "ok"


def test_a_huge_letter_is_refused_not_parsed_into_thousands_of_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from imr_llm._errors import LetterParseError
    from imr_llm.letters import parse_letter

    letter = tmp_path / "huge.txt"
    letter.write_text("Independent Medical Review Final Determination Letter\n" * 40_000, "utf-8")
    monkeypatch.setenv("IMR_LLM_MAX_INPUT_MB", "1")
    with pytest.raises(LetterParseError, match=r"2\.2 MB of text, over the 1 MB input limit"):
        parse_letter(letter)
    assert _code(["parse", str(letter)]) == 2
    assert "input limit" in capsys.readouterr().err
