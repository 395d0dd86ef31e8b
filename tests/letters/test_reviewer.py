"""Reviewer credentials in both styles."""

from __future__ import annotations

import pytest

from imr_llm.letters._reviewer import parse_reviewer

LABELLED = (
    "The Expert Reviewer has the following credentials:\n"
    "State(s) of Licensure: Texas,New York, California\n"
    "Certification(s)/Specialty: Preventive Medicine, Occupational Medicine, Public Health &\n"
    "General Preventive Medicine\n"
)


def test_labelled_style_with_wrapped_specialty() -> None:
    reviewer = parse_reviewer(LABELLED)
    assert reviewer.licensure == ["Texas", "New York", "California"]
    assert reviewer.specialties == [
        "Preventive Medicine",
        "Occupational Medicine",
        "Public Health & General Preventive Medicine",
    ]


@pytest.mark.parametrize(
    ("prose", "licensure", "specialties"),
    [
        (
            "The expert reviewer is Board Certified in Neurology, has a subspecialty in "
            "Neuromuscular Medicine, and is licensed to practice in California. He/she has",
            ["California"],
            ["Neurology", "Neuromuscular Medicine"],
        ),
        (
            "He/she has no affiliation with the employer. The expert \nreviewer is Board "
            "Certified in Family Medicine and is licensed to practice in Colorado. He/she",
            ["Colorado"],
            ["Family Medicine"],
        ),
        (
            "The expert reviewer is Board Certified in Orthopedic Surgery and is licensed to "
            "practice in California and Texas. He/she",
            ["California", "Texas"],
            ["Orthopedic Surgery"],
        ),
        (
            "The expert reviewer is Board Certified in Physical Medicine and Rehabilitation, has "
            "a subspecialty in Pain Medicine and is licensed to practice in California. He/she",
            ["California"],
            ["Physical Medicine and Rehabilitation", "Pain Medicine"],
        ),
        (
            "The expert reviewer is a Doctor of Chiropractic and is licensed to practice in "
            "California and Nevada. He/she",
            ["California", "Nevada"],
            ["Doctor of Chiropractic"],
        ),
    ],
)
def test_prose_style(prose: str, licensure: list[str], specialties: list[str]) -> None:
    reviewer = parse_reviewer(prose)
    assert reviewer.licensure == licensure
    assert reviewer.specialties == specialties


def test_no_credentials() -> None:
    reviewer = parse_reviewer("MAXIMUS Federal Services sent the complete case file.")
    assert reviewer.licensure == [] and reviewer.specialties == []
