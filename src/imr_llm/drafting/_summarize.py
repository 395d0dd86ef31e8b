"""`summarize`: structured facts from a case file (several small model calls), each fact with
evidence from the records, then deterministic prose from a template, then a grounding check.

Every call sends the same system message (rules + the numbered records of one chunk) and a short
task-specific user message last, so llama.cpp's prompt cache reuses the long prefix. Cases too
long for `max_record_tokens` are split into chunks (never cut) and the per-chunk facts merged.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from imr_llm._errors import ModelError
from imr_llm.drafting._assemble import assemble
from imr_llm.drafting._focus import latest_progress_report
from imr_llm.drafting._llm_models import (
    ClinicalFacts,
    ExamFacts,
    PatientFacts,
    RequestFacts,
    TreatmentFacts,
)
from imr_llm.drafting._models import CaseSummary
from imr_llm.drafting._prompts import PromptSet, load_prompts
from imr_llm.llm import Completion, Message, Model, Usage
from imr_llm.records import CaseFile, render_case, split_case

DEFAULT_RECORD_TOKENS = 3000
"""Estimated record tokens per call; longer cases are split into chunks."""

T = TypeVar("T", bound=BaseModel)

SUMMARY_CALLS: tuple[tuple[str, type[BaseModel], int], ...] = (
    ("summary_exam", ExamFacts, 300),
    ("summary_patient", PatientFacts, 160),
    ("summary_clinical", ClinicalFacts, 400),
    ("summary_treatment", TreatmentFacts, 400),
    ("summary_requests", RequestFacts, 400),
)
"""(template, response model, max_tokens) of each extraction call. The exam call reads only the
latest progress report when there is one (`exam_case`), so it goes first: the four calls on the
whole records that follow share one prefix, and so does a `draft_item` call after them."""

FOCUSED_CALLS = frozenset({"summary_exam"})


def exam_case(case: CaseFile, max_record_tokens: int = DEFAULT_RECORD_TOKENS) -> CaseFile | None:
    """The records the exam call reads: the latest non-copied progress report (first chunk of
    it if it is very long), or None to read the whole records like the other calls."""
    doc = latest_progress_report(case)
    return split_case(CaseFile(documents=[doc]), max_record_tokens)[0] if doc else None


def case_messages(prompts: PromptSet, chunk: CaseFile, task: str) -> list[Message]:
    """System (rules + records: the shared, cacheable prefix), then the task-specific part."""
    return [
        {"role": "system", "content": prompts.render("system", records=render_case(chunk))},
        {"role": "user", "content": task},
    ]


def _call(
    model: Model, prompts: PromptSet, chunk: CaseFile, name: str, rm: type[T], max_tokens: int
) -> Completion[T]:
    return model.structured(
        case_messages(prompts, chunk, prompts.render(name)),
        rm,
        max_tokens=max_tokens,
        temperature=0.0,
    )


def summarize(
    case: CaseFile,
    model: Model,
    *,
    prompts: PromptSet | None = None,
    max_record_tokens: int = DEFAULT_RECORD_TOKENS,
) -> Completion[CaseSummary]:
    """Structured clinical case summary with evidence, prose and grounding issues.

    Usage is summed over all model calls (5 per chunk of records).
    """
    prompts = prompts or load_prompts()
    answers: dict[str, list[Any]] = {name: [] for name, _, _ in SUMMARY_CALLS}
    usage = Usage()
    cached = True
    warnings: list[str] = []
    last_error: ModelError | None = None
    chunks = split_case(case, max_record_tokens)
    focus = exam_case(case, max_record_tokens)
    for n, chunk in enumerate(chunks, start=1):
        for name, rm, max_tokens in SUMMARY_CALLS:
            target = chunk
            if name in FOCUSED_CALLS and focus is not None:
                if n > 1:
                    continue  # asked once, on the focused document
                target = focus
            try:
                completion = _call(model, prompts, target, name, rm, max_tokens)
            except ModelError as exc:  # one failed extraction should not lose the others
                last_error = exc
                warnings.append(f"{name} (chunk {n}/{len(chunks)}) failed and was skipped: {exc}")
                continue
            usage = usage + completion.usage
            cached = cached and completion.cached
            answers[name].append(completion.value)
    if last_error is not None and not any(answers.values()):
        raise last_error
    summary = assemble(case, answers, prompts, exam_doc=focus.documents[0] if focus else None)
    summary = summary.model_copy(update={"warnings": warnings})
    return Completion[CaseSummary](value=summary, usage=usage, cached=cached)
