"""Human-readable output (text / markdown) of summaries and letters, naming each fact's
evidence and listing grounding issues, so nothing unsupported is hidden."""

from __future__ import annotations

from collections.abc import Sequence

from imr_llm.drafting._models import (
    CaseSummary,
    Evidence,
    GroundingIssue,
    ItemDraft,
    LetterDraft,
)


def cite(evidence: Sequence[Evidence]) -> str:
    if not evidence:
        return "(no supporting line found)"
    return "; ".join(
        f"[{e.document_id}:{e.line_start}"
        + (f"-{e.line_end}" if e.line_end != e.line_start else "")
        + f'] "{e.quote}"'
        for e in evidence
    )


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def issue_lines(issues: Sequence[GroundingIssue]) -> list[str]:
    return [f"{i.field}: {i.value!r} - {i.problem}" for i in issues]


def summary_text(summary: CaseSummary) -> str:
    out = ["CLINICAL CASE SUMMARY", "", summary.prose, "", "FACTS AND EVIDENCE"]
    out += [
        f"- {f.name}: {f.value}"
        + (f" ({f.method})" if f.method else "")
        + f" <- {cite(f.evidence)}"
        for f in summary.facts
    ]
    out += [
        f"- treatment: {t.name}"
        + (f" (count {t.count})" if t.count else "")
        + f" <- {cite(t.evidence)}"
        for t in summary.treatments
    ]
    out += [
        f"- utilization review: {u.date or 'undated'} {u.request} -> {u.outcome}"
        f" <- {cite(u.evidence)}"
        for u in summary.ur_history
    ]
    out += ["", "GROUNDING ISSUES (not supported by the records)"]
    out += [f"- {line}" for line in issue_lines(summary.grounding)] or ["- none"]
    out += ["", "DOCUMENTS"] + [
        f"- {d.document_id} {d.source}: {d.kind}" for d in summary.documents
    ]
    if summary.quarantined:
        out += ["", "QUARANTINED: record lines addressed to a model or reviewer (not used)"]
        out += [f"- {cite([q])}" for q in summary.quarantined]
    if summary.warnings:
        out += ["", "WARNINGS"] + [f"- {w}" for w in summary.warnings]
    return "\n".join(out) + "\n"


def summary_markdown(summary: CaseSummary, *, heading: str = "#") -> str:
    out = [
        f"{heading} Clinical case summary",
        "",
        summary.prose,
        "",
        f"{heading}# Facts and evidence",
        "",
        "| Fact | Value | Evidence |",
        "|---|---|---|",
    ]
    out += [
        f"| {f.name} | {_md(f.value)}"
        + (f" ({_md(f.method)})" if f.method else "")
        + f" | {_md(cite(f.evidence))} |"
        for f in summary.facts
    ]
    out += [
        f"| treatment | {_md(t.name)}"
        + (f" ({t.count})" if t.count else "")
        + f" | {_md(cite(t.evidence))} |"
        for t in summary.treatments
    ]
    out += [
        f"| utilization review | {u.date or 'undated'}: {_md(u.request)} -> {u.outcome}"
        f" | {_md(cite(u.evidence))} |"
        for u in summary.ur_history
    ]
    out += ["", f"{heading}# Grounding issues", ""]
    out += [f"- {_md(line)}" for line in issue_lines(summary.grounding)] or [
        "None: every date, number and quoted phrase was found in the records."
    ]
    if summary.quarantined:
        out += [
            "",
            f"{heading}# Quarantined record lines",
            "",
            "Addressed to a model or reviewer; never used as evidence or facts:",
            "",
        ]
        out += [f"- {_md(cite([q]))}" for q in summary.quarantined]
    if summary.documents:
        out += [
            "",
            f"{heading}# Documents",
            "",
            "| Document | Class | Decided by |",
            "|---|---|---|",
        ]
        out += [
            f"| {d.document_id} {_md(d.source.rsplit('/', 1)[-1])} | {d.kind} | "
            f"{_md(cite(d.evidence)) if d.evidence else 'no form signal'} |"
            for d in summary.documents
        ]
    if summary.stats is not None:
        st = summary.stats
        out += [
            "",
            f"{st.pages} pages, {st.documents} documents, {st.model_calls} model calls, "
            f"{st.model_seconds:.1f} s of model time"
            + (f" ({st.seconds_per_page:.2f} s per page)." if st.seconds_per_page else "."),
        ]
    if summary.warnings:
        out += ["", f"{heading}# Warnings", ""] + [f"- {_md(w)}" for w in summary.warnings]
    return "\n".join(out) + "\n"


def decision_note(item: ItemDraft) -> str:
    """'P(Overturned) 0.31 vs threshold 0.25, borderline: the reviewer decides; source blend'."""
    parts = []
    if item.p_overturned is not None:
        parts.append(f"P(Overturned) {item.p_overturned:.2f}")
        if item.threshold is not None:
            parts[-1] += f" vs threshold {item.threshold:.2f}"
    if item.borderline:
        parts.append("BORDERLINE: the reviewer decides")
    parts.append(f"decision source: {item.decision_source}")
    if item.route is not None:
        parts.append(f"routed as {item.route.service}, {item.route.phase}")
    return "; ".join(parts)


def letter_text(letter: LetterDraft) -> str:
    out = [letter.text.rstrip(), "", "=" * 72, "EVIDENCE AND CHECKS (not part of the letter)", ""]
    for item in letter.items:
        out.append(f"{item.request}: {item.decision} ({decision_note(item)})")
        out += [
            f"  - {c.criterion}: {c.status}{f' ({c.detail})' if c.detail else ''} <- "
            f"{cite(c.evidence)}"
            for c in item.criteria
        ]
        out += [
            f"  precedent {p.case_number}: {p.request} -> {p.decision}" for p in item.precedents
        ]
        out += [f"  ! {line}" for line in issue_lines(item.grounding)]
    out += ["", summary_text(letter.summary).split("FACTS AND EVIDENCE", 1)[1].strip()]
    out.append(f"\nprompts version {letter.prompts_version}; model {letter.model}")
    return "\n".join(out) + "\n"


def letter_markdown(letter: LetterDraft) -> str:
    out = [
        "# IMR final determination (draft)",
        "",
        "```text",
        letter.text.rstrip(),
        "```",
        "",
        "## Checklists",
        "",
    ]
    for item in letter.items:
        out += [
            f"### {_md(item.request)}: {item.decision}",
            "",
            f"MAXIMUS guideline: {item.maximus_guideline.text}",
            "",
            f"Decision: {_md(decision_note(item))}",
            "",
            "| Criterion | Status | Numbers | Evidence |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {_md(c.criterion)} | {c.status} | {_md(c.detail or '')} | {_md(cite(c.evidence))} |"
            for c in item.criteria
        ]
        if item.precedents:
            out += ["", "Precedents (decided items of other letters):", ""]
            out += [
                f"- {_md(p.case_number)}: {_md(p.request)} -> {p.decision}" for p in item.precedents
            ]
        out += (
            [""]
            + (
                [f"- grounding: {_md(line)}" for line in issue_lines(item.grounding)]
                or ["- grounding: no issues"]
            )
            + [""]
        )
    out.append(summary_markdown(letter.summary, heading="##"))
    out.append(f"_prompts version {letter.prompts_version}; model {letter.model}_")
    return "\n".join(out) + "\n"
