"""Builders for eval tests: tiny letters, a JSONL dataset, fake predictors."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

from imr_llm.drafting._models import CaseSummary, CriterionCheck, ItemDraft
from imr_llm.evals._samples import Sample
from imr_llm.letters._models import DecisionLetter, GuidelineCitation, LetterItem
from imr_llm.llm._model import Usage

CHRONIC_PAIN = GuidelineCitation(
    basis="MTUS",
    guideline="Chronic Pain Medical Treatment",
    year=2009,
    sections=["Physical Medicine"],
    text="Decision based on MTUS Chronic Pain Medical Treatment 2009, Section(s): Physical "
    "Medicine.",
)
ODG = GuidelineCitation(
    basis="Non-MTUS",
    guideline="Official Disability Guidelines (ODG), Low Back",
    text="The Expert Reviewer based their decision on recommendation(s) outside of the MTUS "
    "Guidelines. Decision based on Non-MTUS Citation Official Disability Guidelines (ODG).",
)
NONE = GuidelineCitation(
    basis="none", text="The Expert Reviewer did not cite any medical evidence for its decision."
)


def item(request: str, decision: str, cite: GuidelineCitation = CHRONIC_PAIN) -> LetterItem:
    return LetterItem(
        request=request,
        decision=decision,  # type: ignore[arg-type]
        claims_administrator_guideline=NONE,
        maximus_guideline=cite,
        decision_rationale=f"The guidelines recommend a trial. The request for {request} is "
        + ("not medically necessary." if decision == "Upheld" else "medically necessary."),
    )


def letter(case: str, items: list[LetterItem], summary: str | None = None) -> DecisionLetter:
    return DecisionLetter(
        source=f"{case}.pdf",
        case_number=case,
        date_of_injury=dt.date(2015, 3, 4),
        ur_denial_date=dt.date(2016, 11, 1),
        clinical_case_summary=summary
        or "The injured worker is a 45 year old male with low back pain after lifting. "
        "He completed 12 sessions of physical therapy with improvement.",
        items=items,
    )


def corpus() -> list[DecisionLetter]:
    """5 letters, 8 items: 6 Upheld, 2 Overturned (accuracy of 'always Upheld' = 6/8)."""
    return [
        letter("CM16-0000001", [item("Physical therapy 2x6", "Upheld")]),
        letter(
            "CM16-0000002",
            [item("MRI lumbar spine", "Upheld", ODG), item("Acupuncture x6", "Overturned")],
        ),
        letter("CM16-0000003", [item("Norco 10/325 #60", "Upheld", NONE)]),
        letter(
            "CM16-0000004",
            [item("TENS unit", "Upheld"), item('Chiropractic x8 <&> "quoted"', "Upheld")],
        ),
        letter(
            "CM16-0000005",
            [item("Work hardening", "Overturned"), item("Gym membership", "Upheld", ODG)],
        ),
    ]


def write_jsonl(letters: list[DecisionLetter], path: Path) -> Path:
    path.write_text("".join(x.model_dump_json() + "\n" for x in letters), encoding="utf-8")
    return path


class FakePredictor:
    """Decides by a rule on the request; counts calls; optionally fails or stops."""

    def __init__(
        self,
        name: str = "fake/model",
        decide: Callable[[Sample], str] | None = None,
        fail_on: Callable[[Sample], BaseException | None] | None = None,
    ) -> None:
        self.name = name
        self.decide = decide or (
            lambda s: "Overturned" if "Acupuncture" in (s.request or "") else "Upheld"
        )
        self.fail_on = fail_on or (lambda s: None)
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def predict(self, sample: Sample) -> tuple[ItemDraft | CaseSummary, Usage]:
        with self._lock:
            self.calls.append(sample.id)
        error = self.fail_on(sample)
        if error is not None:
            raise error
        if sample.task == "summary":
            return CaseSummary(age=45, sex="male", prose="A 45 year old male."), Usage()
        decision = self.decide(sample)
        status = "met" if decision == "Overturned" else "not documented"
        draft = ItemDraft(
            request=sample.request or "",
            decision=decision,  # type: ignore[arg-type]
            maximus_guideline=CHRONIC_PAIN,
            criteria=[CriterionCheck(criterion="guidelines recommend a trial", status=status)],
            rationale=f"The request for {sample.request} is not medically necessary.",
        )
        return draft, Usage(prompt_tokens=100, completion_tokens=20, requests=1, cost_usd=0.001)


def sigint_as_default() -> None:
    """`preexec_fn` for a child the test will Ctrl-C: a shell that starts background jobs
    (`cmd &`, nohup, some CI runners) starts them with SIGINT ignored, the child inherits that,
    and Python then installs no KeyboardInterrupt handler, so the signal would be ignored."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
