"""Every one of the 69 real letters: case number, header dates, item count, decisions.

The expected values were read off the letters' text (header table and the ': Upheld' /
': Overturned' item headers), not copied from the parser's output.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from imr_llm.letters import DecisionLetter, read_jsonl

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "evals" / "datasets" / "letters" / "sources"
GOLD = ROOT / "evals" / "datasets" / "letters" / "gold.jsonl"
SCHEMA = ROOT / "schemas" / "decision_letter.json"

# One row per letter: source, case number, date assigned, date of injury, decision date,
# UR denial date, application received ("-" where the letter has no header), decisions
# (U = Upheld, O = Overturned, one letter per item, in letter order).
TABLE = """
000_2fdf63af5882cd54.txt - - - - - - U
001_c4166cd8a3dacbd0.txt CM14-0195168 2014-12-02 2013-09-26 2015-01-16 2014-11-08 2014-11-21 U
002_c15c26fd14214241.txt CM13-0053115 2013-12-30 2011-04-08 2014-05-27 2013-11-15 2013-11-18 U
003_979208ffa62900d0.txt - - - - - - UU
004_501fb5b35b6b7bd1.txt - - - - - - U
CM16-0224814.pdf CM16-0224814 2016-11-30 2016-10-11 2017-01-06 2016-11-04 2016-11-21 U
CM16-0228949.pdf CM16-0228949 2016-12-05 2016-10-14 2016-12-30 2016-11-16 2016-11-28 U
CM16-0229336.pdf CM16-0229336 2016-12-05 2016-10-20 2016-12-30 2016-10-28 2016-11-28 O
CM16-0231884.pdf CM16-0231884 2016-12-07 2016-10-17 2017-01-11 2016-11-23 2016-12-01 U
CM16-0233794.pdf CM16-0233794 2016-12-08 2016-10-10 2017-01-06 2016-11-18 2016-12-05 U
CM16-0234202.pdf CM16-0234202 2016-12-09 2016-10-27 2017-01-06 2016-11-15 2016-12-05 U
CM16-0235724.pdf CM16-0235724 2016-12-12 2016-10-21 2017-01-09 2016-11-22 2016-12-07 O
CM16-0235869.pdf CM16-0235869 2016-12-13 2016-10-27 2017-01-18 2016-11-30 2016-12-08 UUUUUU
CM16-0235991.pdf CM16-0235991 2016-12-13 2016-10-12 2017-01-11 2016-11-08 2016-12-07 UO
CM16-0236134.pdf CM16-0236134 2016-12-12 2016-10-24 2017-01-10 2016-11-28 2016-12-08 U
CM16-0236380.pdf CM16-0236380 2016-12-12 2016-10-13 2017-01-18 2016-11-15 2016-12-08 UUU
CM16-0238352.pdf CM16-0238352 2016-12-15 2016-10-14 2017-01-13 2016-11-17 2016-12-12 U
CM16-0239569.pdf CM16-0239569 2016-12-16 2016-11-15 2017-01-24 2016-12-09 2016-12-13 UUUUU
CM16-0240900.pdf CM16-0240900 2016-12-20 2016-10-28 2017-01-18 2016-11-16 2016-12-15 UU
CM16-0241231.pdf CM16-0241231 2016-12-21 2016-10-22 2017-01-19 2016-12-07 2016-12-16 U
CM16-0242302.pdf CM16-0242302 2016-12-21 2016-10-15 2017-01-19 2016-12-12 2016-12-16 U
CM16-0243453.pdf CM16-0243453 2016-12-23 2016-10-10 2017-01-26 2016-12-15 2016-12-19 UUUU
CM16-0245028.pdf CM16-0245028 2017-01-04 2016-10-24 2017-01-27 2016-12-13 2016-12-21 U
CM16-0247255.pdf CM16-0247255 2016-12-30 2016-10-14 2017-01-25 2016-12-14 2016-12-23 U
CM16-0247287.pdf CM16-0247287 2016-12-30 2016-10-13 2017-01-25 2016-11-30 2016-12-23 UO
CM16-0247660.pdf CM16-0247660 2017-01-12 2016-10-16 2017-02-02 2016-11-30 2016-12-27 U
CM16-0248655.pdf CM16-0248655 2017-01-12 2016-11-11 2017-02-08 2016-12-09 2016-12-28 U
CM16-0249536.pdf CM16-0249536 2017-01-10 2016-10-18 2017-02-07 2016-12-01 2016-12-29 UUUUUU
CM16-0249735.pdf CM16-0249735 2017-01-04 2016-10-25 2017-01-31 2016-12-07 2016-12-29 U
CM17-0000846.pdf CM17-0000846 2017-01-05 2016-11-10 2017-02-01 2016-12-08 2016-12-30 UU
CM17-0001064.pdf CM17-0001064 2017-01-06 2016-11-08 2017-02-01 2016-11-30 2016-12-30 UUU
CM17-0001749.pdf CM17-0001749 2017-01-06 2016-10-17 2017-02-02 2016-12-21 2017-01-03 O
CM17-0002198.pdf CM17-0002198 2017-01-09 2016-10-11 2017-01-31 2016-12-27 2017-01-03 UU
CM17-0002857.pdf CM17-0002857 2017-01-09 2016-12-16 2017-02-01 2016-12-22 2017-01-04 U
CM17-0002892.pdf CM17-0002892 2017-01-09 2016-10-15 2017-02-08 2016-12-07 2017-01-04 UUU
CM17-0003890.pdf CM17-0003890 2017-01-11 2016-10-25 2017-02-03 2016-12-16 2017-01-05 U
CM17-0003917.pdf CM17-0003917 2017-01-18 2016-11-30 2017-02-09 2016-12-21 2017-01-06 U
CM17-0004039.pdf CM17-0004039 2017-01-11 2016-11-14 2017-02-08 2016-12-23 2017-01-06 UU
CM17-0004344.pdf CM17-0004344 2017-01-11 2016-10-22 2017-02-02 2017-01-03 2017-01-06 U
CM17-0004547.pdf CM17-0004547 2017-01-11 2016-10-14 2017-02-03 2016-12-27 2017-01-06 UU
CM17-0004738.pdf CM17-0004738 2017-01-11 2016-11-14 2017-02-07 2016-12-28 2017-01-06 O
CM17-0005177.pdf CM17-0005177 2017-01-12 2016-11-02 2017-02-03 2016-12-19 2017-01-09 U
CM17-0005616.pdf CM17-0005616 2017-01-12 2016-10-28 2017-02-07 2016-12-30 2017-01-09 U
CM17-0006797.pdf CM17-0006797 2017-01-19 2016-11-01 2017-02-15 2017-01-05 2017-01-10 UUUUU
CM17-0007300.pdf CM17-0007300 2017-01-13 2016-11-13 2017-02-09 2017-01-05 2017-01-10 UU
CM17-0007857.pdf CM17-0007857 2017-01-17 2016-10-11 2017-02-09 2016-12-21 2017-01-11 U
CM17-0008241.pdf CM17-0008241 2017-01-17 2016-10-16 2017-02-09 2017-01-03 2017-01-12 U
CM17-0008551.pdf CM17-0008551 2017-01-17 2016-11-10 2017-02-16 2016-12-15 2017-01-12 O
CM17-0009441.pdf CM17-0009441 2017-01-19 2016-10-18 2017-02-16 2016-12-21 2017-01-13 UUUUUUUU
CM17-0009574.pdf CM17-0009574 2017-01-18 2016-11-22 2017-02-13 2016-12-19 2017-01-13 O
CM17-0009996.pdf CM17-0009996 2017-01-25 2016-12-12 2017-02-16 2016-12-22 2017-01-14 U
CM17-0010365.pdf CM17-0010365 2017-01-20 2016-11-08 2017-02-14 2017-01-05 2017-01-16 O
CM17-0010885.pdf CM17-0010885 2017-01-20 2016-10-18 2017-02-14 2017-01-10 2017-01-17 OO
CM17-0011730.pdf CM17-0011730 2017-01-23 2016-10-13 2017-02-14 2016-12-27 2017-01-17 U
CM17-0011992.pdf CM17-0011992 2017-01-23 2016-10-15 2017-02-14 2017-01-03 2017-01-18 U
CM17-0012640.pdf CM17-0012640 2017-01-25 2016-10-12 2017-02-16 2017-01-13 2017-01-18 UO
CM17-0013587.pdf CM17-0013587 2017-01-25 2016-10-10 2017-02-22 2017-01-08 2017-01-20 UU
CM17-0014320.pdf CM17-0014320 2017-01-27 2016-11-04 2017-02-22 2017-01-13 2017-01-23 UU
CM17-0014944.pdf CM17-0014944 2017-01-25 2016-12-20 2017-02-16 2017-01-13 2017-01-20 U
CM17-0015348.pdf CM17-0015348 2017-01-25 2016-10-23 2017-02-17 2016-12-19 2017-01-20 O
CM17-0015849.pdf CM17-0015849 2017-01-26 2016-10-14 2017-02-17 2016-12-29 2017-01-23 U
CM17-0015957.pdf CM17-0015957 2017-01-31 2016-10-24 2017-02-28 2017-01-06 2017-01-24 UUU
CM17-0016204.pdf CM17-0016204 2017-01-30 2016-10-27 2017-02-23 2017-01-03 2017-01-24 UU
CM17-0016311.pdf CM17-0016311 2017-01-26 2016-11-10 2017-02-28 2017-01-19 2017-01-23 UUUU
CM17-0017104.pdf CM17-0017104 2017-01-31 2016-11-04 2017-02-23 2016-12-28 2017-01-25 U
CM17-0018485.pdf CM17-0018485 2017-02-02 2016-12-10 2017-02-27 2017-01-19 2017-01-27 U
CM17-0019066.pdf CM17-0019066 2017-02-02 2016-10-27 2017-02-27 2016-12-31 2017-01-30 UU
CM17-0019171.pdf CM17-0019171 2017-01-31 2016-10-29 2017-02-28 2017-01-24 2017-01-30 U
CM17-0021656.pdf CM17-0021656 2017-02-02 2016-11-02 2017-02-27 2017-01-25 2017-02-02 U
"""
EXPECTED = [
    tuple(None if v == "-" else v for v in line.split()) for line in TABLE.split("\n") if line
]


def test_expected_covers_every_source() -> None:
    names = {p.name for p in SOURCES.rglob("*") if p.suffix in (".pdf", ".txt")}
    assert names == {row[0] for row in EXPECTED}
    assert len(names) == 69


def _iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@pytest.mark.parametrize("row", EXPECTED, ids=[row[0] for row in EXPECTED])
def test_letter_header_and_decisions(
    row: tuple[str, ...], parsed: dict[str, DecisionLetter]
) -> None:
    source, case, assigned, injury, decided, ur_denial, received, decisions = row
    letter = parsed[source]
    assert letter.source == source
    assert letter.case_number == case
    assert letter.date_assigned == _iso(assigned)
    assert letter.date_of_injury == _iso(injury)
    assert letter.decision_date == _iso(decided)
    assert letter.ur_denial_date == _iso(ur_denial)
    assert letter.application_received == _iso(received)
    assert letter.priority == ("Standard" if case else None)
    assert len(letter.items) == len(decisions)
    assert "".join(item.decision[0] for item in letter.items) == decisions


@pytest.mark.parametrize("row", EXPECTED, ids=[row[0] for row in EXPECTED])
def test_letter_bodies_are_clean(row: tuple[str, ...], parsed: dict[str, DecisionLetter]) -> None:
    letter = parsed[row[0]]
    summary = letter.clinical_case_summary
    assert len(summary.split()) >= 40
    assert not summary.startswith("The expert reviewer developed")
    assert "IMR ISSUES" not in summary and "  " not in summary
    assert letter.reviewer.licensure and letter.reviewer.specialties
    for item in letter.items:
        assert item.request and "\n" not in item.request
        assert not item.request.endswith((":", " is"))
        for marker in ("guideline:", "Decision rationale:", "Upheld", "Overturned"):
            assert marker not in item.request
        assert item.decision_rationale.rstrip().endswith((".", ".)", '."'))
        for marker in ("Claims Administrator guideline:", "MAXIMUS guideline:"):
            assert marker not in item.decision_rationale
        for citation in (item.claims_administrator_guideline, item.maximus_guideline):
            assert citation.text and "\n" not in citation.text


def test_gold_jsonl_matches_a_fresh_parse(parsed: dict[str, DecisionLetter]) -> None:
    gold = read_jsonl(GOLD)
    assert len(gold) == 69
    by_source = {letter.source: letter for letter in gold}
    assert set(by_source) == set(parsed)
    for source, letter in parsed.items():
        assert by_source[source] == letter, f"{source}: gold.jsonl is stale (re-run the parser)"


def test_gold_records_validate_against_the_json_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    records = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    for record in records:
        validator.validate(record)
    records[0]["items"][0]["decision"] = "Partly upheld"
    assert not validator.is_valid(records[0])


def test_corpus_totals(parsed: dict[str, DecisionLetter]) -> None:
    items = [item for letter in parsed.values() for item in letter.items]
    assert len(items) == sum(len(row[-1]) for row in EXPECTED)
    assert sum(item.original_request is not None for item in items) == 19
    bases = {item.maximus_guideline.basis for item in items}
    assert bases == {"MTUS", "Non-MTUS", "none"}
