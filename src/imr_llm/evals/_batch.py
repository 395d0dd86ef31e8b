"""`run_eval(..., batch=BatchOptions())` / `imr-llm eval ... --batch`: a run's model requests as
OpenAI Batch API rounds instead of concurrent calls (about half the price on hosted endpoints,
and nothing to keep open during a day-long wait).

Each round runs every unfinished sample's flow (`ModelPredictor` -> drafting -> the instructor
client) with a `BatchTransport` in place of the HTTP client (see `imr_llm.llm._batch`): flows
stop at their first unanswered request, the requests are sent as one batch, and the answers
are validated and scored exactly as online; an invalid answer's re-ask goes to the next round,
and so does a summary flow's next call. A sample whose flow completes is written to
results.jsonl like an online result (same scores and token usage; its latency is the time of
the last, local pass). State lives in `<run>/batch/`: `answers.jsonl`, and per round
`round-NNN.json` (custom_id -> request key, uploaded file and batch ids) with its input
file(s) `round-NNN-K.input.jsonl`. After a kill, `--resume` polls the recorded batches instead
of sending them again.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from imr_llm._errors import InputError
from imr_llm.evals._results import ResultsWriter, SampleResult
from imr_llm.evals._samples import Sample
from imr_llm.llm._client import InstructorModel
from imr_llm.llm._rounds import (
    BatchOptions,
    BatchRounds,
    batch_config,
    batch_model_for,
    run_in_rounds,
)

__all__ = ["BatchOptions", "batch_config", "run_batch_samples"]


def run_batch_samples(
    predictor: Any,
    todo: Sequence[Sample],
    writer: ResultsWriter,
    *,
    state_dir: Path,
    options: BatchOptions,
    predict: Callable[[Any, Sample], SampleResult],
    total: int,
    progress: bool,
    label: str,
) -> None:
    """Run `todo` in batch rounds until every sample has a result (see the module docstring);
    `predict` is the online runner's `predict_one` (same scoring and error handling)."""
    model = getattr(predictor, "model", None)
    if not isinstance(model, InstructorModel):
        raise InputError(
            "--batch needs a model endpoint (openai/<model>, <url>::<model> or local with "
            "--batch-mode files), not a baseline or a custom predictor"
        )
    rounds = BatchRounds(model, state_dir, options, progress)
    predictor.model = batch_model_for(model, rounds)
    bar = tqdm(
        total=total, initial=total - len(todo), desc=label, file=sys.stderr, disable=not progress
    )

    def run_job(position: int) -> None:  # positions: a lazy dataset stays lazy
        writer.write(predict(predictor, todo[position]))
        bar.update(1)

    try:
        run_in_rounds(rounds, len(todo), run_job, lambda position: todo[position].id)
    finally:
        predictor.model = model
        bar.close()
