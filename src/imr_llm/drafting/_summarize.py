"""`summarize`: a case summary from the documents that carry each fact, with evidence.

Steps (see README, "Summaries"):

1. Size check: a case file past `max_pages` is refused before any model call.
2. Quarantine: record lines addressed to a model or reviewer (`records.find_instructions`) are
   blanked for everything that follows and listed in the summary.
3. Documents first: each document is classified (`records.classify_case`); documents about
   another claim, injury or person are read for nothing.
4. Facts in code (`_case_facts`): age (written, else from the date of birth), sex, date of
   injury, the UR determination's date and its outcome per requested item, the disputed
   requests (non-certified or modified items; else the RFA's items).
5. Model calls (map over the documents whose class carries the facts, then merged): the exam
   call reads the latest progress report only; the patient, clinical and treatment calls read
   the first and the latest progress report and the UR determination (each cut to its share of
   `max_record_tokens`); the requests call runs only when no UR determination or RFA names the
   requests. At most `max_calls` calls, whatever the case file's length; with `model=None`
   no call is made (the facts of step 4 only).

Every call sends the same system message (rules + the numbered records it reads) and a short
task-specific user message last, so llama.cpp's prompt cache reuses the long prefix.
"""

from __future__ import annotations

import math
import time
from typing import Any, TypeVar

from pydantic import BaseModel

from imr_llm._errors import ModelError, RecordsError
from imr_llm.drafting._assemble import assemble
from imr_llm.drafting._case_facts import CaseFacts, case_facts
from imr_llm.drafting._focus import latest_progress_report
from imr_llm.drafting._llm_models import (
    ClinicalFacts,
    ExamFacts,
    PatientFacts,
    RequestFacts,
    TreatmentFacts,
)
from imr_llm.drafting._models import CaseSummary, SummaryStats
from imr_llm.drafting._prompts import PromptSet, load_prompts
from imr_llm.llm import Completion, Message, Model, Usage
from imr_llm.records import (
    CaseFile,
    Document,
    classify_case,
    estimate_tokens,
    find_instructions,
    render_case,
    split_case,
    without_instructions,
)
from imr_llm.records._classify import DocumentLabel

DEFAULT_RECORD_TOKENS = 3000
"""Estimated record tokens per call for `draft_item` and the model's fallback calls."""
FOCUS_TOKENS = 1800
"""Estimated record tokens the summary's calls read (the focused documents are cut to fit):
prompt reading dominates a small local model's time (~100 tokens/s on 2 cores)."""
DEFAULT_MAX_CALLS = 8
"""Model calls per summary at most, whatever the case file's length."""
DEFAULT_MAX_PAGES = 400
"""Case files longer than this are refused before any call (`max_pages`)."""
CHARS_PER_PAGE = 3000
"""A text file without form feeds counts one page per this many characters."""

T = TypeVar("T", bound=BaseModel)

SUMMARY_CALLS: tuple[tuple[str, type[BaseModel], int], ...] = (
    ("summary_exam", ExamFacts, 300),
    ("summary_patient", PatientFacts, 160),
    ("summary_clinical", ClinicalFacts, 400),
    ("summary_treatment", TreatmentFacts, 400),
    ("summary_requests", RequestFacts, 400),
)
"""(template, response model, max_tokens) of each extraction call. The exam call reads only the
latest progress report when there is one, so it goes first: the calls that follow read the same
focused documents (`plan_calls`) and share one prefix."""


FOCUSED_CALLS = frozenset({"summary_exam"})


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


def case_pages(case: CaseFile) -> int:
    """Pages of the case file: PDF pages and form-feed pages, a long text file counted by its
    length (`CHARS_PER_PAGE`)."""
    total = 0
    for doc in case.documents:
        chars = sum(len(ln.text) + 1 for ln in doc.lines)
        total += max(doc.pages, math.ceil(chars / CHARS_PER_PAGE))
    return total


def check_size(case: CaseFile, max_pages: int) -> int:
    """The page count, or a `RecordsError` when it is past `max_pages` (before any call)."""
    pages = case_pages(case)
    if pages > max_pages:
        first = case.documents[0].source if case.documents else "case file"
        raise RecordsError(
            f"the case file has about {pages} pages, more than the limit of {max_pages}; "
            "summarize the relevant documents only, or raise the limit (max_pages / --max-pages)",
            path=first if len(case.documents) == 1 else None,
        )
    return pages


def _cut(doc: Document, max_tokens: int) -> Document:
    """The first part of `doc` that fits `max_tokens` (whole lines, numbering kept)."""
    return split_case(CaseFile(documents=[doc]), max(max_tokens, 50))[0].documents[0]


def focus_documents(
    case: CaseFile, labels: list[DocumentLabel], facts: CaseFacts
) -> tuple[Document | None, list[Document]]:
    """(latest progress report, the documents the patient / clinical / treatment calls read):
    the first and the latest progress report and the UR determination that decided the
    disputed requests; with none of those, the related documents in order."""
    kinds = {lab.document_id: lab.kind for lab in labels}
    related = CaseFile(documents=[d for d in case.documents if kinds.get(d.id) != "other_claim"])
    reports = CaseFile(
        documents=[d for d in related.documents if kinds.get(d.id) == "progress_report"]
    )
    latest = latest_progress_report(related, labels)
    chosen: list[Document] = []
    if reports.documents and reports.documents[0] is not latest:
        chosen.append(reports.documents[0])
    if latest is not None:
        chosen.append(latest)
    if facts.ur_doc is not None:
        chosen.append(facts.ur_doc)
    if not chosen:  # no report and no UR determination: the related documents, then any
        chosen = [d for d in related.documents if kinds.get(d.id) != "other"]
        chosen = chosen or list(related.documents)
    order = {d.id: i for i, d in enumerate(case.documents)}
    return latest, sorted(chosen, key=lambda d: order[d.id])


def _fit(docs: list[Document], max_tokens: int) -> CaseFile:
    """`docs` cut so that together they fit `max_tokens` (later documents get the rest)."""
    out: list[Document] = []
    left = max_tokens
    for i, doc in enumerate(docs):
        share = left // (len(docs) - i)
        cost = estimate_tokens(render_case(CaseFile(documents=[doc])))
        piece = doc if cost <= share else _cut(doc, share)
        out.append(piece)
        left -= min(cost, share)
    return CaseFile(documents=out)


def plan_calls(
    case: CaseFile,
    labels: list[DocumentLabel],
    facts: CaseFacts,
    max_record_tokens: int = FOCUS_TOKENS,
    max_calls: int = DEFAULT_MAX_CALLS,
) -> tuple[list[tuple[str, type[BaseModel], int, CaseFile]], Document | None]:
    """The model calls to make: (template, response model, max_tokens, records read), and the
    progress report the exam call reads. The patient call is made only when the records leave
    one of its facts (age, sex, date of injury, mechanism, work status) unread; the requests
    call only when no UR determination or RFA names the requests."""
    latest, core_docs = focus_documents(case, labels, facts)
    core = _fit(core_docs, max_record_tokens) if core_docs else None
    plan: list[tuple[str, type[BaseModel], int, CaseFile]] = []
    exam = _fit([latest], max_record_tokens) if latest is not None else None
    for name, rm, max_tokens in SUMMARY_CALLS:
        target = exam if name in FOCUSED_CALLS else core
        if name == "summary_patient" and all(
            (facts.age, facts.sex, facts.injury, facts.mechanism, facts.work_status)
        ):
            continue
        if name == "summary_requests":
            if facts.requests:
                continue
            kinds = {lab.document_id: lab.kind for lab in labels}
            docs = [d for d in case.documents if kinds.get(d.id) in ("ur_determination", "rfa")]
            target = _fit(docs, max_record_tokens) if docs else core
        if target is None:
            target = core
        if target is not None:
            plan.append((name, rm, max_tokens, target))
    return plan[:max_calls], latest


def summarize(
    case: CaseFile,
    model: Model | None,
    *,
    prompts: PromptSet | None = None,
    max_record_tokens: int = FOCUS_TOKENS,
    max_calls: int = DEFAULT_MAX_CALLS,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> Completion[CaseSummary]:
    """Structured clinical case summary with evidence, prose and grounding issues (see the
    module docstring). `model=None` gives the facts read in code only. Usage is summed over
    the model calls; `CaseSummary.stats` reports pages, calls and model time per page."""
    pages = check_size(case, max_pages)
    prompts = prompts or load_prompts()
    instructions = find_instructions(case)
    clean = without_instructions(case, instructions)
    labels = classify_case(clean)
    facts = case_facts(clean, labels)
    plan, latest = plan_calls(clean, labels, facts, max_record_tokens, max_calls)
    answers: dict[str, list[Any]] = {name: [] for name, _, _ in SUMMARY_CALLS}
    usage = Usage()
    cached = True
    warnings: list[str] = []
    last_error: ModelError | None = None
    started = time.perf_counter()
    calls = 0
    for name, rm, max_tokens, target in plan if model is not None else []:
        assert model is not None
        calls += 1
        try:
            completion = _call(model, prompts, target, name, rm, max_tokens)
        except ModelError as exc:  # one failed extraction should not lose the others
            last_error = exc
            usage = usage + getattr(exc, "usage", Usage())  # failed asks are counted too
            warnings.append(f"{name} failed and was skipped: {exc}")
            continue
        usage = usage + completion.usage
        cached = cached and completion.cached
        answers[name].append(completion.value)
    seconds = time.perf_counter() - started
    if last_error is not None and not any(answers.values()):
        raise last_error  # every model call failed: the endpoint, not one extraction
    summary = assemble(
        clean,
        answers,
        prompts,
        exam_doc=latest,
        labels=labels,
        facts=facts,
        instructions=instructions,
    )
    stats = SummaryStats(
        pages=pages,
        documents=len(case.documents),
        model_calls=calls,
        model_seconds=round(seconds, 2),
        seconds_per_page=round(seconds / pages, 3) if pages else None,
    )
    summary = summary.model_copy(update={"warnings": warnings, "stats": stats})
    return Completion[CaseSummary](value=summary, usage=usage, cached=cached)


def summary_call_records(
    case: CaseFile, name: str, max_record_tokens: int = FOCUS_TOKENS
) -> CaseFile:
    """The records summary call `name` reads for `case` (as `summarize` would send them; the
    focused documents even when the call would be skipped)."""
    clean = without_instructions(case)
    labels = classify_case(clean)
    facts = case_facts(clean, labels)
    plan, _ = plan_calls(clean, labels, facts, max_record_tokens, max_calls=len(SUMMARY_CALLS))
    for call, _, _, target in plan:
        if call == name:
            return target
    return plan[-1][3] if plan else clean
