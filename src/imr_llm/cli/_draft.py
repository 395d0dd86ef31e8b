"""CLI: `imr-llm summarize`, `imr-llm draft`, `imr-llm prompts list|show|render`.

Each command parses flags, calls one library function and writes its result; usage totals
and grounding issues go to stderr (and into text/md output), never hidden.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from imr_llm._errors import InputError, RecordsError
from imr_llm.cli._eval import (
    BatchModeName,
    PrecedentsOpt,
    RationaleName,
    RationaleOpt,
    ThresholdOpt,
)
from imr_llm.cli._modelopts import (
    AllowRemoteOpt,
    MaxCallsOpt,
    MaxInputOpt,
    RedactOpt,
    build_model,
    model_flags,
)


class SkippedRecords(RecordsError):
    """Some record files could not be read; the output was written without them (exit 2)."""


class Format(enum.StrEnum):
    json = "json"
    text = "text"
    md = "md"


Records = Annotated[
    list[Path], typer.Argument(help="Case-file documents (.txt, .md, .pdf) or directories.")
]
Output = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
]
ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Model spec (default: $IMR_LLM_MODEL, else `local`)."),
]
PromptsOpt = Annotated[
    Path | None,
    typer.Option("--prompts", help="Directory of *.j2 templates overriding the defaults."),
]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Do not use the response cache.")]

prompts_app = typer.Typer(help="List, show and render the prompt templates.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("summarize")(summarize_cmd)
    app.command("draft")(draft_cmd)
    app.add_typer(prompts_app, name="prompts")


def _model(spec: str | None, no_cache: bool, **flags: Any) -> Any:
    return build_model(spec, **model_flags(no_cache=no_cache, **flags))


def _records(command: str, paths: list[Path], max_input_mb: float | None) -> tuple[Any, int]:
    """The case from the files that could be read; each one that could not is reported."""
    from imr_llm.records import load_records

    loaded = load_records(paths, max_input_mb=max_input_mb)
    for exc in loaded.skipped:
        typer.echo(f"imr-llm {command}: skipped {exc}", err=True)
    return loaded.case, len(loaded.skipped)


def _fail_if_skipped(command: str, skipped: int) -> None:
    if skipped:
        raise SkippedRecords(
            f"{skipped} record file(s) could not be read; the {command} output leaves them out"
        )


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write output ({exc.strerror})", path=output) from exc
    typer.echo(f"imr-llm: wrote {output}", err=True)


def _report(command: str, usage: Any, issues: list[str], warnings: list[str]) -> None:
    from imr_llm.llm import format_usage

    for line in warnings:
        typer.echo(f"imr-llm {command}: warning: {line}", err=True)
    for line in issues:
        typer.echo(f"imr-llm {command}: grounding: {line}", err=True)
    typer.echo(
        f"imr-llm {command}: {len(issues)} grounding issue(s); usage: {format_usage(usage)}, "
        f"cache hits: {usage.cache_hits}",
        err=True,
    )


def summarize_cmd(
    records: Records,
    output: Output = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.json,
    model: ModelOpt = None,
    prompts: PromptsOpt = None,
    no_cache: NoCache = False,
    allow_remote: AllowRemoteOpt = None,
    redact: RedactOpt = False,
    max_calls: MaxCallsOpt = None,
    max_input_mb: MaxInputOpt = None,
    max_pages: Annotated[
        int,
        typer.Option("--max-pages", min=1, help="Refuse case files longer than this (pages)."),
    ] = 400,
    summary_calls: Annotated[
        int,
        typer.Option(
            "--summary-calls", min=0, help="Summary model calls at most (0: records only)."
        ),
    ] = 8,
) -> None:
    """Draft the CLINICAL CASE SUMMARY of a case: facts with evidence, prose, grounding."""
    from imr_llm.drafting import load_prompts, summarize
    from imr_llm.drafting._report import issue_lines, summary_markdown, summary_text

    case, skipped = _records("summarize", records, max_input_mb)
    prompt_set = load_prompts(prompts)
    llm = (
        _model(model, no_cache, allow_remote=allow_remote, redact=redact, max_calls=max_calls)
        if summary_calls
        else None
    )
    done = summarize(case, llm, prompts=prompt_set, max_pages=max_pages, max_calls=summary_calls)
    summary = done.value
    text = {
        Format.json: lambda: summary.model_dump_json(indent=2) + "\n",
        Format.text: lambda: summary_text(summary),
        Format.md: lambda: summary_markdown(summary),
    }[fmt]()
    _write(text, output)
    _report("summarize", done.usage, issue_lines(summary.grounding), summary.warnings)
    _fail_if_skipped("summarize", skipped)


def draft_cmd(
    records: Records,
    item: Annotated[
        list[str] | None,
        typer.Option("--item", "-i", help="Disputed request (repeatable); default: from records."),
    ] = None,
    guidelines: Annotated[
        Path | None,
        typer.Option(
            "--guidelines", help="Guideline excerpt library directory (default: starter)."
        ),
    ] = None,
    output: Output = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.json,
    model: ModelOpt = None,
    prompts: PromptsOpt = None,
    no_cache: NoCache = False,
    precedents: PrecedentsOpt = None,
    threshold: ThresholdOpt = None,
    rationale: RationaleOpt = RationaleName.model,
    allow_remote: AllowRemoteOpt = None,
    redact: RedactOpt = False,
    max_calls: MaxCallsOpt = None,
    max_input_mb: MaxInputOpt = None,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="Draft many cases with the model requests sent as Batch API rounds: each "
            "RECORDS argument is then one case (directory or file) and --output a directory "
            "(<case>.json/.md/.txt, state in <output>/batch/); re-run to resume.",
        ),
    ] = False,
    batch_mode: Annotated[
        BatchModeName,
        typer.Option("--batch-mode", help="api (the endpoint's Batch API) or files (vLLM)."),
    ] = BatchModeName.api,
    batch_poll_s: Annotated[
        float, typer.Option("--batch-poll-s", min=0.0, help="Seconds between batch polls.")
    ] = 30.0,
) -> None:
    """Draft the IMR letter: summary, then per item the routed guideline chapter, a checklist
    checked against the records, precedents, P(Overturned), the decision and the rationale."""
    from imr_llm.drafting import draft_letter, load_prompts
    from imr_llm.drafting._report import letter_markdown, letter_text
    from imr_llm.guidelines import load_library

    prompt_set = load_prompts(prompts)
    library = load_library(guidelines)

    def render(letter: Any) -> str:
        renderers: dict[Format, Callable[[], str]] = {
            Format.json: lambda: letter.model_dump_json(indent=2) + "\n",
            Format.text: lambda: letter_text(letter),
            Format.md: lambda: letter_markdown(letter),
        }
        return renderers[fmt]()

    options: dict[str, Any] = {"rationale": rationale.value, "threshold": threshold}
    if precedents is not None:
        from imr_llm.precedents import load_precedents

        options["precedents"] = load_precedents(precedents)
    if batch:
        _draft_batch(
            records,
            output,
            fmt,
            render,
            model,
            library,
            item,
            prompt_set,
            batch_mode,
            batch_poll_s,
            options,
        )
        return
    case, skipped = _records("draft", records, max_input_mb)
    llm = _model(model, no_cache, allow_remote=allow_remote, redact=redact, max_calls=max_calls)
    done = draft_letter(case, llm, library, items=item, prompts=prompt_set, **options)
    letter = done.value
    _write(render(letter), output)
    _report_letter(letter, done.usage)
    _fail_if_skipped("draft", skipped)


def _report_letter(letter: Any, usage: Any, command: str = "draft") -> None:
    from imr_llm.drafting._report import issue_lines

    issues = issue_lines(letter.summary.grounding)
    warnings = list(letter.summary.warnings)
    for it in letter.items:
        issues += [f"{it.request}: {line}" for line in issue_lines(it.grounding)]
        if it.decision_source == "checklist":
            warnings.append(
                f"{it.request}: decision set to the checklist's side (it plainly contradicted it)"
            )
        if it.borderline:
            warnings.append(
                f"{it.request}: borderline (P(Overturned) {it.p_overturned:.2f} near the "
                f"threshold {it.threshold:.2f}): the reviewer decides"
            )
    _report(command, usage, issues, warnings)


def _draft_batch(
    records: list[Path],
    output: Path | None,
    fmt: Format,
    render: Any,
    model: str | None,
    library: Any,
    items: list[str] | None,
    prompt_set: Any,
    batch_mode: BatchModeName,
    batch_poll_s: float,
    item_options: dict[str, Any],
) -> None:
    """`draft --batch`: one case per RECORDS argument, one output file per case; the item
    options (--threshold, --precedents, --rationale) as online."""
    from imr_llm._errors import ImrLlmError, ModelError
    from imr_llm.drafting._batch import draft_cases_in_batches
    from imr_llm.llm._rounds import BatchOptions
    from imr_llm.records import load_case

    if output is None:
        raise InputError("draft --batch needs --output DIR (one file per case)")
    if output.exists() and not output.is_dir():
        raise InputError("draft --batch writes one file per case: --output must be a directory")
    suffix = {Format.json: ".json", Format.text: ".txt", Format.md: ".md"}
    cases: list[tuple[str, Any]] = []
    names: set[str] = set()
    for path in records:
        base = path.name if path.is_dir() else path.stem
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.add(name)
        cases.append((name, load_case([path])))
    failed: list[str] = []
    errors: list[ImrLlmError] = []
    fmt_suffix = suffix[fmt]

    def on_done(name: str, done: Any) -> None:
        if isinstance(done, ImrLlmError):
            failed.append(name)
            errors.append(done)
            typer.echo(f"imr-llm draft: {name}: failed: {done}", err=True)
            return
        _write(render(done.value), output / f"{name}{fmt_suffix}")
        _report_letter(done.value, done.usage, command=f"draft {name}")

    draft_cases_in_batches(
        cases,
        _model(model, True),
        library,
        state_dir=output / "batch",
        options=BatchOptions(mode=batch_mode.value, poll_s=batch_poll_s),
        on_done=on_done,
        items=items,
        prompts=prompt_set,
        **item_options,
    )
    if failed:  # exit status as online: 3 if a model call failed, else 2 (bad input)
        kind = ModelError if any(isinstance(e, ModelError) for e in errors) else InputError
        raise kind(f"{len(failed)} of {len(cases)} case(s) failed: {', '.join(failed)}")


@prompts_app.command("list")
def prompts_list(prompts: PromptsOpt = None) -> None:
    """List the templates with what each asks for, and the prompt-set version."""
    from imr_llm.drafting import load_prompts

    prompt_set = load_prompts(prompts)
    typer.echo(f"prompts version {prompt_set.version}")
    for name in prompt_set.names():
        typer.echo(f"{name}: {prompt_set.description(name)}")


@prompts_app.command("show")
def prompts_show(
    name: Annotated[str, typer.Argument(help="Template name (without .j2).")],
    prompts: PromptsOpt = None,
) -> None:
    """Print one template's source."""
    from imr_llm.drafting import load_prompts

    typer.echo(load_prompts(prompts).source(name).rstrip("\n"))


@prompts_app.command("render")
def prompts_render(
    name: Annotated[str, typer.Argument(help="Template name (without .j2).")],
    records: Annotated[
        list[Path], typer.Option("--records", "-r", help="Case-file documents or directories.")
    ],
    item: Annotated[
        str | None, typer.Option("--item", "-i", help="Disputed request (draft_decision).")
    ] = None,
    guidelines: Annotated[
        Path | None, typer.Option("--guidelines", help="Guideline library directory.")
    ] = None,
    prompts: PromptsOpt = None,
) -> None:
    """Print the messages a template sends to the model for these records (no model call)."""
    from imr_llm.drafting import load_prompts
    from imr_llm.drafting._preview import prompt_messages
    from imr_llm.records import load_case

    library = None
    if name == "draft_decision":
        from imr_llm.guidelines import load_library

        library = load_library(guidelines)
    messages = prompt_messages(
        load_prompts(prompts), name, load_case(records), request=item, library=library
    )
    for message in messages:
        typer.echo(f"--- {message['role']} ---")
        typer.echo(message["content"])
