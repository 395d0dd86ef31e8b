"""Regression tests on three small synthetic case files in styles other than the shipped
synthetic set (tests/drafting/data/unseen: prose notes, a combined file, UR letters in other
formats).

These are not unseen checks: the files, these tests and the record look-ups they exercise
(`drafting._record_facts`) were written together, in the same commits, so they show that the
code still does what it was written to do on these files, not that it generalises. Checks on
case files nobody tuned for are the blind-written synthetic sets (evals/datasets/synthetic_blind,
`imr-llm eval --task summary`).

The model's answers are scripted, including the wrong ones a small model gave on these files
(prompt example values, a date from the wrong document, a request listed as a diagnosis); the
checks against the records must catch them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from imr_llm.drafting import summarize
from imr_llm.drafting._evidence import locate
from imr_llm.drafting._models import CaseSummary
from imr_llm.drafting._record_facts import count_near, injury_date, join_wrapped, ur_dates
from imr_llm.records import CaseFile, load_case

from .conftest import ScriptedModel

UNSEEN = Path(__file__).parent / "data" / "unseen"


def _case(name: str) -> CaseFile:
    return load_case(UNSEEN / name)


def _script(**overrides: dict[str, Any]) -> dict[str, list[Any]]:
    """The model's answers on the shoulder case (as a 0.5B model gave them), with overrides."""
    answers: dict[str, dict[str, Any]] = {
        "PatientFacts": {
            "age": 61,
            "sex": "male",
            "date_of_injury": None,
            "mechanism": "lifting boxes",
            "work_status": None,
            "ref": None,
        },
        "ClinicalFacts": {
            "body_parts": ["right shoulder"],
            "diagnoses": ["postoperative physical therapy x 12", "injury"],
            "imaging": [],
        },
        "ExamFacts": {
            "exam_date": "03/14/2017",
            "complaints": ["right shoulder pain, 7/10, worse with overhead reaching"],
            "exam_findings": ["forward flexion 120 degrees", "positive Neer and Hawkins signs"],
        },
        "TreatmentFacts": {
            "therapies": ["physical therapy 5 sessions"],
            "medications": [],
            "other": [],
            "response": None,
        },
        "RequestFacts": {
            "disputed_requests": ["Postoperative physical therapy x 12"],
            "request_date": "03/14/2017",
            "ur_date": "09/30/2016",
            "ur_outcome": "Non-certified",
        },
    }
    for name, fields in overrides.items():
        answers[name] = {**answers[name], **fields}
    return {name: [answer] for name, answer in answers.items()}


def _summary(name: str = "shoulder_prose_note", **overrides: dict[str, Any]) -> CaseSummary:
    return summarize(_case(name), ScriptedModel(_script(**overrides))).value


def _flags(s: CaseSummary) -> set[tuple[str, str]]:
    return {(i.field, i.value) for i in s.grounding}


@pytest.mark.parametrize("name", sorted(p.name for p in UNSEEN.iterdir()))
def test_fixtures_are_bannered_synthetic(name: str) -> None:
    for path in (UNSEEN / name).iterdir():
        assert "SYNTHETIC TEST RECORD" in path.read_text(encoding="utf-8").splitlines()[0]


def test_leaked_prompt_example_mechanism_is_dropped() -> None:
    s = _summary()
    assert s.mechanism is None
    assert ("mechanism", "lifting boxes") in _flags(s)
    assert "lifting boxes" not in s.prose
    # a mechanism the records state is kept
    kept = _summary(PatientFacts={"mechanism": "pulling a tarp over a load"})
    assert kept.mechanism == "pulling a tarp over a load"


def test_one_shared_word_does_not_support_a_phrase() -> None:
    case = _case("shoulder_prose_note")
    assert locate(case, "lifting boxes") == []  # "lifting" alone is on the work status line
    assert locate(case, "pulling a tarp")


def test_treatment_count_must_be_written_near_the_treatment() -> None:
    case = _case("shoulder_prose_note")
    assert not count_near(case, "physical therapy", 5)  # "5 mm" is on the MRI line only
    assert count_near(case, "physical therapy", 18)
    s = _summary()
    pt = next(t for t in s.treatments if t.name == "physical therapy")
    assert pt.count == 18  # the count written next to it, not the prompt's example 5
    assert ("treatments.count", "physical therapy (5)") in _flags(s)
    assert "(5 sessions" not in s.prose


def test_date_of_injury_from_prose() -> None:
    found = injury_date(_case("shoulder_prose_note"))
    assert found is not None and found[0] == dt.date(2015, 7, 22)
    assert _summary().date_of_injury == dt.date(2015, 7, 22)
    narrative = injury_date(_case("lumbar_esi_narrative"))  # "injury ... on March 3, 2018"
    assert narrative is not None and narrative[0] == dt.date(2018, 3, 3)
    labelled = injury_date(_case("knee_brace_combined"))  # "DOI 02/10/2020"
    assert labelled is not None and labelled[0] == dt.date(2020, 2, 10)


def test_records_date_of_injury_wins_over_a_different_model_answer() -> None:
    s = _summary(PatientFacts={"date_of_injury": "09/30/2016"})
    assert s.date_of_injury == dt.date(2015, 7, 22)
    assert ("date_of_injury", "09/30/2016") in _flags(s)


def test_ur_date_comes_from_the_utilization_review_document() -> None:
    s = _summary()
    # one decision per request the UR letter lists, each dated by the letter
    assert [(u.date, u.outcome) for u in s.ur_history] == [
        (dt.date(2017, 3, 24), "non-certified")
    ] * 2
    assert s.ur_history[0].evidence[0].document_id == "D3"
    assert [d for d, _, _ in ur_dates(_case("lumbar_esi_narrative"))] == [dt.date(2019, 6, 14)]
    # a combined file: the UR section's "Letter date", not the visit or request date above it
    assert [d for d, _, _ in ur_dates(_case("knee_brace_combined"))] == [dt.date(2020, 9, 1)]


def test_ur_date_on_no_utilization_review_line_is_dropped(tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text(
        "Progress note 05/01/2020\nLow back pain.\nPlan: acupuncture 6 sessions.\n",
        encoding="utf-8",
    )
    model = ScriptedModel(_script(RequestFacts={"ur_date": "05/01/2020"}))
    s = summarize(load_case(tmp_path), model).value
    assert [u.date for u in s.ur_history] == [None]
    assert ("ur_history.date", "05/01/2020") in _flags(s)


def test_a_request_is_not_a_diagnosis_and_the_assessment_line_is_used() -> None:
    s = _summary()
    assert "postoperative physical therapy x 12" not in s.diagnoses
    assert ("diagnoses", "postoperative physical therapy x 12") in _flags(s)
    assert s.diagnoses == ["right rotator cuff tear", "impingement syndrome"]
    fact = next(f for f in s.facts if f.name == "diagnoses")
    assert fact.evidence and fact.evidence[0].quote.startswith("Assessment:")


def test_sex_is_supported_by_man_or_by_pronouns() -> None:
    s = _summary()
    sex = next(f for f in s.facts if f.name == "sex")
    assert sex.evidence and "man" in sex.evidence[0].quote
    assert not any(i.field == "sex" for i in s.grounding)
    # the lumbar narrative says only "she" / "her"
    lumbar = _summary("lumbar_esi_narrative", PatientFacts={"sex": "female"})
    assert next(f for f in lumbar.facts if f.name == "sex").evidence
    wrong = _summary("lumbar_esi_narrative", PatientFacts={"sex": "male"})
    assert ("sex", "male") in _flags(wrong)


def test_wrapped_record_sentence_items_are_joined_with_a_space() -> None:
    case = _case("knee_brace_combined")  # "Objective: effusion trace. Range of" / "motion 0-120"
    items = ["effusion trace", "Range of", "motion 0-120 degrees", "Lachman negative"]
    assert join_wrapped(case, items) == [
        "effusion trace",
        "Range of motion 0-120 degrees",
        "Lachman negative",
    ]
    s = _summary(
        "knee_brace_combined",
        ExamFacts={"exam_findings": ["Range of", "motion 0-120 degrees"]},
    )
    assert s.exam_findings == ["Range of motion 0-120 degrees"]
    assert "Range of; motion" not in s.prose


def test_a_diagnosis_sharing_only_the_body_part_is_not_a_request() -> None:
    diagnoses = ["right knee medial meniscus tear", "right knee sprain"]
    s = _summary(
        "knee_brace_combined",
        ClinicalFacts={"diagnoses": diagnoses},
        RequestFacts={"disputed_requests": diagnoses, "ur_date": "09/01/2020"},
    )
    # the UR section of the combined file names the requests: the model is not asked for them
    assert s.disputed_requests == ["Hinged knee brace, right", "TENS unit 30 day rental"]
    assert s.diagnoses == diagnoses
    assert [(u.request, u.outcome) for u in s.ur_history] == [
        ("Hinged knee brace, right", "modified"),
        ("TENS unit 30 day rental", "non-certified"),
    ]


def test_sex_contradicted_by_every_pronoun_is_replaced() -> None:
    s = _summary("lumbar_esi_narrative", PatientFacts={"sex": "male"})
    assert s.sex == "female"
    assert ("sex", "male") in _flags(s)
    assert "female" in s.prose and " male" not in s.prose


def test_checklist_findings_cite_the_lines_that_state_them() -> None:
    """Regression test written with the code (not an unseen check): a surgery request's
    checklist cites the exam and imaging lines, and every quote is on its cited line."""
    from imr_llm.drafting import draft_item, evidence_ok
    from imr_llm.drafting._decide import load_decision_config

    case = _case("shoulder_prose_note")
    config = load_decision_config().model_copy(update={"policy": "evidence"})
    d = draft_item(
        case,
        "Right shoulder arthroscopic rotator cuff repair",
        ScriptedModel({}),
        None,
        decision_config=config,
        rationale="template",
    ).value
    assert d.route is not None and d.route.service == "surgery"
    assert d.maximus_guideline.guideline == "Shoulder Complaints"
    status = {c.id: c for c in d.criteria}
    assert status["joint_finding"].status == "met"
    assert status["imaging_lesion"].status == "met"
    assert any("tear" in ev.quote for ev in status["imaging_lesion"].evidence)
    for check in d.criteria:
        assert all(evidence_ok(case, ev) for ev in check.evidence), check.id
