"""Header fields survive tabs, broken labels, values on their own lines and missing blocks."""

from __future__ import annotations

from datetime import date

import pytest

from imr_llm.letters._header import date_value, normalize_case_number, parse_header

FULL = {
    "case_number": "CM16-0247255",
    "date_assigned": date(2016, 12, 30),
    "date_of_injury": date(2016, 10, 14),
    "decision_date": date(2017, 1, 25),
    "ur_denial_date": date(2016, 12, 14),
    "application_received": date(2016, 12, 23),
    "priority": "Standard",
}

LAYOUTS = {
    "pdf-2016": (
        " \nCase Number: CM16-0247255  \nDate Assigned: 12/30/2016 Date of Injury:  10/14/2016 \n"
        "Decision Date: 01/25/2017 UR Denial Date:  12/14/2016 \nPriority:  Standard Application "
        "\nReceived:  \n12/23/2016 \n"
    ),
    "tabs": (
        "Case Number:\tCM16-0247255\t\t\nDate Assigned:\t12/30/2016\tDate of Injury:\t10/14/2016\n"
        "Decision Date:\t01/25/2017\tUR Denial Date:\t12/14/2016\n"
        "Priority:\tStandard\tApplication Received:\t12/23/2016\n"
    ),
    "one-per-line": (
        "Case Number:\nCM16-0247255\nDate Assigned:\n12/30/2016\nDate of Injury:\n10/14/2016\n"
        "Decision Date:\n01/25/2017\nUR Denial Date:\n12/14/2016\nPriority:\nStandard\n"
        "Application\nReceived:\n12/23/2016\n"
    ),
    "labels-then-values": (
        "Case Number: CM16-0247255\nDate Assigned: Date of Injury:\n12/30/2016 10/14/2016\n"
        "Decision Date: UR Denial Date:\n01/25/2017 12/14/2016\n"
        "Priority: Application Received:\nStandard 12/23/2016\n"
    ),
    "label-wrapped-around-value": (
        "Case Number:               CM16-0247255\n"
        "Date Assigned:             12/30/2016          Date of Injury:          10/14/2016\n"
        "Decision Date:             01/25/2017          UR Denial Date:          12/14/2016\n"
        "Priority:                  Standard            Application              12/23/2016\n"
        "                                               Received:\n"
    ),
    "short-years-and-spaces": (
        "Case  Number :  CM 16-0247255\nDate Assigned: 12/30/16   Date of Injury: 10/14/16\n"
        "Decision Date: 1/25/2017  UR Denial Date: 12-14-2016\n"
        "Priority: Standard  Application Received: December 23, 2016\n"
    ),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_header_layouts(layout: str) -> None:
    header = parse_header(LAYOUTS[layout])
    assert {name: getattr(header, name) for name in FULL} == FULL


def test_missing_header_gives_nulls() -> None:
    header = parse_header(" \n")
    assert all(getattr(header, name) is None for name in FULL)


def test_expedited_priority_and_missing_fields() -> None:
    header = parse_header("Case Number: CM19-0101010\nPriority: Expedited\nDate Assigned: \n")
    assert header.case_number == "CM19-0101010"
    assert header.priority == "Expedited"
    assert header.date_assigned is None and header.decision_date is None


def test_redacted_value_does_not_shift_the_others() -> None:
    header = parse_header(
        "Case Number: [REDACTED] Date Assigned: 01/02/2015 Date of Injury: 03/04/2013"
    )
    assert header.case_number is None
    assert header.date_assigned == date(2015, 1, 2)
    assert header.date_of_injury == date(2013, 3, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/02/2014", date(2014, 12, 2)),
        ("9/20/2013", date(2013, 9, 20)),
        ("10-14-2016", date(2016, 10, 14)),
        ("2/5/14", date(2014, 2, 5)),
        ("September 26, 2013", date(2013, 9, 26)),
        ("Dec. 1, 2017", date(2017, 12, 1)),
        ("2017-02-28", date(2017, 2, 28)),
        ("12 / 30 / 2016", date(2016, 12, 30)),
        ("13/45/2016", None),
        ("no date here", None),
    ],
)
def test_date_value(text: str, expected: date | None) -> None:
    """Header values are read by the package's one date parser (`imr_llm._dates`)."""
    assert date_value(text) == expected


def test_normalize_case_number() -> None:
    assert normalize_case_number("cm17 - 0005177") == "CM17-0005177"
    assert normalize_case_number("none") is None
