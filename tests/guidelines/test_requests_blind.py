"""The router's service type for request strings written blind to the code
(evals/datasets/requests_blind, synthetic)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imr_llm.guidelines._routing import load_router

DATASETS = Path(__file__).resolve().parents[2] / "evals" / "datasets"
SAME = {"antidepressant": "neuropathic"}  # the label the writer had for antidepressants


@pytest.mark.parametrize(
    ("dataset", "split", "floor"),
    [
        ("requests_blind", "tune", 0.97),
        ("requests_blind", "holdout", 0.90),
        ("requests_blind_2", "tune", 0.97),
        ("requests_blind_2", "holdout", 0.95),
    ],
)
def test_service_types_of_blind_requests(dataset: str, split: str, floor: float) -> None:
    router = load_router()
    path = DATASETS / dataset / f"{split}.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
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


def test_the_head_of_a_request_names_the_service() -> None:
    router = load_router()
    assert router.service_of("Post-operative physical therapy x12 following knee arthroscopy")[
        0
    ] == ("physical_medicine")
    assert router.service_of("Cold therapy unit rental 7 days after rotator cuff repair")[0] == (
        "associated"
    )
    assert router.service_of("Lumbar support brace (non-surgical)")[0] == "dme"
    assert router.service_of("MRI of the right shoulder to evaluate for rotator cuff tear")[0] == (
        "imaging"
    )
    assert router.service_of("Tramadol 10%/Gabapentin 6% compounded cream")[0] == "topical"
    assert router.service_of("Fentanyl patch 25 mcg/hr #10")[0] == "opioid"
    assert router.service_of("Right knee arthroscopy with partial meniscectomy")[0] == "surgery"
