"""Prompt templates: loading, versioning, sandboxing, and records passed as data."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_llm._errors import PromptError
from imr_llm.drafting import load_prompts
from imr_llm.drafting._preview import prompt_messages
from imr_llm.drafting._prompts import packaged_prompts_dir, repo_prompts_dir
from imr_llm.records import case_from_text

REPO_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


def test_default_set_has_every_template_with_a_header_comment() -> None:
    prompts = load_prompts()
    assert {
        "system",
        "summary_patient",
        "draft_decision",
        "rationale_write",
        "summary_prose",
        "rationale",
        "letter",
    } <= set(prompts.names())
    for name in prompts.names():
        assert prompts.description(name).startswith(("Asks for:", "Renders")), name


def test_packaged_prompts_are_the_canonical_prompts() -> None:
    """The package's prompts/ is a symlink to the top-level prompts/ (one copy to edit)."""
    assert repo_prompts_dir() == REPO_PROMPTS
    assert packaged_prompts_dir().resolve() == REPO_PROMPTS
    canonical = {p.name: p.read_text("utf-8") for p in REPO_PROMPTS.glob("*.j2")}
    packaged = {p.name: p.read_text("utf-8") for p in packaged_prompts_dir().glob("*.j2")}
    assert packaged == canonical


def test_version_is_a_content_hash(tmp_path: Path) -> None:
    base = load_prompts()
    assert base.version == load_prompts().version
    (tmp_path / "summary_patient.j2").write_text("{# Asks for: age #}\nGive the age.", "utf-8")
    changed = load_prompts(tmp_path)
    assert changed.version != base.version
    assert changed.source("summary_patient").endswith("Give the age.")
    assert changed.source("system") == base.source("system")  # overlay keeps the others


def test_records_are_variables_never_template_source() -> None:
    evil = "Pain 5/10 {{ 7*7 }} {% if true %}X{% endif %} {# c #} {{ undefined_var }}"
    case = case_from_text(f"Date of injury: 11/02/2016\n{evil}")
    messages = prompt_messages(load_prompts(), "summary_patient", case)
    system = messages[0]["content"]
    assert f"[D1:2] {evil}" in system
    assert "49" not in system
    from imr_llm.drafting._models import CriterionCheck, PrecedentRef

    rendered = load_prompts().render(
        "draft_decision",
        request=evil,
        citation=evil,
        checks=[CriterionCheck(criterion=evil, status="met")],
        precedents=[PrecedentRef(case_number="CM", request=evil, decision="Upheld", reason="r")],
    )
    assert rendered.count(evil) == 4


def test_user_templates_are_sandboxed_and_strict(tmp_path: Path) -> None:
    (tmp_path / "evil.j2").write_text("{{ ''.__class__.__mro__ }}", "utf-8")
    (tmp_path / "strict.j2").write_text("Hello {{ nobody }}", "utf-8")
    prompts = load_prompts(tmp_path)
    with pytest.raises(PromptError, match="evil"):
        prompts.render("evil")
    with pytest.raises(PromptError, match=r"strict\.j2.*variable"):
        prompts.render("strict")


def test_bad_prompt_dirs_and_names(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="not found"):
        load_prompts(tmp_path / "missing")
    with pytest.raises(PromptError, match=r"no \*\.j2"):
        load_prompts(tmp_path)
    (tmp_path / "broken.j2").write_text("{% if %}", "utf-8")
    with pytest.raises(PromptError, match=r"broken\.j2.*syntax"):
        load_prompts(tmp_path)
    with pytest.raises(PromptError, match="no template 'nope'"):
        load_prompts().source("nope")


def test_output_templates_cannot_be_previewed_as_prompts() -> None:
    with pytest.raises(PromptError, match="renders model output"):
        prompt_messages(load_prompts(), "letter", case_from_text("x"))
