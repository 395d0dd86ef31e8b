"""Thin typer CLI: parse flags, call one library function, write its result.

Each command group lives in its own module and registers itself on `app`.
"""

from __future__ import annotations

import sys

import typer

from imr_llm._errors import ImrLlmError
from imr_llm.cli import _draft, _eval, _local, _parse, _review

app = typer.Typer(
    name="imr-llm",
    help="LLM toolkit for California workers' compensation Independent Medical Review.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """LLM toolkit for California workers' compensation Independent Medical Review."""


for _module in (_parse, _local, _draft, _eval, _review):
    _module.register(app)


@app.command()
def version() -> None:
    """Print the imr-llm version."""
    from imr_llm import __version__

    typer.echo(__version__)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: maps library errors to one line and an exit code."""
    try:
        app(args=argv)
    except ImrLlmError as exc:
        typer.echo(f"imr-llm: error: {exc}", err=True)
        sys.exit(exc.exit_code)
