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
from imr_llm.drafting import (
    CaseSummary,
    ItemDraft,
    LetterDraft,
    PromptSet,
    draft_item,
    draft_letter,
    load_prompts,
    render_letter,
    summarize,
)
from imr_llm.evals import compare_runs, run_eval
from imr_llm.guidelines import Excerpt, Library, load_library
from imr_llm.letters import (
    DecisionLetter,
    GuidelineCitation,
    LetterItem,
    letter_paths,
    load_letters,
    parse_letter,
    parse_letter_text,
)
from imr_llm.llm import Completion, Model, Usage, get_model
from imr_llm.records import CaseFile, Document, case_from_text, load_case

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
