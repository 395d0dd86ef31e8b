"""`get_model(spec, **settings)`: spec string + resolved settings -> a ready `Model`."""

from __future__ import annotations

from typing import Any

from imr_llm._errors import ModelConfigError
from imr_llm.llm._cache import open_cache
from imr_llm.llm._client import InstructorModel
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
    base_url); each falls back to `IMR_LLM_<NAME>` / `OPENAI_*`, then `[tool.imr-llm]`, then
    its default. Raises ModelConfigError for an unknown spec or a missing API key.
    """
    resolved = resolve_settings({"model": spec, **settings})
    return model_from_settings(resolved)


def model_from_settings(s: Settings) -> InstructorModel:
    """The `InstructorModel` for already-resolved settings."""
    parsed = parse_spec("local" if s.model is None else s.model)
    common: dict[str, Any] = {
        "temperature": s.temperature,
        "max_tokens": s.max_tokens,
        "seed": s.seed,
        "timeout_s": s.timeout_s or (LOCAL_TIMEOUT_S if parsed.kind == "local" else 300.0),
        "retry": RetryPolicy(s.max_retries, s.retry_wait_s, s.retry_wait_max_s),
        "max_reasks": s.max_reasks,
        "token_budget": s.token_budget,
        "cache": open_cache(s.cache_dir) if s.cache else None,
    }
    if parsed.kind == "openai":
        base = (s.base_url or OPENAI_BASE_URL).rstrip("/")
        hosted = base == OPENAI_BASE_URL
        if hosted and not s.api_key:
            raise ModelConfigError(
                f"{parsed.raw} needs OPENAI_API_KEY (or use `local` for the embedded model)"
            )
        return InstructorModel(
            name=parsed.raw,
            model=parsed.model,
            base_url=base,
            endpoint_id=base,
            api_key=s.api_key,
            mode=s.mode or ("tools" if hosted else "json_schema"),
            price=price_for("openai", parsed.model) if hosted else None,
            **common,
        )
    if parsed.kind == "url":
        assert parsed.base_url is not None
        return InstructorModel(
            name=parsed.raw,
            model=parsed.model,
            base_url=parsed.base_url,
            endpoint_id=parsed.base_url,
            api_key=s.api_key,
            mode=s.mode or "json_schema",
            price=None,
            **common,
        )
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
