"""Run a server program and exit as soon as the process that started it is gone.

    python -m imr_llm.llm.local._watchdog OWNER_PID (MODULE | SCRIPT.py) [ARGS...]

A server started on demand is stopped at exit by its owner (atexit), but a killed owner
(SIGKILL, `timeout`) runs no atexit hooks; this wrapper catches that case: when its parent
changes (the owner died and the child was re-parented), it exits.
"""

from __future__ import annotations

import os
import runpy
import sys
import threading
import time


def _watch(owner: int) -> None:
    while True:
        if os.getppid() != owner:
            os._exit(0)
        time.sleep(0.5)


def main() -> None:
    owner, target, *args = sys.argv[1:]
    threading.Thread(target=_watch, args=(int(owner),), daemon=True).start()
    sys.argv = [target, *args]
    if target.endswith(".py"):
        runpy.run_path(target, run_name="__main__")
    else:
        runpy.run_module(target, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
