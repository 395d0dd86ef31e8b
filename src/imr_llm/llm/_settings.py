"""Model-layer settings: flag, then environment, then `[tool.imr-llm]`, then defaults.

Environment: `IMR_LLM_<FIELD>` for every field (e.g. `IMR_LLM_MODEL`, `IMR_LLM_MAX_TOKENS`),
plus `OPENAI_API_KEY` and `OPENAI_BASE_URL`. The pyproject table is read from the current
working directory only; keys may use `-` or `_` (`max-tokens` or `max_tokens`).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from imr_llm._errors import ModelConfigError

ModeName = Literal["tools", "json_schema", "json", "md_json"]

_ENV_ALIASES = {"api_key": "OPENAI_API_KEY", "base_url": "OPENAI_BASE_URL"}


def default_cache_dir() -> Path:
    """`$IMR_LLM_CACHE_DIR`, else `$XDG_CACHE_HOME/imr-llm`, else `~/.cache/imr-llm`."""
    env = os.environ.get("IMR_LLM_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "imr-llm"


class Settings(BaseModel):
    """Everything `get_model` needs besides the spec's own parts."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    model: str | None = Field(default=None, description="Model spec; None means `local`.")
    mode: ModeName | None = Field(
        default=None,
        description="Structured-output mode; None picks the endpoint's default "
        "(hosted OpenAI: tools; local llama.cpp and base URLs: json_schema).",
    )
    temperature: float = 0.0
    max_tokens: int = Field(default=2048, gt=0)
    seed: int | None = None
    cache: bool = True
    cache_dir: Path = Field(default_factory=default_cache_dir)
    timeout_s: float | None = Field(
        default=None,
        gt=0,
        description="Per-request timeout; None: 900 s for the local CPU model (a long prompt "
        "on a busy 2-core machine can take minutes), 300 s otherwise.",
    )
    max_retries: int = Field(default=4, ge=0, description="Transport retries after the first.")
    retry_wait_s: float = Field(default=1.0, ge=0, description="First backoff wait.")
    retry_wait_max_s: float = Field(default=30.0, ge=0, description="Backoff and Retry-After cap.")
    max_reasks: int = Field(default=2, ge=0, description="Re-asks after a failed validation.")
    token_budget: int | None = Field(
        default=None, gt=0, description="Tokens one call may spend, re-asks included."
    )
    api_key: str | None = Field(default=None, repr=False)
    base_url: str | None = None


FIELDS: tuple[str, ...] = tuple(Settings.model_fields)


def _env_values(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in FIELDS:
        name = _ENV_ALIASES.get(field, f"IMR_LLM_{field.upper()}")
        raw = env.get(name)
        if raw is not None and raw != "":
            values[field] = raw
    return values


def _pyproject_values(cwd: Path) -> dict[str, Any]:
    path = cwd / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ModelConfigError(f"{path}: cannot read [tool.imr-llm]: {exc}") from exc
    table = data.get("tool", {}).get("imr-llm", {})
    if not isinstance(table, dict):
        raise ModelConfigError(f"{path}: [tool.imr-llm] must be a table")
    values = {str(k).replace("-", "_"): v for k, v in table.items()}
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ModelConfigError(f"{path}: unknown [tool.imr-llm] keys: {', '.join(unknown)}")
    if "api_key" in values:
        raise ModelConfigError(f"{path}: put API keys in OPENAI_API_KEY, not in pyproject.toml")
    return values


def resolve_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Merge flag > environment > `[tool.imr-llm]` of `cwd`/pyproject.toml > defaults.

    A flag whose value is None counts as not given.
    """
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    unknown = sorted(set(flags) - set(FIELDS))
    if unknown:
        raise ModelConfigError(f"unknown model settings: {', '.join(unknown)}")
    merged: dict[str, Any] = {}
    merged.update(_pyproject_values(cwd or Path.cwd()))
    merged.update(_env_values(os.environ if env is None else env))
    merged.update(flags)
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ModelConfigError(f"invalid model settings: {problems}") from None
