"""Document classes by the wording of each form family, and documents about another claim."""

from __future__ import annotations

from imr_llm.records import CaseFile, classify_case, classify_document
from imr_llm.records._models import Document, Line

BANNER = "03/01/2017 10:02  FROM: (555) 555-0100 ACME CLINIC  TO: CARRIER   P.001/002"


def doc(doc_id: str, text: str) -> Document:
    pages = text.split("\f")
    lines, n = [], 0
    for p, page in enumerate(pages, start=1):
        for raw in page.splitlines():
            n += 1
            lines.append(Line(number=n, page=p, text=raw))
    return Document(id=doc_id, source=f"{doc_id}.txt", pages=len(pages), lines=lines)


def kind(text: str) -> str:
    return classify_document(doc("D1", text)).kind


def test_titles_of_each_form_family() -> None:
    assert kind("STATE OF CALIFORNIA\nREQUEST FOR AUTHORIZATION\nRequested treatment:") == "rfa"
    assert kind("DWC Form RFA       Date: 1/2/2017\nEmployee: X") == "rfa"
    assert kind("NOTICE OF UTILIZATION REVIEW DETERMINATION\nPeer reviewer: Dr. A") == (
        "ur_determination"
    )
    assert kind("ACME PHYSICIAN REVIEW, LLC\nDETERMINATION NOTICE\nDecision: NON-CERTIFIED") == (
        "ur_determination"
    )
    assert kind("PRIMARY TREATING PHYSICIAN'S PROGRESS REPORT (PR-2)\nSubjective: pain") == (
        "progress_report"
    )
    assert kind("RADIOLOGY REPORT\nExam: MRI LEFT KNEE\nFindings: tear\nImpression: tear") == (
        "imaging_or_edx"
    )
    assert kind("OPERATIVE REPORT\nPreoperative diagnosis: tear\nAnesthesia: general") == (
        "operative_report"
    )
    assert kind("PHYSICAL THERAPY DAILY NOTE\nVisit 3 of 6\nTher-ex, HEP") == "therapy_note"
    assert kind("Thank you for your payment.") == "other"


def test_a_letterhead_is_weaker_than_the_title_and_banners_are_skipped() -> None:
    text = f"{BANNER}\nREGIONAL MEDICAL CENTER\nOPERATIVE REPORT\nSurgeon: Dr. B"
    label = classify_document(doc("D1", text))
    assert label.kind == "operative_report"
    assert label.evidence[0] == 3  # the title line decided, not the banner or letterhead


def test_a_fax_cover_page_is_skipped() -> None:
    text = (
        "FAX COVER SHEET\nACME OCCUPATIONAL MEDICINE\nPlease find attached.\n"
        "-- Fax -- Page 1 of 2 --\nREQUEST FOR AUTHORIZATION\nRequested treatment: MRI"
    )
    assert kind(text) == "rfa"


def test_a_document_about_another_claim_or_person() -> None:
    mine = (
        "PROGRESS REPORT\nPatient: Jane Roe  DOB: 01/02/1970\nClaim #: ABC-16-1234  DOI: 10/1/2016"
    )
    other = (
        "PROGRESS REPORT\nPatient: Joe Smith  DOB: 05/06/1960\nClaim #: XYZ-09-9876  DOI: 3/3/2009"
    )
    case = CaseFile(documents=[doc("D1", mine), doc("D2", mine), doc("D3", other)])
    labels = classify_case(case)
    assert [x.kind for x in labels] == ["progress_report", "progress_report", "other_claim"]
    assert "differs from the case's" in labels[2].reason and labels[2].evidence


def test_an_insurer_letter_with_its_own_claim_number_is_not_another_claim() -> None:
    mine = "PROGRESS REPORT\nPatient: Jane Roe\nClaim #: ABC-16-1234  DOI: 10/1/2016"
    letter = "Dear adjuster,\nOur claim: QQ-2016-55555 regarding your claimant.\nRegards"
    case = CaseFile(documents=[doc("D1", mine), doc("D2", mine), doc("D3", letter)])
    assert [x.kind for x in classify_case(case)][2] == "other"
