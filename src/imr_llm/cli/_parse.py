"""CLI group: `imr-llm parse PATH... [-o FILE] [--jobs N]`: letters to DecisionLetter JSONL."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Annotated

import typer

from imr_llm._errors import InputError, LetterParseError


class ParseFailed(InputError):
    """Some letters could not be parsed (each was reported on stderr); exit status 2."""


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("parse")(parse)


def parse(
    paths: Annotated[
        list[Path], typer.Argument(help="Letter files (.pdf/.txt) or directories of them.")
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write JSON Lines here instead of stdout."),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=0,
            help="Parse in this many processes (0: one per CPU). Output order and bytes are the "
            "same for any value.",
        ),
    ] = 1,
) -> None:
    """Parse real IMR final determination letters into JSON Lines (one DecisionLetter each).

    Records are written as they are parsed, in input order. Files that fail are reported one line
    each on stderr; the others are still written, and the exit status is 2 if any failed.
    """
    from imr_llm.letters import letter_paths
    from imr_llm.letters._parallel import default_jobs, parse_many

    files: list[Path] = []
    failed = 0
    for arg in paths:
        try:
            files.extend(letter_paths(arg))
        except LetterParseError as exc:
            failed += 1
            typer.echo(f"imr-llm parse: {exc}", err=True)
    written = 0
    sink: IO[str]
    if output is None:
        sink = sys.stdout
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        sink = output.open("w", encoding="utf-8")
    try:
        for outcome in parse_many(files, jobs=jobs or default_jobs()):
            if outcome.line is None:
                failed += 1
                typer.echo(f"imr-llm parse: {outcome.error}", err=True)
                continue
            sink.write(outcome.line + "\n")
            written += 1
    finally:
        if output is None:
            sink.flush()
        else:
            sink.close()
    if failed:
        raise ParseFailed(f"{failed} input(s) could not be parsed; {written} letter(s) written")
    if not written:
        raise ParseFailed("no .pdf or .txt letter files found")
