"""imr-llm: LLM toolkit for California workers' compensation Independent Medical Review.

The public API is re-exported here from small underscore modules.
"""

from imr_llm._errors import (
    GateFailed,
    ImrLlmError,
    InputError,
    LetterParseError,
    ModelError,
)
from imr_llm.drafting import CaseSummary, ItemDraft
from imr_llm.letters import DecisionLetter
from imr_llm.llm import Completion, Model, Usage
from imr_llm.records import CaseFile

__version__ = "0.1.0"

__all__ = [
    "CaseFile",
    "CaseSummary",
    "Completion",
    "DecisionLetter",
    "GateFailed",
    "ImrLlmError",
    "InputError",
    "ItemDraft",
    "LetterParseError",
    "Model",
    "ModelError",
    "Usage",
    "__version__",
]
