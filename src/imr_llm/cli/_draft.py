"""CLI: `imr-llm summarize`, `imr-llm draft`, `imr-llm prompts list|show|render`.

Each command parses flags, calls one library function and writes its result; usage totals
and grounding issues go to stderr (and into text/md output), never hidden.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from imr_llm._errors import InputError, RecordsError
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
    precedents: Annotated[
        Path | None,
        typer.Option(
            "--precedents",
            help="Decided letters for worked examples: parsed JSONL or letter files "
            "(default: the shipped public letters).",
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            help="Overturned when P(Overturned) >= this (default: the calibrated setting).",
        ),
    ] = None,
    rationale: Annotated[
        str,
        typer.Option("--rationale", help="model (written by the model) or template (no call)."),
    ] = "model",
    allow_remote: AllowRemoteOpt = None,
    redact: RedactOpt = False,
    max_calls: MaxCallsOpt = None,
    max_input_mb: MaxInputOpt = None,
) -> None:
    """Draft the IMR letter: summary, then per item the routed guideline chapter, a checklist
    checked against the records, precedents, P(Overturned), the decision and the rationale."""
    from imr_llm.drafting import draft_letter, load_prompts
    from imr_llm.drafting._report import issue_lines, letter_markdown, letter_text
    from imr_llm.guidelines import load_library

    case, skipped = _records("draft", records, max_input_mb)
    prompt_set = load_prompts(prompts)
    library = load_library(guidelines)
    if rationale not in ("model", "template"):
        raise InputError(f"--rationale must be model or template, not {rationale!r}")
    options: dict[str, Any] = {"rationale": rationale, "threshold": threshold}
    if precedents is not None:
        from imr_llm.precedents import load_precedents

        options["precedents"] = load_precedents(precedents)
    llm = _model(model, no_cache, allow_remote=allow_remote, redact=redact, max_calls=max_calls)
    done = draft_letter(case, llm, library, items=item, prompts=prompt_set, **options)
    letter = done.value
    text = {
        Format.json: lambda: letter.model_dump_json(indent=2) + "\n",
        Format.text: lambda: letter_text(letter),
        Format.md: lambda: letter_markdown(letter),
    }[fmt]()
    _write(text, output)
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
    _report("draft", done.usage, issues, warnings)
    _fail_if_skipped("draft", skipped)


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
