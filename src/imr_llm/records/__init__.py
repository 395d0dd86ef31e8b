"""Case files -> `CaseFile`: documents with ids, pages and numbered lines; rendering; splitting;
document classes (`classify_case`); lines addressed to a model (`find_instructions`,
`without_instructions`)."""

from imr_llm.records._classify import DocumentLabel, classify_case, classify_document
from imr_llm.records._load import (
    SUPPORTED_SUFFIXES,
    LoadedRecords,
    case_from_text,
    load_case,
    load_records,
    read_document,
)
from imr_llm.records._models import CaseFile, Document, DocumentClass, Line
from imr_llm.records._quarantine import Instruction, find_instructions, without_instructions
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
    "DocumentClass",
    "DocumentLabel",
    "Instruction",
    "Line",
    "LoadedRecords",
    "case_from_text",
    "classify_case",
    "classify_document",
    "estimate_tokens",
    "find_instructions",
    "find_line",
    "line_ref",
    "load_case",
    "load_records",
    "read_document",
    "render_case",
    "render_document",
    "split_case",
    "without_instructions",
]
