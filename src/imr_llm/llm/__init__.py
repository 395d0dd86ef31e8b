"""Model specs, the instructor-backed client, retries, cache, usage; local/ runs llama.cpp.

from imr_llm.llm import get_model
model = get_model()                       # `local` unless IMR_LLM_MODEL / pyproject say else
done = model.structured(messages, MyAnswer)
done.value, done.usage, done.cached
"""

from imr_llm.llm._cache import ResponseCache, open_cache
from imr_llm.llm._client import InstructorModel
from imr_llm.llm._factory import get_model, model_from_settings
from imr_llm.llm._model import Completion, Message, Model, Usage
from imr_llm.llm._retry import RetryPolicy
from imr_llm.llm._settings import Settings, resolve_settings
from imr_llm.llm._specs import ModelSpec, parse_spec
from imr_llm.llm._usage import UsageTracker, format_usage, run_usage

__all__ = [
    "Completion",
    "InstructorModel",
    "Message",
    "Model",
    "ModelSpec",
    "ResponseCache",
    "RetryPolicy",
    "Settings",
    "Usage",
    "UsageTracker",
    "format_usage",
    "get_model",
    "model_from_settings",
    "open_cache",
    "parse_spec",
    "resolve_settings",
    "run_usage",
]
