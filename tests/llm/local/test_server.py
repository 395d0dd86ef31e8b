"""The local server's lifecycle with a stand-in server: state file, reuse, stop, CLI."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_llm._errors import LocalModelError
from imr_llm.cli import app
from imr_llm.llm import get_model
from imr_llm.llm.local import (
    _server,
    ensure_running,
    local_endpoint,
    read_state,
    require_extra,
    stop,
)

FAKE = Path(__file__).with_name("_fake_llama_server.py")
FAKE_CMD = [sys.executable, str(FAKE), "{port}", "llama_cpp.server"]


@pytest.fixture
def cache_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    stop(tmp_path)  # never leave a stand-in running


def _start(cache_dir: Path, model: str = "fake", by: str = "demand") -> _server.ServerState:
    return _server.start(model, Path("m.gguf"), cache_dir, started_by=by, command=FAKE_CMD)  # type: ignore[arg-type]


def test_state_file_records_and_reuses_one_server(cache_dir: Path) -> None:
    assert read_state(cache_dir) is None
    state = _start(cache_dir)
    recorded = json.loads((cache_dir / "server.json").read_text())
    assert recorded["pid"] == state.pid and recorded["port"] == state.port
    assert state.base_url == f"http://127.0.0.1:{state.port}/v1"
    assert _server.healthy(state.port)
    again = ensure_running("fake", lambda: pytest.fail("must not start a second server"), cache_dir)
    assert again == state
    with pytest.raises(LocalModelError, match="already running"):
        ensure_running("other-model", Path("x.gguf"), cache_dir)
    assert stop(cache_dir) == state
    assert read_state(cache_dir) is None and not (cache_dir / "server.json").exists()
    assert not _server._alive(state.pid)


def test_stale_and_corrupt_state_files_are_dropped(cache_dir: Path) -> None:
    (cache_dir / "server.json").write_text("{not json")
    assert read_state(cache_dir) is None and not (cache_dir / "server.json").exists()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    state = _start(cache_dir)
    data = json.loads((cache_dir / "server.json").read_text())
    stop(cache_dir)
    data["pid"] = dead.pid
    (cache_dir / "server.json").write_text(json.dumps(data))
    assert read_state(cache_dir) is None
    assert state.pid != dead.pid


def test_on_demand_server_is_stopped_by_its_owner_at_exit(cache_dir: Path) -> None:
    state = _start(cache_dir, by="demand")
    assert state.pid in _server._STARTED_HERE
    _server._stop_if_ours(cache_dir, state.pid)  # what atexit runs
    assert read_state(cache_dir) is None and not _server._alive(state.pid)


def test_failed_start_points_at_the_log(cache_dir: Path) -> None:
    with pytest.raises(LocalModelError, match=r"exited with code 3 .*server.log"):
        _server.start(
            "fake", Path("m.gguf"), cache_dir, started_by="demand",
            command=[sys.executable, "-c", "import sys; sys.exit(3)"],
        )  # fmt: skip


def test_missing_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "llama_cpp" else real(name)
    )
    with pytest.raises(
        LocalModelError, match=r"missing: llama_cpp.*pip install 'imr-llm\[local\]'"
    ):
        require_extra()


def test_gguf_path_specs(tmp_path: Path) -> None:
    gguf = tmp_path / "My-Model.gguf"
    gguf.write_bytes(b"GGUF\x03\x00")
    endpoint = local_endpoint(str(gguf), cache_dir=tmp_path)
    assert endpoint.model_name == "My-Model" and endpoint.model_path() == gguf
    assert get_model(f"local/{gguf}").name == "local/My-Model"  # type: ignore[attr-defined]
    (tmp_path / "bad.gguf").write_bytes(b"nope")
    with pytest.raises(LocalModelError, match="not a GGUF file"):
        local_endpoint(str(tmp_path / "bad.gguf"), cache_dir=tmp_path)


def test_cli_status_and_stop(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMR_LLM_CACHE_DIR", str(cache_dir))
    runner = CliRunner()
    result = runner.invoke(app, ["local", "status"])
    assert result.exit_code == 1 and "no local model server is running" in result.output
    state = _start(cache_dir, by="serve")
    result = runner.invoke(app, ["local", "status"])
    assert result.exit_code == 0, result.output
    assert f"pid {state.pid}" in result.output and "healthy" in result.output
    result = runner.invoke(app, ["local", "stop"])
    assert result.exit_code == 0 and f"stopped fake (pid {state.pid})" in result.output
    assert not _server._alive(state.pid)


def test_server_command_is_loopback_and_state_cache_is_opt_in() -> None:
    argv = _server.server_command("m", Path("m.gguf"), 1234, n_ctx=8192, threads=2)
    assert argv[1:3] == ["-m", "llama_cpp.server"]
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--n_ctx") + 1] == "8192"
    assert "--cache" not in argv  # llama.cpp's own last-prompt prefix reuse still applies
    argv = _server.server_command("m", Path("m.gguf"), 1, n_ctx=8, threads=1, state_cache_mb=64)
    assert argv[argv.index("--cache_size") + 1] == str(64 << 20)


def test_on_demand_server_exits_when_its_owner_is_killed(cache_dir: Path) -> None:
    owner = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sys, time; from pathlib import Path; from imr_llm.llm.local import _server; "
            f"s = _server.start('fake', Path('m.gguf'), Path(sys.argv[1]), started_by='demand', "
            f"command={FAKE_CMD!r}); print(s.pid, flush=True); time.sleep(60)",
            str(cache_dir),
        ],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert owner.stdout is not None
    pid = int(owner.stdout.readline())
    assert _server._alive(pid)
    owner.kill()  # no atexit hooks run
    owner.wait()
    deadline = time.monotonic() + 5
    while _server._alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _server._alive(pid)
    assert read_state(cache_dir) is None  # the stale state file is dropped
