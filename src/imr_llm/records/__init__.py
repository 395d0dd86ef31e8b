"""Case files -> `CaseFile`: documents with ids, pages and numbered lines; rendering; splitting."""

from imr_llm.records._load import (
    SUPPORTED_SUFFIXES,
    LoadedRecords,
    case_from_text,
    load_case,
    load_records,
    read_document,
)
from imr_llm.records._models import CaseFile, Document, Line
from imr_llm.records._render import (
    estimate_tokens,
    find_line,
    line_ref,
    render_case,
    render_document,
    split_case,
)

__all__ = [
    "SUPPORTED_SUFFIXES",
    "CaseFile",
    "Document",
    "Line",
    "LoadedRecords",
    "case_from_text",
    "estimate_tokens",
    "find_line",
    "line_ref",
    "load_case",
    "load_records",
    "read_document",
    "render_case",
    "render_document",
    "split_case",
]
