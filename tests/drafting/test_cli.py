"""The CLI commands with a scripted model: outputs name evidence, stderr shows grounding and
usage, prompts can be listed, shown and rendered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import imr_llm.llm
from imr_llm.cli import app

from .conftest import SUMMARY_SCRIPT, ScriptedModel, item_script


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_get_model(spec: str | None = None, **settings: Any) -> ScriptedModel:
        seen.update(spec=spec, settings=settings)
        script = {**SUMMARY_SCRIPT}
        script["PatientFacts"] = [{**SUMMARY_SCRIPT["PatientFacts"][0], "sex": "male"}]
        return ScriptedModel({**script, **item_script(2)})

    monkeypatch.setattr(imr_llm.llm, "get_model", fake_get_model)
    return seen


def test_summarize_md_names_evidence_and_reports_grounding(
    records_dir: Path, tmp_path: Path, scripted: dict[str, Any]
) -> None:
    out = tmp_path / "out" / "summary.md"
    result = CliRunner().invoke(
        app,
        [
            "summarize",
            str(records_dir),
            "--format",
            "md",
            "-o",
            str(out),
            "--no-cache",
            "--model",
            "fake-spec",
        ],
    )
    assert result.exit_code == 0, result.output
    assert scripted == {"spec": "fake-spec", "settings": {"cache": False}}
    text = out.read_text("utf-8")
    assert text.startswith("# Clinical case summary\n\nThe injured worker is a 53 year old female")
    assert (
        "| date_of_injury | 2016-11-02 (labelled date of injury) | "
        '[D1:3] "Date of injury: 11/02/2016" |' in text
    )
    # age, sex, date of injury, mechanism and work status are labelled: no patient call
    assert "| sex | female (labelled field) |" in text
    assert "usage: requests: 3, tokens: 300 in / 30 out" in result.stderr


def test_summarize_json_validates(records_dir: Path, scripted: dict[str, Any]) -> None:
    from imr_llm.drafting import CaseSummary

    result = CliRunner().invoke(app, ["summarize", str(records_dir)])
    assert result.exit_code == 0, result.output
    summary = CaseSummary.model_validate_json(result.stdout)
    assert summary.age == 53


@pytest.mark.usefixtures("blend_decisions")
def test_draft_with_item_writes_letter_json(
    records_dir: Path, tmp_path: Path, scripted: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from .conftest import FakeLibrary

    monkeypatch.setattr("imr_llm.guidelines.load_library", lambda path=None: FakeLibrary())
    out = tmp_path / "draft.json"
    result = CliRunner().invoke(
        app, ["draft", str(records_dir), "--item", "PT 3x2", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    letter = json.loads(out.read_text("utf-8"))
    assert [i["request"] for i in letter["items"]] == ["PT 3x2"]
    assert "PT 3x2: Upheld" in letter["text"]
    assert letter["items"][0]["p_overturned"] is not None
    assert letter["items"][0]["route"]["service"] == "physical_medicine"
    assert "usage: requests: 9" in result.stderr  # 3 summary + 5 decision samples + 1 rationale
    text = (
        CliRunner()
        .invoke(app, ["draft", str(records_dir), "--item", "PT 3x2", "--format", "text"])
        .stdout
    )
    assert "EVIDENCE AND CHECKS" in text and "PT 3x2: Upheld (P(Overturned) " in text
    assert (
        "  - Requested visits (plus visits already completed) within the guideline's number: "
        in text
    )


def test_prompts_commands(records_dir: Path) -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["prompts", "list"]).stdout
    assert listing.startswith("prompts version ") and "\nsummary_patient: Asks for:" in listing
    assert "{{ records }}" in runner.invoke(app, ["prompts", "show", "system"]).stdout
    rendered = runner.invoke(
        app, ["prompts", "render", "summary_patient", "--records", str(records_dir)]
    )
    assert rendered.exit_code == 0
    assert "--- system ---" in rendered.stdout and "[D1:3] Date of injury: 11/02/2016" in (
        rendered.stdout
    )
    assert "--- user ---\nThe injured worker, from the records:" in rendered.stdout


def test_bad_records_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scripted: dict[str, Any]
) -> None:
    from imr_llm.cli import main

    bad = tmp_path / "scan.docx"
    bad.write_text("PHI text", "utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["summarize", str(bad)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("imr-llm: error: ") and "scan.docx" in err and "PHI" not in err
