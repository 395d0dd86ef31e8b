"""Model-layer settings: flag, then environment, then `[tool.imr-llm]`, then defaults.

Environment: `IMR_LLM_<FIELD>` for every field (e.g. `IMR_LLM_MODEL`, `IMR_LLM_MAX_TOKENS`),
plus `OPENAI_API_KEY` and `OPENAI_BASE_URL`. The pyproject table is read from the current
working directory only; keys may use `-` or `_` (`max-tokens` or `max_tokens`).

Keys and egress (see `_egress`): `OPENAI_API_KEY` goes only to the OpenAI host or
`OPENAI_BASE_URL`; `IMR_LLM_API_KEY` (or the `api_key` flag) is the key for the endpoint the
user names. A project file may set neither keys nor `allow_remote`, and an endpoint it sets is
not allowed to receive records unless a flag or the environment names that endpoint too.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from imr_llm._errors import ModelConfigError
from imr_llm.llm._egress import parse_allow_list

ModeName = Literal["tools", "json_schema", "json", "md_json"]

_ENV_ALIASES = {"openai_api_key": "OPENAI_API_KEY", "base_url": "OPENAI_BASE_URL"}
# Never read from a project file: keys, and the list of endpoints allowed to receive records.
_NOT_IN_PROJECT_FILE = {
    "api_key": "put API keys in the environment (IMR_LLM_API_KEY or OPENAI_API_KEY), "
    "not in pyproject.toml",
    "openai_api_key": "put API keys in OPENAI_API_KEY, not in pyproject.toml",
    "allow_remote": "a project file cannot allow remote endpoints; use --allow-remote or "
    "IMR_LLM_ALLOW_REMOTE",
}


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
    api_key: str | None = Field(
        default=None, repr=False, description="Key for the endpoint named (IMR_LLM_API_KEY)."
    )
    openai_api_key: str | None = Field(
        default=None,
        repr=False,
        description="OPENAI_API_KEY: sent only to the OpenAI host or OPENAI_BASE_URL.",
    )
    base_url: str | None = None
    allow_remote: list[str] = Field(
        default_factory=list,
        description="Non-loopback endpoints (hosts, host:port or URLs) allowed to receive "
        "records: IMR_LLM_ALLOW_REMOTE / --allow-remote, plus any endpoint a flag or the "
        "environment names (model spec, OPENAI_BASE_URL). Never from a project file.",
    )
    redact: bool = Field(
        default=False,
        description="Replace names, dates of birth, SSNs, claim and phone numbers, addresses "
        "and emails with placeholders before a call to a non-loopback endpoint.",
    )
    max_calls: int | None = Field(
        default=None, gt=0, description="Model calls this model may make (None: no limit)."
    )
    sources: dict[str, str] = Field(
        default_factory=dict,
        description="Where each resolved value came from (flag, environment, a pyproject path).",
    )

    @field_validator("allow_remote", mode="before")
    @classmethod
    def _split_allow(cls, value: Any) -> Any:
        if isinstance(value, str):
            return parse_allow_list(value)
        return value


FIELDS: tuple[str, ...] = tuple(f for f in Settings.model_fields if f != "sources")


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
    for name, why in _NOT_IN_PROJECT_FILE.items():
        if name in values:
            raise ModelConfigError(f"{path}: {why}")
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
    sources: dict[str, str] = {}
    where = cwd or Path.cwd()
    layers = (
        (_pyproject_values(where), str(where / "pyproject.toml")),
        (_env_values(os.environ if env is None else env), "environment"),
        (flags, "flag"),
    )
    for values, source in layers:
        merged.update(values)
        sources.update(dict.fromkeys(values, source))
    merged["sources"] = sources
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ModelConfigError(f"invalid model settings: {problems}") from None
