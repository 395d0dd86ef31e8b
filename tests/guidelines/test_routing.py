"""Guideline routing: service type x body part x phase -> the chapter MAXIMUS cites."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_llm._errors import GuidelineLibraryError
from imr_llm.guidelines._routing import load_router


@pytest.mark.parametrize(
    ("request_text", "service", "chapter"),
    [
        ("MRI of the lumbar spine without contrast", "imaging", "Low Back Complaints"),
        ("Cervical spine x-rays, 3 views", "imaging", "Neck and Upper Back Complaints"),
        ("Right shoulder MR arthrogram", "imaging", "Shoulder Complaints"),
        ("Left knee MRI", "imaging", "Knee Complaints"),
        ("CT scan of the head", "imaging", "Official Disability Guidelines (ODG), Imaging"),
        ("EMG/NCV bilateral lower extremities", "edx", "Low Back Complaints"),
        ("Nerve conduction study of the right wrist", "edx", "Forearm, Wrist, and Hand Complaints"),
        (
            "Physical therapy 2x6 for the low back",
            "physical_medicine",
            "Chronic Pain Medical Treatment",
        ),
        (
            "Post-operative physical therapy x12 right knee",
            "physical_medicine",
            "Postsurgical Treatment",
        ),
        ("Chiropractic manipulation 6 visits", "chiropractic", "Chronic Pain Medical Treatment"),
        ("Acupuncture 6 sessions", "acupuncture", "Acupuncture Treatment"),
        ("Oxycodone 10 mg #60", "opioid", "Opioid Treatment"),
        ("Urine drug screen", "uds", "Opioid Treatment"),
        ("Ketoprofen 10% / lidocaine 5% cream 120 g", "topical", "Chronic Pain Medical Treatment"),
        ("Tizanidine 4mg #30", "muscle_relaxant", "Chronic Pain Medical Treatment"),
        ("Lumbar epidural steroid injection L4-5", "injection", "Chronic Pain Medical Treatment"),
        (
            "Platelet-rich plasma injection, right elbow",
            "biologic_injection",
            "Official Disability Guidelines (ODG), Platelet-rich plasma (PRP)",
        ),
        (
            "Referral to a spine surgeon for lumbar fusion evaluation",
            "referral",
            "Chronic Pain Medical Treatment",
        ),
        ("Assistant surgeon for the knee arthroscopy", "associated", None),
        ("Total knee arthroplasty, left", "surgery", "Knee Complaints"),
        ("Home health aide 4 hours a day", "home_health", "Chronic Pain Medical Treatment"),
        (
            "Functional capacity evaluation",
            "fce",
            "Official Disability Guidelines (ODG), Fitness for Duty, "
            "Functional capacity evaluation (FCE)",
        ),
        ("Zolpidem 10 mg #30", "sleep", "Official Disability Guidelines (ODG), Insomnia treatment"),
    ],
)
def test_requests_route_by_service_and_body_part(
    request_text: str, service: str, chapter: str | None
) -> None:
    match = load_router().route(request_text)
    assert match.service == service
    assert match.citation.guideline == chapter
    if chapter is None:
        assert match.citation.basis == "none"


def test_body_part_from_context_and_phase_from_days() -> None:
    router = load_router()
    match = router.route("MRI without contrast", days_since_injury=30, context="low back pain")
    assert (match.body_parts, match.phase) == (["low_back"], "acute")
    assert router.route("Physical therapy x6", days_since_injury=400).phase == "chronic"


def test_citation_lines_use_the_letters_wording() -> None:
    router = load_router()
    assert router.route("Norco 10/325 #90").citation.text == (
        "Decision based on MTUS Opioid Treatment 2016, Section(s): Opioids for Chronic Pain and "
        "Chronic Opioid Treatment."
    )
    odg = router.route("MRI of the right hip").citation
    assert odg.basis == "Non-MTUS" and odg.text.startswith(
        "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS"
    )


def test_unknown_service_takes_the_fallback_route() -> None:
    match = load_router().route("Something nobody has asked for")
    assert match.service == "*" and match.route.service == "*"


def test_invalid_routing_table_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "routes.toml"
    bad.write_text(
        '[[service]]\nid = "x"\npatterns = ["("]\n[[body]]\nid="b"\npatterns=["b"]\n'
        '[[route]]\nservice="*"\ncitation={basis="none"}\n',
        "utf-8",
    )
    with pytest.raises(GuidelineLibraryError, match=r"routes\.toml: invalid routing table"):
        load_router(bad)
    bad.write_text(
        '[[service]]\nid = "x"\npatterns = ["x"]\n[[body]]\nid="b"\npatterns=["b"]\n'
        '[[route]]\nservice="x"\ncitation={basis="none"}\n',
        "utf-8",
    )
    with pytest.raises(GuidelineLibraryError, match="fallback route"):
        load_router(bad)
