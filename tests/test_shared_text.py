"""The shared text and date rules (`imr_llm._text`, `imr_llm._dates`) every package uses."""

from __future__ import annotations

import datetime as dt

from imr_llm._dates import INJURY_DATE_LABEL, find_dates, full_year, parse_date
from imr_llm._text import STOPWORDS, SYNONYMS, canonical, norm, stem, words


def test_words_and_norm() -> None:
    assert words("Range-of motion: 5/5") == ["range", "of", "motion", "5", "5"]
    assert norm("  Right KNEE (MRI)  ") == "right knee mri"


def test_stem_is_light() -> None:
    assert [stem(w) for w in ("injections", "studies", "stenosis", "status", "sessions")] == [
        "injection",
        "study",
        "stenosis",
        "status",
        "session",
    ]


def test_stopwords_keep_negations() -> None:
    assert {"the", "this", "which"} <= STOPWORDS
    assert not {"not", "without", "no"} & STOPWORDS


def test_canonical_is_one_pass_and_keeps_written_out_names() -> None:
    assert canonical("ESI L4-5") == "epidural steroid injection l4 5"
    assert canonical("lumbar epidural steroid injection") == "lumbar epidural steroid injection"
    assert canonical("PT pt") == "physical therapy physical therapy"
    assert all(key == norm(key) for key in SYNONYMS)


def test_one_two_digit_year_rule_everywhere() -> None:
    from imr_llm.evals._baselines import extract_summary
    from imr_llm.letters._header import date_value

    assert full_year("16") == 2016 and full_year("85") == 1985
    assert parse_date("DOI 9/20/85") == dt.date(1985, 9, 20)
    assert date_value("9/20/85") == dt.date(1985, 9, 20)
    summary = extract_summary("The date of injury is 9/20/85. She is 60 years old.")
    assert summary.date_of_injury == dt.date(1985, 9, 20)


def test_find_dates_reads_every_style() -> None:
    text = "DOI 9/20/2013; seen 10-28-16, UR on November 16, 2016; bad 13/45/2016"
    assert [m.date for m in find_dates(text) if m.date] == [
        dt.date(2013, 9, 20),
        dt.date(2016, 10, 28),
        dt.date(2016, 11, 16),
    ]


def test_injury_date_label() -> None:
    for text in ("Date of Injury:", "date of industrial injury", "DOI", "D/I", "Injury date"):
        assert INJURY_DATE_LABEL.search(text), text
    assert not INJURY_DATE_LABEL.search("Date of birth")
