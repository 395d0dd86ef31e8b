"""Citation lines: basis, guideline name, year, sections and pages in every observed variant."""

from __future__ import annotations

import pytest

from imr_llm.letters._citations import parse_citation, split_sections

CASES = [
    # (line, basis, guideline, year, sections, pages)
    (
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Physical "
        "medicine treatment.",
        "MTUS",
        "Chronic Pain Medical Treatment",
        2016,
        ["Physical medicine treatment"],
        [],
    ),
    (
        "Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies, Summary. "
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low Back.",
        "MTUS",
        "Low Back Complaints",
        2004,
        ["Special Studies", "Summary"],
        [],
    ),
    (
        "Decision based on MTUS Knee Complaints 2004.",
        "MTUS",
        "Knee Complaints",
        2004,
        [],
        [],
    ),
    (
        "Decision based on MTUS Chronic Pain Treatment Guidelines Page(s): 125-126.  Decision "
        "based on Non-MTUS Citation Official Disability Guidelines (ODG)",
        "MTUS",
        "Chronic Pain Treatment Guidelines",
        None,
        [],
        ["125-126"],
    ),
    (
        "Decision based on MTUS Chronic Pain Treatment Guidelines Work Conditioning, Work "
        "Hardening topic Page(s): 125.",
        "MTUS",
        "Chronic Pain Treatment Guidelines",
        None,
        ["Work Conditioning", "Work Hardening topic"],
        ["125"],
    ),
    (
        "Decision based on MTUS ACOEM Chapter 14 Ankle and Foot Complaints Page(s): 374 & 376-377.",
        "MTUS",
        "ACOEM Chapter 14 Ankle and Foot Complaints",
        None,
        [],
        ["374", "376-377"],
    ),
    (
        "Decision based on MTUS Forearm, Wrist, and Hand Complaints 2004, Section(s): "
        "Work-Relatedness, and Postsurgical Treatment 2009, Section(s): Forearm, Wrist, & Hand, "
        "and Chronic Pain Medical Treatment 2016, Section(s): Physical medicine treatment.",
        "MTUS",
        "Forearm, Wrist, and Hand Complaints",
        2004,
        ["Work-Relatedness", "Forearm, Wrist, & Hand", "Physical medicine treatment"],
        [],
    ),
    (
        "Decision based on MTUS General Approaches 2004, and Chronic Pain Medical Treatment "
        "2016, Section(s): Physical medicine treatment.",
        "MTUS",
        "General Approaches",
        2004,
        ["Physical medicine treatment"],
        [],
    ),
    (
        "Decision based on MTUS Opioid Treatment 2016, Section(s): 3.3.1.1 Opioids for Chronic "
        "Pain and Chronic Opioid Treatment: Screening for Risk of Addiction or Adverse Events, "
        "Prior to Chronic Opioid Treatment: Screening for Drug Misuse/Abuse, 4.1 Tapering "
        "Opioids: Indications for Tapering Opioids.",
        "MTUS",
        "Opioid Treatment",
        2016,
        [
            "3.3.1.1 Opioids for Chronic Pain and Chronic Opioid Treatment: Screening for Risk "
            "of Addiction or Adverse Events, Prior to Chronic Opioid Treatment: Screening for "
            "Drug Misuse/Abuse",
            "4.1 Tapering Opioids: Indications for Tapering Opioids",
        ],
        [],
    ),
    (
        "Decision based on MTUS Chronic Pain Medical Treatment Guidelines page 125, 127.",
        "MTUS",
        "Chronic Pain Medical Treatment Guidelines",
        None,
        [],
        ["125", "127"],
    ),
    (
        "Decision based on MTUS Chronic Pain Medical Treatment (2017), Page(s): 78-80.",
        "MTUS",
        "Chronic Pain Medical Treatment",
        2017,
        [],
        ["78-80"],
    ),
    (
        "The Claims Administrator based their decision on recommendation(s) outside of the MTUS "
        "Guidelines. Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), "
        "Low Back Chapter, Magnetic resonance imaging.",
        "Non-MTUS",
        "Official Disability Guidelines (ODG), Low Back Chapter, Magnetic resonance imaging",
        None,
        [],
        [],
    ),
    (
        "The Expert Reviewer did not base their decision on the MTUS. Decision based on Non-MTUS "
        "Citation (1) Chronic pain, Physical medicine treatment. (2) Preface, Physical Therapy "
        "Guidelines",
        "Non-MTUS",
        "(1) Chronic pain, Physical medicine treatment. (2) Preface, Physical Therapy Guidelines",
        None,
        [],
        [],
    ),
    (
        "The Claims Administrator did not cite any medical evidence for its decision.",
        "none",
        None,
        None,
        [],
        [],
    ),
    (
        "The Expert Reviewer did not cite any medical evidence for its decision.",
        "none",
        None,
        None,
        [],
        [],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_citation_variants(case: tuple) -> None:
    line, basis, guideline, year, sections, pages = case
    citation = parse_citation(line)
    assert citation.basis == basis
    assert citation.guideline == guideline
    assert citation.year == year
    assert citation.sections == sections
    assert citation.pages == pages
    assert citation.text == " ".join(line.split())


def test_citation_text_is_rejoined_across_lines() -> None:
    raw = (
        "The Expert Reviewer based their decision on recommendation(s) outside\nof the MTUS "
        "Guidelines. Decision based on Non-MTUS Citation Official Disability\nGuidelines (ODG) "
        "Knee/DME and Other Medical Treatment Guidelines https://www.cms.gov/Regulations-and-\n"
        "Guidance/Guidance/Transmittals/downloads/R148CIM.pdf.\n"
    )
    citation = parse_citation(raw)
    assert citation.basis == "Non-MTUS"
    assert "https://www.cms.gov/Regulations-and-Guidance/Guidance/Transmittals/" in citation.text
    assert citation.guideline is not None and citation.guideline.endswith("R148CIM.pdf")
    assert "\n" not in citation.text


def test_mtus_part_wins_over_a_following_non_mtus_part() -> None:
    citation = parse_citation(
        "Decision based on MTUS Shoulder Complaints 2004. Decision based on Non-MTUS Citation "
        "Official Disability Guidelines (ODG), Shoulder Chapter, Magnetic resonance imaging (MRI)."
    )
    assert (citation.basis, citation.guideline, citation.year) == (
        "MTUS",
        "Shoulder Complaints",
        2004,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "TENS, chronic pain (transcutaneous electrical nerve stimulation)",
            ["TENS, chronic pain (transcutaneous electrical nerve stimulation)"],
        ),
        ("Work conditioning, work hardening", ["Work conditioning, work hardening"]),
        ("Diagnostic Criteria, Special Studies", ["Diagnostic Criteria", "Special Studies"]),
        (
            "NSAIDs (non-steroidal anti-inflammatory drugs), NSAIDs, GI symptoms & cardiovascular "
            "risk",
            [
                "NSAIDs (non-steroidal anti-inflammatory drugs)",
                "NSAIDs, GI symptoms & cardiovascular risk",
            ],
        ),
        ("Initial Care; Follow-up Visits.", ["Initial Care", "Follow-up Visits"]),
        ("", []),
    ],
)
def test_split_sections(text: str, expected: list[str]) -> None:
    assert split_sections(text) == expected
