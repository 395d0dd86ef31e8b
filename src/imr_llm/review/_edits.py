"""A reviewer's edits applied to a letter: a new `LetterDraft` (the old one is untouched) and
the list of what changed. Drafted items stay `ItemDraft`s, so the contract's rule holds for the
reviewer too: a decision that plainly contradicts the checklist (every criterion met, or none)
is refused; between those the decision is the reviewer's judgement."""

from __future__ import annotations

import typing
from collections.abc import Mapping

from pydantic import ValidationError

from imr_llm._errors import InputError
from imr_llm.drafting import (
    CriterionCheck,
    ItemDraft,
    LetterDraft,
    PromptSet,
    checklist_contradiction,
    render_letter,
)


class EditError(InputError):
    """Edits that would make an invalid letter (e.g. a decision the checklist contradicts)."""


def criterion_statuses() -> list[str]:
    """The statuses a criterion may take, read off the contract (so new ones show up)."""
    annotation = CriterionCheck.model_fields["status"].annotation
    return [str(a) for a in typing.get_args(annotation)] or ["met", "not met", "not documented"]


def decisions() -> list[str]:
    annotation = ItemDraft.model_fields["decision"].annotation
    return [str(a) for a in typing.get_args(annotation)]


def follow(statuses: list[str]) -> dict[str, str | None]:
    """For each decision, why the checklist contradicts it (None: consistent)."""
    return {d: checklist_contradiction(d, statuses) for d in decisions()}


def _text(form: Mapping[str, str], key: str, old: str) -> str:
    value = form.get(key)
    return old if value is None else value.replace("\r\n", "\n").strip()


def _item_changes(i: int, old: ItemDraft, form: Mapping[str, str]) -> tuple[ItemDraft, list[str]]:
    label = f"item {i + 1} ({old.request})"
    changes: list[str] = []
    criteria = []
    for j, check in enumerate(old.criteria):
        status = form.get(f"item-{i}-c{j}-status", check.status)
        if status not in criterion_statuses():
            raise EditError(f"{label}: unknown criterion status {status!r}")
        if status != check.status:
            changes.append(f"{label}: criterion {j + 1} {check.status} -> {status}")
        criteria.append({**check.model_dump(), "status": status})
    decision = form.get(f"item-{i}-decision", old.decision)
    if decision != old.decision:
        changes.append(f"{label}: decision {old.decision} -> {decision}")
    rationale = _text(form, f"item-{i}-rationale", old.rationale)
    if rationale != old.rationale:
        changes.append(f"{label}: rationale edited")
    try:
        new = ItemDraft.model_validate(
            {**old.model_dump(), "criteria": criteria, "decision": decision, "rationale": rationale}
        )
    except ValidationError as exc:
        problems = "; ".join(
            str(e.get("msg", "")).removeprefix("Value error, ") for e in exc.errors()
        )
        raise EditError(f"{label}: {problems}") from exc
    return new, changes


def apply_edits(
    letter: LetterDraft, form: Mapping[str, str], prompts: PromptSet
) -> tuple[LetterDraft, list[str]]:
    """The letter with the form's edits (summary prose; per item the criteria statuses, the
    decision and the rationale), re-rendered, and what changed. Raises `EditError`."""
    changes: list[str] = []
    prose = _text(form, "summary-prose", letter.summary.prose)
    summary = letter.summary
    if prose != summary.prose:
        changes.append("clinical case summary edited")
        summary = summary.model_copy(update={"prose": prose})
    items = []
    for i, item in enumerate(letter.items):
        new, item_changes = _item_changes(i, item, form)
        items.append(new)
        changes += item_changes
    return _rebuilt(letter, summary.model_dump(), items, prompts), changes


def replace_item(
    letter: LetterDraft, index: int, item: ItemDraft, prompts: PromptSet
) -> tuple[LetterDraft, list[str]]:
    """The letter with item `index` replaced by a re-drafted one."""
    old = letter.items[index]
    items = [item if i == index else x for i, x in enumerate(letter.items)]
    change = f"item {index + 1} ({old.request}): re-drafted"
    if item.decision != old.decision:
        change += f", decision {old.decision} -> {item.decision}"
    return _rebuilt(letter, letter.summary.model_dump(), items, prompts), [change]


def _rebuilt(
    letter: LetterDraft, summary: dict[str, object], items: list[ItemDraft], prompts: PromptSet
) -> LetterDraft:
    from imr_llm.drafting import CaseSummary

    new_summary = CaseSummary.model_validate(summary)
    text = render_letter(new_summary, items, prompts=prompts, case_number=letter.case_number)
    return letter.model_copy(update={"summary": new_summary, "items": items, "text": text})
