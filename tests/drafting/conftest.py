"""Offline fixtures for drafting tests: a scripted fake `Model`, a small case, a fake library."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from imr_llm._errors import ModelError
from imr_llm.letters._models import GuidelineCitation
from imr_llm.llm import Completion, Message, Model, Usage
from imr_llm.records import CaseFile, case_from_text

Answer = dict[str, Any] | Callable[[list[Message]], dict[str, Any]]


class ScriptedModel(Model):
    """Answers by response-model name from a script. Each call consumes answers until one
    validates, as instructor re-asks after a validation error; running out is a ModelError."""

    name = "scripted"

    def __init__(self, script: dict[str, list[Answer]]) -> None:
        self.script = {k: list(v) for k, v in script.items()}
        self.calls: list[tuple[list[Message], str]] = []

    def structured(  # type: ignore[override]
        self,
        messages: list[Message],
        response_model: type[BaseModel],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Completion[Any]:
        name = response_model.__name__
        self.calls.append((messages, name))
        queue = self.script.get(name, [])
        requests = 0
        while queue:
            answer = queue.pop(0)
            raw = answer(messages) if callable(answer) else answer
            requests += 1
            try:
                value = response_model.model_validate(raw)
            except ValidationError:
                continue
            usage = Usage(prompt_tokens=100, completion_tokens=10, requests=requests)
            return Completion[Any](value=value, usage=usage)
        raise ModelError(f"{name}: no valid answer left after {requests} attempts")


RECORDS = {
    "pr2.txt": """PRIMARY TREATING PHYSICIAN'S PROGRESS REPORT (PR-2)
Patient: Jane Doe    Age: 53    Sex: Female
Date of injury: 11/02/2016
Mechanism: lifting boxes at work, felt pain in neck and low back.
Date of exam: 12/08/2016
Subjective: neck and back pain rated 0-3/10.
Diagnoses: Sprain of ligaments of cervical spine; sprain of ligaments of lumbar spine.
Treatment to date: physical therapy, 5 sessions completed, no documented functional improvement.
Medications: Norco, Cyclobenzaprine.
Exam: normal gait; tenderness and spasm of the paracervical and trapezius muscles.
Plan: request additional physical therapy 3 visits per week for 2 weeks.
Work status: modified duty.
""",
    "ur.txt": """UTILIZATION REVIEW DETERMINATION
Date: 12/19/2016
Request: Physical therapy additional 3 visits per week for 2 weeks
Determination: NON-CERTIFIED.
""",
}

SUMMARY_SCRIPT: dict[str, list[Answer]] = {
    "PatientFacts": [
        {
            "age": 53,
            "sex": "Female",
            "date_of_injury": "11/02/2016",
            "mechanism": "lifting boxes at work",
            "work_status": "modified duty",
            "ref": "D1:3",
        }
    ],
    "ClinicalFacts": [
        {
            "body_parts": ["neck", "low back"],
            "diagnoses": [
                "Sprain of ligaments of cervical spine",
                "sprain of ligaments of lumbar spine",
            ],
            "imaging": [],
        }
    ],
    "ExamFacts": [
        {
            "exam_date": "12/08/2016",
            "complaints": ["neck and back pain rated 0-3/10"],
            "exam_findings": [
                "normal gait",
                "tenderness and spasm of the paracervical and trapezius muscles",
            ],
        }
    ],
    "TreatmentFacts": [
        {
            "therapies": ["physical therapy 5 sessions"],
            "medications": ["Norco"],
            "other": [],
            "response": "no documented functional improvement",
        }
    ],
    "RequestFacts": [
        {
            "disputed_requests": ["Physical therapy additional 3 visits per week for 2 weeks"],
            "request_date": "12/08/2016",
            "ur_date": "12/19/2016",
            "ur_outcome": "NON-CERTIFIED",
        }
    ],
}


def item_script(n: int = 1, decision: str = "Upheld") -> dict[str, list[Answer]]:
    """Answers for `n` drafted items: 5 decision samples each (the scripted model returns no
    log-probabilities) and a rationale."""
    return {
        "LabelAnswer": [{"answer": decision}] * (5 * n),
        "RationaleAnswer": [{"rationale": "The records document no functional improvement."}] * n,
    }


def write_records(tmp_path: Any, records: dict[str, str] = RECORDS) -> Any:
    d = tmp_path / "records"
    d.mkdir()
    for name, text in records.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


@pytest.fixture
def records_dir(tmp_path: Any) -> Any:
    return write_records(tmp_path)


@pytest.fixture
def small_case(records_dir: Any) -> CaseFile:
    from imr_llm.records import load_case

    return load_case(records_dir)


@dataclass
class FakeExcerpt:
    id: str = "pm-fading"
    text: str = (
        "Allow for fading of treatment frequency (from up to 3 visits per week to 1 or less), "
        "plus active self-directed home Physical Medicine. Myalgia and myositis, unspecified: "
        "9-10 visits over 8 weeks."
    )
    criteria: list[str] = field(
        default_factory=lambda: [
            "Allow for fading of treatment frequency",
            "active self-directed home Physical Medicine",
        ]
    )
    guideline: str = "Chronic Pain Medical Treatment"

    def citation(self) -> GuidelineCitation:
        return GuidelineCitation(
            basis="MTUS",
            guideline="Chronic Pain Medical Treatment",
            year=2016,
            sections=["Physical medicine treatment"],
            text="Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): "
            "Physical medicine treatment.",
        )


@dataclass
class FakeLibrary:
    excerpts: list[FakeExcerpt] = field(default_factory=lambda: [FakeExcerpt()])
    queries: list[str] = field(default_factory=list)

    def retrieve(self, query: str, k: int = 3, **_: Any) -> list[FakeExcerpt]:
        self.queries.append(query)
        return self.excerpts[:k]


@pytest.fixture
def library() -> FakeLibrary:
    return FakeLibrary()


def text_case(text: str) -> CaseFile:
    return case_from_text(text)
