"""CLI: `imr-llm review RECORDS...`: the reviewer workbench in the browser (local web app)."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import Annotated

import typer

from imr_llm._errors import InputError


def register(app: typer.Typer) -> None:
    """Add this module's command to the app."""
    app.command("review")(review_cmd)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host.strip("[]"), 0))
        return int(s.getsockname()[1])


def review_cmd(
    records: Annotated[
        list[Path], typer.Argument(help="Case-file documents (.txt, .md, .pdf) or directories.")
    ],
    item: Annotated[
        list[str] | None,
        typer.Option("--item", "-i", help="Disputed request (repeatable); default: from records."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="Model spec (default: $IMR_LLM_MODEL, else `local`)."),
    ] = None,
    port: Annotated[int, typer.Option("--port", "-p", help="Port (default: a free one).")] = 0,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Interface to listen on. Default loopback only; anything else also needs "
            "--allow-remote (the pages show medical records).",
        ),
    ] = "127.0.0.1",
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Permit a --host that is not loopback.")
    ] = False,
    state_dir: Annotated[
        Path | None,
        typer.Option(
            "--state-dir",
            help="Where versions are kept (0700; default $IMR_LLM_REVIEW_DIR, else "
            "~/.local/state/imr-llm/review).",
        ),
    ] = None,
    guidelines: Annotated[
        Path | None, typer.Option("--guidelines", help="Guideline excerpt library directory.")
    ] = None,
    prompts: Annotated[
        Path | None, typer.Option("--prompts", help="Directory of *.j2 templates overriding.")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not use the response cache.")
    ] = False,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open a browser window.")
    ] = False,
    no_draft: Annotated[
        bool, typer.Option("--no-draft", help="Do not start drafting a case that has no draft.")
    ] = False,
) -> None:
    """Review a case in the browser: records beside the draft letter, summary and checklists;
    edits saved as new versions; export Markdown, DOCX and JSON (machine vs reviewer-final)."""
    import uvicorn

    from imr_llm.review import LOOPBACK_HOSTS, create_app, default_state_dir, open_workbench

    if not _is_loopback(host) and not allow_remote:
        raise InputError(
            f"--host {host} is not a loopback address; add --allow-remote to serve the records "
            "on it"
        )
    bench = open_workbench(
        records,
        state_dir=state_dir or default_state_dir(),
        model_spec=model,
        items=item or [],
        prompts_dir=prompts,
        guidelines_dir=guidelines,
        no_cache=no_cache,
    )
    try:
        port = port or _free_port(host)
    except OSError as exc:
        raise InputError(f"cannot listen on {host} ({exc.strerror})") from exc
    hosts = LOOPBACK_HOSTS if _is_loopback(host) else ["*"]
    app = create_app(bench, allowed_hosts=hosts)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown if ':' not in shown else f'[{shown}]'}:{port}/"
    versions = bench.store.versions()
    typer.echo(
        f"imr-llm review: {url} ({len(bench.case.documents)} documents, "
        f"{len(versions)} saved version(s) in {bench.store.root}); Ctrl-C to stop",
        err=True,
    )
    if not versions and not no_draft:
        bench.start_draft()
    if not no_browser:
        import threading
        import webbrowser

        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    config = uvicorn.Config(app, host=host.strip("[]"), port=port, log_level="warning")
    server = uvicorn.Server(config)
    try:
        server.run()
    finally:
        bench.jobs.cancel()
