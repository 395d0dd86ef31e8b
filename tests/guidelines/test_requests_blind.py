"""The router's service type for request strings written blind to the code
(evals/datasets/requests_blind, synthetic)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imr_llm.guidelines._routing import load_router

DATA = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "requests_blind"
SAME = {"antidepressant": "neuropathic"}  # the label the writer had for antidepressants


@pytest.mark.parametrize(("split", "floor"), [("tune", 0.97), ("holdout", 0.90)])
def test_service_types_of_blind_requests(split: str, floor: float) -> None:
    router = load_router()
    rows = [json.loads(line) for line in (DATA / f"{split}.jsonl").read_text("utf-8").splitlines()]
    wrong = []
    for row in rows:
        got = router.service_of(row["request"])[0]
        if SAME.get(got, got) != row["service"]:
            wrong.append(f"{row['id']}: {row['request']!r} expected {row['service']}, got {got}")
    assert 1 - len(wrong) / len(rows) >= floor, "\n".join(wrong)


def test_new_drug_classes_route_to_their_sections() -> None:
    router = load_router()
    cases = {
        "Xanax 0.5mg #60": ("benzodiazepine", "Benzodiazepines"),
        "Effexor XR 75mg #30": ("antidepressant", "Antidepressants for chronic pain"),
        "Medrol dose pack": ("oral_steroid", "Oral corticosteroids"),
        "Theramine #90": ("medical_food", "Medical food"),
        "Zofran 4mg #20": ("antiemetic", "Antiemetics (for opioid nausea)"),
    }
    for request, (service, section) in cases.items():
        match = router.route(request)
        assert match.service == service, request
        assert section in match.citation.text, request
