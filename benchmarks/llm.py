"""Throughput of the imr-llm model layer vs the same request sent straight to the server.

    .venv/bin/python benchmarks/llm.py [--runs 5] [--max-tokens 160] [--private]

Both paths talk to the same llama-cpp-python server (the embedded `local` default model,
started on demand or the one `imr-llm local serve` runs), with the same request body (the
llama.cpp JSON-schema grammar imr-llm sends), interleaved so both see the same prompt-cache
state. Straight HTTP rather than an in-process `llama_cpp.Llama`: it holds the model process,
the HTTP hop and the sampling identical, so the difference is exactly what imr-llm adds
(openai SDK, instructor request shaping and validation, retries, usage accounting, cache
lookup); an in-process Llama would load a second copy of the model on a 2-core machine and
fold llama.cpp's server overhead into the comparison.

Prints tokens/s both ways, their ratio and the layer's overhead as a share of model time,
then the cached re-run time. Target: overhead under 5% of model time. Wall-clock medians are
noisy on a shared 2-core machine, so the layer's own cost is also measured as this process's
CPU time per call (what the client side spends: imr-llm vs a bare httpx post + validation).
`--private` runs its own short-lived server, so other users' requests on the shared one
(which evict the prompt prefix and queue ahead) do not land between the measured calls.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from pydantic import BaseModel, Field

from imr_llm.llm import get_model
from imr_llm.llm._settings import default_cache_dir
from imr_llm.llm.local import DEFAULT_MODEL, local_endpoint

# SYNTHETIC record for benchmarking; no real patient.
RECORD = (
    "SYNTHETIC TEST RECORD - not a real patient.\n"
    "Primary treating physician PR-2, 2023-06-20. 52-year-old male forklift operator, date of "
    "injury 2022-11-03 (slipped on a wet dock, landed on the right shoulder). Complaints: right "
    "shoulder pain 6/10, worse overhead; night pain. Exam: positive Neer and Hawkins, "
    "flexion 140 degrees. MRI 2023-01-15: partial-thickness supraspinatus tear. Treatment to "
    "date: 12 physical therapy visits with partial relief, naproxen 500 mg twice daily, one "
    "subacromial injection (2023-03-02) with 6 weeks of relief. Request: arthroscopic subacromial "
    "decompression; 12 post-operative physical therapy visits."
)


class Extraction(BaseModel):
    """What the benchmark asks the model to extract."""

    age: int = Field(description="Age in years.")
    sex: str = Field(description="female, male or unknown.")
    date_of_injury: str = Field(description="YYYY-MM-DD.")
    body_parts: list[str] = Field(description="Injured body parts.")
    treatments_tried: list[str] = Field(description="Treatments given so far.")
    requested: list[str] = Field(description="Treatments requested.")


MESSAGES = [
    {"role": "system", "content": "Extract the facts from the record as JSON."},
    {"role": "user", "content": RECORD},
]


def direct(client: httpx.Client, base_url: str, max_tokens: int) -> tuple[float, float, int]:
    """One request with the body imr-llm sends: (wall s, client CPU s, completion tokens)."""
    body = {
        "messages": MESSAGES,
        "model": DEFAULT_MODEL,
        "max_tokens": max_tokens,
        "response_format": {"type": "json_object", "schema": Extraction.model_json_schema()},
        "temperature": 0.0,
    }
    started, cpu = time.perf_counter(), time.process_time()
    response = client.post(f"{base_url}/chat/completions", json=body)
    response.raise_for_status()
    Extraction.model_validate_json(response.json()["choices"][0]["message"]["content"])
    tokens = int(response.json()["usage"]["completion_tokens"])
    return time.perf_counter() - started, time.process_time() - cpu, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--private", action="store_true", help="use a server of its own")
    args = parser.parse_args()
    if args.private:  # own state dir (server.json), same assembled model files
        home = Path(tempfile.mkdtemp(prefix="imr-llm-bench-"))
        atexit.register(shutil.rmtree, home, True)  # runs after the server's own atexit stop
        (home / "models").symlink_to(default_cache_dir() / "models")
        os.environ["IMR_LLM_CACHE_DIR"] = str(home)

    base_url = local_endpoint(DEFAULT_MODEL).base_url()
    model = get_model("local", cache=False, max_reasks=0)
    client = httpx.Client(timeout=600)

    # Warm-up: both paths once, so the prompt prefix is in llama.cpp's KV cache for both.
    direct(client, base_url, args.max_tokens)
    model.structured(MESSAGES, Extraction, max_tokens=args.max_tokens)

    direct_s: list[float] = []
    layer_s: list[float] = []
    direct_cpu: list[float] = []
    layer_cpu: list[float] = []
    tokens: set[int] = set()
    for _ in range(args.runs):
        seconds, cpu, n = direct(client, base_url, args.max_tokens)
        direct_s.append(seconds)
        direct_cpu.append(cpu)
        tokens.add(n)
        started, cpu = time.perf_counter(), time.process_time()
        done = model.structured(MESSAGES, Extraction, max_tokens=args.max_tokens)
        layer_s.append(time.perf_counter() - started)
        layer_cpu.append(time.process_time() - cpu)
        tokens.add(done.usage.completion_tokens)
    if len(tokens) != 1:
        raise SystemExit(f"the two paths generated different token counts: {sorted(tokens)}")
    n_tokens = tokens.pop()
    t_direct, t_layer = statistics.median(direct_s), statistics.median(layer_s)

    with tempfile.TemporaryDirectory() as tmp:
        cached = get_model("local", cache=True, cache_dir=Path(tmp), max_reasks=0)
        started = time.perf_counter()
        cached.structured(MESSAGES, Extraction, max_tokens=args.max_tokens)
        miss_s = time.perf_counter() - started
        hits = []
        for _ in range(args.runs):
            started = time.perf_counter()
            assert cached.structured(MESSAGES, Extraction, max_tokens=args.max_tokens).cached
            hits.append(time.perf_counter() - started)
    hit_s = statistics.median(hits)

    overhead = (t_layer - t_direct) / t_direct
    print(f"model: local/{DEFAULT_MODEL} at {base_url}; {args.runs} interleaved runs, medians")
    print(f"completion tokens per call: {n_tokens}")
    print(f"direct HTTP : {t_direct:.3f} s/call  {n_tokens / t_direct:7.2f} tokens/s")
    print(f"imr-llm     : {t_layer:.3f} s/call  {n_tokens / t_layer:7.2f} tokens/s")
    print(f"ratio imr-llm/direct tokens/s: {t_direct / t_layer:.3f}")
    cpu_overhead = statistics.median(layer_cpu) - statistics.median(direct_cpu)
    print(
        f"layer overhead, wall clock: {(t_layer - t_direct) * 1000:+.1f} ms/call = "
        f"{overhead:+.2%} of model time"
    )
    print(
        f"layer overhead, client CPU: {cpu_overhead * 1000:+.1f} ms/call = "
        f"{cpu_overhead / t_direct:+.2%} of model time "
        f"(imr-llm {statistics.median(layer_cpu) * 1000:.1f} ms vs direct "
        f"{statistics.median(direct_cpu) * 1000:.1f} ms)"
    )
    worst = max(overhead, cpu_overhead / t_direct)
    print(f"target < 5% of model time: {'PASS' if worst < 0.05 else 'FAIL'}")
    print(
        f"cached re-run: {hit_s * 1000:.2f} ms/call vs {miss_s:.3f} s uncached "
        f"({miss_s / hit_s:,.0f}x faster)"
    )


if __name__ == "__main__":
    main()
