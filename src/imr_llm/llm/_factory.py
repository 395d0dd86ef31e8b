"""`get_model(spec, **settings)`: spec string + resolved settings -> a ready `Model`."""

from __future__ import annotations

from typing import Any

from imr_llm._errors import ModelConfigError
from imr_llm.llm._cache import open_cache
from imr_llm.llm._client import InstructorModel
from imr_llm.llm._egress import check_egress, is_loopback, key_belongs_to, mask_spec
from imr_llm.llm._model import Model
from imr_llm.llm._retry import RetryPolicy
from imr_llm.llm._settings import Settings, resolve_settings
from imr_llm.llm._specs import OPENAI_BASE_URL, parse_spec
from imr_llm.llm._usage import price_for

LOCAL_TIMEOUT_S = 900.0


def get_model(spec: str | None = None, **settings: Any) -> Model:
    """Build the model for `spec` (see `imr_llm.llm._specs`); None means `$IMR_LLM_MODEL`,
    then `[tool.imr-llm] model`, then `local`.

    `settings` are `Settings` fields (mode, temperature, max_tokens, seed, cache, cache_dir,
    timeout_s, max_retries, retry_wait_s, retry_wait_max_s, max_reasks, token_budget, api_key,
    openai_api_key, base_url, allow_remote, redact, max_calls); each falls back to
    `IMR_LLM_<NAME>` / `OPENAI_*`, then `[tool.imr-llm]`, then its default. Raises
    ModelConfigError for an unknown spec or a missing API key, EgressRefused for a remote
    endpoint that only a project file names.
    """
    resolved = resolve_settings({"model": spec, **settings})
    return model_from_settings(resolved)


def _from_project(s: Settings, name: str) -> str | None:
    """The project file `name` came from, or None when a flag, the environment or the
    caller (a `Settings` built in code) gave it."""
    source = s.sources.get(name)
    return None if source in (None, "flag", "environment") else source


def _endpoint_policy(s: Settings, url: str, origin: str | None) -> None:
    """Refuse a non-loopback endpoint set only by a project file (`origin`) and not allowed."""
    if origin is not None:
        check_egress(url, s.allow_remote, spec=s.model or "", origin=origin)


def _key_for(s: Settings, url: str) -> str | None:
    """`api_key` (named for this endpoint), else OPENAI_API_KEY where it belongs to `url`."""
    if s.api_key:
        return s.api_key
    openai_base = None if _from_project(s, "base_url") else s.base_url
    if s.openai_api_key and key_belongs_to(url, openai_base):
        return s.openai_api_key
    return None


def model_from_settings(s: Settings) -> InstructorModel:
    """The `InstructorModel` for already-resolved settings.

    Raises EgressRefused (exit 2) when the endpoint is not on this machine and neither a flag,
    the environment nor the allow list names it (see `imr_llm.llm._egress`)."""
    parsed = parse_spec("local" if s.model is None else s.model)
    common: dict[str, Any] = {
        "temperature": s.temperature,
        "max_tokens": s.max_tokens,
        "seed": s.seed,
        "timeout_s": s.timeout_s or (LOCAL_TIMEOUT_S if parsed.kind == "local" else 300.0),
        "retry": RetryPolicy(s.max_retries, s.retry_wait_s, s.retry_wait_max_s),
        "max_reasks": s.max_reasks,
        "token_budget": s.token_budget,
        "max_calls": s.max_calls,
    }
    if parsed.kind == "openai":
        base = (s.base_url or OPENAI_BASE_URL).rstrip("/")
        hosted = base == OPENAI_BASE_URL
        origin = _from_project(s, "base_url" if s.base_url else "model")
        _endpoint_policy(s, base, origin)
        key = _key_for(s, base)
        if hosted and not key:
            raise ModelConfigError(
                f"{parsed.raw} needs OPENAI_API_KEY (or use `local` for the embedded model)"
            )
        common["cache"] = open_cache(s.cache_dir) if s.cache else None
        return InstructorModel(
            name=parsed.raw,
            model=parsed.model,
            base_url=base,
            endpoint_id=base,
            api_key=key,
            mode=s.mode or ("tools" if hosted else "json_schema"),
            price=price_for("openai", parsed.model) if hosted else None,
            redact=s.redact and not is_loopback(base),
            **common,
        )
    if parsed.kind == "url":
        assert parsed.base_url is not None
        origin = _from_project(s, "model")
        _endpoint_policy(s, parsed.base_url, origin)
        common["cache"] = open_cache(s.cache_dir) if s.cache else None
        return InstructorModel(
            name=mask_spec(parsed.raw),
            model=parsed.model,
            base_url=parsed.base_url,
            endpoint_id=parsed.base_url,
            api_key=_key_for(s, parsed.base_url),
            mode=s.mode or "json_schema",
            price=None,
            redact=s.redact and not is_loopback(parsed.base_url),
            **common,
        )
    common["cache"] = open_cache(s.cache_dir) if s.cache else None
    from imr_llm.llm.local import local_endpoint

    endpoint = local_endpoint(parsed.model)
    return InstructorModel(
        name=f"local/{endpoint.model_name}",
        model=endpoint.model_name,
        base_url=endpoint.base_url,
        endpoint_id=endpoint.endpoint_id,
        mode=s.mode or "json_schema",
        llama_cpp=True,
        price=price_for("local", endpoint.model_name),
        **common,
    )
