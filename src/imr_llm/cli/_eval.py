"""CLI group: eval.

imr-llm eval --task draft --dataset PATH --model SPEC --out runs/NAME [options]
imr-llm eval run ...            (the same, spelled as a subcommand)
imr-llm eval compare RUN_A RUN_B ... [--out DIR] [--fail-if "delta.decision_kappa<-0.05"]
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, get_type_hints

import typer

from imr_llm._errors import InputError
from imr_llm.cli._modelopts import (
    AllowRemoteOpt,
    MaxCallsOpt,
    RedactOpt,
    build_model,
    model_flags,
)

if TYPE_CHECKING:
    from imr_llm.evals import EvalRun


class TaskName(StrEnum):
    draft = "draft"
    summary = "summary"


class RationaleName(StrEnum):
    model = "model"
    template = "template"


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
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Processes that draft the samples (Linux, macOS); model calls stay in this one. "
        "Default: one per CPU (at most 4) at --max-concurrency 8 or more (drafting's CPU is "
        "then the limit), else 1.",
    ),
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


def _echo_run(run: EvalRun) -> None:
    from imr_llm.evals._reports import fmt, headline_rows, interval

    for variant in run.variants:
        m = variant.results
        typer.echo(
            f"{variant.name}: {m.n_samples} samples ({m.n_errors} errors) -> "
            f"{variant.directory / 'metrics.json'}"
        )
        for row in headline_rows(m.metrics, m.intervals):
            shown = f" {interval(row.interval)}" if row.interval else ""
            typer.echo(f"  {row.label}: {fmt(row.value)}{shown}")
    if run.comparison is not None:
        typer.echo(f"comparison -> {run.out / 'report.html'}")


MaxFailedOpt = Annotated[
    float,
    typer.Option(
        "--max-failed",
        min=0.0,
        max=1.0,
        help="Share of samples that may fail (0 to 1) before the exit status is non-zero: 4, "
        "or 3 when no sample succeeded. Default 0: any failed sample fails the command.",
    ),
]
ThresholdOpt = Annotated[
    float | None,
    typer.Option(
        "--threshold",
        min=0.0,
        max=1.0,
        help="Overturned when P(Overturned) >= this (default: the calibrated setting).",
    ),
]
PrecedentsOpt = Annotated[
    Path | None,
    typer.Option(
        "--precedents",
        help="Decided letters for worked examples: parsed JSONL or letter files "
        "(default: the shipped public letters; an eval always leaves the scored letter out).",
    ),
]
RationaleOpt = Annotated[
    RationaleName,
    typer.Option("--rationale", help="model: written by the model; template: no model call."),
]


@dataclass(frozen=True)
class EvalArgs:
    """The eval options, declared once: `eval` (callback) and `eval run` take these fields as
    their parameters (`_with_options`), and `_run` reads them back as one typed object."""

    task: TaskOpt = TaskName.draft
    dataset: DatasetOpt = None
    model: ModelOpt = None
    out: OutOpt = None
    prompts: PromptsOpt = None
    max_concurrency: ConcurrencyOpt = 1
    workers: WorkersOpt = None
    resume: ResumeOpt = False
    overwrite: OverwriteOpt = False
    no_cache: NoCacheOpt = False
    limit: LimitOpt = None
    n_boot: BootOpt = 1000
    seed: SeedOpt = 0
    strict: StrictOpt = False
    no_floor: NoFloorOpt = False
    no_holdout: NoHoldoutOpt = False
    quiet: QuietOpt = False
    fail_if: FailIfOpt = None
    threshold: ThresholdOpt = None
    precedents: PrecedentsOpt = None
    rationale: RationaleOpt = RationaleName.model
    allow_remote: AllowRemoteOpt = None
    redact: RedactOpt = False
    max_calls: MaxCallsOpt = None
    max_failed: MaxFailedOpt = 0.0
    batch: BatchOpt = False
    batch_mode: BatchModeOpt = BatchModeName.api
    batch_poll_s: BatchPollOpt = 30.0


def _with_options(fn: Callable[..., None], *, context: bool) -> Callable[..., None]:
    """`fn` with the fields of `EvalArgs` as its parameters (after a typer.Context if
    `context`)."""
    hints = get_type_hints(EvalArgs, include_extras=True)
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [
        inspect.Parameter(f.name, kind, default=f.default, annotation=hints[f.name])
        for f in dataclasses.fields(EvalArgs)
    ]
    if context:
        params.insert(0, inspect.Parameter("ctx", kind, annotation=typer.Context))
    # inspect (and so typer) reads __signature__, which functions do not declare
    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    fn.__annotations__ = {p.name: p.annotation for p in params}
    return fn


def _run(args: EvalArgs) -> None:
    from imr_llm.evals import run_eval
    from imr_llm.evals._baselines import is_baseline
    from imr_llm.evals._batch import BatchOptions
    from imr_llm.evals._config import DraftOptions
    from imr_llm.evals._gates import parse_gates
    from imr_llm.evals._workers import auto_workers

    dataset, model, out = args.dataset, args.model, args.out
    if not dataset or not model or not out:
        given = (("--dataset", dataset), ("--model", model), ("--out", out))
        missing = ", ".join(name for name, value in given if not value)
        raise InputError(f"eval needs {missing} (see imr-llm eval --help)")
    fail_if = args.fail_if or []
    parse_gates(fail_if, task=args.task.value)  # bad gates fail before any work
    draft_options = DraftOptions(
        rationale=args.rationale.value,
        threshold=args.threshold,
        precedents=str(args.precedents) if args.precedents is not None else None,
    )
    llm: object = model
    if not is_baseline(model):  # built here so that the endpoint is named before any call
        flags = model_flags(
            no_cache=args.no_cache,
            allow_remote=args.allow_remote,
            redact=args.redact,
            max_calls=args.max_calls,
        )
        llm = build_model(model, audit=Path(out) / "audit.jsonl", **flags)
        if hasattr(llm, "name"):  # the run records the spec as given (`local`), secrets masked
            from imr_llm.llm._egress import mask_spec

            llm.name = mask_spec(model)
    run = run_eval(
        dataset,
        task=args.task.value,
        model=llm,  # type: ignore[arg-type]  # the spec string or the Model built from it
        out=out,
        prompts=args.prompts or [],
        max_concurrency=args.max_concurrency,
        workers=(
            args.workers
            if args.workers is not None
            else auto_workers(args.max_concurrency, batch=args.batch)
        ),
        resume=args.resume,
        overwrite=args.overwrite,
        cache=not args.no_cache,
        limit=args.limit,
        n_boot=args.n_boot,
        seed=args.seed,
        strict=args.strict,
        floor=not args.no_floor,
        holdout=not args.no_holdout,
        progress=not args.quiet,
        fail_if=fail_if,
        draft_options=draft_options,
        max_failed=args.max_failed,
        batch=BatchOptions(mode=args.batch_mode.value, poll_s=args.batch_poll_s)
        if args.batch
        else None,
        check=False,  # the figures and every gate's outcome are shown first
    )
    _echo_run(run)
    for outcome in run.gates:
        typer.echo(outcome.describe())
    run.check()  # failed samples (4, or 3) before a gate (1)


RunDirArg = Annotated[Path, typer.Argument(help="A draft eval run directory.")]
SettingsFileOpt = Annotated[
    Path | None,
    typer.Option("--file", help="Decision settings file to write (default: the user's one)."),
]


def register(app: typer.Typer) -> None:
    """Add the `eval` group (run by options, or `run` / `compare` / `threshold` subcommands)."""
    eval_app = typer.Typer(
        help="Evaluate drafts against real decisions; compare runs; calibrate the threshold.",
        invoke_without_command=True,
        no_args_is_help=False,
    )

    def eval_main(ctx: typer.Context, **opts: Any) -> None:
        """Run an eval: imr-llm eval --task draft --dataset PATH --model SPEC --out runs/NAME."""
        args = EvalArgs(**opts)
        if ctx.invoked_subcommand is not None:
            if args.dataset or args.model or args.out or args.prompts or args.fail_if:
                raise InputError(
                    f"put the options after the subcommand: imr-llm eval {ctx.invoked_subcommand}"
                )
            return
        if not (args.dataset or args.model or args.out):
            typer.echo(ctx.get_help())
            raise typer.Exit(2)
        _run(args)

    def eval_run(**opts: Any) -> None:
        """The same as `imr-llm eval --task ...`, spelled as a subcommand."""
        _run(EvalArgs(**opts))

    eval_app.callback(invoke_without_command=True)(_with_options(eval_main, context=True))
    eval_app.command("run")(_with_options(eval_run, context=False))

    @eval_app.command("threshold")
    def eval_threshold(
        run: RunDirArg,
        write: Annotated[
            bool, typer.Option("--write", help="Make it the default threshold for drafts.")
        ] = False,
        file: SettingsFileOpt = None,
    ) -> None:
        """The threshold on P(Overturned) that maximises balanced accuracy on a run."""
        from imr_llm.drafting._decide import write_threshold
        from imr_llm.evals._calibration import calibration_of_run

        cal = calibration_of_run(run)
        typer.echo(
            f"{run}: ROC AUC {cal.roc_auc:.3f} over {cal.n} items ({cal.n_overturned} Overturned); "
            f"best threshold {cal.best_threshold:.4g} (balanced accuracy "
            f"{cal.best_balanced_accuracy:.3f})"
        )
        if write:
            assert cal.best_threshold is not None
            where = write_threshold(
                cal.best_threshold,
                file,
                note=f"calibrated on {run} (balanced accuracy {cal.best_balanced_accuracy:.3f})",
            )
            typer.echo(f"wrote threshold {cal.best_threshold:.4g} to {where}")

    @eval_app.command("fit")
    def eval_fit(
        run: RunDirArg,
        write: Annotated[
            bool, typer.Option("--write", help="Make the fitted weights the default for drafts.")
        ] = False,
        file: SettingsFileOpt = None,
        l2: Annotated[
            float, typer.Option("--l2", min=0.0, help="L2 penalty on the weights.")
        ] = 1.0,
        no_model: Annotated[
            bool, typer.Option("--no-model", help="Leave the model's token out (weight 0).")
        ] = False,
    ) -> None:
        """Fit the decision weights and threshold (decision.toml) on a run: sign-constrained
        logistic regression over p_precedents, the checklist's statuses and p_model."""
        from imr_llm.drafting._decide import write_settings
        from imr_llm.evals._fit import fit_run

        fit = fit_run(run, l2=l2, use_model=not no_model)
        weights = ", ".join(f"{k} {v:+.3f}" for k, v in fit.status_weight.items())
        auc = "n/a" if fit.in_sample_roc_auc is None else f"{fit.in_sample_roc_auc:.3f}"
        typer.echo(
            f"{run}: {fit.n} items ({fit.n_overturned} Overturned); intercept "
            f"{fit.intercept:+.3f}, precedents {fit.precedent_weight:+.3f}, model "
            f"{fit.model_weight:+.3f}, {weights}; threshold {fit.threshold:.4g}\n"
            f"in-sample (optimistic): ROC AUC {auc}, balanced accuracy "
            f"{fit.in_sample_balanced_accuracy:.3f}; score another split to measure it"
        )
        if write:
            where = write_settings(fit.settings(), file, note=f"fitted on {run} (l2 {l2:g})")
            typer.echo(f"wrote the fitted weights and threshold to {where}")

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
        from imr_llm.evals._compare import compare
        from imr_llm.evals._gates import raise_on_failure
        from imr_llm.evals._report_md import comparison_markdown

        comparison, outcomes = compare(
            runs, out=out, n_boot=n_boot, seed=seed, fail_if=fail_if or []
        )
        typer.echo(comparison_markdown(comparison, gates=False))
        for outcome in outcomes:
            typer.echo(outcome.describe())
        raise_on_failure(outcomes)

    app.add_typer(eval_app, name="eval")
