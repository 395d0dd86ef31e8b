"""`InstructorModel`: the `Model` implementation on the openai SDK + instructor.

Per call: cache lookup, then up to `1 + max_reasks` validated attempts. Each attempt goes
through instructor (request shaping for the mode, parsing, validation) with instructor's own
re-ask loop off (`max_retries=0`); the HTTP request inside it is retried by tenacity
(`_retry.py`). A failed validation is re-asked with the original messages plus only the last
failed answer and its errors, so the history never grows. Every HTTP request and its tokens are
counted, failed ones included. Nothing from the messages reaches exceptions or logs above DEBUG.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel, ValidationError

from imr_llm._errors import ModelConfigError, ModelError
from imr_llm.llm._cache import ResponseCache, cache_key
from imr_llm.llm._model import Completion, Message, Model, Usage
from imr_llm.llm._retry import RetryPolicy, describe_transport_error, with_retries
from imr_llm.llm._settings import ModeName
from imr_llm.llm._usage import UsageTracker, cost_usd, run_usage

T = TypeVar("T", bound=BaseModel)
log = logging.getLogger("imr_llm.llm")

INSTRUCTOR_MODES: dict[str, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
REASK_TEMPLATE = (
    "Your previous answer could not be used: {errors}\n"
    "Answer again with one JSON object that matches the schema exactly, and nothing else."
)


class _DropAboveDebug(logging.Filter):
    """instructor logs exception text (which can quote record text) at ERROR: keep it at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno <= logging.DEBUG


def _quiet_instructor_logs() -> None:
    names = [n for n in logging.root.manager.loggerDict if n.startswith("instructor")]
    for name in {"instructor", "instructor.v2", "instructor.v2.retry", *names}:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropAboveDebug) for f in logger.filters):
            logger.addFilter(_DropAboveDebug())


_quiet_instructor_logs()


@dataclass
class _Tally:
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


class _BadAnswer(Exception):
    """An answer that arrived but did not parse or validate (re-askable)."""

    def __init__(self, raw: str, for_model: str, for_log: str) -> None:
        super().__init__(for_log)
        self.raw, self.for_model, self.for_log = raw, for_model, for_log


class _MalformedBody(openai.APIConnectionError):
    """A 200 answer whose body is not a chat completion: retried like a dropped connection."""


def _raw_text(response: Any) -> str:
    try:
        message = response.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return ""
    if getattr(message, "tool_calls", None):
        return str(message.tool_calls[0].function.arguments or "")
    return str(message.content or "")


def _explain(exc: BaseException) -> tuple[str, str]:
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


@dataclass
class InstructorModel(Model):
    """An OpenAI-compatible endpoint behind instructor; see the module docstring."""

    name: str
    model: str
    base_url: str | Callable[[], str]
    """A URL, or a callable giving one on first use (the local server starts lazily)."""
    endpoint_id: str
    """Stable identity of the endpoint for the cache key (a local server's port changes)."""
    api_key: str | None = field(default=None, repr=False)
    mode: ModeName = "json_schema"
    llama_cpp: bool = False
    """Speak llama-cpp-python's dialect: response_format json_object + schema (grammar)."""
    temperature: float = 0.0
    max_tokens: int = 2048
    seed: int | None = None
    timeout_s: float = 300.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_reasks: int = 2
    token_budget: int | None = None
    cache: ResponseCache | None = None
    price: tuple[float, float] | None = None
    tracker: UsageTracker | None = field(default_factory=run_usage)
    _client: openai.OpenAI | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in INSTRUCTOR_MODES:
            raise ModelConfigError(f"unknown mode {self.mode!r}; use {sorted(INSTRUCTOR_MODES)}")

    # -- public --------------------------------------------------------------------------
    def structured(
        self,
        messages: list[Message],
        response_model: type[T],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        seed: int | None = None,
        cache: bool = True,
    ) -> Completion[T]:
        """Validated `response_model` from the endpoint (or the cache); see module docstring.

        `seed` overrides the model's seed; `cache=False` bypasses the cache for this call.
        Raises ModelError (exit code 3) when the endpoint fails after retries or no answer
        validates; the error's `usage` attribute holds what the attempts cost.
        """
        params = {
            "max_tokens": max_tokens or self.max_tokens,
            "temperature": self.temperature if temperature is None else temperature,
            "seed": self.seed if seed is None else seed,
        }
        started = time.perf_counter()
        store = self.cache if cache else None
        key = None
        if store is not None:
            key = cache_key(
                endpoint=self.endpoint_id,
                model=self.model,
                mode=self.mode,
                messages=messages,
                response_model=response_model,
                params=params,
            )
            hit = store.get(key)
            if hit is not None:
                try:
                    value = response_model.model_validate_json(hit)
                except ValidationError:
                    log.debug("stale cache entry %s ignored", key[:12])
                else:
                    usage = Usage(
                        cache_hits=1,
                        cost_usd=cost_usd(self.price, 0, 0),
                        latency_s=time.perf_counter() - started,
                    )
                    self._report(usage)
                    return Completion[response_model](value=value, usage=usage, cached=True)  # type: ignore[valid-type]
        tally = _Tally()
        try:
            value = self._ask(messages, response_model, params, tally)
        except ModelError as exc:
            exc.usage = self._usage(tally, started)  # type: ignore[attr-defined]
            self._report(exc.usage)  # type: ignore[attr-defined]
            raise
        usage = self._usage(tally, started)
        self._report(usage)
        if store is not None and key is not None:
            store.put(
                key,
                value.model_dump_json(),
                prompt_tokens=tally.prompt_tokens,
                completion_tokens=tally.completion_tokens,
            )
        return Completion[response_model](value=value, usage=usage)  # type: ignore[valid-type]

    # -- internals -----------------------------------------------------------------------
    def _usage(self, tally: _Tally, started: float) -> Usage:
        return Usage(
            prompt_tokens=tally.prompt_tokens,
            completion_tokens=tally.completion_tokens,
            requests=tally.requests,
            cost_usd=cost_usd(self.price, tally.prompt_tokens, tally.completion_tokens),
            latency_s=time.perf_counter() - started,
        )

    def _report(self, usage: Usage) -> None:
        if self.tracker is not None:
            self.tracker.add(usage)

    def _ask(
        self,
        messages: list[Message],
        response_model: type[T],
        params: dict[str, Any],
        tally: _Tally,
    ) -> T:
        conversation = list(messages)
        last: _BadAnswer | None = None
        attempts = self.max_reasks + 1
        for attempt in range(attempts):
            if last is not None:
                spent = tally.prompt_tokens + tally.completion_tokens
                if self.token_budget is not None and spent >= self.token_budget:
                    raise ModelError(
                        f"{self.name}: token budget of {self.token_budget} spent ({spent} tokens) "
                        f"after {attempt} invalid answer(s) for {response_model.__name__}: "
                        f"{last.for_log}"
                    )
                # Only the last failed answer and its errors: the history stays bounded.
                conversation = [
                    *messages,
                    {"role": "assistant", "content": last.raw},
                    {"role": "user", "content": REASK_TEMPLATE.format(errors=last.for_model)},
                ]
            try:
                return self._attempt(conversation, response_model, params, tally)
            except _BadAnswer as bad:
                log.warning(
                    "%s: answer %d/%d for %s did not validate: %s",
                    self.name,
                    attempt + 1,
                    attempts,
                    response_model.__name__,
                    bad.for_log,
                )
                last = bad
        assert last is not None
        raise ModelError(
            f"{self.name}: no valid {response_model.__name__} after {attempts} attempt(s); "
            f"last problem: {last.for_log}"
        )

    def _attempt(
        self,
        conversation: list[Message],
        response_model: type[T],
        params: dict[str, Any],
        tally: _Tally,
    ) -> T:
        tally.last_response = None
        create = instructor.patch(
            create=self._sender(response_model, tally), mode=INSTRUCTOR_MODES[self.mode]
        )
        extra = {} if params["seed"] is None else {"seed": params["seed"]}
        try:
            # context=None: instructor never renders message text as a Jinja template.
            value: T = create(
                response_model=response_model,
                messages=conversation,
                max_retries=0,
                strict=False,
                context=None,
                model=self.model,
                max_tokens=params["max_tokens"],
                temperature=params["temperature"],
                **extra,
            )
        except IncompleteOutputException:
            raise ModelError(
                f"{self.name}: the answer for {response_model.__name__} hit max_tokens="
                f"{params['max_tokens']} before it was complete; raise max_tokens"
            ) from None
        except InstructorRetryException as exc:
            cause = exc.__cause__
            if isinstance(cause, ModelError):
                raise cause from cause.__cause__
            if tally.last_response is None or cause is None:
                raise ModelError(
                    f"{self.name}: request failed: {type(cause or exc).__name__}"
                ) from cause
            for_model, for_log = _explain(cause)
            raise _BadAnswer(_raw_text(tally.last_response), for_model, for_log) from None
        return _plain(value, response_model)

    def _sender(self, response_model: type[BaseModel], tally: _Tally) -> Callable[..., Any]:
        client = self._openai()

        def send(**kwargs: Any) -> Any:
            kwargs = self._dialect(kwargs, response_model)

            def once() -> Any:
                tally.requests += 1
                try:
                    response = client.chat.completions.create(**kwargs)
                except (json.JSONDecodeError, openai.APIResponseValidationError) as exc:
                    raise _MalformedBody(request=_dummy_request()) from exc
                if not getattr(response, "choices", None):
                    raise _MalformedBody(request=_dummy_request())
                tally.add(response)
                return response

            try:
                return with_retries(once, self.retry)
            except (openai.APIStatusError, openai.APIConnectionError) as exc:
                raise self._endpoint_error(exc) from exc

        return send

    def _dialect(self, kwargs: dict[str, Any], response_model: type[BaseModel]) -> dict[str, Any]:
        """llama-cpp-python wants `{"type": "json_object", "schema": ...}` for grammar."""
        fmt = kwargs.get("response_format")
        if not self.llama_cpp or not isinstance(fmt, dict):
            return kwargs
        if fmt.get("type") == "json_schema":
            schema = fmt.get("json_schema", {}).get("schema")
        elif fmt.get("type") == "json_object":
            schema = response_model.model_json_schema()
        else:
            return kwargs
        return {**kwargs, "response_format": {"type": "json_object", "schema": schema}}

    def _endpoint_error(self, exc: openai.APIError) -> ModelError:
        what = describe_transport_error(exc)
        tries = self.retry.max_retries + 1
        if isinstance(exc, openai.APIStatusError) and exc.status_code in (401, 403):
            return ModelConfigError(f"{self.name}: the endpoint refused the credentials ({what})")
        if isinstance(exc, openai.APIStatusError) and exc.status_code == 404:
            return ModelConfigError(f"{self.name}: model or endpoint not found ({what})")
        if (
            isinstance(exc, openai.APIStatusError)
            and exc.status_code < 500
            and (exc.status_code not in (408, 409, 429))
        ):
            return ModelError(f"{self.name}: the endpoint rejected the request ({what})")
        return ModelError(f"{self.name}: endpoint failed after {tries} attempt(s): {what}")

    def _openai(self) -> openai.OpenAI:
        with self._lock:
            if self._client is None:
                base = self.base_url() if callable(self.base_url) else self.base_url
                self._client = openai.OpenAI(
                    base_url=base,
                    api_key=self.api_key or "not-needed",
                    timeout=self.timeout_s,
                    max_retries=0,  # tenacity owns retries
                )
            return self._client


def _plain(value: BaseModel, response_model: type[T]) -> T:
    """instructor returns a validated instance of a subclass carrying the raw response; hand
    back a plain `response_model` with the same (already validated) field values."""
    if type(value) is response_model:
        return value
    fields = {name: getattr(value, name) for name in response_model.model_fields}
    return response_model.model_construct(_fields_set=set(value.model_fields_set), **fields)


def _dummy_request() -> Any:
    import httpx2

    return httpx2.Request("POST", "http://model.invalid/v1/chat/completions")
