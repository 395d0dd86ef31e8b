"""Facts read in code from the documents that carry them (no model)."""

from __future__ import annotations

import datetime as dt

from imr_llm._dates import find_dates
from imr_llm.drafting._case_facts import case_facts, outcome_in
from imr_llm.records import CaseFile, classify_case
from imr_llm.records._models import Document, Line


def doc(doc_id: str, text: str) -> Document:
    lines = [Line(number=i, page=1, text=t) for i, t in enumerate(text.splitlines(), start=1)]
    return Document(id=doc_id, source=f"{doc_id}.txt", lines=lines)


def facts(*texts: str):  # type: ignore[no-untyped-def]
    case = CaseFile(documents=[doc(f"D{i}", t) for i, t in enumerate(texts, start=1)])
    return case_facts(case, classify_case(case))


PR = """PRIMARY TREATING PHYSICIAN'S PROGRESS REPORT (PR-2)
Patient: Roe, Jane   DOB: 03/22/1974   Claim #: ABC-16-0883
Date of exam: Nov. 28, 2016     DOI: 10/14/2016
S: She reports heel pain. Her pain is 7/10.
P: PRP injection, knee scooter."""
UR_LABELLED = """NOTICE OF UTILIZATION REVIEW DETERMINATION
Date of Determination: December 27, 2016
Date RFA received: 12/19/2016
Employee: Jane Roe    DOB: 03/22/1974   Claim #: ABC-16-0883   DOI: 10/14/2016
Item 1: Platelet rich plasma injection x1, left foot
   DETERMINATION: NON-CERTIFIED
Item 2: Knee scooter x1
   DETERMINATION: MODIFIED - rental 2 weeks
Item 3: Follow-up office visit x1
   DETERMINATION: CERTIFIED
Rationale:
Item 1 - PRP: not recommended. Non-certified."""


def test_age_from_the_date_of_birth_at_the_ur_date_when_none_is_written() -> None:
    f = facts(PR, UR_LABELLED)
    assert f.age is not None and f.age.value == 42
    assert f.age.method == (
        "computed from the date of birth (1974-03-22) at the UR date (2016-12-27)"
    )


def test_a_written_age_wins() -> None:
    f = facts(PR.replace("S: She", "S: 44-year-old woman. She"), UR_LABELLED)
    assert f.age is not None and (f.age.value, f.age.method) == (44, "written in the records")


def test_sex_labelled_then_titles_then_pronouns() -> None:
    assert facts(PR + "\nSex: M", UR_LABELLED).sex.method == "labelled field"  # type: ignore[union-attr]
    f = facts(PR.replace("She reports", "Mr. Roe reports"), UR_LABELLED)
    assert f.sex is not None and (f.sex.value, f.sex.method) == (
        "male",
        "titles (0 female, 1 male)",
    )
    f = facts(PR, UR_LABELLED)
    assert f.sex is not None and f.sex.value == "female" and f.sex.method.startswith("pronouns")


def test_ur_items_with_their_outcomes_and_the_ur_date() -> None:
    f = facts(PR, UR_LABELLED)
    assert [(i.request, i.outcome) for i in f.items] == [
        ("Platelet rich plasma injection x1, left foot", "non-certified"),
        ("Knee scooter x1", "modified"),
        ("Follow-up office visit x1", "certified"),
    ]
    assert [r.text for r in f.requests] == [
        "Platelet rich plasma injection x1, left foot",
        "Knee scooter x1",
    ]
    assert f.ur_date is not None and f.ur_date.value == dt.date(2016, 12, 27)
    assert f.ur_outcome is not None and f.ur_outcome.value == "modified"
    assert f.injury is not None and f.injury.value == dt.date(2016, 10, 14)


def test_ur_tables_by_pipes_or_by_columns() -> None:
    piped = """UTILIZATION REVIEW DETERMINATION
Date: 11/30/2016
| # | Item requested            | Decision       |
|---|---------------------------|----------------|
| 1 | EMG left upper extremity  | NON-CERTIFIED  |
| 2 | 0rtho consu1tation        | CERTIFlED      |"""
    f = facts(PR, piped)
    assert [(i.request, i.outcome) for i in f.items] == [
        ("EMG left upper extremity", "non-certified"),
        ("0rtho consu1tation", "certified"),
    ]
    columns = """UTILIZATION REVIEW DETERMINATION LETTER
Date: January 13, 2017
  Item                                              Outcome
  1  MRI of the left shoulder                       Non-certified
  2  Consult with hip specialist to evaluate        Non-certified
     for a total hip arthroplasty
  3  Naproxen sodium 550 mg #60                     Certified
RATIONALE
1. MRI: not medically necessary."""
    f = facts(PR, columns)
    assert [(i.request, i.outcome) for i in f.items] == [
        ("MRI of the left shoulder", "non-certified"),
        ("Consult with hip specialist to evaluate for a total hip arthroplasty", "non-certified"),
        ("Naproxen sodium 550 mg #60", "certified"),
    ]
    assert f.ur_date is not None and f.ur_date.value == dt.date(2017, 1, 13)


def test_requests_from_the_rfa_when_the_ur_names_none() -> None:
    rfa = """REQUEST FOR AUTHORIZATION (DWC Form RFA)
| Diagnosis       | ICD-10 | Service/Good Requested        | CPT   |
|-----------------|--------|-------------------------------|-------|
| Lumbar strain   | S39.01 | MRI lumbar spine w/o contrast | 72148 |"""
    ur = "UTILIZATION REVIEW DETERMINATION\nDate: 02/01/2017\nDecision: NON-CERTIFIED\n"
    f = facts(PR, rfa, ur)
    assert [(r.text, r.outcome) for r in f.requests] == [
        ("MRI lumbar spine w/o contrast", "non-certified")
    ]


def test_nothing_is_read_from_a_document_about_another_claim() -> None:
    other = (
        "PROGRESS REPORT\nPatient: Joe Smith  DOB: 05/06/1950   Claim #: XYZ-09-9876\n"
        "DOI: 3/3/2009\nHe is a 66-year-old man."
    )
    f = facts(PR, UR_LABELLED, other)
    assert f.age is not None and f.age.value == 42
    assert f.sex is not None and f.sex.value == "female"
    assert f.injury is not None and f.injury.value == dt.date(2016, 10, 14)


def test_outcome_words() -> None:
    assert outcome_in("NON-CERTIFIED") == "non-certified"
    assert outcome_in("not medically necessary") == "non-certified"
    assert outcome_in("MODIFIED to 6 visits; 6 non-certified") == "modified"
    assert outcome_in("CERTIFlED") == "certified"
    assert outcome_in("Reviewed") is None


def test_dates_in_every_common_us_style() -> None:
    text = (
        "11/2/16, 11-02-2016, Nov. 2, 2016, 2 November 2016, 2016-11-02, 02-Nov-2016, "
        "11.02.2016, November 2nd 2016, Nove mber 2, 2016"
    )
    dates = [m.date for m in find_dates(text)]
    assert dates == [dt.date(2016, 11, 2)] * 9
