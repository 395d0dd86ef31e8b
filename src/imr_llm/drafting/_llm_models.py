"""Small, flat response models the LLM fills (one per call), kept lenient on form.

A 0.5B local model answers these reliably only when they are short: a handful of scalar or
list-of-string fields. Validators normalise harmless variations ("Female", "5 sessions",
long lists) instead of rejecting them, because every rejection costs a re-ask; the facts are
then checked against the records (`_evidence`, `_grounding`), not trusted.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

MAX_ITEMS = 5
MAX_CHARS = 90
Short = Annotated[str, StringConstraints(max_length=MAX_CHARS)]
"""Bounded in the JSON schema too: llama.cpp's grammar then cannot run past it."""
Items = Annotated[list[Short], Field(max_length=MAX_ITEMS)]
_INT = re.compile(r"\d+")


def _short(value: Any) -> Any:
    if isinstance(value, str):
        value = " ".join(value.split())
        return value[:MAX_CHARS] or None
    return value


def _short_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    out: list[str] = []
    for item in value:
        text = _short(item if isinstance(item, str) else str(item))
        if text and text.lower() not in {"null", "none", "n/a", "unknown"} and text not in out:
            out.append(text)
    return out[:MAX_ITEMS]


def _to_int(value: Any) -> Any:
    if isinstance(value, str):
        match = _INT.search(value)
        return int(match.group()) if match else None
    return value


def all_required(schema: dict[str, Any]) -> None:
    """JSON-schema hook: list every property as required, so a grammar-constrained model
    writes each key (null / [] when it has nothing) instead of stopping at ``{}``. Pydantic
    still accepts a missing key (the field's default)."""
    schema["required"] = list(schema.get("properties", {}))


class _Flat(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra=all_required)


class PatientFacts(_Flat):
    age: int | None = None
    sex: Literal["male", "female"] | None = None
    date_of_injury: Short | None = None
    mechanism: Short | None = None
    work_status: Short | None = None
    ref: Short | None = None

    @field_validator("age", mode="before")
    @classmethod
    def _age(cls, value: Any) -> Any:
        return _to_int(value)

    @field_validator("sex", mode="before")
    @classmethod
    def _sex(cls, value: Any) -> Any:
        if isinstance(value, str):
            v = value.strip().lower()
            if v in {"f", "female", "woman"}:
                return "female"
            if v in {"m", "male", "man"}:
                return "male"
            return None
        return value

    @field_validator("date_of_injury", "mechanism", "work_status", "ref", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return _short(value)


class ClinicalFacts(_Flat):
    body_parts: Items = Field(default_factory=list)
    diagnoses: Items = Field(default_factory=list)
    imaging: Items = Field(default_factory=list)

    @field_validator("body_parts", "diagnoses", "imaging", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> list[str]:
        return _short_list(value)


class ExamFacts(_Flat):
    exam_date: Short | None = None
    complaints: Items = Field(default_factory=list)
    exam_findings: Items = Field(default_factory=list)

    @field_validator("complaints", "exam_findings", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> list[str]:
        return _short_list(value)

    @field_validator("exam_date", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return _short(value)


class TreatmentFacts(_Flat):
    therapies: Items = Field(default_factory=list)
    medications: Items = Field(default_factory=list)
    other: Items = Field(default_factory=list)
    response: Short | None = None

    @field_validator("therapies", "medications", "other", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> list[str]:
        return _short_list(value)

    @field_validator("response", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return _short(value)


class RequestFacts(_Flat):
    disputed_requests: Items = Field(default_factory=list)
    request_date: Short | None = None
    ur_date: Short | None = None
    ur_outcome: Short | None = None

    @field_validator("disputed_requests", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> list[str]:
        return _short_list(value)

    @field_validator("request_date", "ur_date", "ur_outcome", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return _short(value)
