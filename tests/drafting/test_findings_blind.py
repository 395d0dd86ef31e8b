"""The checklist's finding lookup on record snippets written blind to the code
(evals/datasets/findings_blind, synthetic): met / not met / not documented per finding, with
negation, uncertainty, other-experiencer, planned-not-found and change-over-time cues."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imr_llm.drafting._criteria import load_criteria
from imr_llm.drafting._findings import findings_status
from imr_llm.records import case_from_text

DATA = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "findings_blind"


def _accuracy(split: str) -> tuple[float, list[str]]:
    table = load_criteria()
    path = DATA.parent / split if split.endswith(".jsonl") else DATA / f"{split}.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    wrong = []
    for row in rows:
        spec, met, unmet = table[row["finding"]]
        got, evidence = findings_status(
            case_from_text(row["text"]),
            met,
            unmet,
            counts_plans=spec.counts_plans,
            counts_goals=spec.counts_goals,
        )
        if got != row["expected"]:
            wrong.append(f"{row['id']}: expected {row['expected']}, got {got}")
        if got != "not documented":
            assert evidence, row["id"]  # a status other than 'not documented' shows its line
    return 1 - len(wrong) / len(rows), wrong


# scored once each in round 4: findings_blind_2 after the first cue change (0.672 -> 0.677),
# findings_blind_3 (0.698 -> 0.730) and findings_blind_4 (0.640 -> 0.693) after the second,
# findings_blind_5 (0.693 -> 0.746 -> 0.757) after the second and the third, findings_blind_6
# (0.720 -> 0.794 -> 0.804) after the third and the fourth. Round 5's hypothetical and
# normal-result cues, list items as scope ends and general vocabulary (failed conservative
# care, procedures requested or declined) were written from the errors of the spent sets 2-6:
# 0.737/0.751/0.735/0.799/0.804 -> 0.768/0.825/0.778/0.810/0.831, nothing broken
@pytest.mark.parametrize(
    ("split", "floor"),
    [
        ("tune", 0.95),
        ("holdout", 0.80),
        ("findings_blind_2/findings.jsonl", 0.77),
        ("findings_blind_3/findings.jsonl", 0.83),
        ("findings_blind_4/findings.jsonl", 0.78),
        ("findings_blind_5/findings.jsonl", 0.82),
        ("findings_blind_6/findings.jsonl", 0.85),
        ("findings_blind_7/findings.jsonl", 0.79),  # scored once: 0.688 -> 0.714; then spent
        ("findings_blind_8/findings.jsonl", 0.77),  # once: 0.635 -> 0.677 -> 0.683; then spent
        ("findings_blind_9/findings.jsonl", 0.73),  # once: 0.619 -> 0.651 -> 0.667 -> 0.693; spent
        ("findings_blind_10/findings.jsonl", 0.75),  # once: 0.688 -> 0.725 -> 0.741 -> 0.751 (x2)
    ],
)
def test_finding_lookup_on_blind_snippets(split: str, floor: float) -> None:
    accuracy, wrong = _accuracy(split)
    assert accuracy >= floor, "\n".join(wrong)


def test_cues_each_way() -> None:
    table = load_criteria()

    def status(finding: str, text: str) -> str:
        spec, met, unmet = table[finding]
        return findings_status(
            case_from_text(text),
            met,
            unmet,
            counts_plans=spec.counts_plans,
            counts_goals=spec.counts_goals,
        )[0]

    assert status("spasm_documented", "Lumbar paraspinal spasm on palpation.") == "met"
    assert status("spasm_documented", "SPASM: ABSENT") == "not met"  # negation after the finding
    # stopping negates what closely follows, not across a termination term
    assert status("home_exercise", "He stopped doing his home exercises.") == "not met"
    assert status("psych_symptoms", "He quit working because of anxiety.") == "met"
    assert status("radicular_symptoms", "ROS: neg for numbness, tingling, weakness.") == "not met"
    assert status("red_flag", "Plan: x-rays to rule out fracture.") == "not documented"
    assert status("red_flag", "Father had colon cancer.") == "not documented"  # not the patient
    assert status("monitoring", "Will obtain a urine drug screen next visit.") == "not documented"
    # a plan is the finding itself when the criterion is about planning
    assert status("invasive_planned", "Will schedule an L5 epidural steroid injection.") == "met"
    # an exam lists normal parts beside the abnormal one: the deficit is the finding
    assert status("neuro_deficit", "Decreased sensation L5. Motor 5/5. DTRs 2+.") == "met"
    # a change over time: the later statement of absence wins
    assert (
        status("homebound", "Homebound for six weeks, but now drives and walks in the community.")
        == "not met"
    )
    assert (
        status(
            "home_exercise", "There is no documentation that she performs a home exercise program."
        )
        == "not met"
    )  # a negation whose scope is the whole sentence
    # a condition or an instruction to the patient asserts nothing; an IF unit is a device
    assert status("radicular_symptoms", "If numbness develops, call.") == "not documented"
    assert status("homebound", "Should she become homebound, home health may help.") == (
        "not documented"
    )
    assert status("red_flag", "Red flag precautions reviewed with the patient.") == "not documented"
    assert status("radicular_symptoms", "IF unit helps the radiating leg pain.") == "met"
    assert status("radicular_symptoms", "Radiating pain to the calf; call if it worsens.") == "met"
    # a normal result written just before the finding it qualifies, not across 'but'
    assert status("neuro_deficit", "Sensation intact to LT in all dermatomes.") == "not met"
    assert status("neuro_deficit", "Reflexes normal but L5 dermatome hypoesthesia.") == "met"
    # a list item ends the negation scope of the item before it
    bullets = "- PT x18: no improvement\n- Conservative tx exhausted"
    assert status("failed_conservative", bullets) == "met"
    assert status("gi_risk", "- AGE: 42\n- DYSPEPSIA: DENIES\n- ANTICOAGULANTS/ASA: NONE") == (
        "not met"
    )
    # a word broken at a line's end by PDF extraction is read whole
    assert status("neuro_deficit", "Neuro: decreased sensation C6 der-\nmatome R.") == "met"
    # a finding of another claim is not this one's
    assert status("joint_finding", "L knee 2+ effusion (old non-industrial ACL tear).") == (
        "not documented"
    )
    assert status("red_flag", "Under a separate 2017 claim he had a fracture.") == "not documented"
    # a normal result closing a list of tests
    assert status("joint_finding", "Lachman, anterior and posterior drawer negative.") == "not met"
    assert status("failed_first_line", "Gabapentin caused dizziness and was stopped.") == "met"
    # what a request form says is the requester's claim; a goal is not a finding yet, except
    # for a criterion about goals
    assert status("homebound", "RFA: home health aide. Reason: 'homebound.'") == "not documented"
    assert status("home_exercise", "LTG: independent with HEP by discharge.") == "not documented"
    assert status("return_to_work_goal", "Goals: return to full duty as a driver.") == "met"
    # a bullet ends a list negation's scope; 'negative' before a list negates the list
    exam = "Inspection: no atrophy \u2022 Neer: positive \u2022 Drop arm: negative"
    assert status("joint_finding", exam) == "met"
    assert status("joint_finding", "Negative Neer, Hawkins and O'Brien tests.") == "not met"
    # refusing; another person's finding; never done
    assert status("on_opioids", "Refuses narcotics; takes Tylenol only.") == "not met"
    assert status("homebound", "She cares for her homebound mother.") == "not documented"
    assert status("monitoring", "UDS - NEVER DONE.") == "not met"
