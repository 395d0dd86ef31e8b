"""Options every model-calling command shares (egress, redaction, limits) and the notice that
names the endpoint before the first call."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer

AllowRemoteOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-remote",
        help="Allow records to go to this non-loopback endpoint (host, host:port or URL; "
        "repeatable). Also IMR_LLM_ALLOW_REMOTE. A project pyproject.toml alone never allows one.",
    ),
]
RedactOpt = Annotated[
    bool,
    typer.Option(
        "--redact",
        help="Before a call to a remote endpoint, replace names, dates of birth, SSNs, claim "
        "and phone numbers, addresses and emails with placeholders (restored in the answer).",
    ),
]
MaxCallsOpt = Annotated[
    int | None,
    typer.Option(
        "--max-calls", min=1, help="Stop after this many model calls (also IMR_LLM_MAX_CALLS)."
    ),
]
MaxInputOpt = Annotated[
    float | None,
    typer.Option(
        "--max-input-mb",
        min=0.001,
        help="Largest records text accepted, in MB (default 20; also IMR_LLM_MAX_INPUT_MB).",
    ),
]


def model_flags(
    *,
    no_cache: bool = False,
    allow_remote: list[str] | None = None,
    redact: bool = False,
    max_calls: int | None = None,
) -> dict[str, Any]:
    """Only the settings given on the command line (the rest fall back to env / defaults)."""
    flags: dict[str, Any] = {}
    if no_cache:
        flags["cache"] = False
    if allow_remote:
        flags["allow_remote"] = list(allow_remote)
    if redact:
        flags["redact"] = True
    if max_calls is not None:
        flags["max_calls"] = max_calls
    return flags


def announce(model: Any) -> None:
    """Name the endpoint on stderr before the first call."""
    describe = getattr(model, "describe_endpoint", None)
    where = describe() if callable(describe) else getattr(model, "name", type(model).__name__)
    typer.echo(f"imr-llm: model endpoint: {where}", err=True)


def default_audit_path() -> Path:
    """`<cache dir>/audit/<UTC time>-<pid>.jsonl`: one audit log per command run."""
    from imr_llm.llm._settings import default_cache_dir

    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return default_cache_dir() / "audit" / f"{stamp}-{os.getpid()}.jsonl"


def build_model(spec: str | None, *, audit: Path | None = None, **flags: Any) -> Any:
    """`imr_llm.llm.get_model(spec, **flags)`, announced on stderr, with an audit log of every
    request (`audit`, else `default_audit_path()`; hashes and counts, never text)."""
    import imr_llm.llm

    model = imr_llm.llm.get_model(spec, **flags)
    announce(model)
    if hasattr(model, "audit"):
        from imr_llm.llm._redact import AuditLog

        model.audit = AuditLog(audit or default_audit_path())
    return model
