"""CLI group: eval.

imr-llm eval --task draft --dataset PATH --model SPEC --out runs/NAME [options]
imr-llm eval run ...            (the same, spelled as a subcommand)
imr-llm eval compare RUN_A RUN_B ... [--out DIR] [--fail-if "delta.decision_kappa<-0.05"]
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import typer

from imr_llm._errors import InputError
from imr_llm.cli._modelopts import (
    AllowRemoteOpt,
    MaxCallsOpt,
    RedactOpt,
    build_model,
    model_flags,
)


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


def eval_options(
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
    threshold: ThresholdOpt = None,
    precedents: PrecedentsOpt = None,
    rationale: RationaleOpt = RationaleName.model,
    allow_remote: AllowRemoteOpt = None,
    redact: RedactOpt = False,
    max_calls: MaxCallsOpt = None,
    max_failed: MaxFailedOpt = 0.0,
    batch: BatchOpt = False,
    batch_mode: BatchModeOpt = BatchModeName.api,
    batch_poll_s: BatchPollOpt = 30.0,
) -> dict[str, Any]:
    """The eval options, declared once: `eval` (callback) and `eval run` share this signature."""
    return dict(locals())


def _with_options(fn: Callable[..., None], *, context: bool) -> Callable[..., None]:
    """`fn` with the parameters of `eval_options` (after a typer.Context if `context`)."""
    hints = get_type_hints(eval_options, include_extras=True)
    params = [
        p.replace(annotation=hints[p.name])
        for p in inspect.signature(eval_options).parameters.values()
    ]
    if context:
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        params.insert(0, inspect.Parameter("ctx", kind, annotation=typer.Context))
    # inspect (and so typer) reads __signature__, which functions do not declare
    fn.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    fn.__annotations__ = {p.name: p.annotation for p in params}
    return fn


def _run(opts: dict[str, Any]) -> None:
    from imr_llm.evals import run_eval
    from imr_llm.evals._baselines import is_baseline
    from imr_llm.evals._batch import BatchOptions
    from imr_llm.evals._gates import parse_gate
    from imr_llm.evals._runner import check_failed_share

    dataset, model, out = opts["dataset"], opts["model"], opts["out"]
    missing = [n for n, v in (("--dataset", dataset), ("--model", model), ("--out", out)) if not v]
    if missing:
        raise InputError(f"eval needs {', '.join(missing)} (see imr-llm eval --help)")
    fail_if = opts["fail_if"] or []
    for gate in fail_if:
        parse_gate(gate)  # bad syntax fails before any work
    draft_options: dict[str, Any] = {"rationale": opts["rationale"].value}
    if opts["threshold"] is not None:
        draft_options["threshold"] = opts["threshold"]
    if opts["precedents"] is not None:
        draft_options["precedents"] = str(opts["precedents"])
    llm: object = model
    if not is_baseline(model):  # built here so that the endpoint is named before any call
        flags = model_flags(
            no_cache=opts["no_cache"],
            allow_remote=opts["allow_remote"],
            redact=opts["redact"],
            max_calls=opts["max_calls"],
        )
        llm = build_model(model, audit=Path(out) / "audit.jsonl", **flags)
        if hasattr(llm, "name"):  # the run records the spec as given (`local`), secrets masked
            from imr_llm.llm._egress import mask_spec

            llm.name = mask_spec(model)
    run = run_eval(
        dataset,
        task=opts["task"].value,
        model=llm,  # type: ignore[arg-type]  # the spec string or the Model built from it
        out=out,
        prompts=opts["prompts"] or [],
        max_concurrency=opts["max_concurrency"],
        resume=opts["resume"],
        overwrite=opts["overwrite"],
        cache=not opts["no_cache"],
        limit=opts["limit"],
        n_boot=opts["n_boot"],
        seed=opts["seed"],
        strict=opts["strict"],
        floor=not opts["no_floor"],
        holdout=not opts["no_holdout"],
        progress=not opts["quiet"],
        draft_options=draft_options,
        batch=(
            BatchOptions(mode=opts["batch_mode"].value, poll_s=opts["batch_poll_s"])
            if opts["batch"]
            else None
        ),
    )
    _echo_run(run)
    outcomes = []
    if fail_if:
        from imr_llm.evals._gates import evaluate_gates

        outcomes = evaluate_gates(
            [v.metrics for v in run.variants], fail_if, names=[v.name for v in run.variants]
        )
        for outcome in outcomes:
            typer.echo(outcome.describe())
    check_failed_share(run, opts["max_failed"])  # failed samples (4, or 3) before a gate (1)
    if outcomes:
        from imr_llm.evals._gates import raise_on_failure

        raise_on_failure(outcomes)


def register(app: typer.Typer) -> None:
    """Add the `eval` group (run by options, or `run` / `compare` / `threshold` subcommands)."""
    eval_app = typer.Typer(
        help="Evaluate drafts against real decisions; compare runs; calibrate the threshold.",
        invoke_without_command=True,
        no_args_is_help=False,
    )

    def eval_main(ctx: typer.Context, **opts: Any) -> None:
        """Run an eval: imr-llm eval --task draft --dataset PATH --model SPEC --out runs/NAME."""
        if ctx.invoked_subcommand is not None:
            if any(opts[k] for k in ("dataset", "model", "out", "prompts", "fail_if")):
                raise InputError(
                    f"put the options after the subcommand: imr-llm eval {ctx.invoked_subcommand}"
                )
            return
        if not (opts["dataset"] or opts["model"] or opts["out"]):
            typer.echo(ctx.get_help())
            raise typer.Exit(2)
        _run(opts)

    def eval_run(**opts: Any) -> None:
        """The same as `imr-llm eval --task ...`, spelled as a subcommand."""
        _run(opts)

    eval_app.callback(invoke_without_command=True)(_with_options(eval_main, context=True))
    eval_app.command("run")(_with_options(eval_run, context=False))

    @eval_app.command("threshold")
    def eval_threshold(
        run: Annotated[Path, typer.Argument(help="A draft eval run directory (metrics.json).")],
        write: Annotated[
            bool, typer.Option("--write", help="Make it the default threshold for drafts.")
        ] = False,
        file: Annotated[
            Path | None,
            typer.Option("--file", help="Settings file to write (default: the user's one)."),
        ] = None,
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
        run: Annotated[Path, typer.Argument(help="A draft eval run directory (results.jsonl).")],
        write: Annotated[
            bool, typer.Option("--write", help="Make the fitted weights the default for drafts.")
        ] = False,
        file: Annotated[
            Path | None,
            typer.Option("--file", help="Settings file to write (default: the user's one)."),
        ] = None,
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
