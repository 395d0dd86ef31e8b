"""The on-disk response cache: hits make no request, misses and errors are not cached."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import BaseModel

from imr_llm._errors import ModelError
from imr_llm.llm import ResponseCache, get_model, open_cache

from ._fake_openai import ScriptedServer, ok, scripted, status
from .test_client import GOOD, MESSAGES, Facts, make_model


def test_hit_makes_no_request_and_reports_cached(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3")
    with ScriptedServer(scripted(ok(GOOD))) as srv:
        model = make_model(srv.base_url, cache=cache)
        first = model.structured(MESSAGES, Facts)
        second = model.structured(MESSAGES, Facts)
    assert len(srv.requests) == 1
    assert not first.cached and first.usage.requests == 1
    assert second.cached and second.value == first.value and type(second.value) is Facts
    assert (second.usage.cache_hits, second.usage.requests, second.usage.prompt_tokens) == (1, 0, 0)
    assert second.usage.cost_usd == 0.0


def test_key_covers_messages_schema_and_parameters(tmp_path: Path) -> None:
    class Other(BaseModel):
        age: int
        sex: str
        note: str = ""

    cache = ResponseCache(tmp_path / "c.sqlite3")
    with ScriptedServer(scripted(*[ok(GOOD)] * 6)) as srv:
        model = make_model(srv.base_url, cache=cache)
        model.structured(MESSAGES, Facts)
        model.structured([{"role": "user", "content": "SYNTHETIC other"}], Facts)
        model.structured(MESSAGES, Other)
        model.structured(MESSAGES, Facts, temperature=0.7)
        model.structured(MESSAGES, Facts, max_tokens=99)
        make_model(srv.base_url, cache=cache, mode="md_json").structured(MESSAGES, Facts)
        assert len(srv.requests) == 6
        model.structured(MESSAGES, Facts, temperature=0.7)  # now a hit
    assert len(srv.requests) == 6
    assert len(cache) == 6


def test_bypass_and_errors_are_not_cached(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3")
    with ScriptedServer(scripted(status(400), ok(GOOD), ok(GOOD))) as srv:
        model = make_model(srv.base_url, cache=cache)
        with pytest.raises(ModelError):
            model.structured(MESSAGES, Facts)
        assert len(cache) == 0
        assert not model.structured(MESSAGES, Facts).cached
        assert not model.structured(MESSAGES, Facts, cache=False).cached
    assert len(srv.requests) == 3


def test_cache_survives_a_new_process_view_and_threads(tmp_path: Path) -> None:
    messages = [[{"role": "user", "content": f"SYNTHETIC {i}"}] for i in range(40)]
    with ScriptedServer(lambda _body: ok(GOOD)) as srv:
        model = make_model(srv.base_url, cache=ResponseCache(tmp_path / "c.sqlite3"))
        with ThreadPoolExecutor(max_workers=8) as pool:
            first = list(pool.map(lambda m: model.structured(m, Facts), messages))
        reopened = make_model(srv.base_url, cache=ResponseCache(tmp_path / "c.sqlite3"))
        with ThreadPoolExecutor(max_workers=8) as pool:
            second = list(pool.map(lambda m: reopened.structured(m, Facts), messages))
    assert len(srv.requests) == 40
    assert not any(c.cached for c in first) and all(c.cached for c in second)


def test_get_model_cache_settings(tmp_path: Path) -> None:
    with ScriptedServer(scripted(ok(GOOD), ok(GOOD))) as srv:
        spec = f"{srv.base_url}::m"
        cached = get_model(spec, cache_dir=tmp_path)
        assert cached.structured(MESSAGES, Facts).usage.requests == 1
        assert cached.structured(MESSAGES, Facts).cached
        uncached = get_model(spec, cache=False)
        assert not uncached.structured(MESSAGES, Facts).cached
    assert (tmp_path / "responses.sqlite3").exists()
    assert open_cache(tmp_path) is open_cache(tmp_path)
