"""Render a `CaseFile` for prompts with line references, and split long cases into chunks.

Rendered form (blank lines skipped, numbering kept)::

    ## D1 pr2_2016-12-08.txt
    [D1:1] PRIMARY TREATING PHYSICIAN'S PROGRESS REPORT (PR-2)
    [D1:3] Date of exam: 12/08/2016

Splitting never cuts a line and never drops one: documents are packed into chunks whole while
they fit the token budget; a document longer than the budget is split on line boundaries into
parts that keep the document id and the original line numbers.
"""

from __future__ import annotations

from pathlib import PurePath

from imr_llm.records._models import CaseFile, Document, Line

CHARS_PER_TOKEN = 3.0
"""Conservative estimate for English clinical text with a BPE tokenizer (Qwen: ~3.5-4)."""


def estimate_tokens(text: str) -> int:
    """A cheap, conservative token count (no tokenizer needed)."""
    return int(len(text) / CHARS_PER_TOKEN) + 1


def line_ref(doc_id: str, number: int) -> str:
    return f"[{doc_id}:{number}]"


def _doc_header(doc: Document) -> str:
    name = PurePath(doc.source).name or doc.source
    return f"## {doc.id} {name}"


def _line_text(doc_id: str, line: Line) -> str:
    return f"{line_ref(doc_id, line.number)} {line.text.strip()}"


def render_document(doc: Document) -> str:
    parts = [_doc_header(doc)]
    parts.extend(_line_text(doc.id, ln) for ln in doc.lines if ln.text.strip())
    return "\n".join(parts)


def render_case(case: CaseFile) -> str:
    """The case file as prompt text, one ``[DOC:LINE] text`` per non-blank line."""
    return "\n\n".join(render_document(doc) for doc in case.documents)


def _split_document(doc: Document, max_tokens: int) -> list[Document]:
    budget = max(max_tokens - estimate_tokens(_doc_header(doc)), 1)
    parts: list[list[Line]] = [[]]
    used = 0
    for line in doc.lines:
        if not line.text.strip():
            continue
        cost = estimate_tokens(_line_text(doc.id, line)) + 1
        if parts[-1] and used + cost > budget:
            parts.append([])
            used = 0
        parts[-1].append(line)
        used += cost
    return [doc.model_copy(update={"lines": lines}) for lines in parts if lines]


def split_case(case: CaseFile, max_tokens: int) -> list[CaseFile]:
    """Chunks of `case` whose rendering fits `max_tokens` (estimated), covering every line.

    A single line longer than the budget becomes a chunk of its own (it is never cut).
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    chunks: list[list[Document]] = [[]]
    used = 0
    for doc in case.documents:
        cost = estimate_tokens(render_document(doc)) + 1
        pieces = [doc] if cost <= max_tokens else _split_document(doc, max_tokens)
        for piece in pieces:
            piece_cost = estimate_tokens(render_document(piece)) + 1
            if chunks[-1] and used + piece_cost > max_tokens:
                chunks.append([])
                used = 0
            chunks[-1].append(piece)
            used += piece_cost
    return [CaseFile(documents=docs) for docs in chunks if docs]


def find_line(case: CaseFile, doc_id: str, number: int) -> Line | None:
    for doc in case.documents:
        if doc.id == doc_id:
            for line in doc.lines:
                if line.number == number:
                    return line
    return None
