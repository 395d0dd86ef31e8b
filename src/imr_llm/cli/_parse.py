"""CLI group: `imr-llm parse PATH... [-o FILE]` - letters to DecisionLetter JSON Lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from imr_llm._errors import InputError, LetterParseError
from imr_llm.letters import letter_paths, parse_letter, to_jsonl_line


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
) -> None:
    """Parse real IMR final determination letters into JSON Lines (one DecisionLetter each).

    Files that fail are reported one line each on stderr; the others are still written, and the
    exit status is 2 if any failed.
    """
    files: list[Path] = []
    failed = 0
    for arg in paths:
        try:
            files.extend(letter_paths(arg))
        except LetterParseError as exc:
            failed += 1
            typer.echo(f"imr-llm parse: {exc}", err=True)
    lines: list[str] = []
    for path in files:
        try:
            lines.append(to_jsonl_line(parse_letter(path)))
        except LetterParseError as exc:
            failed += 1
            typer.echo(f"imr-llm parse: {exc}", err=True)
    text = "".join(line + "\n" for line in lines)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    if failed:
        raise ParseFailed(f"{failed} input(s) could not be parsed; {len(lines)} letter(s) written")
    if not lines:
        raise ParseFailed("no .pdf or .txt letter files found")
