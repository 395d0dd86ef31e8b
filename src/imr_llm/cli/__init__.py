"""Thin typer CLI: parse flags, call one library function, write its result.

Each command group lives in its own module and registers itself on `app`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
from typing import Any, NoReturn

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


EXIT_INTERRUPTED = 130


def _first_interrupt(_signum: int, _frame: Any) -> None:
    """The first Ctrl-C stops the command; later ones are ignored while it cleans up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _resume_hint(argv: list[str]) -> str:
    import shlex

    args = [a for a in argv if a != "--overwrite"]
    if "--resume" not in args:
        args.append("--resume")
    return shlex.join(["imr-llm", *args])


def _exit_now(code: int) -> NoReturn:
    """Exit without waiting for worker threads still blocked on a model request (they are
    abandoned; every finished result is already on disk). Exit handlers still run."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    os._exit(code)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: maps library errors to one line and an exit code.

    Everything the command writes is private (umask 077: 0600 files, 0700 directories). The
    first Ctrl-C stops the command within a moment, keeps what finished and says how to
    resume; a full disk is one line (exit 5).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    old_umask = os.umask(0o077)
    in_main = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )
    if in_main:
        signal.signal(signal.SIGINT, _first_interrupt)
    try:
        app(args=args)
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:  # typer's answer to a KeyboardInterrupt
            typer.echo("imr-llm: interrupted", err=True)
            _exit_now(EXIT_INTERRUPTED)
        raise
    except ImrLlmError as exc:
        from imr_llm.evals._runner import Interrupted

        if isinstance(exc, Interrupted):
            typer.echo(f"imr-llm: {exc}", err=True)
            if args[:1] == ["eval"]:
                typer.echo(f"imr-llm: to continue: {_resume_hint(args)}", err=True)
            _exit_now(EXIT_INTERRUPTED)
        typer.echo(f"imr-llm: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:  # outside the command (typer handles the rest)
        typer.echo("imr-llm: interrupted", err=True)
        _exit_now(EXIT_INTERRUPTED)
    except OSError as exc:
        from imr_llm._private import storage_error

        error = storage_error(exc, exc.filename or "output")
        typer.echo(f"imr-llm: error: {error}", err=True)
        sys.exit(error.exit_code)
    finally:
        os.umask(old_umask)
        if in_main:
            signal.signal(signal.SIGINT, signal.default_int_handler)
