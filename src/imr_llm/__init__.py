"""imr-llm: LLM toolkit for California workers' compensation Independent Medical Review.

The public API, re-exported from small underscore modules:

    from imr_llm import get_model, load_case, summarize, draft_item, load_library, run_eval

- letters:    parse_letter, parse_letter_text, load_letters, letter_paths -> DecisionLetter
- records:    load_case, case_from_text -> CaseFile
- guidelines: load_library -> Library (BM25 retrieval over cited excerpts), Excerpt
- llm:        get_model -> Model (.structured(messages, ResponseModel) -> Completion)
- drafting:   summarize -> CaseSummary, draft_item -> ItemDraft, draft_letter, load_prompts
- evals:      run_eval, compare_runs
"""

from imr_llm._errors import (
    GateFailed,
    GuidelineLibraryError,
    ImrLlmError,
    InputError,
    LetterParseError,
    LocalModelError,
    ModelConfigError,
    ModelError,
    PromptError,
    RecordsError,
)

# Everything but the errors loads on first use (PEP 562), so `imr-llm --help` and `imr-llm parse`
# do not import the model stack.
_LAZY = {
    "CaseSummary": "imr_llm.drafting",
    "ItemDraft": "imr_llm.drafting",
    "LetterDraft": "imr_llm.drafting",
    "PromptSet": "imr_llm.drafting",
    "draft_item": "imr_llm.drafting",
    "draft_letter": "imr_llm.drafting",
    "load_prompts": "imr_llm.drafting",
    "render_letter": "imr_llm.drafting",
    "summarize": "imr_llm.drafting",
    "compare_runs": "imr_llm.evals",
    "run_eval": "imr_llm.evals",
    "Excerpt": "imr_llm.guidelines",
    "Library": "imr_llm.guidelines",
    "load_library": "imr_llm.guidelines",
    "DecisionLetter": "imr_llm.letters",
    "GuidelineCitation": "imr_llm.letters",
    "LetterItem": "imr_llm.letters",
    "letter_paths": "imr_llm.letters",
    "load_letters": "imr_llm.letters",
    "parse_letter": "imr_llm.letters",
    "parse_letter_text": "imr_llm.letters",
    "Completion": "imr_llm.llm",
    "Model": "imr_llm.llm",
    "Usage": "imr_llm.llm",
    "get_model": "imr_llm.llm",
    "CaseFile": "imr_llm.records",
    "Document": "imr_llm.records",
    "case_from_text": "imr_llm.records",
    "load_case": "imr_llm.records",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'imr_llm' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0"

__all__ = [
    "CaseFile",
    "CaseSummary",
    "Completion",
    "DecisionLetter",
    "Document",
    "Excerpt",
    "GateFailed",
    "GuidelineCitation",
    "GuidelineLibraryError",
    "ImrLlmError",
    "InputError",
    "ItemDraft",
    "LetterDraft",
    "LetterItem",
    "LetterParseError",
    "Library",
    "LocalModelError",
    "Model",
    "ModelConfigError",
    "ModelError",
    "PromptError",
    "PromptSet",
    "RecordsError",
    "Usage",
    "__version__",
    "case_from_text",
    "compare_runs",
    "draft_item",
    "draft_letter",
    "get_model",
    "letter_paths",
    "load_case",
    "load_letters",
    "load_library",
    "load_prompts",
    "parse_letter",
    "parse_letter_text",
    "render_letter",
    "run_eval",
    "summarize",
]
