"""Shared fixtures: an isolated model environment and vcrpy cassettes for model calls.

Cassettes: a test that takes `cassette_model` gets a `Model` whose HTTP traffic is replayed
from `tests/<pkg>/cassettes/<test_name>.yaml` (beside the test module). Requests match on
method + path + JSON body (not host/port), so a changed prompt, schema or parameter fails
loudly. Record or re-record against the embedded local model (started on demand, or the one
`imr-llm local serve` runs):

    IMR_LLM_RECORD=once .venv/bin/pytest tests/llm/test_cassettes.py   # record missing ones
    IMR_LLM_RECORD=all  .venv/bin/pytest tests/drafting                # re-record everything

Every header except content-type is dropped from recorded requests and responses.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import vcr
from vcr.request import Request as VcrRequest

from imr_llm.llm import InstructorModel, Model, RetryPolicy
from imr_llm.llm._settings import default_cache_dir
from imr_llm.llm.local import DEFAULT_MODEL

RECORD_MODE = os.environ.get("IMR_LLM_RECORD", "none")
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"  # never contacted: vcrpy answers in replay mode
_REAL_CACHE_DIR = default_cache_dir()  # the shared local server's state, for recording
_KEEP_HEADERS = {"content-type"}


def _json_body(r1: VcrRequest, r2: VcrRequest) -> None:
    def parse(body: Any) -> Any:
        if not body:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return body

    assert parse(r1.body) == parse(r2.body), "request body differs from the cassette"


def _scrub_request(request: VcrRequest) -> VcrRequest:
    request.headers = {k: v for k, v in request.headers.items() if k.lower() in _KEEP_HEADERS}
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {
        k: v for k, v in response.get("headers", {}).items() if k.lower() in _KEEP_HEADERS
    }
    return response


CASSETTES = vcr.VCR(
    record_mode=RECORD_MODE,
    match_on=["method", "path", "json_body"],
    before_record_request=_scrub_request,
    before_record_response=_scrub_response,
    decode_compressed_response=True,
)
CASSETTES.register_matcher("json_body", _json_body)


def cassette_path(request: pytest.FixtureRequest) -> Path:
    """`tests/<pkg>/cassettes/<test name>.yaml`, beside the requesting test module."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    return Path(str(request.node.fspath)).parent / "cassettes" / f"{name}.yaml"


@pytest.fixture(autouse=True)
def _isolated_model_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No developer endpoint, key or cache leaks into tests; caches go to a temp dir."""
    for name in list(os.environ):
        if name.startswith(("IMR_LLM_", "OPENAI_")) and name != "IMR_LLM_RECORD":
            monkeypatch.delenv(name)
    monkeypatch.setenv("IMR_LLM_CACHE_DIR", str(tmp_path_factory.mktemp("imr-llm-cache")))
    # the user's calibrated decision threshold (imr-llm eval threshold --write) stays out
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))


BLEND_SETTINGS = """\
# the blend policy: the model's decision token weighted with the evidence (tests of that flow)
policy = "blend"
intercept = 0.0
precedent_weight = 1.0
evidence_weight = 1.0
model_weight = 1.0
threshold = 0.8619

[status_weight]
"met" = 0.8
"not met" = -0.8
"not documented" = -0.3
"not applicable" = 0.0
"""


@pytest.fixture
def blend_decisions(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Decide with the blend policy (the model's decision token counts), whatever the shipped
    default: for the tests of the decision call, its accounting and what it decides."""
    path = tmp_path_factory.mktemp("decision") / "decision.toml"
    path.write_text(BLEND_SETTINGS, "utf-8")
    monkeypatch.setenv("IMR_LLM_DECISION_FILE", str(path))
    return path


@pytest.fixture
def cassette_vcr() -> vcr.VCR:
    """The project's cassette configuration (scrubbing, body matching, record mode).

    A fixture rather than an import: every test package may have its own `conftest.py`, so
    `from conftest import ...` resolves to whichever was imported last."""
    return CASSETTES


@pytest.fixture
def cassette_model(request: pytest.FixtureRequest) -> Iterator[Model]:
    """The default local model (cache off) behind this test's cassette; see module docstring."""
    path = cassette_path(request)
    if RECORD_MODE == "none":
        if not path.exists():
            pytest.fail(
                f"missing cassette {path}; record it with IMR_LLM_RECORD=once .venv/bin/pytest "
                f"{request.node.nodeid}"
            )
        base_url = REPLAY_BASE_URL
    else:
        from imr_llm.llm.local import local_endpoint

        base_url = local_endpoint(DEFAULT_MODEL, cache_dir=_REAL_CACHE_DIR).base_url()
    model = InstructorModel(
        name=f"local/{DEFAULT_MODEL}",
        model=DEFAULT_MODEL,
        base_url=base_url,
        endpoint_id="cassette",
        mode="json_schema",
        llama_cpp=True,
        retry=RetryPolicy(max_retries=0),
        timeout_s=900.0,  # recording long prompts on a busy CPU takes minutes
        cache=None,
        price=(0.0, 0.0),
        tracker=None,
    )
    with CASSETTES.use_cassette(str(path)):
        yield model
