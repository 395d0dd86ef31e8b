"""State that heals and stays private: a damaged cache is moved aside and rebuilt, a full
cache disk is one warning, the cache and the server log are private, the local server gets no
keys, and the call limit stops a runaway run."""

from __future__ import annotations

import json
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from imr_llm.llm import ResponseCache
from imr_llm.llm.local import _server

from ._fake_openai import ScriptedServer, ok, scripted
from .test_client import GOOD, MESSAGES, Facts, make_model


def _fill(path: Path, n: int) -> None:
    cache = ResponseCache(path)
    for i in range(n):
        cache.put(
            f"k{i}", json.dumps({"v": "x" * 500, "i": i}), prompt_tokens=1, completion_tokens=1
        )
    cache.close()


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_cache_is_moved_aside_and_rebuilt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    path = tmp_path / "cache" / "responses.sqlite3"
    _fill(path, 300)
    for side in ("-wal", "-shm"):
        Path(str(path) + side).unlink(missing_ok=True)
    data = path.read_bytes()
    path.write_bytes(
        b"not a database at all" * 200 if damage == "garbage" else data[: len(data) // 2]
    )
    cache = ResponseCache(path)  # main: "file is not a database" / malformed on use
    cache.put("fresh", '{"ok": 1}', prompt_tokens=1, completion_tokens=1)
    assert cache.get("fresh") == '{"ok": 1}'
    assert len(cache) == 1
    warnings = [x for x in capsys.readouterr().err.splitlines() if "damaged response cache" in x]
    assert len(warnings) == 1
    assert len(list(path.parent.glob("responses.sqlite3.corrupt-*"))) == 1


def test_a_cache_that_cannot_grow_warns_once_and_the_call_still_succeeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = ResponseCache(tmp_path / "responses.sqlite3")
    real = cache._conn

    class FullDisk:  # what sqlite answers when the disk is full
        def execute(self, sql: str, *args: object) -> object:
            if sql.startswith("INSERT"):
                raise sqlite3.OperationalError("database or disk is full")
            return real.execute(sql, *args)

        def close(self) -> None:
            real.close()

    cache._conn = FullDisk()  # type: ignore[assignment]
    with ScriptedServer(scripted(*[ok(GOOD)] * 6)) as srv:
        model = make_model(srv.base_url, cache=cache)
        for i in range(6):
            messages = [{"role": "user", "content": f"{MESSAGES[0]['content']} {i}"}]
            assert model.structured(messages, Facts).value == Facts(**GOOD)
    assert len(srv.requests) == 6
    err = capsys.readouterr().err
    assert err.count("cannot write the response cache") == 1


def test_cache_files_are_private(tmp_path: Path) -> None:
    directory = tmp_path / "imr-llm"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    cache = ResponseCache(directory / "responses.sqlite3")
    cache.put("k", "{}", prompt_tokens=0, completion_tokens=0)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for f in directory.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


def test_the_local_server_gets_a_minimal_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    monkeypatch.setenv("IMR_LLM_API_KEY", "must-not-leak-either")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-nope")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    dump = tmp_path / "env.json"
    code = f"import json, os, sys; open({str(dump)!r}, 'w').write(json.dumps(dict(os.environ)))"
    with pytest.raises(Exception, match="exited with code 3"):
        _server.start(
            "fake", Path("m.gguf"), tmp_path, started_by="serve",
            command=[sys.executable, "-c", code + "; sys.exit(3)"], timeout_s=10,
        )  # fmt: skip
    env = json.loads(dump.read_text())
    assert not {"OPENAI_API_KEY", "IMR_LLM_API_KEY", "GITHUB_TOKEN"} & set(env)
    assert env.get("LC_ALL") == "C.UTF-8" and "PATH" in env
    assert stat.S_IMODE((tmp_path / "server.log").stat().st_mode) == 0o600


def test_the_call_limit_stops_a_runaway_run() -> None:
    from imr_llm.llm._client import CallLimitReached

    with ScriptedServer(scripted(*[ok(GOOD)] * 5)) as srv:
        model = make_model(srv.base_url, max_calls=2)
        model.structured(MESSAGES, Facts)
        model.structured(MESSAGES, Facts)
        with pytest.raises(CallLimitReached, match="limit of 2 model calls") as err:
            model.structured(MESSAGES, Facts)
    assert err.value.exit_code == 2
    assert len(srv.requests) == 2
    assert "--max-calls" in str(err.value)
