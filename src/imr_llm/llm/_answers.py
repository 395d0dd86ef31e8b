"""Helpers around one model answer: counting it, reading its raw text, explaining why it
failed (for the re-ask and, content-free, for logs), and keeping instructor's logs quiet."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, TypeVar

import openai
from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)


class DropAboveDebug(logging.Filter):
    """instructor logs exception text (which can quote record text) at ERROR: keep it at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno <= logging.DEBUG


def quiet_instructor_logs() -> None:
    names = [n for n in logging.root.manager.loggerDict if n.startswith("instructor")]
    for name in {"instructor", "instructor.v2", "instructor.v2.retry", *names}:
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropAboveDebug) for f in logger.filters):
            logger.addFilter(DropAboveDebug())


@dataclass
class Tally:
    """Requests and tokens of one `structured` call, every attempt included."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    last_response: Any = None

    def add(self, response: Any) -> None:
        self.last_response = response
        usage = getattr(response, "usage", None)
        self.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
        self.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)


class BadAnswer(Exception):
    """An answer that arrived but did not parse or validate (re-askable)."""

    def __init__(self, raw: str, for_model: str, for_log: str) -> None:
        super().__init__(for_log)
        self.raw, self.for_model, self.for_log = raw, for_model, for_log


class MalformedBody(openai.APIConnectionError):
    """A 200 answer whose body is not a chat completion: retried like a dropped connection."""


def raw_text(response: Any) -> str:
    try:
        message = response.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return ""
    if getattr(message, "tool_calls", None):
        return str(message.tool_calls[0].function.arguments or "")
    return str(message.content or "")


def explain(exc: BaseException) -> tuple[str, str]:
    """(errors for the model's re-ask, content-free summary for logs and exceptions)."""
    if isinstance(exc, ValidationError):
        errs = exc.errors(include_url=False, include_input=False)[:10]
        locs = [".".join(str(p) for p in e["loc"]) or "<root>" for e in errs]
        for_model = "; ".join(f"{loc}: {e['msg']}" for loc, e in zip(locs, errs, strict=True))
        for_log = ", ".join(f"{loc}: {e['type']}" for loc, e in zip(locs, errs, strict=True))
        return for_model, f"{exc.error_count()} validation error(s) ({for_log})"
    if isinstance(exc, json.JSONDecodeError):
        text = f"invalid JSON ({exc.msg} at position {exc.pos})"
        return text, text
    return "the answer was not a JSON object matching the schema", type(exc).__name__


def plain(value: BaseModel, response_model: type[T]) -> T:
    """instructor returns a validated instance of a subclass carrying the raw response; hand
    back a plain `response_model` with the same (already validated) field values."""
    if type(value) is response_model:
        return value
    fields = {name: getattr(value, name) for name in response_model.model_fields}
    return response_model.model_construct(_fields_set=set(value.model_fields_set), **fields)


def dummy_request() -> Any:
    try:  # openai >= 3 is built on httpx2, earlier versions on httpx
        import httpx2 as http
    except ImportError:  # pragma: no cover
        import httpx as http  # type: ignore[no-redef]  # same API, older name
    return http.Request("POST", "http://model.invalid/v1/chat/completions")
