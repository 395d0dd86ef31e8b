"""CLI group: eval.

imr-llm eval --task draft --dataset PATH --model SPEC --out runs/NAME [options]
imr-llm eval run ...            (the same, spelled as a subcommand)
imr-llm eval compare RUN_A RUN_B ... [--out DIR] [--fail-if "delta.decision_kappa<-0.05"]
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from imr_llm._errors import InputError


class TaskName(StrEnum):
    draft = "draft"
    summary = "summary"


TaskOpt = Annotated[TaskName, typer.Option("--task", help="What to evaluate.")]
DatasetOpt = Annotated[
    Path | None,
    typer.Option(
        "--dataset",
        help="Letters directory (PDF/text), parsed letters JSONL, or synthetic case directory.",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option("--model", help="Model spec, or baseline/majority, baseline/extractive (no LLM)."),
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Run directory, e.g. runs/NAME.")]
PromptsOpt = Annotated[
    list[Path] | None,
    typer.Option("--prompts", help="Prompt directory; repeat to compare variants side by side."),
]
ConcurrencyOpt = Annotated[
    int, typer.Option("--max-concurrency", min=1, help="Samples run at once (threads).")
]
ResumeOpt = Annotated[bool, typer.Option("--resume", help="Skip samples already in results.jsonl.")]
OverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help="Discard an existing run's results first.")
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Bypass the model-call cache.")]
LimitOpt = Annotated[int | None, typer.Option("--limit", min=1, help="First N samples only.")]
BootOpt = Annotated[int, typer.Option("--n-boot", min=1, help="Bootstrap resamples.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Bootstrap seed.")]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Fail on a letter file that cannot be parsed.")
]
NoFloorOpt = Annotated[
    bool, typer.Option("--no-floor", help="Do not compute the baselines' floor.")
]
NoHoldoutOpt = Annotated[
    bool,
    typer.Option(
        "--no-holdout",
        help="Let retrieval return guideline excerpts quoted from the letter being scored "
        "(by default they are left out: leave-one-letter-out).",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


class BatchModeName(StrEnum):
    api = "api"
    files = "files"


BatchOpt = Annotated[
    bool,
    typer.Option(
        "--batch",
        help="Send the model requests as OpenAI Batch API rounds (Files + Batches API of the "
        "model's endpoint) instead of concurrent calls; --resume after a kill polls the "
        "recorded batches. State in <out>/batch/.",
    ),
]
BatchModeOpt = Annotated[
    BatchModeName,
    typer.Option(
        "--batch-mode",
        help="api: the endpoint's Batch API. files: write each round's requests for an offline "
        "runner (vllm run-batch -i <round>.input.jsonl -o <round>.output.jsonl) and stop; "
        "re-run with --resume once the output is there.",
    ),
]
BatchPollOpt = Annotated[
    float, typer.Option("--batch-poll-s", min=0.0, help="Seconds between batch status polls.")
]
FailIfOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fail-if", help='Gate, e.g. "decision_kappa<0.2" (repeatable); exit 1 if it holds.'
    ),
]


def _echo_run(run: object) -> None:
    from imr_llm.evals import EvalRun
    from imr_llm.evals._report_md import fmt, headline_rows

    assert isinstance(run, EvalRun)
    for variant in run.variants:
        m = variant.metrics
        typer.echo(
            f"{variant.name}: {m['n_samples']} samples ({m['n_errors']} errors) -> "
            f"{variant.directory / 'metrics.json'}"
        )
        for _, label, value, interval in headline_rows(m):
            shown = f" [{interval['low']:.3f}, {interval['high']:.3f}]" if interval else ""
            typer.echo(f"  {label}: {fmt(value)}{shown}")
    if run.comparison is not None:
        typer.echo(f"comparison -> {run.out / 'report.html'}")


def _run(
    task: TaskName,
    dataset: Path | None,
    model: str | None,
    out: Path | None,
    prompts: list[Path] | None,
    max_concurrency: int,
    resume: bool,
    overwrite: bool,
    no_cache: bool,
    limit: int | None,
    n_boot: int,
    seed: int,
    strict: bool,
    no_floor: bool,
    no_holdout: bool,
    quiet: bool,
    fail_if: list[str] | None,
    *,
    batch: bool = False,
    batch_mode: BatchModeName = BatchModeName.api,
    batch_poll_s: float = 30.0,
) -> None:
    from imr_llm.evals import run_eval
    from imr_llm.evals._batch import BatchOptions
    from imr_llm.evals._gates import parse_gate

    missing = [n for n, v in (("--dataset", dataset), ("--model", model), ("--out", out)) if not v]
    if missing:
        raise InputError(f"eval needs {', '.join(missing)} (see imr-llm eval --help)")
    for gate in fail_if or []:
        parse_gate(gate)  # bad syntax fails before any work
    assert dataset is not None and model is not None and out is not None
    run = run_eval(
        dataset,
        task=task.value,  # type: ignore[arg-type]
        model=model,
        out=out,
        prompts=prompts or [],
        max_concurrency=max_concurrency,
        resume=resume,
        overwrite=overwrite,
        cache=not no_cache,
        limit=limit,
        n_boot=n_boot,
        seed=seed,
        strict=strict,
        floor=not no_floor,
        holdout=not no_holdout,
        progress=not quiet,
        batch=BatchOptions(mode=batch_mode.value, poll_s=batch_poll_s) if batch else None,  # type: ignore[arg-type]
    )
    _echo_run(run)
    if fail_if:
        from imr_llm.evals._gates import evaluate_gates, raise_on_failure

        outcomes = evaluate_gates(
            [v.metrics for v in run.variants], fail_if, names=[v.name for v in run.variants]
        )
        for outcome in outcomes:
            typer.echo(outcome.describe())
        raise_on_failure(outcomes)


def register(app: typer.Typer) -> None:
    """Add the `eval` group (run by options, or `run` / `compare` subcommands)."""
    eval_app = typer.Typer(
        help="Evaluate drafts against real decisions; compare runs.",
        invoke_without_command=True,
        no_args_is_help=False,
    )

    @eval_app.callback(invoke_without_command=True)
    def eval_main(
        ctx: typer.Context,
        task: TaskOpt = TaskName.draft,
        dataset: DatasetOpt = None,
        model: ModelOpt = None,
        out: OutOpt = None,
        prompts: PromptsOpt = None,
        max_concurrency: ConcurrencyOpt = 1,
        resume: ResumeOpt = False,
        overwrite: OverwriteOpt = False,
        no_cache: NoCacheOpt = False,
        limit: LimitOpt = None,
        n_boot: BootOpt = 1000,
        seed: SeedOpt = 0,
        strict: StrictOpt = False,
        no_floor: NoFloorOpt = False,
        no_holdout: NoHoldoutOpt = False,
        quiet: QuietOpt = False,
        fail_if: FailIfOpt = None,
        batch: BatchOpt = False,
        batch_mode: BatchModeOpt = BatchModeName.api,
        batch_poll_s: BatchPollOpt = 30.0,
    ) -> None:
        """Run an eval: imr-llm eval --task draft --dataset PATH --model SPEC --out runs/NAME."""
        if ctx.invoked_subcommand is not None:
            if dataset or model or out or prompts or fail_if:
                raise InputError(
                    f"put the options after the subcommand: imr-llm eval {ctx.invoked_subcommand}"
                )
            return
        if not (dataset or model or out):
            typer.echo(ctx.get_help())
            raise typer.Exit(2)
        _run(
            task,
            dataset,
            model,
            out,
            prompts,
            max_concurrency,
            resume,
            overwrite,
            no_cache,
            limit,
            n_boot,
            seed,
            strict,
            no_floor,
            no_holdout,
            quiet,
            fail_if,
            batch=batch,
            batch_mode=batch_mode,
            batch_poll_s=batch_poll_s,
        )

    @eval_app.command("run")
    def eval_run(
        task: TaskOpt = TaskName.draft,
        dataset: DatasetOpt = None,
        model: ModelOpt = None,
        out: OutOpt = None,
        prompts: PromptsOpt = None,
        max_concurrency: ConcurrencyOpt = 1,
        resume: ResumeOpt = False,
        overwrite: OverwriteOpt = False,
        no_cache: NoCacheOpt = False,
        limit: LimitOpt = None,
        n_boot: BootOpt = 1000,
        seed: SeedOpt = 0,
        strict: StrictOpt = False,
        no_floor: NoFloorOpt = False,
        no_holdout: NoHoldoutOpt = False,
        quiet: QuietOpt = False,
        fail_if: FailIfOpt = None,
        batch: BatchOpt = False,
        batch_mode: BatchModeOpt = BatchModeName.api,
        batch_poll_s: BatchPollOpt = 30.0,
    ) -> None:
        """The same as `imr-llm eval --task ...`, spelled as a subcommand."""
        _run(
            task,
            dataset,
            model,
            out,
            prompts,
            max_concurrency,
            resume,
            overwrite,
            no_cache,
            limit,
            n_boot,
            seed,
            strict,
            no_floor,
            no_holdout,
            quiet,
            fail_if,
            batch=batch,
            batch_mode=batch_mode,
            batch_poll_s=batch_poll_s,
        )

    @eval_app.command("compare")
    def eval_compare(
        runs: Annotated[
            list[Path], typer.Argument(help="Run directories; the first is the reference.")
        ],
        out: Annotated[
            Path | None, typer.Option("--out", help="Write comparison.json and reports here.")
        ] = None,
        n_boot: BootOpt = 1000,
        seed: SeedOpt = 0,
        fail_if: FailIfOpt = None,
    ) -> None:
        """Metric deltas (paired bootstrap) between runs and the decisions that flipped."""
        from imr_llm.evals import compare_runs
        from imr_llm.evals._compare import compare_gates, load_run
        from imr_llm.evals._gates import parse_gate, raise_on_failure
        from imr_llm.evals._report_md import comparison_markdown

        for gate in fail_if or []:
            parse_gate(gate)  # bad syntax fails before any work
        comparison = compare_runs(runs, out=out, n_boot=n_boot, seed=seed)
        typer.echo(comparison_markdown(comparison))
        if fail_if:
            outcomes = compare_gates(comparison, [load_run(r)[0] for r in runs], fail_if)
            for outcome in outcomes:
                typer.echo(outcome.describe())
            raise_on_failure(outcomes)

    app.add_typer(eval_app, name="eval")
