"""Case files -> `CaseFile`: documents with ids, pages and numbered lines."""

from imr_llm.records._models import CaseFile, Document, Line

__all__ = ["CaseFile", "Document", "Line"]
