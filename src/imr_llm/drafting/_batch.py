"""`imr-llm draft --batch`: draft many cases with their model requests sent as Batch API rounds.

Each case runs the same `draft_letter` flow as `imr-llm draft` (summary calls, then item calls,
then the letter) on a model whose requests go through `llm._rounds`: a round holds the next
request of every unfinished case, so a case takes as many rounds as its flow has sequential
calls (plus re-asks). A case is handed to `on_done` as soon as its flow completes; re-running
the same command with the same state directory resumes (recorded batches are polled, answered
requests are not sent again).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from imr_llm._errors import ImrLlmError, InputError
from imr_llm.drafting._letter import draft_letter
from imr_llm.drafting._prompts import PromptSet
from imr_llm.llm._client import InstructorModel
from imr_llm.llm._model import Completion
from imr_llm.llm._rounds import BatchOptions, BatchRounds, batch_model_for, run_in_rounds
from imr_llm.records import CaseFile


def draft_cases_in_batches(
    cases: Sequence[tuple[str, CaseFile]],
    model: Any,
    library: Any,
    *,
    state_dir: Path,
    options: BatchOptions,
    on_done: Callable[[str, Completion[Any] | ImrLlmError], None],
    items: Sequence[str] | None = None,
    prompts: PromptSet | None = None,
    progress: bool = True,
    **item_options: Any,
) -> None:
    """Draft every (name, case) in batch rounds; `on_done(name, completion or error)` once per
    case, in the order cases finish. A case whose flow fails (no valid answer after re-asks,
    a request the endpoint keeps failing) is reported with its error; the others go on.
    `item_options` go to `draft_item` (threshold, precedents, rationale)."""
    if not isinstance(model, InstructorModel):
        raise InputError("--batch needs a model endpoint (openai/<model>, <url>::<model>, local)")
    rounds = BatchRounds(model, state_dir, options, progress)
    batch_model = batch_model_for(model, rounds)

    def run_job(i: int) -> None:
        name, case = cases[i]
        try:
            done = draft_letter(
                case, batch_model, library, items=items, prompts=prompts, **item_options
            )
        except ImrLlmError as exc:
            on_done(name, exc)
            return
        on_done(name, done)

    run_in_rounds(rounds, len(cases), run_job, lambda i: cases[i][0])
