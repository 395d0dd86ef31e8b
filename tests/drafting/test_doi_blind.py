"""The date of injury read from record and summary snippets written blind to the code
(evals/datasets/doi_blind, synthetic): labelled dates (with qualifiers and cumulative-trauma
ranges), prose ("injured ... on", "occupational claim from", "whose claim dates to"), and
distractors that are not this claim's injury date (visit dates next to "the injured worker",
prior claims, a non-industrial accident)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from imr_llm.drafting._case_facts import injury_date_found
from imr_llm.records import case_from_text

DATA = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "doi_blind"


def _found(text: str) -> str | None:
    found = injury_date_found(case_from_text(text).documents)
    return found.value.isoformat() if found and isinstance(found.value, dt.date) else None


# scored once each: holdout 0.85 -> 0.90 after round 4's first change; doi_blind_2 (a second
# blind set) 0.750 -> 0.767 -> 0.883 after its first and second changes
@pytest.mark.parametrize(
    ("split", "floor"), [("tune", 0.95), ("holdout", 0.85), ("doi_blind_2/all.jsonl", 0.88)]
)
def test_date_of_injury_on_blind_snippets(split: str, floor: float) -> None:
    path = DATA.parent / split if split.endswith(".jsonl") else DATA / f"{split}.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    wrong = [
        f"{r['id']}: expected {r['doi']}, got {got}"
        for r in rows
        if (got := _found(r["text"])) != r["doi"]
    ]
    assert 1 - len(wrong) / len(rows) >= floor, "\n".join(wrong)


def test_each_rule_both_ways() -> None:
    assert _found("The injured worker was seen on 10/28/2016 for neck pain.") is None
    assert _found("A history of an occupational claim from 10/27/2016.") == "2016-10-27"
    assert _found("He has a prior claim from 03/02/2005 that settled.") is None
    assert _found("Car accident on 04/17/2014 (non-industrial).") is None
    assert _found("Date of injury (cumulative trauma): 01/01/2014 - 03/14/2015") == "2015-03-14"
    assert _found("DOI: 01/01/2014. Seen 03/14/2015.") == "2014-01-01"  # not a range
