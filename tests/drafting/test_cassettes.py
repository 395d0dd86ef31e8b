"""summarize / draft_item against the real local model (Qwen2.5-Coder-0.5B), replayed offline
from cassettes in tests/drafting/cassettes/. Requests match on their JSON body, so any change to
a prompt, a response schema or the records fails here until the cassette is re-recorded:

    .venv/bin/imr-llm local status        # reuse the running server (one at a time)
    rm tests/drafting/cassettes/test_summarize_synthetic_case.yaml   # the one(s) to redo
    IMR_LLM_RECORD=once .venv/bin/pytest tests/drafting/test_cassettes.py

(Delete first: with IMR_LLM_RECORD=all vcrpy keeps the old interactions in the file too.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_llm.drafting import (
    CaseSummary,
    ItemDraft,
    checklist_contradiction,
    draft_item,
    evidence_ok,
    summarize,
)
from imr_llm.guidelines import load_library
from imr_llm.llm import Model
from imr_llm.records import load_case

CASE_DIR = Path(__file__).resolve().parents[2] / "evals/datasets/synthetic/CM17-0005177"
REQUEST = "Physical therapy additional 3 visits per week for 2 weeks"

pytestmark = pytest.mark.skipif(not CASE_DIR.is_dir(), reason="synthetic case not present")


def test_summarize_synthetic_case(cassette_model: Model) -> None:
    case = load_case(CASE_DIR / "records")
    done = summarize(case, cassette_model)
    s = done.value
    CaseSummary.model_validate(s.model_dump())
    # exam, clinical and treatment calls (the records give the patient's facts and the UR
    # determination names the request)
    assert done.usage.requests >= 3 and done.usage.prompt_tokens > 0
    assert [d.kind for d in s.documents].count("ur_determination") == 1
    assert s.disputed_requests and s.ur_history[0].outcome == "non-certified"
    # the planted instruction is quarantined: listed, never evidence
    assert s.quarantined
    quarantined = {(q.document_id, q.line_start) for q in s.quarantined}
    for fact in s.facts:
        assert not {(e.document_id, e.line_start) for e in fact.evidence} & quarantined
    # key facts of case.json (age, sex, date of injury come from the labelled lines when the
    # model gets them wrong, and the grounding list then says so)
    assert (s.age, s.sex, s.date_of_injury.isoformat() if s.date_of_injury else None) == (
        53,
        "female",
        "2016-11-02",
    )
    assert s.prose.startswith(
        "The injured worker is a 53 year old female, who sustained an industrial injury on 11-2-16."
    )
    for fact in s.facts:
        assert all(evidence_ok(case, ev) for ev in fact.evidence), fact.name
    for t in s.treatments:
        assert t.evidence and all(evidence_ok(case, ev) for ev in t.evidence), t.name
    # the planted instruction and template fields are data: nothing of them is executed
    assert "medically necessary" not in s.prose


@pytest.mark.usefixtures("blend_decisions")
def test_draft_item_synthetic_case(cassette_model: Model) -> None:
    case = load_case(CASE_DIR / "records")
    library = load_library()
    done = draft_item(case, REQUEST, cassette_model, library, exclude_letters={"CM17-0005177"})
    d = done.value
    ItemDraft.model_validate(d.model_dump())
    # the routed chapter's line, never model text
    assert d.maximus_guideline.text == (
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Physical "
        "medicine treatment."
    )
    assert d.route is not None and d.route.service == "physical_medicine"
    # P(Overturned) from the decision token's log-probabilities, blended with the evidence
    assert d.p_model is not None and 0.0 < d.p_model < 1.0
    assert d.p_overturned is not None and d.threshold is not None
    assert d.decision == ("Overturned" if d.p_overturned >= d.threshold else "Upheld") or (
        d.decision_source == "checklist"
    )
    assert done.usage.requests == 2  # one 1-token decision ask, one rationale
    assert all(p.case_number != "CM17-0005177" for p in d.precedents)
    assert checklist_contradiction(d.decision, [c.status for c in d.criteria]) is None
    assert d.rationale.endswith(
        "is not medically necessary." if d.decision == "Upheld" else "is medically necessary."
    )
    for c in d.criteria:
        assert all(evidence_ok(case, ev) for ev in c.evidence)
    assert not any(ev.document_id == "D7" for c in d.criteria for ev in c.evidence)  # the UR


def test_draft_item_default_flow(cassette_model: Model) -> None:
    """The shipped decision settings: P(Overturned) from the precedents classifier and the
    checklist (fitted weights), no decision call; the model writes the rationale."""
    from imr_llm.drafting._decide import evidence_probability, load_decision_config

    case = load_case(CASE_DIR / "records")
    done = draft_item(
        case, REQUEST, cassette_model, load_library(), exclude_letters={"CM17-0005177"}
    )
    d = done.value
    config = load_decision_config()
    assert config.policy == "evidence" and d.decision_source in ("evidence", "checklist")
    assert d.p_model is None and d.p_precedents is not None and 0 < d.p_precedents < 1
    assert d.p_overturned == pytest.approx(
        evidence_probability(d.criteria, d.p_precedents, config), abs=1e-3
    )
    assert d.threshold == pytest.approx(config.threshold)
    assert d.decision == ("Overturned" if d.p_overturned >= config.threshold else "Upheld") or (
        d.decision_source == "checklist"
    )
    assert done.usage.requests == 1  # the rationale only
    assert d.rationale_source == "model" and d.rationale.endswith("medically necessary.")
    assert checklist_contradiction(d.decision, [c.status for c in d.criteria]) is None
