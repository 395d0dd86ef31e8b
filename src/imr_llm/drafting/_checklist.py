"""The LLM-facing checklist model for one disputed item, built per call.

Fields are flat: ``c1``..``cN`` (one status per guideline criterion, in the order the prompt
lists them), ``c1_ref``..``cN_ref`` (a line reference or null) and ``decision``. A validator
rejects a decision that contradicts the checklist, which makes instructor re-ask the model.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    model_validator,
)

from imr_llm.drafting._llm_models import all_required
from imr_llm.drafting._models import CriterionStatus, checklist_contradiction
from imr_llm.letters._models import Decision

_CRIT = re.compile(r"^c(\d+)$")


def normalize_status(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    v = " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    if v in {"met", "yes", "true"}:
        return "met"
    if v in {"not met", "no", "false", "unmet"}:
        return "not met"
    if v.startswith("not doc") or v in {"unknown", "undocumented", "none", "null", "n/a"}:
        return "not documented"
    return value


def normalize_decision(value: Any) -> Any:
    if isinstance(value, str):
        v = value.strip().lower()
        if v.startswith("uphe"):
            return "Upheld"
        if v.startswith("overt"):
            return "Overturned"
    return value


class ChecklistBase(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra=all_required)

    @model_validator(mode="before")
    @classmethod
    def _normalize(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {k: normalize_status(v) if _CRIT.match(k) else v for k, v in data.items()}
            if "decision" in data:
                data["decision"] = normalize_decision(data["decision"])
        return data

    def statuses(self) -> list[CriterionStatus]:
        found = [
            (int(m.group(1)), name) for name in type(self).model_fields if (m := _CRIT.match(name))
        ]
        return [getattr(self, name) for _, name in sorted(found)]

    def refs(self) -> list[str | None]:
        return [getattr(self, f"c{i}_ref") for i in range(1, len(self.statuses()) + 1)]


class DecidedChecklist(ChecklistBase):
    """Base of the checklist with a ``decision`` field (declared last by `checklist_model`, so
    the model writes its checklist before deciding)."""

    @model_validator(mode="after")
    def _consistent(self) -> DecidedChecklist:
        problem = checklist_contradiction(self.__dict__["decision"], list(self.statuses()))
        if problem:
            raise ValueError(problem + ". Answer again with a consistent decision.")
        return self


def checklist_model(criteria: list[str], *, with_decision: bool = True) -> type[ChecklistBase]:
    """A response model with one status (+ ref) field per criterion, and the decision.

    Built once per (criteria, with_decision) and reused: building a pydantic model class per
    call was a fifth of the client's CPU per sample at high concurrency."""
    return _checklist_model(tuple(criteria), with_decision)


@lru_cache(maxsize=4096)
def _checklist_model(criteria: tuple[str, ...], with_decision: bool) -> type[ChecklistBase]:
    fields: dict[str, Any] = {}
    for i, criterion in enumerate(criteria, start=1):
        fields[f"c{i}"] = (
            Literal["met", "not met", "not documented"],
            Field(description=criterion[:200]),
        )
        fields[f"c{i}_ref"] = (
            Annotated[str, StringConstraints(max_length=12)] | None,
            Field(default=None, description="e.g. D1:12"),
        )
    if with_decision:
        fields["decision"] = (Decision, Field(description="Upheld unless every criterion is met"))
    base = DecidedChecklist if with_decision else ChecklistBase
    name = "Checklist" if with_decision else "ChecklistOnly"
    return create_model(name, __base__=base, **fields)
