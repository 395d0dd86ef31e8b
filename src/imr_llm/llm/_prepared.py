"""Response models prepared once for instructor, instead of on every request.

On each call instructor wraps the response model in a new `ResponseSchema` subclass (a pydantic
model class built from scratch) and asks it for its JSON schema; at 32 concurrent calls that
was the largest share of the client's CPU after scoring. `prepared(model)` does both once per
response model class: the wrapper is the one instructor would build (instructor uses a model
that already is a `ResponseSchema` as it is), and its `model_json_schema()` answers from a copy
of the schema computed the first time. Validation is unchanged: it is the same class.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from typing import Any, TypeVar

import instructor
from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


@lru_cache(maxsize=4096)
def prepared(response_model: type[T]) -> type[T]:
    """`response_model` as instructor's `ResponseSchema` wrapper, its default JSON schema cached."""
    wrapped = instructor.openai_schema(response_model)
    frozen = json.dumps(wrapped.model_json_schema())
    compute = wrapped.model_json_schema

    def model_json_schema(*args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:  # anything but the default schema is computed as before
            return compute(*args, **kwargs)
        schema: dict[str, Any] = json.loads(frozen)  # a fresh copy: callers may edit it
        return schema

    patched: Any = wrapped  # replacing a classmethod on the class is not a typed operation
    patched.model_json_schema = model_json_schema
    return wrapped


def _memoise_async_validator_check() -> None:
    """instructor (v2) checks a response model for async validators five or six times per
    request (`reject_async_validators`: a walk over the class's whole MRO, a fifth of the
    client's CPU per call at 32 connections). The answer depends on the class alone, so it is
    memoised per class; a class with an async validator still raises every time (an exception
    is not cached). Other instructor layouts are left as they are."""
    try:
        from instructor.v2.core import patch as core_patch
        from instructor.v2.validation import async_validators
    except ImportError:
        return
    original = getattr(async_validators, "reject_async_validators", None)
    if original is None or getattr(original, "memoised_by_imr_llm", False):
        return
    cached = lru_cache(maxsize=1024)(original)

    def reject_async_validators(response_model: Any) -> None:
        try:
            hash(response_model)
        except TypeError:
            return original(response_model)  # type: ignore[no-any-return]
        return cached(response_model)  # type: ignore[no-any-return]

    reject_async_validators.memoised_by_imr_llm = True  # type: ignore[attr-defined]
    async_validators.reject_async_validators = reject_async_validators
    if getattr(core_patch, "reject_async_validators", None) is original:
        setattr(core_patch, "reject_async_validators", reject_async_validators)  # noqa: B010


_memoise_async_validator_check()


def create_chat_completion(client: Any, body: dict[str, Any]) -> Any:
    """`client.chat.completions.create(**body)` minus the SDK's per-call parameter transform.

    The openai SDK walks every request's messages against its TypedDict annotations to rename
    and reformat fields (a tenth of the client's CPU per call at high concurrency); the bodies
    instructor builds are plain JSON already, so the transform is the identity and the request
    bytes are the same (the cassette tests match them). Anything but an `openai.OpenAI` client
    (a stand-in transport) gets the plain `create` call."""
    import openai
    from openai.types.chat import ChatCompletion

    if isinstance(client, openai.OpenAI):
        return client.post("/chat/completions", body=body, cast_to=ChatCompletion)
    return client.chat.completions.create(**body)


_current = threading.local()


def _send_current(**kwargs: Any) -> Any:
    return _current.sender(**kwargs)


@lru_cache(maxsize=16)
def _patched(mode: Any) -> Any:
    return instructor.patch(create=_send_current, mode=mode)


def patched_create(mode: Any, sender: Any) -> Any:
    """`instructor.patch(create=sender, mode=mode)` without patching on every request.

    Patching costs ~1.4 ms (a sixth of the client's CPU per sample at high concurrency); the
    patched function is built once per mode and calls the sender set here for this thread
    (one request at a time per thread, so the sender cannot change under a call)."""
    _current.sender = sender
    return _patched(mode)
