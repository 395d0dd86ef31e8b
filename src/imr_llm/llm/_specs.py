"""Model spec strings.

openai/<model>             hosted OpenAI (or OPENAI_BASE_URL), needs OPENAI_API_KEY
local                      the embedded llama.cpp server with the default catalog model
local/<catalog-name>       the embedded server with another catalog model
local/<path/to/file.gguf>  the embedded server with any GGUF file
<http(s)://host:port/v1>::<model>   any OpenAI-compatible endpoint (model optional)
baseline/<name>            reserved for the eval harness's no-LLM baselines
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from imr_llm._errors import ModelConfigError
from imr_llm.llm._egress import mask_spec

SpecKind = Literal["openai", "local", "url"]

OPENAI_BASE_URL = "https://api.openai.com/v1"
SPEC_FORMS = (
    "openai/<model>, local, local/<catalog-name>, local/<file.gguf>, "
    "<http(s)://host:port/v1>::<model>"
)


@dataclass(frozen=True)
class ModelSpec:
    """A parsed spec: which endpoint kind, which model, and where."""

    kind: SpecKind
    model: str
    """The model name (hosted/url) or the catalog name / GGUF path (local)."""
    base_url: str | None = None
    """Only for `url` specs; hosted and local endpoints are resolved later."""
    raw: str = ""


def parse_spec(spec: str) -> ModelSpec:
    """Parse a spec string; unknown forms raise ModelConfigError naming the accepted ones."""
    text = spec.strip()
    if not text:
        raise ModelConfigError(f"empty model spec; use one of: {SPEC_FORMS}")
    if text == "local":
        from imr_llm.llm.local._catalog import DEFAULT_MODEL

        return ModelSpec("local", DEFAULT_MODEL, raw=text)
    prefix, _, rest = text.partition("/")
    if prefix == "baseline":
        raise ModelConfigError(
            f"{text!r} is a no-LLM baseline: the eval harness runs it itself; "
            "get_model() only builds LLM endpoints"
        )
    if text.startswith(("http://", "https://")):
        base, sep, model = text.rpartition("::")
        if not sep:
            base, model = text, "default"
        base = base.rstrip("/")
        if not model or "://" not in base:
            raise ModelConfigError(
                f"bad endpoint spec {mask_spec(text)!r}; use <base-url>::<model>"
            )
        return ModelSpec("url", model, base_url=base, raw=text)
    if prefix in ("openai", "local") and rest:
        # prefix is one of the ModelSpec kinds (checked on the line above); a str to mypy
        return ModelSpec(prefix, rest, raw=text)  # type: ignore[arg-type]
    raise ModelConfigError(f"unknown model spec {mask_spec(text)!r}; use one of: {SPEC_FORMS}")
