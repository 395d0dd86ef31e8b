"""Dates normalise across formats; planted unsupported dates, numbers and quotes are caught."""

from __future__ import annotations

import datetime as dt

import pytest

from imr_llm.drafting import RecordIndex, check_text, find_dates, ground_summary, parse_date
from imr_llm.drafting._models import CaseSummary, Treatment, URDecision
from imr_llm.records import case_from_text

NOV_2 = dt.date(2016, 11, 2)


@pytest.mark.parametrize(
    "text",
    [
        "11/2/2016",
        "11-2-16",
        "November 2, 2016",
        "2016-11-02",
        "Nov. 2, 2016",
        "2 November 2016",
        "11/02/16",
    ],
)
def test_date_formats_normalise(text: str) -> None:
    assert parse_date(f"injured on {text}.") == NOV_2


def test_non_dates_are_not_dates() -> None:
    assert find_dates("rated 0-3/10, PT 3x2, 9-10 visits over 8 weeks, L4-5") == []
    assert parse_date("13/45/2016") is None


CASE = case_from_text(
    "Date of injury: 11/02/2016\nAge: 53. Five sessions of physical therapy.\n"
    "Assessment: no functional improvement.\nUR 12/19/2016 non-certified."
)


def test_any_format_of_a_record_date_is_supported() -> None:
    index = RecordIndex.of_case(CASE)
    text = 'Injured on 11-2-16 (November 2, 2016); "no functional improvement"; 5 sessions.'
    assert check_text(text, "prose", index) == []


def test_planted_wrong_date_number_and_quote_are_caught() -> None:
    index = RecordIndex.of_case(CASE)
    issues = check_text('On 11-3-16 she had 7 sessions, "complete relief".', "prose", index)
    assert [(i.value, i.problem.split()[0]) for i in issues] == [
        ("11-3-16", "date"),
        ("7", "number"),
        ("complete relief", "quoted"),
    ]


def test_ground_summary_catches_planted_wrong_date_in_fields_and_prose() -> None:
    summary = CaseSummary(
        age=53,
        sex="female",
        date_of_injury=dt.date(2016, 11, 3),
        treatments=[Treatment(name="physical therapy", count=5)],
        ur_history=[URDecision(date=dt.date(2016, 12, 19), request="PT", outcome="non-certified")],
        prose="The injured worker is a 53 year old female, who sustained an industrial injury "
        "on 11-3-16. On 12-19-16 the request was non-certified by utilization review.",
    )
    issues = ground_summary(summary, CASE)
    assert {(i.field, i.value) for i in issues} == {
        ("date_of_injury", "2016-11-03"),
        ("prose", "11-3-16"),
    }
    correct = summary.model_copy(
        update={"date_of_injury": NOV_2, "prose": summary.prose.replace("11-3-16", "11-2-16")}
    )
    assert ground_summary(correct, CASE) == []


def test_an_index_extended_with_texts_is_the_index_of_all_of_them() -> None:
    records = [ln.text for d in CASE.documents for ln in d.lines]
    extra = ["Request: 12 sessions of PT", "Guideline: 9-10 visits over 8 weeks; 3/4/2015."]
    whole = RecordIndex(records + extra)
    for index in (
        RecordIndex.of_case(CASE, *extra),
        RecordIndex(records[:3]).with_texts(records[3:] + extra),
    ):
        assert (index.text, index.dates, index.months, index.numbers) == (
            whole.text,
            whole.dates,
            whole.months,
            whole.numbers,
        )


def test_the_case_index_is_built_once_and_never_extended_in_place() -> None:
    base = RecordIndex.of_case(CASE)
    assert RecordIndex.of_case(CASE) is base
    before = (base.text, set(base.numbers), set(base.dates))
    RecordIndex.of_case(CASE, "99 visits on 1/2/2003")
    assert (base.text, base.numbers, base.dates) == before
    assert "99" not in base.numbers
