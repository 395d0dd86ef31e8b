"""Model requests as OpenAI Batch API rounds: the transport, the answer store and the endpoint.

How a flow (summary calls, item calls, re-asks) runs in batch mode without changing it:
`BatchTransport` stands in for the openai client of an `InstructorModel`, so every request is
shaped, sent, parsed and validated by exactly the code of the online path. When a request body
has an answer in the `AnswerStore` (downloaded from an earlier batch), the transport returns it
as the `ChatCompletion` the endpoint would have sent; the answer is validated as online, and an
invalid one makes the client build its re-ask request. When it has none, the transport records
the body for the next round and raises `Pending`, which unwinds the sample's flow (it derives
from BaseException so that no `except Exception` on the way turns it into a failure). The
runner then sends all recorded requests of the round as one batch (`BatchEndpoint`), stores the
answers and runs the unfinished samples again: a flow with k sequential calls takes k rounds.

Requests are identified by a hash of their body (`request_key`), so a re-run makes the same
requests; identical requests from several samples are sent once. Everything needed to resume is
on disk: the answers (append-only JSON Lines) and, per round, the input file and the ids of its
uploaded file and batch(es), written before and right after submission; a killed run resumes by
polling the recorded batch ids and loses nothing.

The request files are OpenAI Batch API input (`{"custom_id", "method": "POST",
"url": "/v1/chat/completions", "body"}` per line) and also run offline on vLLM's batch runner
(`vllm run-batch -i round-1.input.jsonl -o round-1.output.jsonl --model ...`): with
`mode="files"` nothing is uploaded; the run stops after writing a round's input and picks up
the output file (same line format as the Batch API's) on the next `--resume`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import openai
from openai.types.chat import ChatCompletion

from imr_llm._errors import ImrLlmError, ModelError

log = logging.getLogger("imr_llm.llm")

BATCH_URL: Final = "/v1/chat/completions"
MAX_REQUESTS_PER_BATCH = 50_000
"""OpenAI's limit on requests per batch input file."""
MAX_BYTES_PER_BATCH = 190 * 1024 * 1024
"""Below OpenAI's 200 MB limit on a batch input file."""
TERMINAL = ("completed", "failed", "expired", "cancelled")

BatchMode = Literal["api", "files"]


class Pending(BaseException):
    """The request has no answer yet; it is queued for the next batch round."""


class BatchWaiting(ImrLlmError):
    """A round's input file is written for an offline runner; re-run with --resume after it."""

    exit_code = 4


def request_key(body: dict[str, Any]) -> str:
    """Identity of a request: a hash of its canonical JSON body."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AnswerStore:
    """Answers by request key, kept in an append-only JSON Lines file (resume reads it back).

    A line is `{"key", "response": <chat.completion body>}` or `{"key", "error": {...}}`; a line
    cut by a kill is skipped. Errors are counted per key (a failed request is sent again, up to
    the model's retry limit)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.responses: dict[str, str] = {}
        """Key -> the chat.completion body as JSON text (parsed when used; smaller than dicts)."""
        self.errors: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    self._take(entry)

    def _take(self, entry: dict[str, Any]) -> None:
        key = entry.get("key")
        if not isinstance(key, str):
            return
        if isinstance(entry.get("response"), dict):
            self.responses[key] = json.dumps(entry["response"], ensure_ascii=False)
        elif entry.get("error") is not None:
            self.errors.setdefault(key, []).append(entry["error"])

    def add(self, entries: list[dict[str, Any]]) -> None:
        """Append entries (and flush) before taking them in."""
        if not entries:
            return
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                for entry in entries:
                    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
                handle.flush()
            for entry in entries:
                self._take(entry)


def batch_line(custom_id: str, body: dict[str, Any]) -> str:
    """One OpenAI Batch API input line (no newline)."""
    return json.dumps(
        {"custom_id": custom_id, "method": "POST", "url": BATCH_URL, "body": body},
        ensure_ascii=False,
    )


class RoundFiles:
    """A round's requests, written to its input file(s) as they are recorded (memory stays flat
    however many requests a round has). A new part starts at `MAX_REQUESTS_PER_BATCH` lines or
    `MAX_BYTES_PER_BATCH` bytes. Files are `<prefix>-K.input.jsonl`, written as `.tmp` and
    renamed by `close()`; `keys` maps each custom_id to its request key."""

    def __init__(self, directory: Path, prefix: str) -> None:
        self.directory = directory
        self.prefix = prefix
        self.keys: dict[str, str] = {}
        self.parts: list[tuple[str, int]] = []
        self._handle: Any = None
        self._count = 0
        self._size = 0

    def _roll(self) -> None:
        self._finish()
        name = f"{self.prefix}-{len(self.parts) + 1}.input.jsonl"
        self.directory.mkdir(parents=True, exist_ok=True)
        self._handle = (self.directory / (name + ".tmp")).open("w", encoding="utf-8")
        self.parts.append((name, 0))
        self._count = self._size = 0

    def _finish(self) -> None:
        if self._handle is not None:
            self._handle.close()
            name, _ = self.parts[-1]
            self.parts[-1] = (name, self._count)
            self._handle = None

    def add(self, custom_id: str, key: str, body: dict[str, Any]) -> None:
        line = batch_line(custom_id, body) + "\n"
        size = len(line.encode("utf-8"))
        if (
            self._handle is None
            or self._count >= MAX_REQUESTS_PER_BATCH
            or self._size + size > MAX_BYTES_PER_BATCH
        ):
            self._roll()
        self._handle.write(line)
        self._count += 1
        self._size += size
        self.keys[custom_id] = key

    def close(self) -> list[tuple[str, int]]:
        """Finish the files; (name, number of requests) per part."""
        self._finish()
        for name, _ in self.parts:
            (self.directory / (name + ".tmp")).replace(self.directory / name)
        return self.parts


class _Completions:
    def __init__(self, transport: BatchTransport) -> None:
        self._transport = transport

    def create(self, **kwargs: Any) -> ChatCompletion:
        return self._transport.create(kwargs)


class _Chat:
    def __init__(self, transport: BatchTransport) -> None:
        self.completions = _Completions(transport)


@dataclass
class BatchTransport:
    """Stands in for `openai.OpenAI` inside an `InstructorModel` (see the module docstring).

    `begin(sample_id)` names the sample whose flow runs next on this thread; its requests get
    custom ids `<sample_id>/call-<n>` (n counts the sample's calls in this pass). Unanswered
    requests go to `round` (a `RoundFiles`), each distinct request once."""

    store: AnswerStore
    max_failures: int = 3
    round: RoundFiles | None = None
    _queued: set[str] = field(default_factory=set)
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.chat = _Chat(self)

    def begin(self, sample_id: str) -> None:
        self._local.sample = sample_id
        self._local.calls = 0

    def start_round(self, files: RoundFiles) -> None:
        with self._lock:
            self.round = files
            self._queued = set()

    def create(self, body: dict[str, Any]) -> ChatCompletion:
        self._local.calls = getattr(self._local, "calls", 0) + 1
        key = request_key(body)
        answer = self.store.responses.get(key)
        if answer is not None:
            return ChatCompletion.model_validate_json(answer)
        failures = self.store.errors.get(key, [])
        if len(failures) >= self.max_failures:
            code = failures[-1].get("code") or failures[-1].get("status_code") or "error"
            raise ModelError(
                f"the batch endpoint failed this request in {len(failures)} round(s) ({code})"
            )
        sample = getattr(self._local, "sample", "request")
        with self._lock:
            if self.round is None:
                raise ModelError("batch: a request was made outside a round")
            if key not in self._queued:
                self._queued.add(key)
                self.round.add(f"{sample}/call-{self._local.calls}", key, body)
        raise Pending


def answers_from_output(text: str, keys: dict[str, str]) -> list[dict[str, Any]]:
    """AnswerStore entries from a batch output or error file (`keys`: custom_id -> key)."""
    entries = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        key = keys.get(row.get("custom_id", ""))
        if key is None:
            continue
        response = row.get("response") or {}
        body = response.get("body")
        if response.get("status_code") == 200 and isinstance(body, dict) and body.get("choices"):
            entries.append({"key": key, "response": body})
        else:
            error = row.get("error") or {
                "status_code": response.get("status_code"),
                "code": ((body or {}).get("error") or {}).get("code")
                if isinstance(body, dict)
                else None,
            }
            entries.append({"key": key, "error": error})
    return entries


@dataclass
class BatchEndpoint:
    """Files + Batches API of an OpenAI-compatible endpoint (or files for an offline runner)."""

    base_url: str
    api_key: str | None = None
    mode: BatchMode = "api"
    poll_s: float = 30.0
    completion_window: str = "24h"
    timeout_s: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    _client: openai.OpenAI | None = None

    def client(self) -> openai.OpenAI:
        if self._client is None:
            self._client = openai.OpenAI(
                base_url=self.base_url, api_key=self.api_key or "not-needed", timeout=self.timeout_s
            )
        return self._client

    def upload(self, path: Path) -> str:
        with path.open("rb") as handle:
            return self.client().files.create(file=(path.name, handle), purpose="batch").id

    def create(self, input_file_id: str, metadata: dict[str, str]) -> str:
        batch = self.client().batches.create(
            input_file_id=input_file_id,
            endpoint=BATCH_URL,
            # a str field: OpenAI's SDK types only "24h", other compatible servers take more
            completion_window=self.completion_window,  # type: ignore[arg-type]
            metadata=metadata,
        )
        return batch.id

    def wait(self, batch_id: str, on_status: Callable[[Any], None] | None = None) -> Any:
        """Poll until the batch reaches a terminal status; return the batch object."""
        while True:
            try:
                batch = self.client().batches.retrieve(batch_id)
            except (openai.APIConnectionError, openai.InternalServerError) as exc:
                log.warning("polling batch %s failed (%s); retrying", batch_id, type(exc).__name__)
                self.sleep(self.poll_s)
                continue
            if on_status is not None:
                on_status(batch)
            if batch.status in TERMINAL:
                return batch
            self.sleep(self.poll_s)

    def download(self, file_id: str | None) -> str:
        if not file_id:
            return ""
        return self.client().files.content(file_id).text


def describe_failure(batch: Any) -> str:
    errors = getattr(getattr(batch, "errors", None), "data", None) or []
    first = errors[0] if errors else None
    detail = (
        f": {getattr(first, 'code', '')} {getattr(first, 'message', '')}".rstrip() if first else ""
    )
    return f"batch {batch.id} {batch.status}{detail}"


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", "utf-8")
    tmp.replace(path)
