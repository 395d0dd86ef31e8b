"""What the templates see: escaped text with evidence references made links and grounding
issues marked in place, and tolerant readers for fields other steps may add (a document's class
and quarantined lines; an item's probability and precedents): absent fields are not shown."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from imr_llm.drafting import Evidence, GroundingIssue

REF = re.compile(r"\[(D\d+):(\d+)(?:-(\d+))?\]")
CORRECTED = "taken from the records"


def line_id(doc_id: str, line: int) -> str:
    return f"{doc_id}-L{line}"


def ref_link(doc_id: str, start: int, end: int | None = None) -> Markup:
    label = f"[{doc_id}:{start}" + (f"-{end}" if end and end != start else "") + "]"
    return Markup(
        '<a class="ref" href="#{id}" data-doc="{doc}" data-line="{start}" data-end="{end}">'
        "{label}</a>"
    ).format(id=line_id(doc_id, start), doc=doc_id, start=start, end=end or start, label=label)


def evidence_html(evidence: Sequence[Evidence]) -> Markup:
    if not evidence:
        return Markup('<span class="none">no supporting line found</span>')
    parts = [
        Markup("{link} <q>{quote}</q>").format(
            link=ref_link(e.document_id, e.line_start, e.line_end), quote=e.quote
        )
        for e in evidence
    ]
    return Markup("; ").join(parts)


def rich(text: str | None, issues: Iterable[GroundingIssue] = ()) -> Markup:
    """`text` escaped, each `[D3:16]` a link to the line, each issue's value marked."""
    if not text:
        return Markup("")
    marks = sorted({i.value for i in issues if i.value and i.value in text}, key=len, reverse=True)
    problems = {i.value: i.problem for i in issues}
    pattern = "|".join([REF.pattern, *(re.escape(m) for m in marks)])
    out: list[Markup | str] = []
    pos = 0
    for m in re.finditer(pattern, text):
        out.append(escape(text[pos : m.start()]))
        if m.group(1):
            out.append(ref_link(m.group(1), int(m.group(2)), int(m.group(3) or m.group(2))))
        else:
            out.append(
                Markup('<mark class="issue" title="{p}">{v}</mark>').format(
                    p=problems.get(m.group(0), ""), v=m.group(0)
                )
            )
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def issues_for(issues: Iterable[GroundingIssue], *fields: str) -> list[GroundingIssue]:
    """Issues whose field is one of `fields` or an element of it (`criteria[0].evidence`)."""
    return [i for i in issues if any(i.field == f or i.field.startswith(f + ".") for f in fields)]


def is_correction(issue: GroundingIssue) -> bool:
    """A value the model gave that a labelled record line replaced."""
    return CORRECTED in issue.problem or "contradicts the records" in issue.problem


# ------------------------------------------------------------------ fields still to come


def document_class(doc: Any) -> str | None:
    """The document's class (rfa, ur_determination, progress_report...) if the records step
    gives one, else its kind."""
    for name in ("doc_class", "document_class", "class_", "klass", "category", "doc_type", "kind"):
        value = getattr(doc, name, None)
        if value:
            return str(getattr(value, "value", value)).replace("_", " ")
    return None


def quarantined_lines(doc: Any) -> dict[int, str]:
    """Line number -> reason, for the lines the records step quarantined (numbers, objects
    with `number`/`line`/`line_start`..`line_end`, optional `reason`)."""
    found: dict[int, str] = {}
    for name in ("quarantined", "quarantined_lines", "quarantine"):
        for entry in getattr(doc, name, None) or []:
            if isinstance(entry, int):
                found[entry] = "quarantined"
                continue
            reason = str(getattr(entry, "reason", None) or "quarantined")
            start = getattr(entry, "line_start", None) or getattr(entry, "number", None)
            start = start or getattr(entry, "line", None)
            end = getattr(entry, "line_end", None) or start
            if isinstance(start, int):
                for n in range(start, (end if isinstance(end, int) else start) + 1):
                    found[n] = reason
    return found


@dataclass
class Precedent:
    label: str
    decision: str | None
    detail: str | None


def precedents(item: Any) -> list[Precedent]:
    out = []
    for p in getattr(item, "precedents", None) or []:
        if isinstance(p, str):
            out.append(Precedent(p, None, None))
            continue
        label = " ".join(
            str(x) for x in (getattr(p, "case_number", None), getattr(p, "request", None)) if x
        ) or str(getattr(p, "id", "") or p)
        detail = getattr(p, "rationale", None) or getattr(p, "text", None)
        out.append(Precedent(label, getattr(p, "decision", None), detail))
    return out


def probability(item: Any) -> float | None:
    value = getattr(item, "p_overturned", None)
    return float(value) if isinstance(value, int | float) else None


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("imr_llm.review", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rich"] = rich
    env.globals.update(
        evidence_html=evidence_html,
        ref_link=ref_link,
        line_id=line_id,
        issues_for=issues_for,
        is_correction=is_correction,
        document_class=document_class,
        quarantined_lines=quarantined_lines,
        precedents=precedents,
        probability=probability,
    )
    return env
