"""A fake OpenAI-compatible chat server on 127.0.0.1 for tests of the LLM path.

Each request to POST /v1/chat/completions takes the next scripted `Reply` from a queue (or the
default reply when the queue is empty), answers in the streaming (SSE) or plain JSON form the
client asked for, and is recorded in `server.requests`.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """What the server does for one request.

    kind: "text" (the reply `text`, streamed as `pieces` or split into small pieces),
    "http_error" (status `status`), "malformed" (a body that is not JSON),
    "sleep" (wait `seconds` before answering, to trip the client's timeout),
    "echo" (status `status` with a body that repeats the request line and its Authorization
    header, as careless servers and proxies do).
    """

    text: str = ""
    kind: str = "text"
    pieces: tuple[str, ...] = ()
    status: int = 500
    seconds: float = 5.0

    def chunks(self) -> list[str]:
        if self.pieces:
            return list(self.pieces)
        size = 4
        return [self.text[i : i + size] for i in range(0, len(self.text), size)] or [""]


@dataclass
class FakeOpenAI:
    """The running server: `url` is the base URL to configure as llm_base_url."""

    default: Reply = field(
        default_factory=lambda: Reply("晋城设立了总规模300亿的产业引导基金[1]。")
    )
    replies: deque[Reply] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)  # lower-case names
    url: str = ""
    _httpd: ThreadingHTTPServer | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def script(self, *replies: Reply | str) -> None:
        self.replies.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def next_reply(self) -> Reply:
        return self.replies.popleft() if self.replies else self.default

    def start(self) -> FakeOpenAI:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                # A client that gave up (its timeout) has closed the socket: nothing to tell it.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer()

            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.split("?")[0].rstrip("/") != "/v1/chat/completions":
                    self._send(404, b'{"error": {"message": "no such path"}}')
                    return
                request = json.loads(body)
                server.requests.append(request)
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                reply = server.next_reply()
                if reply.kind == "sleep":
                    server._stop.wait(reply.seconds)
                if reply.kind == "http_error":
                    err = {"error": {"message": "internal error", "type": "server_error"}}
                    self._send(reply.status, json.dumps(err).encode())
                elif reply.kind == "echo":
                    said = (
                        f"{self.command} {self.path} Authorization: {self.headers['Authorization']}"
                    )
                    err = {"error": {"message": f"rejected {said}", "code": "invalid_api_key"}}
                    self._send(reply.status, json.dumps(err).encode())
                elif reply.kind == "malformed":
                    self._malformed(bool(request.get("stream")))
                elif request.get("stream"):
                    self._stream(request, reply)
                else:
                    self._send(200, json.dumps(_completion(request, reply.text)).encode())

            def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _malformed(self, stream: bool) -> None:
                if stream:
                    body = b'data: {"id": "x", "choices": [{"delta": {"content": "\xe6\x99\x8b\n\n'
                    self._send(200, body + b"data: [DONE]\n\n", "text/event-stream")
                else:
                    self._send(200, b'{"id": "x", "choices": [ <html>oops')

            def _stream(self, request: dict[str, Any], reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for event in _sse_events(request, reply):
                    self.wfile.write(f"data: {event}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host!s}:{port}/v1"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def reset(self) -> None:
        self.replies.clear()
        self.requests.clear()
        self.headers.clear()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _completion(request: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _sse_events(request: dict[str, Any], reply: Reply) -> Iterator[str]:
    base = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": request.get("model", "fake"),
    }
    first = {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
    yield json.dumps({**base, "choices": [first]}, ensure_ascii=False)
    for piece in reply.chunks():
        choice = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
        yield json.dumps({**base, "choices": [choice]}, ensure_ascii=False)
    last = {"index": 0, "delta": {}, "finish_reason": "stop"}
    yield json.dumps({**base, "choices": [last]}, ensure_ascii=False)


def message_text(request: dict[str, Any]) -> str:
    """All message contents of a recorded request, joined (for asserting what the model saw)."""
    parts = []
    for m in request.get("messages", []):
        content = m.get("content")
        if isinstance(content, list):
            parts.extend(str(c.get("text", "")) for c in content if isinstance(c, dict))
        else:
            parts.append(str(content))
    return "\n".join(parts)
