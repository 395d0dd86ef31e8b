"""`run_eval`: run samples concurrently, append each result as it completes, score, report.

Layout of `out/` (one prompt variant or none):
    config.json  results.jsonl  metrics.json  report.md  report.html
With two or more `prompts` directories, each variant is a sub-run `out/<variant>/` (same
files) and `out/` holds the side-by-side `comparison.json`, `report.md` and `report.html`.

Failures: a sample whose prediction raises an `ImrLlmError` (endpoint failure, invalid
record...) is written as an error line, left out of the metrics (counted in `n_errors`) and run
again on `--resume`. When the first five samples all fail the run stops: the endpoint or the
prompts are broken, not the samples. Any other exception is a bug and stops the run; what
completed is kept.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cached_property
from itertools import count
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue, ValidationError
from tqdm import tqdm

from imr_llm._errors import ImrLlmError, InputError
from imr_llm._private import make_private, storage_error
from imr_llm.evals._baselines import is_baseline
from imr_llm.evals._bootstrap import DEFAULT_N_BOOT, DEFAULT_SEED, LEVEL, bootstrap
from imr_llm.evals._config import BatchConfig, DraftOptions, EvalConfig, VariantsConfig
from imr_llm.evals._eval_results import (
    BootstrapInfo,
    DatasetInfo,
    EvalResults,
    FloorEntry,
    Interval,
    SampleError,
)
from imr_llm.evals._gates import GateResult, evaluate_gates, parse_gates, raise_on_failure
from imr_llm.evals._lazy import sample_ids, without
from imr_llm.evals._metrics import aggregate, headline, usage_metrics
from imr_llm.evals._predictors import Predictor, load_prompt_set, make_predictor, prepare
from imr_llm.evals._results import ResultsWriter, SampleResult
from imr_llm.evals._runinfo import check_resumable, run_lock, write_json
from imr_llm.evals._samples import Dataset, Sample, Task, load_dataset, sample_fingerprint
from imr_llm.evals._scoring import error_result, result_for
from imr_llm.evals._stream import iter_results, latest_offsets, slim, slim_results
from imr_llm.llm._client import allow_requests, stop_requests
from imr_llm.llm._egress import mask_spec
from imr_llm.llm._model import Model

if TYPE_CHECKING:
    from imr_llm.evals._batch import BatchOptions
    from imr_llm.evals._compare import Comparison

ABORT_AFTER = 5


@dataclass
class VariantRun:
    name: str
    directory: Path
    results: EvalResults
    config: EvalConfig

    @cached_property
    def metrics(self) -> dict[str, JsonValue]:
        """The content of metrics.json (as JSON)."""
        return self.results.to_json()


@dataclass
class EvalRun:
    out: Path
    variants: list[VariantRun] = field(default_factory=list)
    comparison: Comparison | None = None
    gates: list[GateResult] = field(default_factory=list)
    """The `fail_if` gates evaluated on every variant (failed or not)."""
    max_failed: float | None = None

    def check(self) -> None:
        """Raise for the run's outcome: SamplesFailed when a variant's failed share exceeds
        `max_failed` (exit 4, or 3), then GateFailed when a gate failed (exit 1)."""
        if self.max_failed is not None:
            check_failed_share(self, self.max_failed)
        raise_on_failure(self.gates)


class Interrupted(ImrLlmError):
    """Ctrl-C stopped the run; every sample finished before it is in results.jsonl."""

    exit_code = 130

    def __init__(self, message: str, *, results: Path | None = None, kept: int = 0) -> None:
        super().__init__(message)
        self.results = results
        self.kept = kept


class RunAborted(ImrLlmError):
    """The first samples all failed: the endpoint or the prompts are broken, not the samples.
    The exit code is the failures' own (an endpoint failure: 3)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class SamplesFailed(ImrLlmError):
    """More samples failed than the run tolerates (`max_failed`); everything is written."""

    exit_code = 4


def _predict(predictor: Predictor, sample: Sample) -> tuple[SampleResult, ImrLlmError | None]:
    start = perf_counter()
    try:
        value, usage = predictor.predict(sample)
    except ImrLlmError as exc:
        failed = error_result(sample, exc, perf_counter() - start)
        spent = getattr(exc, "usage", None)
        if spent is not None:  # what the failed call cost is counted too
            failed = failed.model_copy(update={"usage": spent})
        return failed, exc
    return result_for(sample, value, usage, perf_counter() - start), None


def predict_one(predictor: Predictor, sample: Sample) -> SampleResult:
    return _predict(predictor, sample)[0]


Outcome = tuple[SampleResult, ImrLlmError | None]
POLL_S = 0.1  # the main thread wakes this often, so Ctrl-C is seen at once


class _AbortRule:
    """Stop the run when the first `ABORT_AFTER` samples all failed (the endpoint or the
    prompts are broken, not the samples)."""

    def __init__(self) -> None:
        self.completed = 0
        self.failed = 0
        self.last: ImrLlmError | None = None

    def __call__(self, ok: bool, failure: ImrLlmError | None) -> None:
        self.record(ok, failure)
        self.check()

    def record(self, ok: bool, failure: ImrLlmError | None) -> None:
        self.completed += 1
        self.failed += not ok
        if failure is not None:
            self.last = failure

    def check(self) -> None:
        if self.completed >= ABORT_AFTER and self.failed == self.completed:
            last = self.last
            raise RunAborted(
                f"the first {self.completed} samples all failed; stopping (last "
                f"error: {type(last).__name__}: {last}; see results.jsonl)",
                exit_code=last.exit_code if last is not None else 1,
            )


def _run_samples(
    predictor: Predictor,
    todo: Sequence[Sample],
    writer: ResultsWriter,
    *,
    total: int,
    max_concurrency: int,
    progress: bool,
    label: str,
    workers: int = 1,
) -> None:
    """Run `todo` on a thread pool; the main thread writes each result as it completes (in
    submission order within a batch). When the run stops on an error, results that finish
    meanwhile are still written before the exception propagates. On Ctrl-C the run stops at
    once: what finished is written, model requests still in flight are abandoned (their
    threads send nothing more: `stop_requests`), and `Interrupted` is raised. With `workers`
    > 1 the samples' flows run in that many forked processes (`imr_llm.evals._workers`).
    A predictor's `prepare(samples)` runs first: here, or shared out among the workers."""
    if workers > 1:
        from imr_llm.evals._workers import run_samples_in_processes

        run_samples_in_processes(
            predictor,
            todo,
            writer,
            workers=workers,
            max_concurrency=max_concurrency,
            total=total,
            progress=progress,
            label=label,
            predict=_predict,
            on_result=_AbortRule(),
            interrupted=lambda kept: Interrupted(
                f"interrupted; {kept} finished sample(s) kept in {writer.path}",
                results=writer.path,
            ),
        )
        return
    prepare(predictor, todo)
    bar = tqdm(
        total=total, initial=total - len(todo), desc=label, file=sys.stderr, disable=not progress
    )
    threads = max(1, max_concurrency)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="imr-llm-sample")
    order: dict[Future[Outcome], int] = {}
    written: set[Future[Outcome]] = set()
    rule = _AbortRule()
    queue = iter(todo)
    interrupted = False
    submitted = count()

    def refill(pending: set[Future[Outcome]]) -> None:
        for sample in queue:  # at most 2x threads in flight, so that a stop cancels the rest
            future = pool.submit(_predict, predictor, sample)
            order[future] = next(submitted)
            pending.add(future)
            if len(pending) >= 2 * threads:
                break

    def drain(futures: set[Future[Outcome]]) -> BaseException | None:
        error: BaseException | None = None
        for future in sorted(futures, key=lambda f: order.get(f, -1)):
            if future not in order or not future.done() or future.cancelled():
                continue
            if future.exception() is not None:
                error = error or future.exception()
                continue
            result, failure = future.result()
            writer.write(result)
            order.pop(future, None)  # flat memory: a kept Future would keep its result
            bar.update(1)
            rule.record(result.ok, failure)
        return error

    try:
        pending: set[Future[Outcome]] = set()
        refill(pending)
        while pending:
            done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
            error = drain(done)
            if error is not None:
                raise error
            rule.check()
            refill(pending)
    except KeyboardInterrupt:
        interrupted = True
        stop_requests()
        raise Interrupted(
            f"interrupted; {rule.completed + len(_done(order, written))} finished "
            f"sample(s) kept in {writer.path}",
            results=writer.path,
        ) from None
    finally:
        # After Ctrl-C nothing waits for the requests in flight; otherwise running samples
        # finish and are written.
        pool.shutdown(wait=not interrupted, cancel_futures=True)
        drain(set(order))
        bar.close()


def _done(order: dict[Future[Outcome], int], written: set[Future[Outcome]]) -> list[Any]:
    return [
        f
        for f in order
        if f not in written and f.done() and not f.cancelled() and f.exception() is None
    ]


def _floor(
    samples: Sequence[Sample], task: Task, model: str, library: Any, holdout: bool
) -> dict[str, FloorEntry]:
    """Headline metrics of both baselines on the same samples (skipped for a baseline run)."""
    floor: dict[str, FloorEntry] = {}
    for spec in ("baseline/majority", "baseline/extractive"):
        if spec == model:
            continue
        try:
            predictor = make_predictor(spec, task, library=library, holdout=holdout)
            results = [slim(predict_one(predictor, s)) for s in samples]
        except ImrLlmError as exc:
            floor[spec] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        ok = [r for r in results if r.ok]
        floor[spec] = {"n_samples": len(ok), **headline(ok, task)}
    return floor


def build_metrics(
    results: Sequence[SampleResult],
    *,
    config: EvalConfig,
    dataset: Dataset,
    floor: Mapping[str, FloorEntry] | None = None,
) -> EvalResults:
    """The content of metrics.json from the final results (one per sample)."""
    ok = [r for r in results if r.ok]
    errors = [r for r in results if not r.ok]
    task, n_boot, seed = config.task, config.n_boot, config.seed
    return EvalResults(
        task=task,
        model=config.model,
        variant=config.variant,
        prompts_version=config.prompts_version,
        dataset=DatasetInfo(
            path=dataset.path,
            kind=dataset.kind,
            n_samples=len(dataset.samples),
            skipped_files=dataset.skipped,
        ),
        n_samples=len(ok),
        n_errors=len(errors),
        n_cases=len({r.case_id for r in ok}),
        metrics=aggregate(ok, task),
        intervals={
            name: Interval.model_validate(interval) if interval is not None else None
            for name, interval in bootstrap(ok, task, n_boot=n_boot, seed=seed).items()
        },
        bootstrap=BootstrapInfo(n_boot=n_boot, seed=seed, level=LEVEL),
        usage=usage_metrics(results),
        errors=[SampleError(sample_id=r.sample_id, error=r.error) for r in errors[:50]],
        floor=dict(floor) if floor is not None else None,
    )


def _run_variant(
    *,
    config: EvalConfig,
    batch: BatchOptions | None,
    dataset: Dataset,
    samples: Sequence[Sample],
    model: str | Model | Predictor,
    prompts_dir: Path | None,
    run_dir: Path,
    floor: dict[str, FloorEntry] | None,
    library: Any,
) -> VariantRun:
    from imr_llm.evals._report_html import write_html_report
    from imr_llm.evals._report_md import write_md_report

    prompts, prompts_version = (
        (None, None)
        if is_baseline(config.model) and prompts_dir is None
        else load_prompt_set(prompts_dir)
    )
    config = config.model_copy(
        update={
            "prompts_dir": str(prompts_dir) if prompts_dir else None,
            "prompts_version": prompts_version,
        }
    )
    results_path = run_dir / "results.jsonl"
    if config.overwrite and run_dir.exists():
        for name in ("results.jsonl", "metrics.json", "report.md", "report.html"):
            (run_dir / name).unlink(missing_ok=True)
        if (run_dir / "batch").is_dir():  # batch rounds and answers of the discarded run
            shutil.rmtree(run_dir / "batch")
    if config.resume:
        check_resumable(run_dir, config)
    elif results_path.exists() and results_path.stat().st_size > 0:
        raise InputError(
            "results already exist; use --resume to continue or --overwrite", path=run_dir
        )
    write_json(run_dir / "config.json", config)
    ids = set(sample_ids(samples))
    done = {sid for sid, (_, ok) in latest_offsets(results_path).items() if ok and sid in ids}
    todo = without(samples, done)  # a lazy dataset stays lazy (flat memory)
    if todo:
        predictor = make_predictor(
            model,
            config.task,
            prompts=prompts,
            cache=config.cache,
            library=library,
            holdout=config.holdout,
            draft_options=config.draft_options,
        )
        label = config.variant or config.model
        with ResultsWriter(results_path) as writer:
            if batch is not None:  # model requests as Batch API rounds
                from imr_llm.evals._batch import run_batch_samples

                prepare(predictor, todo)
                run_batch_samples(
                    predictor,
                    todo,
                    writer,
                    state_dir=run_dir / "batch",
                    options=batch,
                    predict=predict_one,
                    total=len(samples),
                    progress=config.progress,
                    label=label,
                )
            else:
                _run_samples(
                    predictor,
                    todo,
                    writer,
                    total=len(samples),
                    max_concurrency=config.max_concurrency,
                    workers=config.workers,
                    progress=config.progress,
                    label=label,
                )
    # Flat memory: metrics and report.md from slim results, report.html streamed from the file.
    offsets = latest_offsets(results_path)
    order_ids = sample_ids(samples)
    results = slim_results(results_path, order_ids, offsets=offsets)
    metrics = build_metrics(results, config=config, dataset=dataset, floor=floor)
    write_json(run_dir / "metrics.json", metrics)
    try:
        write_md_report(run_dir, metrics, results, config)
        write_html_report(
            run_dir, metrics, iter_results(results_path, order_ids, offsets=offsets), config
        )
    except OSError as exc:
        raise storage_error(exc, run_dir) from exc
    make_private(run_dir / "report.md", run_dir / "report.html")
    return VariantRun(
        name=config.variant or config.model, directory=run_dir, results=metrics, config=config
    )


def _variant_names(prompts: Sequence[str | Path]) -> list[str]:
    names: list[str] = []
    for directory in prompts:
        base = Path(directory).resolve().name or "prompts"
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.append(name)
    return names


def run_eval(
    dataset: str | Path,
    *,
    model: str | Model | Predictor,
    out: str | Path,
    task: Task = "draft",
    prompts: Sequence[str | Path] = (),
    max_concurrency: int = 1,
    workers: int = 1,
    resume: bool = False,
    overwrite: bool = False,
    cache: bool = True,
    limit: int | None = None,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    strict: bool = False,
    floor: bool = True,
    progress: bool = True,
    library: Any = None,
    holdout: bool = True,
    fail_if: Sequence[str] = (),
    draft_options: DraftOptions | Mapping[str, object] | None = None,
    max_failed: float | None = None,
    batch: BatchOptions | None = None,
    check: bool = True,
) -> EvalRun:
    """Evaluate `model` (a spec such as 'baseline/majority' or 'openai/gpt-4o-mini', a `Model`,
    or any object with `name` and `predict(sample) -> (ItemDraft | CaseSummary, Usage)`) on
    `dataset`, writing the run under `out`. `holdout` (default) keeps guideline excerpts
    quoted from a sample's own letter out of its retrieval (`_holdout`). Raises `GateFailed`
    when a `fail_if` gate fails, `SamplesFailed` when more than `max_failed` (a share, 0 to
    1; None: no check) of the samples failed (both after everything is written),
    `Interrupted` on Ctrl-C (finished samples kept) and `RunLocked` when another eval is
    writing `out`. `batch` sends the model requests as OpenAI Batch API rounds instead of
    concurrent calls (`evals._batch`). `workers` > 1 drafts the samples in that many forked
    processes while this one makes every model call (`evals._workers`). With `check=False`
    nothing is raised for failed samples or gates: the caller reports `run.gates` and calls
    `run.check()`."""
    if task not in ("draft", "summary"):
        raise InputError(f"unknown task {task!r} (draft or summary)")
    if resume and overwrite:
        raise InputError("--resume and --overwrite exclude each other")
    parse_gates(fail_if, task=task)  # a bad gate fails before any work
    if workers != 1:
        from imr_llm.evals._workers import check_workers

        check_workers(workers)
        if batch is not None:
            raise InputError("--workers applies to online runs; --batch runs its rounds itself")
    try:
        drafting = DraftOptions.model_validate(
            draft_options if isinstance(draft_options, DraftOptions) else dict(draft_options or {})
        )
    except ValidationError as exc:
        raise InputError(f"bad draft options: {exc}") from exc
    data = load_dataset(dataset, task, strict=strict)
    for skipped in data.skipped:
        print(f"imr-llm: warning: skipped {skipped.reason}", file=sys.stderr)
    samples = data.samples[:limit] if limit is not None else data.samples
    if not samples:
        raise InputError("the dataset has no samples for this task", path=dataset)
    spec = mask_spec(model) if isinstance(model, str) else model.name
    if library is None and task == "draft" and spec != "baseline/majority":
        from imr_llm.evals._predictors import load_guideline_library

        library = load_guideline_library()
    floor_metrics = _floor(samples, task, spec, library, holdout) if floor else None
    config = EvalConfig(
        task=task,
        dataset=data.path,
        dataset_kind=data.kind,
        n_samples=len(samples),
        samples_fingerprint=sample_fingerprint(samples),
        model=spec,
        max_concurrency=max_concurrency,
        workers=workers,
        resume=resume,
        overwrite=overwrite,
        cache=cache,
        limit=limit,
        n_boot=n_boot,
        seed=seed,
        progress=progress,
        holdout=holdout,
        draft_options=drafting,
        batch=BatchConfig(mode=batch.mode, poll_s=batch.poll_s, base_url=batch.base_url)
        if batch is not None
        else None,
    )
    out_dir = Path(out)
    run = EvalRun(out=out_dir, max_failed=max_failed)
    allow_requests()  # a previous run in this process may have been interrupted
    with run_lock(out_dir):
        _run_all(run, data, samples, model, config, batch, prompts, floor_metrics, library)
    if fail_if:
        run.gates = evaluate_gates(
            [v.metrics for v in run.variants], fail_if, names=[v.name for v in run.variants]
        )
    if check:
        run.check()
    return run


def check_failed_share(run: EvalRun, max_failed: float) -> None:
    """Raise SamplesFailed when a variant's failed share exceeds `max_failed`; the exit code
    is 3 (endpoint failure) when no sample of a variant succeeded."""
    for variant in run.variants:
        m = variant.results
        n = m.n_samples + m.n_errors
        if n and m.n_errors / n > max_failed:
            error = SamplesFailed(
                f"{variant.name}: {m.n_errors} of {n} samples failed (tolerated: "
                f"{max_failed:.0%}; see the errors in {variant.directory / 'results.jsonl'}); "
                "rerun with --resume to retry them"
            )
            if m.n_samples == 0:
                error.exit_code = 3
            raise error


def _run_all(
    run: EvalRun,
    data: Dataset,
    samples: list[Sample],
    model: str | Model | Predictor,
    config: EvalConfig,
    batch: BatchOptions | None,
    prompts: Sequence[str | Path],
    floor_metrics: dict[str, FloorEntry] | None,
    library: Any,
) -> None:
    out_dir = run.out
    dirs: list[Path | None] = [Path(p) for p in prompts] or [None]
    names: list[str | None] = list(_variant_names(prompts)) if prompts else [None]
    for prompts_dir, name in zip(dirs, names, strict=True):
        run_dir = out_dir / name if len(dirs) > 1 and name else out_dir
        run.variants.append(
            _run_variant(
                config=config.model_copy(update={"variant": name}),
                batch=batch,
                dataset=data,
                samples=samples,
                model=model,
                prompts_dir=prompts_dir,
                run_dir=run_dir,
                floor=floor_metrics,
                library=library,
            )
        )
    if len(run.variants) > 1:
        from imr_llm.evals._compare import compare_runs

        run.comparison = compare_runs(
            [v.directory for v in run.variants], out=out_dir, n_boot=config.n_boot, seed=config.seed
        )
        write_json(
            out_dir / "config.json",
            VariantsConfig(
                task=config.task,
                dataset=data.path,
                model=config.model,
                variants={v.name: str(p) for v, p in zip(run.variants, dirs, strict=True)},
                n_samples=len(samples),
            ),
        )
