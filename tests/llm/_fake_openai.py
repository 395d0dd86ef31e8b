"""A scripted OpenAI-compatible server on loopback for offline tests of the model layer.

`ScriptedServer(responder)` answers POST /v1/chat/completions by asking `responder(body)` for
an `Action`: a normal answer, an HTTP error (optionally with Retry-After), a dropped
connection, a body cut short, a non-JSON body, or a stall past the client's timeout.
It records every request body, stops itself on `__exit__`, and refuses to serve more than
`max_requests` requests so a runaway retry loop cannot spin forever.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Kind = Literal["ok", "status", "drop", "truncate", "garbage", "stall"]


@dataclass(frozen=True)
class Action:
    kind: Kind = "ok"
    content: str = "{}"
    prompt_tokens: int = 10
    completion_tokens: int = 5
    finish_reason: str = "stop"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    stall_s: float = 0.0


def ok(content: str | dict[str, Any], **kw: Any) -> Action:
    text = content if isinstance(content, str) else json.dumps(content)
    return Action("ok", content=text, **kw)


def status(code: int, retry_after: str | None = None, error_code: str = "x") -> Action:
    return Action(
        "status",
        status=code,
        headers={"retry-after": retry_after} if retry_after else {},
        content=error_code,
    )


DROP = Action("drop")
TRUNCATE = Action("truncate")
GARBAGE = Action("garbage")


def stall(seconds: float) -> Action:
    return Action("stall", stall_s=seconds)


def completion_body(action: Action, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": action.content},
                "finish_reason": action.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": action.prompt_tokens,
            "completion_tokens": action.completion_tokens,
            "total_tokens": action.prompt_tokens + action.completion_tokens,
        },
    }


class ScriptedServer:
    """Context manager: `with ScriptedServer(responder) as srv: srv.base_url ...`."""

    def __init__(
        self, responder: Callable[[dict[str, Any]], Action], *, max_requests: int = 2000
    ) -> None:
        self.responder = responder
        self.max_requests = max_requests
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        """Request headers, in the order of `requests` (lower-cased names)."""
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._send(200, b'{"object":"list","data":[]}')

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(body)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    over = len(server.requests) > server.max_requests
                if over:
                    self._send(503, b'{"error":"scripted server: request limit reached"}')
                    return
                action = server.responder(body)
                if action.kind == "drop":
                    self.close_connection = True
                    return
                if action.kind == "stall":
                    time.sleep(action.stall_s)
                    self.close_connection = True
                    return
                if action.kind == "status":
                    error = {"message": "scripted", "type": "x", "code": action.content}
                    payload = json.dumps({"error": error})
                    self._send(action.status, payload.encode(), action.headers)
                    return
                if action.kind == "garbage":
                    self._send(200, b"<html>not json</html>")
                    return
                payload = json.dumps(completion_body(action, body.get("model", "m"))).encode()
                if action.kind == "truncate":
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 3])
                    self.close_connection = True
                    return
                self._send(200, payload)

            def _send(self, code: int, payload: bytes, headers: dict[str, str] | None = None):
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def scripted(*actions: Action) -> Callable[[dict[str, Any]], Action]:
    """A responder that plays `actions` in order, then fails loudly with 599."""
    queue = list(actions)
    lock = threading.Lock()

    def respond(_body: dict[str, Any]) -> Action:
        with lock:
            return queue.pop(0) if queue else status(599)

    return respond
