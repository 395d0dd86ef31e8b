"""Long work (summarize, draft, re-draft one item) in a background thread, one job at a time,
with progress counted in model calls and a cancel that takes effect at the next model call.

Progress comes from wrapping the `Model` the library is given (`TrackedModel`): the drafting
code itself is called unchanged.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from imr_llm._errors import ImrLlmError
from imr_llm.llm import Completion, Message, Model

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
JobState = Literal["running", "done", "failed", "cancelled"]

STAGES = {
    "PatientFacts": "summary: patient facts",
    "ClinicalFacts": "summary: diagnoses and body parts",
    "ExamFacts": "summary: complaints and examination",
    "TreatmentFacts": "summary: treatments",
    "RequestFacts": "summary: requests and utilization review",
}


class Cancelled(Exception):
    """Raised inside the job's thread at the next model call after a cancel.

    Deliberately not an `ImrLlmError`/`ModelError`, so no drafting step swallows it."""


@dataclass
class Job:
    """What the page shows about the current or last job."""

    kind: str
    label: str
    total: int
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    state: JobState = "running"
    calls: int = 0
    stage: str = "starting"
    message: str = ""
    result_version: int | None = None
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    finished: dt.datetime | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event, repr=False)

    def as_json(self) -> dict[str, Any]:
        elapsed = ((self.finished or dt.datetime.now(dt.UTC)) - self.started).total_seconds()
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "state": self.state,
            "calls": self.calls,
            "total": max(self.total, self.calls),
            "stage": self.stage,
            "message": self.message,
            "result_version": self.result_version,
            "elapsed_s": round(elapsed, 1),
            "cancel_requested": self.cancel_event.is_set(),
        }


class TrackedModel(Model):
    """Counts the model calls of a job, names its stage, and stops it when cancelled."""

    def __init__(self, inner: Model, job: Job) -> None:
        self.inner = inner
        self.job = job
        self.name = getattr(inner, "name", "model")

    def structured(
        self,
        messages: list[Message],
        response_model: type[T],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Completion[T]:
        if self.job.cancel_event.is_set():
            raise Cancelled
        name = response_model.__name__
        self.job.stage = STAGES.get(name, "item: checklist and decision")
        done = self.inner.structured(
            messages, response_model, max_tokens=max_tokens, temperature=temperature
        )
        self.job.calls += 1
        if self.job.cancel_event.is_set():
            raise Cancelled
        return done


class JobRunner:
    """Runs one job at a time in a daemon thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: Job | None = None
        self._thread: threading.Thread | None = None

    def busy(self) -> bool:
        return self.current is not None and self.current.state == "running"

    def start(
        self, kind: str, label: str, total: int, work: Callable[[Job], int | None]
    ) -> Job | None:
        """Start `work(job)` (it returns the number of the version it saved); None if a job
        is already running."""
        with self._lock:
            if self.busy():
                return None
            job = Job(kind=kind, label=label, total=total)
            self.current = job
            self._thread = threading.Thread(
                target=self._run, args=(job, work), name=f"review-{kind}", daemon=True
            )
            self._thread.start()
            return job

    def _run(self, job: Job, work: Callable[[Job], int | None]) -> None:
        try:
            job.result_version = work(job)
            job.state, job.stage = "done", "done"
        except Cancelled:
            job.state, job.stage, job.message = (
                "cancelled",
                "cancelled",
                "cancelled by the reviewer",
            )
        except ImrLlmError as exc:  # messages name files and problems, never record text
            job.state, job.stage, job.message = "failed", "failed", str(exc)
        except Exception as exc:  # a bug must not kill the server; details only at DEBUG
            log.debug("review job %s failed", job.kind, exc_info=True)
            job.state, job.stage = "failed", "failed"
            job.message = f"internal error ({type(exc).__name__})"
        finally:
            job.finished = dt.datetime.now(dt.UTC)

    def cancel(self) -> bool:
        job = self.current
        if job is None or job.state != "running":
            return False
        job.cancel_event.set()
        job.stage = "cancelling (after the current model call)"
        return True

    def wait(self, timeout: float | None = None) -> None:
        """Join the running thread (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
