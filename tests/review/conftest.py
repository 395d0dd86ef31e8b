"""Offline fixtures for the reviewer workbench: a scripted model over the synthetic case
CM17-0005177 (no model server), a workbench in a temporary state directory."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from imr_llm._errors import ModelError
from imr_llm.llm import Completion, Message, Model, Usage
from imr_llm.review import Workbench, open_workbench

REPO = Path(__file__).resolve().parents[2]
CASE_RECORDS = REPO / "evals" / "datasets" / "synthetic" / "CM17-0005177" / "records"
REQUEST = "Physical therapy additional 3 visits per week for 2 weeks"

Answer = Callable[[type[BaseModel]], dict[str, Any]]


def decided(decision: str = "Upheld") -> Answer:
    """Item answers: every decision sample says `decision` (P(Overturned) from the model is
    then 0 or 1); the rationale names a record fact."""

    def answer(rm: type[BaseModel]) -> dict[str, Any]:
        if rm.__name__ == "RationaleAnswer":
            return {"rationale": "She has completed 5 physical therapy sessions."}
        return {"answer": decision}

    return answer


SUMMARY: dict[str, Answer] = {
    # "male" is wrong on purpose: the records' labelled line "Sex: Female" must win (flagged)
    "PatientFacts": lambda rm: {
        "age": 53,
        "sex": "male",
        "date_of_injury": "11/02/2016",
        "mechanism": "lifting injury at work",
        "work_status": "modified duty",
        "ref": "D1:7",
    },
    "ClinicalFacts": lambda rm: {
        "body_parts": ["neck", "thoracic spine", "lumbar spine"],
        "diagnoses": ["Sprain of ligaments of lumbar spine"],
        "imaging": [],
    },
    "ExamFacts": lambda rm: {
        "exam_date": "12/08/2016",
        "complaints": ["Neck and mid/low back pain, intermittent"],
        "exam_findings": ["tenderness and spasm of the paracervical and trapezius muscles"],
    },
    "TreatmentFacts": lambda rm: {
        "therapies": ["physical therapy 5 sessions"],
        "medications": ["Norco", "cyclobenzaprine"],
        "other": [],
        "response": "a little better but still stiff",
    },
    "RequestFacts": lambda rm: {
        "disputed_requests": [REQUEST],
        "request_date": "12/08/2016",
        "ur_date": "12/19/2016",
        "ur_outcome": "NON-CERTIFIED",
    },
}


class ScriptedModel(Model):
    """Answers the summary calls by response-model name and the item calls (decision samples,
    rationale) with `item_answer`. `gate`, when given, makes every call wait for it (to test
    progress and cancel)."""

    def __init__(
        self,
        item_answer: Answer | None = None,
        *,
        name: str = "scripted",
        gate: threading.Event | None = None,
    ) -> None:
        self.name = name
        self.item_answer = item_answer or decided()
        self.gate = gate
        self.calls: list[str] = []
        self.started = threading.Event()

    def structured(  # type: ignore[override]
        self,
        messages: list[Message],
        response_model: type[BaseModel],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Completion[Any]:
        self.started.set()
        if self.gate is not None and not self.gate.wait(30):
            raise ModelError("scripted model: gate never opened")
        name = response_model.__name__
        self.calls.append(name)
        answer = SUMMARY.get(name, self.item_answer)
        try:
            value = response_model.model_validate(answer(response_model))
        except ValidationError as exc:
            raise ModelError(f"{name}: scripted answer does not validate") from exc
        return Completion[Any](value=value, usage=Usage(prompt_tokens=10, completion_tokens=2))


def make_bench(
    state_dir: Path,
    models: dict[str | None, Model] | None = None,
    records: Path = CASE_RECORDS,
    **kwargs: Any,
) -> Workbench:
    """A workbench over the synthetic case; `models` maps a model spec to its model."""
    table = models or {None: ScriptedModel()}

    def factory(spec: str | None) -> Model:
        if spec not in table:
            raise ModelError(f"unknown model spec {spec!r}")
        return table[spec]

    return open_workbench([records], state_dir=state_dir, model_factory=factory, **kwargs)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def drafted(state_dir: Path) -> Workbench:
    """A workbench whose machine draft (version 1) is saved."""
    bench = make_bench(state_dir)
    assert bench.start_draft() is not None
    bench.jobs.wait(30)
    job = bench.jobs.current
    assert job is not None and job.state == "done", job
    return bench
