"""Content pins on real letters, read off the letter text: requests, modified-UR parts,
citation fields, credentials and the summary's first words."""

from __future__ import annotations

from imr_llm.letters import DecisionLetter


def test_seed_2013_tabbed_header_prose_credentials(parsed: dict[str, DecisionLetter]) -> None:
    letter = parsed["002_c15c26fd14214241.txt"]
    assert letter.clinical_case_summary.startswith("The patient is a 46-year-old man who")
    assert letter.clinical_case_summary.endswith("ability to work full duty.")
    (item,) = letter.items
    assert item.request == (
        "EIGHT SESSIONS OF WORK HARDENING FOR THE LUMBAR SPINE (RETROSPECTIVE: 11/5/13)"
    )
    ca = item.claims_administrator_guideline
    assert (ca.basis, ca.guideline, ca.year) == ("MTUS", "Postsurgical Treatment Guidelines", None)
    assert item.maximus_guideline.pages == ["125"]
    # the page break inside "Criteria for / admission" is joined
    assert "Criteria for admission to a work hardening program" in item.decision_rationale


def test_seed_without_header(parsed: dict[str, DecisionLetter]) -> None:
    letter = parsed["000_2fdf63af5882cd54.txt"]
    assert letter.reviewer.licensure == ["Colorado"]
    assert letter.reviewer.specialties == ["Family Medicine"]
    assert letter.clinical_case_summary.startswith("22 year old male with date of injury")
    assert [i.request for i in letter.items] == ["Work Hardening/Conditioning (6)"]
    mx = letter.items[0].maximus_guideline
    assert (mx.guideline, mx.sections, mx.pages) == (
        "Chronic Pain Treatment Guidelines",
        ["Pain Interventions and Treatments"],
        ["125"],
    )
    # the doubled text's page break inside a sentence is healed
    assert "current job demands cannot be met" in letter.items[0].decision_rationale


def test_seed_two_items_and_page_citations(parsed: dict[str, DecisionLetter]) -> None:
    letter = parsed["003_979208ffa62900d0.txt"]
    assert letter.reviewer.specialties == ["Internal Medicine", "Rheumatology"]
    assert [i.request for i in letter.items] == [
        "Work conditioning 2x4 for low back",
        "Steroid injection to left ankle",
    ]
    second = letter.items[1]
    assert second.claims_administrator_guideline.pages == ["374", "376-377"]
    assert second.maximus_guideline.guideline == "ACOEM Chapter 14 Ankle and Foot Complaints"


def test_seed_no_evidence_and_non_mtus(parsed: dict[str, DecisionLetter]) -> None:
    (item,) = parsed["004_501fb5b35b6b7bd1.txt"].items
    assert item.claims_administrator_guideline.basis == "none"
    assert item.maximus_guideline.basis == "Non-MTUS"
    assert item.request == (
        "Physical Therapy Sessions, 2x/wk for 6 weeks, for the Cervical Spine, Thoracic Spine, "
        "and Lumbar Spine"
    )


def test_five_modified_ur_items(parsed: dict[str, DecisionLetter]) -> None:
    items = parsed["CM16-0239569.pdf"].items
    assert [(i.request, i.original_request) for i in items] == [
        ("Chiropractic spinal manipulation times 6", "Chiropractic spinal manipulation times 12"),
        ("Chiropractic joint manipulation times 6", "Chiropractic joint manipulation times 12"),
        ("Electrical stimulation times 6", "Electrical stimulation times 12"),
        ("Spinolator therapy (traction) times 6", "Spinolator therapy (traction) times 12"),
        ("Ice/Heat pads therapy times 6", "Ice/Heat pads therapy times 12"),
    ]


def test_modified_ur_leaving_original_request_eligible(
    parsed: dict[str, DecisionLetter],
) -> None:
    items = parsed["CM16-0249536.pdf"].items
    assert len(items) == 6
    last = items[-1]
    assert last.request == last.original_request == "Acupuncture treatments (unspecified quantity)"
    assert items[3].maximus_guideline.guideline == "Opioid Treatment"
    assert items[4].maximus_guideline.basis == "Non-MTUS"


def test_overturned_modified_header_across_a_page_break(
    parsed: dict[str, DecisionLetter],
) -> None:
    (item,) = parsed["CM16-0229336.pdf"].items
    assert item.decision == "Overturned"
    assert (
        item.original_request
        == item.request
        == (
            "Acute inpatient rehabilitation physical therapy and occupational therapy 7-10 days "
            "for left foot fracture"
        )
    )
    assert item.maximus_guideline.guideline is not None
    assert "rehabilitation-skilled-nursing-care" in item.maximus_guideline.guideline


def test_requests_with_colons(parsed: dict[str, DecisionLetter]) -> None:
    requests = [i.request for i in parsed["CM17-0006797.pdf"].items]
    assert requests[2:] == [
        "Associated surgical service: Shoulder Brace",
        "Associated surgical service: Cryotherapy unit, seven day use",
        "Associated surgical service: Physical Therapy sessions, 12",
    ]
    assert [i.maximus_guideline.basis for i in parsed["CM17-0006797.pdf"].items] == [
        "MTUS",
        "none",
        "none",
        "none",
        "none",
    ]
