"""Exports of a reviewed case: the final letter as Markdown or DOCX (python-docx), and the
machine draft beside the reviewer-final letter as JSON (`ReviewExport`), which
`imr-llm eval --dataset FILE.review.json` scores drafts against."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Literal

from pydantic import Field

from imr_llm._models import Contract
from imr_llm.drafting import LetterDraft
from imr_llm.review._store import Version, VersionKind

EXPORT_SUFFIX = ".review.json"

Block = tuple[Literal["note", "field", "heading", "item", "para"], str]
_FIELD = re.compile(r"^[A-Z][A-Za-z()/ ]{1,40}: \S")
_HEADING = re.compile(r"^[A-Z][A-Z ,/&-]{5,}$")


class VersionInfo(Contract):
    number: int
    kind: VersionKind
    created: dt.datetime
    parent: int | None = None
    model: str | None = None
    note: str = ""
    changes: list[str] = Field(default_factory=list)


class ReviewExport(Contract):
    """The machine draft and the reviewer-final letter of one case, side by side."""

    format: Literal["imr-llm-review/1"] = "imr-llm-review/1"
    case_number: str | None = None
    records: list[str] = Field(description="The record files the drafts were made from.")
    exported: dt.datetime
    machine_version: int = Field(description="Version number of the machine draft.")
    final_version: int = Field(description="Version number of the reviewer-final letter.")
    machine: LetterDraft
    final: LetterDraft
    history: list[VersionInfo] = Field(default_factory=list)


def build_export(
    records: list[str], machine: Version, final: Version, history: list[Version]
) -> ReviewExport:
    return ReviewExport(
        case_number=final.letter.case_number,
        records=records,
        exported=dt.datetime.now(dt.UTC),
        machine_version=machine.number,
        final_version=final.number,
        machine=machine.letter,
        final=final.letter,
        history=[
            VersionInfo(**v.model_dump(exclude={"letter"}))
            for v in history
            if v.number <= final.number
        ],
    )


def letter_blocks(letter: LetterDraft) -> list[Block]:
    """The letter text as blocks: header fields, section headings (lines in capitals), item
    headings ('<request>: <decision>' of the letter's own items) and paragraphs."""
    item_lines = {f"{i.request}: {i.decision}" for i in letter.items}
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(("para", " ".join(paragraph)))
            paragraph.clear()

    for raw in letter.text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif not blocks and not paragraph and line.startswith("DRAFT"):
            blocks.append(("note", line))
        elif line in item_lines:
            flush()
            blocks.append(("item", line))
        elif _HEADING.match(line):
            flush()
            blocks.append(("heading", line))
        elif _FIELD.match(line) and (not paragraph or paragraph[-1].endswith(":")):
            flush()  # a lead-in line ending in ':' stays its own paragraph
            blocks.append(("field", line))
        else:
            paragraph.append(line)
    flush()
    return blocks


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*_#<>\[\]|])", r"\\\1", text)


def letter_markdown(letter: LetterDraft) -> str:
    title = f"IMR final determination: {letter.case_number or 'case'}"
    out = [f"# {_md_escape(title)}", ""]
    for kind, text in letter_blocks(letter):
        if kind == "note":
            out += [f"_{_md_escape(text)}_", ""]
        elif kind == "field":
            key, _, value = text.partition(": ")
            out += [f"**{_md_escape(key)}:** {_md_escape(value)}  "]
        elif kind == "heading":
            out += ["", f"## {_md_escape(text)}", ""]
        elif kind == "item":
            out += [f"### {_md_escape(text)}", ""]
        else:
            out += [_md_escape(text), ""]
    return "\n".join(out).rstrip() + "\n"


def letter_docx(letter: LetterDraft) -> bytes:
    from docx import Document  # python-docx
    from docx.shared import Pt

    doc = Document()
    doc.core_properties.title = f"IMR final determination {letter.case_number or ''}".strip()
    doc.add_heading(f"IMR final determination: {letter.case_number or 'case'}", level=0)
    for kind, text in letter_blocks(letter):
        if kind == "note":
            doc.add_paragraph().add_run(text).italic = True
        elif kind == "field":
            key, _, value = text.partition(": ")
            p = doc.add_paragraph()
            p.paragraph_format.space_after = Pt(0)
            p.add_run(f"{key}: ").bold = True
            p.add_run(value)
        elif kind == "heading":
            doc.add_heading(text, level=1)
        elif kind == "item":
            doc.add_heading(text, level=2)
        else:
            doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
