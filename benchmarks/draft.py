"""Wall time per case through the drafting path on the embedded local model: cold and warm.

    .venv/bin/python benchmarks/draft.py [CASE_DIR ...]

Runs `draft_letter` (summarize + every disputed item + the rendered letter, what
`imr-llm draft` does) on each synthetic case (default: the demo case, CM17-0005177) against a
private, short-lived llama.cpp server of the default local model (its own state dir, the same
assembled model files), so no other user's requests land between the measured calls.

For each case, in one run:
- cold: the case's records have not been seen by the server (its KV cache holds another
  prompt or nothing), response cache off: every prompt token is read at least once;
- warm: the same case again straight after, response cache off. llama.cpp keeps ONE prompt's
  KV cache; the summary's first call (examination findings) reads only the latest progress
  report, so its prefix differs from the full-records prefix the later calls share, and a
  warm run gains little over a cold one (the within-case sharing is the same in both);
- no-reuse: as cold, but a one-token unrelated request is sent before every call, evicting the
  KV cache: what every call would cost if requests did not share the records prefix. The
  cold/no-reuse ratio is what the shared prefix saves;
- cached: again with the response cache on, after one run that filled it: no model calls.
Prints seconds, the warm/cold ratio and the server start time. Numbers are for this machine
(2 cores); the model reads ~100 prompt tokens/s and writes ~25 tokens/s here.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TypeVar

import httpx
from pydantic import BaseModel

from imr_llm.drafting import draft_letter
from imr_llm.guidelines import load_library
from imr_llm.llm import Completion, Message, Model, Usage, get_model
from imr_llm.llm._settings import default_cache_dir
from imr_llm.llm.local import DEFAULT_MODEL, local_endpoint
from imr_llm.records import load_case

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T", bound=BaseModel)
DEFAULT_CASES = [ROOT / "evals" / "datasets" / "synthetic" / "CM17-0005177"]


def private_server_home() -> Path:
    """An own state dir (server.json, log) that reuses the assembled model files."""
    home = Path(tempfile.mkdtemp(prefix="imr-llm-bench-"))
    atexit.register(shutil.rmtree, home, True)  # runs after the server's own atexit stop
    (home / "models").symlink_to(default_cache_dir() / "models")
    return home


class EvictingModel(Model):
    """Sends a one-token unrelated request before each call, so no prefix is reused."""

    def __init__(self, inner: Model, base_url: str) -> None:
        self.inner, self.name = inner, inner.name
        self.client, self.base_url = httpx.Client(timeout=600), base_url

    def structured(
        self,
        messages: list[Message],
        response_model: type[T],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Completion[T]:
        self.client.post(
            f"{self.base_url}/chat/completions",
            json={
                "model": DEFAULT_MODEL,
                "messages": [{"role": "user", "content": "Say OK."}],
                "max_tokens": 1,
            },
        ).raise_for_status()
        return self.inner.structured(
            messages, response_model, max_tokens=max_tokens, temperature=temperature
        )


def timed_draft(
    case_dir: Path, *, cache: bool, cache_dir: Path, evict_url: str | None = None
) -> tuple[float, Usage]:
    model: Model = get_model("local", cache=cache, cache_dir=str(cache_dir))
    if evict_url:
        model = EvictingModel(model, evict_url)
    case = load_case(case_dir / "records")
    start = time.perf_counter()
    done = draft_letter(case, model, load_library())
    return time.perf_counter() - start, done.usage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", type=Path, help="synthetic case directories")
    args = parser.parse_args()
    cases: list[Path] = args.cases or DEFAULT_CASES

    home = private_server_home()
    os.environ["IMR_LLM_CACHE_DIR"] = str(home)
    t0 = time.perf_counter()
    base_url = local_endpoint(DEFAULT_MODEL).base_url()  # starts the private server
    server_start = time.perf_counter() - t0
    print(f"server start ({DEFAULT_MODEL}, model already assembled): {server_start:.1f} s\n")

    header = f"{'case':<16} {'cold s':>7} {'warm s':>7} {'no-reuse s':>10} {'cold/no-reuse':>13}"
    print(f"{header} {'cached s':>9}  tokens in/out (cold)")
    for case_dir in cases:
        responses = home / f"responses-{case_dir.name}"
        cold, usage = timed_draft(case_dir, cache=False, cache_dir=responses)
        warm, _ = timed_draft(case_dir, cache=False, cache_dir=responses)
        no_reuse, _ = timed_draft(case_dir, cache=False, cache_dir=responses, evict_url=base_url)
        timed_draft(case_dir, cache=True, cache_dir=responses)  # fills the response cache
        cached, _ = timed_draft(case_dir, cache=True, cache_dir=responses)
        print(
            f"{case_dir.name:<16} {cold:>7.1f} {warm:>7.1f} {no_reuse:>10.1f}"
            f" {cold / no_reuse:>13.2f} {cached:>9.3f}"
            f"  {usage.prompt_tokens}/{usage.completion_tokens} in {usage.requests} requests"
        )


if __name__ == "__main__":
    main()
