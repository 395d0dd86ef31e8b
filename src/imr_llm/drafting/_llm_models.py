"""Small, flat response models the LLM fills (one per call), kept lenient on form.

A 0.5B local model answers these reliably only when they are short: a handful of scalar or
list-of-string fields. Validators normalise harmless variations ("Female", "5 sessions",
long lists) instead of rejecting them, because every rejection costs a re-ask; the facts are
then checked against the records (`_evidence`, `_grounding`), not trusted.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_ITEMS = 8
MAX_CHARS = 160
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


class _Flat(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PatientFacts(_Flat):
    age: int | None = None
    sex: Literal["male", "female"] | None = None
    date_of_injury: str | None = None
    mechanism: str | None = None
    work_status: str | None = None
    ref: str | None = None

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
    body_parts: list[str] = Field(default_factory=list)
    diagnoses: list[str] = Field(default_factory=list)
    imaging: list[str] = Field(default_factory=list)

    @field_validator("body_parts", "diagnoses", "imaging", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> list[str]:
        return _short_list(value)


class ExamFacts(_Flat):
    exam_date: str | None = None
    complaints: list[str] = Field(default_factory=list)
    exam_findings: list[str] = Field(default_factory=list)

    @field_validator("complaints", "exam_findings", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> list[str]:
        return _short_list(value)

    @field_validator("exam_date", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return _short(value)


class TreatmentItem(_Flat):
    name: str
    count: int | None = None
    response: str | None = None

    @field_validator("count", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        return _to_int(value)

    @field_validator("name", "response", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return _short(value)


class TreatmentFacts(_Flat):
    treatments: list[TreatmentItem] = Field(default_factory=list, max_length=12)


class URItem(_Flat):
    date: str | None = None
    request: str
    outcome: str | None = None

    @field_validator("date", "request", "outcome", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return _short(value)


class RequestFacts(_Flat):
    request_date: str | None = None
    disputed_requests: list[str] = Field(default_factory=list)
    ur: list[URItem] = Field(default_factory=list, max_length=8)

    @field_validator("disputed_requests", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> list[str]:
        return _short_list(value)

    @field_validator("request_date", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return _short(value)
