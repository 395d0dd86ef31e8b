"""Records and keys stay where the user put them: a remote endpoint needs a flag or an
environment setting naming it (never a project file alone), keys go only to their own host,
the CLI names the endpoint before the first call, and secrets in URLs are masked everywhere.

Traffic goes only to 127.0.0.1: a "remote" host name is resolved to loopback in-process."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from imr_llm._errors import ModelConfigError
from imr_llm.llm import InstructorModel, get_model

from ._fake_openai import ScriptedServer, status

OPENAI_KEY = "sk-openai-key-for-openai-only"
REMOTE = "records.test"  # a name only this test resolves (to 127.0.0.1)


@pytest.fixture
def remote_is_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve REMOTE to 127.0.0.1 in this process: a 'remote' endpoint the test can run."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kw: Any) -> Any:
        return real("127.0.0.1" if host == REMOTE else host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def _project(tmp_path: Path, body: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[tool.imr-llm]\n{body}\n", "utf-8")
    return tmp_path


def test_a_project_file_alone_cannot_send_records_to_a_remote_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imr_llm.llm._egress import EgressRefused

    monkeypatch.chdir(
        _project(tmp_path, 'model = "openai/gpt-4o-mini"\nbase_url = "https://llm.example.com/v1"')
    )
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    with pytest.raises(EgressRefused) as err:
        get_model(cache=False)
    assert err.value.exit_code == 2
    message = str(err.value)
    assert "https://llm.example.com/v1" in message and "pyproject.toml" in message
    assert "--allow-remote llm.example.com" in message and "IMR_LLM_ALLOW_REMOTE" in message
    # allowed by the environment: built, and OPENAI_API_KEY is not for that host
    monkeypatch.setenv("IMR_LLM_ALLOW_REMOTE", "llm.example.com")
    model = get_model(cache=False)
    assert isinstance(model, InstructorModel) and model.api_key is None
    monkeypatch.delenv("IMR_LLM_ALLOW_REMOTE")
    # allowed by a flag naming it (host:port and URL forms match too)
    for entry in ("llm.example.com", "llm.example.com:443", "https://llm.example.com"):
        assert isinstance(get_model(cache=False, allow_remote=[entry]), InstructorModel)
    with pytest.raises(EgressRefused):
        get_model(cache=False, allow_remote=["other.example.com"])
    # the project file cannot allow it itself
    _project(tmp_path, 'model = "openai/gpt-4o-mini"\nallow-remote = ["llm.example.com"]')
    with pytest.raises(ModelConfigError, match="cannot allow remote endpoints"):
        get_model(cache=False)


def test_a_project_file_url_spec_and_the_openai_host_need_naming_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imr_llm.llm._egress import EgressRefused

    monkeypatch.chdir(_project(tmp_path, 'model = "https://llm.example.com/v1::big"'))
    with pytest.raises(EgressRefused, match=r"llm\.example\.com"):
        get_model(cache=False)
    _project(tmp_path, 'model = "openai/gpt-4o-mini"')
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    with pytest.raises(EgressRefused, match=r"api\.openai\.com"):
        get_model(cache=False)
    # named by a flag or the environment: allowed
    assert get_model("openai/gpt-4o-mini", cache=False).api_key == OPENAI_KEY  # type: ignore[attr-defined]
    monkeypatch.setenv("IMR_LLM_MODEL", "https://llm.example.com/v1::big")
    assert get_model(cache=False).name == "https://llm.example.com/v1::big"
    # loopback endpoints from a project file are fine
    monkeypatch.delenv("IMR_LLM_MODEL")
    _project(tmp_path, 'model = "http://127.0.0.1:9/v1::m"')
    assert get_model(cache=False).name == "http://127.0.0.1:9/v1::m"


def test_openai_key_goes_only_to_its_own_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    url_model = get_model("http://127.0.0.1:9/v1::m", cache=False)
    assert url_model.api_key is None  # type: ignore[attr-defined]
    assert get_model("openai/gpt-4o-mini", cache=False).api_key == OPENAI_KEY  # type: ignore[attr-defined]
    # OPENAI_BASE_URL names where the key belongs
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert get_model("http://127.0.0.1:9/v1::m", cache=False).api_key == OPENAI_KEY  # type: ignore[attr-defined]
    assert get_model("http://127.0.0.1:10/v1::m", cache=False).api_key is None  # type: ignore[attr-defined]
    # a key configured for the named endpoint
    monkeypatch.setenv("IMR_LLM_API_KEY", "endpoint-key")
    assert get_model("http://127.0.0.1:10/v1::m", cache=False).api_key == "endpoint-key"  # type: ignore[attr-defined]


def _records(tmp_path: Path) -> Path:
    path = tmp_path / "records" / "note.txt"
    path.parent.mkdir()
    path.write_text("Patient: SYNTHETIC\nAge: 53\nDate of injury: 11/02/2016\n", "utf-8")
    return path


def test_cli_refuses_a_project_endpoint_and_names_an_allowed_one_before_calling(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    remote_is_loopback: None,
) -> None:
    from imr_llm.cli import main

    records = _records(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("IMR_LLM_MAX_RETRIES", "0")
    with ScriptedServer(lambda _body: status(400)) as srv:
        port = srv.base_url.split(":")[2].split("/")[0]
        url = f"http://{REMOTE}:{port}/v1"
        monkeypatch.chdir(_project(tmp_path, f'model = "{url}::m"'))
        with pytest.raises(SystemExit) as exit_info:
            main(["summarize", str(records), "--no-cache"])
        assert exit_info.value.code == 2
        assert len(srv.requests) == 0  # nothing left the machine
        err = capsys.readouterr().err
        assert f"--allow-remote {REMOTE}" in err and len(err.strip().splitlines()) == 1
        with pytest.raises(SystemExit) as exit_info:
            main(["summarize", str(records), "--no-cache", "--allow-remote", REMOTE])
        assert exit_info.value.code == 3  # the scripted endpoint rejects the request
        assert len(srv.requests) >= 1
        err = capsys.readouterr().err
        assert err.splitlines()[0] == (
            f"imr-llm: model endpoint: {url}::m at {url} (REMOTE: records leave this machine)"
        )
        # the OpenAI key did not go to this host
        assert not any(OPENAI_KEY in h.get("authorization", "") for h in srv.headers)


SECRET, PASSWORD = "s3cr3t-api-key-in-url", "hunter2-password"


def test_secrets_in_urls_are_masked() -> None:
    from imr_llm.llm._egress import is_loopback, mask_spec, mask_url

    url = f"https://user:{PASSWORD}@llm.example.com:8443/v1?api-key={SECRET}&x=1"
    masked = mask_url(url)
    assert masked == "https://***@llm.example.com:8443/v1?api-key=***&x=***"
    assert mask_spec(f"{url}::model-a") == f"{masked}::model-a"
    assert mask_spec("openai/gpt-4o-mini") == "openai/gpt-4o-mini"
    assert is_loopback("http://127.0.0.2:1/v1") and is_loopback("http://[::1]:8/v1")
    assert is_loopback("http://localhost:8/v1") and not is_loopback("http://10.0.0.1/v1")
    # a transport error that quotes the URL is masked too
    import httpx
    import openai

    from imr_llm.llm._retry import describe_transport_error

    error = openai.APIConnectionError(request=httpx.Request("POST", "http://x"))
    error.__cause__ = httpx.ConnectError(f"cannot reach {url}")
    described = describe_transport_error(error)
    assert SECRET not in described and PASSWORD not in described and "***" in described
