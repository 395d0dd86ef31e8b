"""Settings precedence and spec parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_llm._errors import LocalModelError, ModelConfigError
from imr_llm.llm import InstructorModel, get_model, parse_spec, resolve_settings

PYPROJECT = """
[tool.imr-llm]
model = "openai/gpt-4o-mini"
max-tokens = 111
temperature = 0.5
"""


def test_precedence_flag_env_pyproject_default(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    env = {"IMR_LLM_MAX_TOKENS": "222", "OPENAI_API_KEY": "sk-secret-key", "IMR_LLM_CACHE": "false"}
    s = resolve_settings({"max_tokens": None, "temperature": 0.1}, env=env, cwd=tmp_path)
    assert s.model == "openai/gpt-4o-mini"  # pyproject
    assert s.max_tokens == 222  # env beats pyproject
    assert s.temperature == 0.1  # flag beats pyproject
    assert s.cache is False and s.openai_api_key == "sk-secret-key" and s.api_key is None
    assert s.seed is None and s.max_reasks == 2  # defaults
    assert "sk-secret-key" not in repr(s)
    bare = resolve_settings(env={}, cwd=tmp_path / "nowhere")
    assert bare.model is None and bare.max_tokens == 2048 and bare.temperature == 0.0


@pytest.mark.parametrize(
    ("flags", "message"),
    [({"nope": 1}, "unknown model settings"), ({"max_tokens": -1}, "max_tokens")],
)
def test_bad_settings_are_config_errors(flags: dict[str, object], message: str) -> None:
    with pytest.raises(ModelConfigError, match=message):
        resolve_settings(flags, env={}, cwd=Path("/nonexistent"))


def test_pyproject_rejects_unknown_keys_and_keys(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.imr-llm]\nmodle = "local"\n')
    with pytest.raises(ModelConfigError, match=r"unknown \[tool.imr-llm\] keys: modle"):
        resolve_settings(env={}, cwd=tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.imr-llm]\napi-key = "sk-x"\n')
    with pytest.raises(ModelConfigError, match="API keys in the environment"):
        resolve_settings(env={}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("spec", "kind", "model", "base"),
    [
        ("local", "local", "qwen2.5-coder-0.5b", None),
        ("local/gemma-3-270m", "local", "gemma-3-270m", None),
        ("openai/gpt-4o-mini", "openai", "gpt-4o-mini", None),
        ("http://127.0.0.1:8000/v1::my-model", "url", "my-model", "http://127.0.0.1:8000/v1"),
        ("https://h.example/v1/", "url", "default", "https://h.example/v1"),
        ("http://[::1]:8000/v1::m", "url", "m", "http://[::1]:8000/v1"),
    ],
)
def test_parse_spec(spec: str, kind: str, model: str, base: str | None) -> None:
    parsed = parse_spec(spec)
    assert (parsed.kind, parsed.model, parsed.base_url) == (kind, model, base)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("baseline/majority", "no-LLM baseline"),
        ("anthropic/claude", "unknown model spec"),
        ("openai/", "unknown model spec"),
        ("", "empty model spec"),
    ],
)
def test_unknown_specs_raise_config_errors(spec: str, message: str) -> None:
    with pytest.raises(ModelConfigError, match=message):
        get_model(spec)


def test_get_model_defaults_to_local_without_starting_anything(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    model = get_model()
    assert isinstance(model, InstructorModel)
    assert model.name == "local/qwen2.5-coder-0.5b" and model.llama_cpp
    assert model.mode == "json_schema" and model.price == (0.0, 0.0)
    assert model.timeout_s == 900.0
    assert callable(model.base_url)  # resolved (and the server started) on the first request
    monkeypatch.setenv("IMR_LLM_MODEL", "local/nope")
    with pytest.raises(LocalModelError, match="unknown local model 'nope'"):
        get_model()


def test_hosted_openai_needs_a_key_and_defaults_to_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelConfigError, match="OPENAI_API_KEY"):
        get_model("openai/gpt-4o-mini")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    model = get_model("openai/gpt-4o-mini", cache=False)
    assert isinstance(model, InstructorModel)
    assert model.mode == "tools" and model.price == (0.15, 0.60)
    assert model.timeout_s == 300.0
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1234/v1")
    model = get_model("openai/whatever", mode="md_json")
    assert isinstance(model, InstructorModel)
    assert model.base_url == "http://127.0.0.1:1234/v1" and model.price is None
    assert model.mode == "md_json"
