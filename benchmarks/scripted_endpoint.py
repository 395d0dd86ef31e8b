"""A scripted OpenAI-compatible endpoint on loopback: chat completions with a fixed latency, and
the Files + Batches API, answering every request from its body alone.

    .venv/bin/python benchmarks/scripted_endpoint.py [--latency-s 0.2] [--port 0]

prints its base URL (``http://127.0.0.1:PORT/v1``) on the first line of stdout and serves until
killed. The benchmarks run it in its own process (so its threads do not take the client's
CPU); the batch tests run it in-process (`ScriptedEndpoint`).

Answers are a pure function of the request body, so an online run and a batch run of the same
requests get the same answers: for a `response_format` JSON schema each property gets a value
chosen by a hash of the messages and the property name (an enum member, null where allowed,
else an empty value of its type). That makes some checklists contradict their decision, which
exercises the re-ask path. Batch input files are checked against the OpenAI Batch request format
(one JSON object per line with exactly custom_id, method POST, url /v1/chat/completions and a
body; custom_ids unique; one model per file); a file that breaks it fails the batch with the
reason, as the hosted API does.
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import hashlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BATCH_URL = "/v1/chat/completions"
BATCH_LINE_KEYS = {"custom_id", "method", "url", "body"}


def _pick(seed: str, options: list[Any]) -> Any:
    digest = hashlib.sha256(seed.encode()).digest()
    return options[digest[0] % len(options)]


def _instance(schema: dict[str, Any], defs: dict[str, Any], seed: str) -> Any:
    """A value valid for `schema` (the subset pydantic emits), chosen by `seed`."""
    if "$ref" in schema:
        return _instance(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, seed)
    if "enum" in schema:
        return _pick(seed, list(schema["enum"]))
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = schema[key]
            nullable = [o for o in options if o.get("type") == "null"]
            return None if nullable else _instance(options[0], defs, seed)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _instance(sub, defs, f"{seed}/{name}") for name, sub in props.items()}
    if kind == "array":
        return []
    if kind == "string":
        return "x"
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    return None


def answer(body: dict[str, Any]) -> str:
    """The assistant message content for a chat-completion request body."""
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema")
    if schema is None:
        tools = body.get("tools") or []
        schema = tools[0]["function"]["parameters"] if tools else {"type": "object"}
    seed = hashlib.sha256(json.dumps(body.get("messages", []), sort_keys=True).encode()).hexdigest()
    return json.dumps(_instance(schema, schema.get("$defs", {}), seed))


def completion(body: dict[str, Any], n: int) -> dict[str, Any]:
    """A chat.completion object answering `body`; token counts follow the text lengths."""
    content = answer(body)
    prompt_tokens = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4
    return {
        "id": f"chatcmpl-{n}",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "scripted"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(content) // 4,
            "total_tokens": prompt_tokens + len(content) // 4,
        },
    }


def check_batch_input(data: bytes) -> list[dict[str, Any]]:
    """The request lines of a batch input file; a line off the OpenAI format raises ValueError."""
    lines: list[dict[str, Any]] = []
    seen: set[str] = set()
    models: set[str] = set()
    for n, raw in enumerate(data.decode("utf-8").splitlines(), 1):
        if not raw.strip():
            raise ValueError(f"line {n}: blank line")
        line = json.loads(raw)
        if set(line) != BATCH_LINE_KEYS:
            raise ValueError(f"line {n}: keys {sorted(line)} (want {sorted(BATCH_LINE_KEYS)})")
        if line["method"] != "POST" or line["url"] != BATCH_URL:
            raise ValueError(f"line {n}: {line['method']} {line['url']}")
        cid = line["custom_id"]
        if not isinstance(cid, str) or not cid or cid in seen:
            raise ValueError(f"line {n}: custom_id missing or duplicated")
        seen.add(cid)
        body = line["body"]
        if not isinstance(body, dict) or not body.get("model") or not body.get("messages"):
            raise ValueError(f"line {n}: body needs model and messages")
        models.add(body["model"])
        lines.append(line)
    if len(models) > 1:
        raise ValueError("more than one model in one batch file")
    if not lines:
        raise ValueError("empty batch file")
    return lines


class ScriptedEndpoint:
    """`with ScriptedEndpoint(latency_s=0.2) as ep: ep.base_url`; see the module docstring.

    `batch_delay_s`: how long a batch stays in_progress before it completes. `fail_lines`: a
    predicate on a batch line's custom_id whose requests come back as errors (error file) once.
    `expire_first`: the first batch ends `expired` with only half of its requests answered.
    """

    def __init__(
        self,
        *,
        latency_s: float = 0.0,
        batch_delay_s: float = 0.0,
        fail_lines: Callable[[str], bool] | None = None,
        expire_first: bool = False,
        port: int = 0,
    ) -> None:
        self.expire_first = expire_first
        self.latency_s = latency_s
        self.batch_delay_s = batch_delay_s
        self.fail_lines = fail_lines
        self.files: dict[str, tuple[str, bytes]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.chat_requests = 0
        self.chat_bodies: set[str] = set()
        """Hashes of the distinct chat-completion bodies served online."""
        self.failed_once: set[str] = set()
        self._lock = threading.Lock()
        self._counter = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out without a 40 ms ACK wait

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                endpoint._get(self)

            def do_POST(self) -> None:
                endpoint._post(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self._httpd.request_queue_size = 128
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> ScriptedEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    # -- handlers ---------------------------------------------------------------------------
    def _next(self, prefix: str) -> str:
        with self._lock:
            self._counter += 1
            return f"{prefix}-{self._counter}"

    def _get(self, h: BaseHTTPRequestHandler) -> None:
        parts = h.path.split("?")[0].strip("/").split("/")
        if parts[:2] == ["v1", "batches"] and len(parts) == 3:
            batch = self.batches.get(parts[2])
            return self._json(h, 200, self._batch_view(batch)) if batch else self._404(h)
        if parts[:2] == ["v1", "files"] and len(parts) == 4 and parts[3] == "content":
            found = self.files.get(parts[2])
            if found is None:
                return self._404(h)
            return self._send(h, 200, found[1], "application/octet-stream")
        return self._json(h, 200, {"object": "list", "data": []})

    def _post(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("content-length", "0"))
        raw = h.rfile.read(length)
        path = h.path.split("?")[0].rstrip("/")
        if path == "/v1/chat/completions":
            body = json.loads(raw or b"{}")
            canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            with self._lock:
                self.chat_requests += 1
                self.chat_bodies.add(hashlib.sha256(canonical.encode()).hexdigest())
                n = self.chat_requests
            if self.latency_s:
                time.sleep(self.latency_s)
            return self._json(h, 200, completion(body, n))
        if path == "/v1/files":
            purpose, filename, data = _multipart(h.headers.get("content-type", ""), raw)
            file_id = self._next("file")
            self.files[file_id] = (purpose, data)
            return self._json(
                h,
                200,
                {
                    "id": file_id,
                    "object": "file",
                    "bytes": len(data),
                    "created_at": 0,
                    "filename": filename,
                    "purpose": purpose,
                    "status": "processed",
                },
            )
        if path == "/v1/batches":
            body = json.loads(raw or b"{}")
            if body.get("input_file_id") not in self.files or body.get("endpoint") != BATCH_URL:
                return self._json(h, 400, {"error": {"message": "bad batch request"}})
            batch_id = self._next("batch")
            batch = {
                "id": batch_id,
                "input_file_id": body["input_file_id"],
                "status": "validating",
                "created": time.monotonic(),
                "metadata": body.get("metadata"),
            }
            self.batches[batch_id] = batch
            threading.Thread(target=self._process, args=(batch,), daemon=True).start()
            return self._json(h, 200, self._batch_view(batch))
        if path.startswith("/v1/batches/") and path.endswith("/cancel"):
            batch = self.batches.get(path.split("/")[3])
            if batch is None:
                return self._404(h)
            batch["status"] = "cancelled"
            return self._json(h, 200, self._batch_view(batch))
        return self._404(h)

    def _process(self, batch: dict[str, Any]) -> None:
        try:
            lines = check_batch_input(self.files[batch["input_file_id"]][1])
        except (ValueError, json.JSONDecodeError) as exc:
            batch["status"] = "failed"
            batch["errors"] = {"object": "list", "data": [{"code": "invalid", "message": str(exc)}]}
            return
        batch["status"] = "in_progress"
        batch["total"] = len(lines)
        if self.batch_delay_s:
            time.sleep(self.batch_delay_s)
        if batch["status"] == "cancelled":
            return
        out: list[str] = []
        err: list[str] = []
        expire = self.expire_first and batch["id"] == min(self.batches, key=self._number)
        if expire:
            lines = lines[: len(lines) // 2]
        for i, line in enumerate(lines):
            cid = line["custom_id"]
            if self.fail_lines and self.fail_lines(cid) and cid not in self.failed_once:
                self.failed_once.add(cid)
                err.append(
                    json.dumps(
                        {
                            "id": f"batch_req_{i}",
                            "custom_id": cid,
                            "response": None,
                            "error": {"code": "server_error", "message": "scripted failure"},
                        }
                    )
                )
                continue
            with self._lock:
                self.chat_requests += 1
                n = self.chat_requests
            out.append(
                json.dumps(
                    {
                        "id": f"batch_req_{i}",
                        "custom_id": cid,
                        "response": {
                            "status_code": 200,
                            "request_id": f"req_{i}",
                            "body": completion(line["body"], n),
                        },
                        "error": None,
                    }
                )
            )
        out_id = self._next("file")
        self.files[out_id] = ("batch_output", "".join(x + "\n" for x in out).encode())
        batch["output_file_id"] = out_id
        if err:
            err_id = self._next("file")
            self.files[err_id] = ("batch_output", "".join(x + "\n" for x in err).encode())
            batch["error_file_id"] = err_id
        batch["completed"] = len(out)
        batch["failed"] = len(err)
        batch["status"] = "expired" if expire else "completed"

    @staticmethod
    def _number(batch_id: str) -> int:
        return int(batch_id.rsplit("-", 1)[1])

    def _batch_view(self, batch: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": batch["id"],
            "object": "batch",
            "endpoint": BATCH_URL,
            "errors": batch.get("errors"),
            "input_file_id": batch["input_file_id"],
            "completion_window": "24h",
            "status": batch["status"],
            "output_file_id": batch.get("output_file_id"),
            "error_file_id": batch.get("error_file_id"),
            "created_at": 0,
            "request_counts": {
                "total": batch.get("total", 0),
                "completed": batch.get("completed", 0),
                "failed": batch.get("failed", 0),
            },
            "metadata": batch.get("metadata"),
        }

    def _json(self, h: BaseHTTPRequestHandler, code: int, payload: Any) -> None:
        self._send(h, code, json.dumps(payload).encode(), "application/json")

    def _404(self, h: BaseHTTPRequestHandler) -> None:
        self._json(h, 404, {"error": {"message": "not found"}})

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, code: int, payload: bytes, ctype: str) -> None:
        h.send_response(code)
        h.send_header("content-type", ctype)
        h.send_header("content-length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)


def _multipart(content_type: str, raw: bytes) -> tuple[str, str, bytes]:
    """(purpose, filename, file bytes) of a multipart/form-data upload."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"content-type: {content_type}\r\n\r\n".encode() + raw
    )
    purpose, filename, data = "", "upload", b""
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == "purpose":
            purpose = payload.decode()
        elif name == "file":
            filename = part.get_filename() or filename
            data = payload
    return purpose, filename, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-s", type=float, default=0.2)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    endpoint = ScriptedEndpoint(latency_s=args.latency_s, port=args.port)
    print(endpoint.base_url, flush=True)
    endpoint.serve_forever()


if __name__ == "__main__":
    main()
