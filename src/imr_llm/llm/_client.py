"""`InstructorModel`: the `Model` implementation on the openai SDK + instructor.

Per call: cache lookup, then up to `1 + max_reasks` validated attempts. Each attempt goes
through instructor (request shaping for the mode, parsing, validation) with instructor's own
re-ask loop off (`max_retries=0`); the HTTP request inside it is retried by tenacity
(`_retry.py`). A failed validation is re-asked with the original messages plus only the last
failed answer and its errors, so the history never grows. Every HTTP request and its tokens are
counted, failed ones included. Nothing from the messages reaches exceptions or logs above DEBUG.

At temperature 0 a re-ask whose conversation was already sent (the model gave the same invalid
answer twice) is not sent again: it would get the same answer. `max_calls` bounds the calls one
model makes; `stop_requests()` (Ctrl-C) makes every later request fail at once. With `redact`
the messages are pseudonymised before they leave (`_redact`) and the answer restored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import instructor
import openai

try:  # instructor >= 1.11 moved its exceptions to instructor.core
    from instructor.core import IncompleteOutputException, InstructorRetryException
except ImportError:  # pragma: no cover - older instructor
    from instructor.exceptions import (
        IncompleteOutputException,
        InstructorRetryException,
    )
from pydantic import BaseModel, ValidationError

from imr_llm._errors import ModelConfigError, ModelError
from imr_llm.llm._answers import (
    BadAnswer,
    MalformedBody,
    Tally,
    dummy_request,
    explain,
    plain,
    quiet_instructor_logs,
    raw_text,
)
from imr_llm.llm._cache import ResponseCache, cache_key
from imr_llm.llm._egress import is_loopback, mask_url
from imr_llm.llm._labels import TOP_LOGPROBS, LabelProbs, credit, top_logprobs
from imr_llm.llm._model import Completion, Message, Model, Usage
from imr_llm.llm._prepared import create_chat_completion, patched_create, prepared
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
quiet_instructor_logs()

_STOP = threading.Event()


def stop_requests() -> None:
    """From now on every model request in this process fails at once (used on Ctrl-C so that
    worker threads still running send nothing more)."""
    _STOP.set()


def allow_requests() -> None:
    """Undo `stop_requests` (tests, or a long-lived process starting over)."""
    _STOP.clear()


class CallLimitReached(ModelConfigError):
    """The model made `max_calls` calls; raise the limit to go on (exit 2)."""

    exit_code = 2


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
    redact: bool = False
    """Pseudonymise personal data in the messages before they leave (remote endpoints)."""
    max_calls: int | None = None
    """Calls to the endpoint this model may make (cache hits not counted); None: no limit."""
    audit: Any = None
    """An `AuditLog` recording each request (where, when, hashes; never text), or None."""
    _client: openai.OpenAI | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _calls: int = field(default=0, init=False, repr=False)
    _redactor: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in INSTRUCTOR_MODES:
            raise ModelConfigError(f"unknown mode {self.mode!r}; use {sorted(INSTRUCTOR_MODES)}")

    # -- public --------------------------------------------------------------------------
    def describe_endpoint(self) -> str:
        """Where the requests go, for a notice before the first call (secrets masked)."""
        if callable(self.base_url):
            return f"{self.name} on this machine (local llama.cpp server on 127.0.0.1)"
        url = mask_url(self.base_url)
        if is_loopback(self.base_url):
            return f"{self.name} at {url} (loopback: records stay on this machine)"
        shield = "; personal data redacted first" if self.redact else ""
        return f"{self.name} at {url} (REMOTE: records leave this machine{shield})"

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
        key, hit = self._cache_lookup(store, self.mode, messages, response_model, params, started)
        if hit is not None:
            return hit
        self._count_call()
        tally = Tally()
        try:
            value = self._ask(messages, response_model, params, tally)
            if self.redact:  # the placeholders in the answer back to the original values
                restored = self._redaction().restore_value(value.model_dump(mode="json"))
                value = response_model.model_validate(restored)
        except ValidationError:
            raise ModelError(
                f"{self.name}: the answer for {response_model.__name__} did not validate once "
                "the redacted values were restored"
            ) from None
        except ModelError as exc:
            exc.usage = self._usage(tally, started)  # type: ignore[attr-defined]  # ad hoc; read with getattr
            self._report(exc.usage)  # type: ignore[attr-defined]  # set just above
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
        # Completion is parametrized at runtime with the response model class (a variable)
        return Completion[response_model](value=value, usage=usage)  # type: ignore[valid-type]

    def label_probs(
        self, messages: list[Message], labels: Sequence[str], *, samples: int = 5
    ) -> Completion[LabelProbs]:
        """P(label) from the first answer token's top log-probabilities (one request with
        max_tokens=1; cached like any answer); falls back to sampling (`Model.label_probs`) when
        the endpoint returns no log-probabilities or no top token names a label."""
        params = {"labels": list(labels), "top_logprobs": TOP_LOGPROBS, "seed": self.seed}
        started = time.perf_counter()
        key, hit = self._cache_lookup(self.cache, "logprobs", messages, LabelProbs, params, started)
        if hit is not None:
            return hit
        self._count_call()
        tally = Tally()
        send = self._sender(LabelProbs, tally)
        extra = {} if self.seed is None else {"seed": self.seed}
        try:
            response = send(
                model=self.model,
                messages=messages,
                max_tokens=1,
                temperature=0.0,
                logprobs=True,
                top_logprobs=TOP_LOGPROBS,
                **extra,
            )
        except ModelError as exc:
            exc.usage = self._usage(tally, started)  # type: ignore[attr-defined]  # ad hoc; read with getattr
            self._report(exc.usage)  # type: ignore[attr-defined]  # set just above
            raise
        usage = self._usage(tally, started)
        self._report(usage)
        value = credit(top_logprobs(response), labels)
        if value is None:
            sampled = super().label_probs(messages, labels, samples=samples)
            return Completion[LabelProbs](
                value=sampled.value, usage=usage + sampled.usage, cached=False
            )
        if self.cache is not None and key is not None:
            self.cache.put(
                key,
                value.model_dump_json(),
                prompt_tokens=tally.prompt_tokens,
                completion_tokens=tally.completion_tokens,
            )
        return Completion[LabelProbs](value=value, usage=usage)

    def _cache_lookup(
        self,
        store: ResponseCache | None,
        mode: str,
        messages: list[Message],
        response_model: type[T],
        params: dict[str, Any],
        started: float,
    ) -> tuple[str | None, Completion[T] | None]:
        """(cache key, the cached Completion or None); a stale entry is ignored."""
        if store is None:
            return None, None
        key = cache_key(
            endpoint=self.endpoint_id,
            model=self.model,
            mode=mode,
            messages=messages,
            response_model=response_model,
            params=params,
        )
        hit = store.get(key)
        if hit is None:
            return key, None
        try:
            value = response_model.model_validate_json(hit)
        except ValidationError:
            log.debug("stale cache entry %s ignored", key[:12])
            return key, None
        usage = Usage(
            cache_hits=1,
            cost_usd=cost_usd(self.price, 0, 0),
            latency_s=time.perf_counter() - started,
        )
        self._report(usage)
        # Completion is parametrized at runtime with the response model class (a variable)
        return key, Completion[response_model](value=value, usage=usage, cached=True)  # type: ignore[valid-type]

    # -- internals -----------------------------------------------------------------------
    def _redaction(self) -> Any:
        with self._lock:
            if self._redactor is None:
                from imr_llm.llm._redact import Redactor

                self._redactor = Redactor()
            return self._redactor

    def _count_call(self) -> None:
        with self._lock:
            if self.max_calls is not None and self._calls >= self.max_calls:
                raise CallLimitReached(
                    f"{self.name}: the limit of {self.max_calls} model calls is reached; "
                    "raise it with --max-calls or IMR_LLM_MAX_CALLS"
                )
            self._calls += 1

    def _usage(self, tally: Tally, started: float) -> Usage:
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
        tally: Tally,
    ) -> T:
        conversation = list(messages)
        last: BadAnswer | None = None
        attempts = self.max_reasks + 1
        sent: set[str] = set()
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
            if params["temperature"] == 0:
                digest = hashlib.sha256(
                    json.dumps(conversation, sort_keys=True, default=str).encode("utf-8")
                ).hexdigest()
                if digest in sent:  # the same invalid answer again: a re-ask repeats it
                    problem = last.for_log if last else ""
                    raise ModelError(
                        f"{self.name}: the same invalid {response_model.__name__} twice at "
                        f"temperature 0 (not re-asked); last problem: {problem}"
                    )
                sent.add(digest)
            try:
                return self._attempt(conversation, response_model, params, tally)
            except BadAnswer as bad:
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
        tally: Tally,
    ) -> T:
        tally.last_response = None
        create = patched_create(INSTRUCTOR_MODES[self.mode], self._sender(response_model, tally))
        extra = {} if params["seed"] is None else {"seed": params["seed"]}
        try:
            # context=None: instructor never renders message text as a Jinja template.
            value: T = create(
                response_model=prepared(response_model),
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
            for_model, for_log = explain(cause)
            raise BadAnswer(raw_text(tally.last_response), for_model, for_log) from None
        return plain(value, response_model)

    def _sender(self, response_model: type[BaseModel], tally: Tally) -> Callable[..., Any]:
        client = self._openai()

        def send(**kwargs: Any) -> Any:
            kwargs = self._dialect(kwargs, response_model)
            redacted = None
            if self.redact:
                kwargs["messages"], redacted = self._redaction().redact_messages(
                    list(kwargs["messages"])
                )

            def once() -> Any:
                if _STOP.is_set():
                    raise ModelError(f"{self.name}: interrupted")
                if self.audit is not None:
                    where = "local" if callable(self.base_url) else mask_url(self.base_url)
                    self.audit.record(
                        endpoint=where, model=self.model, messages=kwargs["messages"],
                        redacted=redacted,
                    )  # fmt: skip
                tally.requests += 1
                try:
                    response = create_chat_completion(client, kwargs)
                except (json.JSONDecodeError, openai.APIResponseValidationError) as exc:
                    raise MalformedBody(request=dummy_request()) from exc
                if not getattr(response, "choices", None):
                    raise MalformedBody(request=dummy_request())
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
        if isinstance(exc, openai.APIStatusError) and (
            getattr(exc, "code", None) == "context_length_exceeded"
            or "maximum context length" in str(exc.message)
        ):
            return ModelError(
                f"{self.name}: the prompt plus max_tokens does not fit the model's context "
                f"window ({what}); send less text or lower max_tokens"
            )
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
