"""CLI group: `imr-llm local serve|status|stop|models` for the embedded llama.cpp server."""

from __future__ import annotations

from pathlib import Path

import typer

from imr_llm._errors import ImrLlmError, LocalModelError


def _cache_dir() -> Path:
    """Where models, the server state file and its log live (`$IMR_LLM_CACHE_DIR`)."""
    from imr_llm.llm._settings import default_cache_dir

    return default_cache_dir()


def _source(model: str | None) -> str:
    from imr_llm.llm import parse_spec, resolve_settings

    spec = model or resolve_settings().model or "local"
    if not spec.startswith("local"):
        spec = f"local/{spec}"
    parsed = parse_spec(spec)
    if parsed.kind != "local":
        raise LocalModelError(f"{spec!r} is not a local model")
    return parsed.model


def serve(
    model: str | None = typer.Option(
        None, "--model", "-m", help="Catalog name or .gguf path (default: the catalog default)."
    ),
    n_ctx: int = typer.Option(8192, help="Context window in tokens."),
    threads: int | None = typer.Option(None, help="CPU threads (default: all cores)."),
    state_cache_mb: int = typer.Option(
        0,
        help="llama.cpp's RAM cache of saved prompt states, in MB (0: off; the last prompt's "
        "prefix is reused either way). Each saved state also holds ~300 MB of logits.",
    ),
) -> None:
    """Start the local model server in the background (kept until `imr-llm local stop`)."""
    from imr_llm.llm.local import local_endpoint, read_state, require_extra, start

    cache_dir = _cache_dir()
    endpoint = local_endpoint(_source(model), cache_dir=cache_dir)
    state = read_state(cache_dir)
    if state is not None:
        if state.model != endpoint.model_name:
            raise LocalModelError(
                f"a local server with model {state.model} is already running (pid {state.pid}); "
                "stop it first with `imr-llm local stop`"
            )
        note = (
            ""
            if state.started_by == "serve"
            else f"; started on demand by pid {state.owner_pid}, it stops when that exits"
        )
        typer.echo(f"already running: {state.model} at {state.base_url} (pid {state.pid}{note})")
        return
    require_extra()
    typer.echo(f"starting {endpoint.model_name} (first start assembles the model file)...")
    state = start(
        endpoint.model_name,
        endpoint.model_path(),
        cache_dir,
        started_by="serve",
        n_ctx=n_ctx,
        threads=threads,
        state_cache_mb=state_cache_mb,
    )
    typer.echo(
        f"serving {state.model} at {state.base_url} (pid {state.pid}); log: {state.log}\n"
        "stop it with: imr-llm local stop"
    )


def status() -> None:
    """Show the running local model server; exit code 1 when none runs."""
    from imr_llm.llm.local._server import healthy, read_state

    state = read_state(_cache_dir())
    if state is None:
        typer.echo("no local model server is running (commands start one on demand)")
        raise typer.Exit(1)
    health = "healthy" if healthy(state.port) else "NOT ANSWERING"
    typer.echo(
        f"{state.model} at {state.base_url} (pid {state.pid}, started by {state.started_by}, "
        f"{health}); log: {state.log}"
    )


def stop() -> None:
    """Stop the local model server, whoever started it."""
    from imr_llm.llm.local import stop as stop_server

    state = stop_server(_cache_dir())
    if state is None:
        typer.echo("no local model server is running")
    else:
        typer.echo(f"stopped {state.model} (pid {state.pid})")


def models() -> None:
    """List the catalog: name, whether its parts are installed, and whether it is assembled."""
    from imr_llm.llm.local import CATALOG, DEFAULT_MODEL, locate_parts

    models_dir = _cache_dir() / "models"
    for entry in CATALOG.values():
        try:
            locate_parts(entry)
            installed = "installed"
        except ImrLlmError:
            installed = "not installed"
        assembled = "assembled" if (models_dir / entry.filename).exists() else "not assembled"
        default = " (default)" if entry.name == DEFAULT_MODEL else ""
        typer.echo(f"{entry.name}{default}: {entry.title}; {installed}, {assembled}")


def register(app: typer.Typer) -> None:
    """Add the `local` sub-app."""
    local_app = typer.Typer(
        name="local",
        help="The embedded local model (llama-cpp-python's OpenAI-compatible server).",
        no_args_is_help=True,
    )
    for command in (serve, status, stop, models):
        local_app.command()(command)
    app.add_typer(local_app, name="local")
