"""Per-sample draft scores: chapter keys, citation matches, criteria coverage."""

from __future__ import annotations

import pytest

from imr_llm.drafting._models import CriterionCheck, ItemDraft
from imr_llm.evals import chapter_key, result_for
from imr_llm.evals._samples import letter_samples
from imr_llm.evals._scoring import chapters_match, criteria_coverage
from imr_llm.letters._models import GuidelineCitation
from imr_llm.llm._model import Usage

from ._builders import CHRONIC_PAIN, NONE, ODG, corpus


def test_chapter_keys() -> None:
    assert chapter_key(CHRONIC_PAIN) == "MTUS chronic pain"
    assert chapter_key(ODG) == "Non-MTUS ODG"
    assert chapter_key(NONE) == "none"
    low_back = GuidelineCitation(
        basis="MTUS", guideline="ACOEM Low Back Complaints", year=2004, text="x"
    )
    assert chapter_key(low_back) == "MTUS low back complaints"
    assert "." not in chapter_key(
        GuidelineCitation(basis="MTUS", guideline="2nd ed. Ch. 12", text="x")
    )


def test_chapters_match_by_containment() -> None:
    cp2016 = GuidelineCitation(
        basis="MTUS", guideline="Chronic Pain Treatment Guidelines", text="x"
    )
    assert chapters_match(CHRONIC_PAIN, cp2016)
    assert not chapters_match(CHRONIC_PAIN, ODG)


def _draft(decision: str, criteria: list[str], cite: GuidelineCitation) -> ItemDraft:
    return ItemDraft(
        request="Physical therapy 2x6",
        decision=decision,  # type: ignore[arg-type]
        maximus_guideline=cite,
        criteria=[CriterionCheck(criterion=c, status="not documented") for c in criteria],
        rationale="The guidelines recommend a trial. The request is not medically necessary.",
    )


def test_criteria_coverage() -> None:
    gold = "Guidelines recommend a trial of 6 visits with objective functional improvement."
    # 'objective functional improvement' occurs; 'failed conservative care' does not: 1/2
    draft = _draft("Upheld", ["objective functional improvement", "failed conservative care"], NONE)
    assert criteria_coverage(draft, gold) == pytest.approx(0.5)
    assert criteria_coverage(_draft("Upheld", [], NONE), gold) == 0.0


def test_result_for_draft_scores() -> None:
    sample = letter_samples(corpus(), "draft")[0]  # Physical therapy 2x6, Upheld, chronic pain
    draft = _draft("Upheld", ["recommend a trial"], CHRONIC_PAIN)
    result = result_for(sample, draft, Usage(prompt_tokens=3), 0.5)
    assert result.sample_id == "CM16-0000001#1"
    assert result.predicted_decision == result.gold_decision == "Upheld"
    assert result.chapter == "MTUS chronic pain"
    assert result.scores["citation_basis_match"] == 1.0
    assert result.scores["citation_chapter_match"] == 1.0
    assert result.scores["criteria_coverage"] == 1.0
    assert 0.0 < result.scores["rationale_rouge_l_f1"] < 1.0  # type: ignore[operator]
    odd = result_for(sample, _draft("Overturned", [], NONE), Usage(), 0.1)
    assert odd.scores["citation_basis_match"] == 0.0
    assert odd.scores["citation_chapter_match"] == 0.0
