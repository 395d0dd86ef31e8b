"""Batch rounds for any set of model flows: `BatchRounds` (state on disk, submission, resume),
`batch_model_for` (a model whose requests go through the rounds) and `run_in_rounds` (run jobs
until none waits for an answer). Used by `imr-llm eval --batch` (`evals._batch`) and
`imr-llm draft --batch` (`drafting._batch`); the mechanism is described in `llm._batch`.
"""

from __future__ import annotations

import copy
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from imr_llm._errors import InputError, ModelError
from imr_llm.llm._batch import (
    AnswerStore,
    BatchEndpoint,
    BatchMode,
    BatchTransport,
    BatchWaiting,
    Pending,
    RoundFiles,
    answers_from_output,
    describe_failure,
    ensure_dir,
    read_json,
    write_json,
)
from imr_llm.llm._client import InstructorModel


@dataclass
class BatchOptions:
    """How batch rounds are sent: `mode="api"` (Files + Batches API of the model's endpoint, or
    `base_url`) or `mode="files"` (write each round for an offline runner such as
    `vllm run-batch`, read its output on `--resume`)."""

    mode: BatchMode = "api"
    poll_s: float = 30.0
    base_url: str | None = None
    api_key: str | None = None
    max_rounds: int = 50
    sleep: Callable[[float], None] | None = None


def batch_config(options: BatchOptions | None) -> dict[str, Any] | None:
    """What config.json records of the batch options."""
    if options is None:
        return None
    return {"mode": options.mode, "poll_s": options.poll_s, "base_url": options.base_url}


def _say(progress: bool, text: str) -> None:
    if progress:
        tqdm.write(f"imr-llm: {text}", file=sys.stderr)


class BatchRounds:
    """The rounds of one run directory (state under `state_dir`)."""

    def __init__(
        self, model: InstructorModel, state_dir: Path, options: BatchOptions, progress: bool
    ) -> None:
        self.state_dir = ensure_dir(state_dir)
        self.options = options
        self.progress = progress
        self.model_name = model.model
        self.store = AnswerStore(state_dir / "answers.jsonl")
        self.transport = BatchTransport(self.store, max_failures=model.retry.max_retries + 1)
        base = options.base_url or model.base_url
        if options.mode == "api" and callable(base):
            raise InputError(
                "the embedded local server has no Batch API; use --batch-mode files and run "
                "each round with vLLM's batch runner (see imr-llm eval --help)"
            )
        self.endpoint = BatchEndpoint(
            base_url=base if isinstance(base, str) else "",
            api_key=options.api_key or model.api_key,
            mode=options.mode,
            poll_s=options.poll_s,
        )
        if options.sleep:
            self.endpoint.sleep = options.sleep

    # -- rounds on disk ------------------------------------------------------------------
    def _state_path(self, number: int) -> Path:
        return self.state_dir / f"round-{number:03d}.json"

    def rounds(self) -> list[int]:
        return sorted(int(p.stem.split("-")[1]) for p in self.state_dir.glob("round-*.json"))

    def finish_recorded(self) -> None:
        """Collect every recorded round not yet read back (resume after a kill)."""
        for number in self.rounds():
            state = read_json(self._state_path(number))
            if not state.get("ingested"):
                _say(self.progress, f"batch round {number}: resuming")
                self._collect(number, state)

    def next_round(self) -> tuple[int, RoundFiles]:
        """The next round's number and the files its requests are written to."""
        number = (self.rounds() or [0])[-1] + 1
        return number, RoundFiles(self.state_dir, f"round-{number:03d}")

    def submit(self, number: int, files: RoundFiles) -> None:
        parts = files.close()
        n_requests = sum(n for _, n in parts)
        if number > self.options.max_rounds:
            raise ModelError(
                f"batch: still {n_requests} unanswered request(s) after "
                f"{self.options.max_rounds} rounds"
            )
        state: dict[str, Any] = {
            "round": number,
            "mode": self.options.mode,
            "model": self.model_name,
            "keys": files.keys,
            "parts": [
                {"input": name, "n": n, "file_id": None, "batch_id": None} for name, n in parts
            ],
            "ingested": False,
        }
        write_json(self._state_path(number), state)  # before anything is sent
        _say(
            self.progress, f"batch round {number}: {n_requests} request(s) in {len(parts)} file(s)"
        )
        self._collect(number, state)

    def _collect(self, number: int, state: dict[str, Any]) -> None:
        keys: dict[str, str] = state["keys"]
        path = self._state_path(number)
        for part in state["parts"]:
            source = self.state_dir / part["input"]
            if state.get("mode", "api") == "files":
                output = self.state_dir / part["input"].replace(".input.", ".output.")
                if not output.exists():
                    raise BatchWaiting(
                        f"batch round {number} is written for an offline runner: run "
                        f"`vllm run-batch -i {source} -o {output} --model {state.get('model')}`"
                        " (for each input file of the round), then re-run with --resume"
                    )
                self.store.add(answers_from_output(output.read_text("utf-8"), keys))
                continue
            if part.get("done"):
                continue
            if part["batch_id"] is None:
                if part["file_id"] is None:
                    part["file_id"] = self.endpoint.upload(source)
                    write_json(path, state)
                part["batch_id"] = self.endpoint.create(
                    part["file_id"], {"imr_llm_round": str(number), "imr_llm_file": part["input"]}
                )
                write_json(path, state)  # the batch id: a kill from here on resumes by polling
                _say(self.progress, f"batch round {number}: submitted {part['batch_id']}")
            batch = self.endpoint.wait(part["batch_id"])
            if batch.status == "failed":  # recorded, so that a --resume sends a new round
                part["done"] = True
                part["status"] = batch.status
                state["ingested"] = True
                write_json(path, state)
                raise ModelError(describe_failure(batch))
            entries = answers_from_output(self.endpoint.download(batch.output_file_id), keys)
            entries += answers_from_output(
                self.endpoint.download(getattr(batch, "error_file_id", None)), keys
            )
            self.store.add(entries)
            part["done"] = True
            part["status"] = batch.status
            write_json(path, state)
        state["ingested"] = True
        write_json(path, state)


def batch_model_for(model: InstructorModel, rounds: BatchRounds) -> InstructorModel:
    """A copy of `model` whose requests go through the rounds' transport (no response cache:
    the answer store is the cache, and usage is counted as online)."""
    batch_model = copy.copy(model)
    batch_model.cache = None
    # the transport stands in for the OpenAI client (duck-typed: chat.completions.create)
    batch_model._client = rounds.transport  # type: ignore[assignment]
    batch_model._lock = threading.Lock()
    return batch_model


def run_in_rounds(
    rounds: BatchRounds,
    n_jobs: int,
    run_job: Callable[[int], None],
    name_of: Callable[[int], str],
) -> None:
    """Run jobs 0..n_jobs-1 (`run_job(i)`, which uses the batch model) in rounds until none is
    waiting for an answer: a job that raises `Pending` runs again after the next batch."""
    rounds.finish_recorded()
    remaining = list(range(n_jobs))
    while remaining:
        number, files = rounds.next_round()
        rounds.transport.start_round(files)
        waiting: list[int] = []
        for job in remaining:
            rounds.transport.begin(name_of(job))
            try:
                run_job(job)
            except Pending:
                waiting.append(job)
        remaining = waiting
        if remaining and not files.keys:
            raise ModelError("batch: jobs wait for answers but no request is pending")
        if remaining:
            rounds.submit(number, files)
