"""A scripted OpenAI-compatible chat server over real HTTP on 127.0.0.1, for tests.

It serves `/v1/chat/completions` (streaming SSE with chunked transfer encoding, and non-streaming JSON) and
`/v1/models`. Each request takes the next scripted `Reply` (or the default one when the script is empty), so a
test decides exactly what the "model" does: the text, the HTTP status and headers (e.g. `Retry-After`), delays
before the headers or between chunks, garbage in the stream, a connection cut mid-stream, a stream that ends
without a finish reason, or "obeying" an instruction injected into the prompt.

Usage:
    with OpenAIStub() as stub:
        stub.script(Reply(text="See [1]."), Reply(status=500))
        settings = Settings(llm="openai", llm_model=stub.model, openai_base_url=stub.base_url, ...)
        ...
        assert len(stub.requests) == 2

Other engineers' tests (UI, CLI, benchmarks) can use it the same way.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

INJECTION = re.compile(r"ignore (?:all )?previous instructions", re.IGNORECASE)
QUOTED = re.compile(r"\"([^\"]{1,500})\"")


@dataclass
class Reply:
    """What the stub does for one request."""

    text: str = "The retrieved abstracts do not answer this question."
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error_message: str = "scripted error"  # put in the JSON error body of a non-200 reply
    delay: float = 0.0  # seconds before the response headers are sent (a hang when large)
    first_chunk_delay: float = 0.0  # seconds after the headers, before the first chunk
    chunk_delay: float = 0.0  # seconds between chunks
    chunk_chars: int = 6  # characters of text per streamed delta
    garbage: bool = False  # after two good chunks, send data lines that are not JSON
    cut_after: int | None = None  # drop the connection after this many chunks (no terminating chunk)
    end_without_finish: bool = False  # end the body cleanly but send no finish_reason and no [DONE]
    obey: bool = False  # reply with the first "quoted" text after "ignore previous instructions" in the prompt
    fn: Callable[[dict[str, Any]], str] | None = None  # compute the reply text from the request body


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]  # names lowercased
    body: dict[str, Any]

    @property
    def prompt_text(self) -> str:
        """All message contents of a chat request, joined."""
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))


class OpenAIStub:
    """Start with `start()` (or a `with` block); `base_url` ends in /v1 like the real API."""

    def __init__(self, model: str = "stub-model", default: Reply | None = None, port: int = 0) -> None:
        self.model = model
        self._bind_port = port  # 0: any free port; a fixed one lets a test stop the "model" and bring it back
        self.default = default or Reply()
        self.requests: list[RecordedRequest] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> OpenAIStub:
        handler = type("Handler", (_Handler,), {"stub": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self._bind_port), handler)
        self._server.daemon_threads = True
        # shutdown() waits for the loop's next poll: the default 0.5 s made every test using the stub 0.5 s slower
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="openai-stub",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the stub first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # --- scripting -----------------------------------------------------------------------------------------
    def script(self, *replies: Reply) -> None:
        """Queue replies: request i gets reply i; once they are used up, every request gets `default`."""
        with self._lock:
            self._script.extend(replies)

    def next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]


def reply_text(reply: Reply, body: dict[str, Any]) -> str:
    """The text the scripted model says for this request."""
    if reply.fn is not None:
        return reply.fn(body)
    if reply.obey:
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        found = INJECTION.search(prompt)
        if found:
            quoted = QUOTED.search(prompt, found.end())
            if quoted:
                return quoted.group(1)
    return reply.text


class _Handler(BaseHTTPRequestHandler):
    stub: OpenAIStub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature fixed by the base class
        """Quiet: the test output stays readable."""

    # --- routes --------------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - name fixed by the base class
        self.stub.record(RecordedRequest(self.path, self._headers(), {}))
        if self.path.rstrip("/").endswith("/models"):
            self._send_json(200, {"object": "list", "data": [{"id": self.stub.model, "object": "model"}]})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:  # noqa: N802 - name fixed by the base class
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw)
        except ValueError:
            self._send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        self.stub.record(RecordedRequest(self.path, self._headers(), body))
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        reply = self.stub.next_reply()
        if self._wait(reply.delay):
            return
        if reply.status != 200:
            error = {"error": {"message": reply.error_message, "type": "scripted", "code": reply.status}}
            self._send_json(reply.status, error, reply.headers)
        elif body.get("stream"):
            self._stream(reply, reply_text(reply, body))
        else:
            self._send_json(200, self._completion(reply_text(reply, body)), reply.headers)

    def _headers(self) -> dict[str, str]:
        """Request headers, names lowercased."""
        return {name.lower(): value for name, value in self.headers.items()}

    # --- responses -----------------------------------------------------------------------------------------
    def _wait(self, seconds: float) -> bool:
        """Sleep, but wake when the stub stops; True when stopping (the caller then gives up)."""
        return seconds > 0 and self.stub.stopping.wait(seconds)

    def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _completion(self, text: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.stub.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        payload = {
            "id": "chatcmpl-stub",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.stub.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(payload)}\n\n".encode()

    def _write_chunk(self, data: bytes) -> None:
        """One HTTP/1.1 chunk of the chunked body."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _stream(self, reply: Reply, text: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.flush()
        if self._wait(reply.first_chunk_delay):
            return
        events = [self._chunk({"role": "assistant", "content": ""})]
        step = max(1, reply.chunk_chars)
        events += [self._chunk({"content": text[i : i + step]}) for i in range(0, len(text), step)]
        if reply.garbage:
            events = events[:2] + [b"data: {this is not json\n\n", b"\x00\xff garbage \xfe\n\n", b"data: ]]]\n\n"]
        elif not reply.end_without_finish:
            events += [self._chunk({}, finish="stop"), b"data: [DONE]\n\n"]
        for i, event in enumerate(events):
            if reply.cut_after is not None and i >= reply.cut_after:
                self._drop_connection()
                return
            if i and self._wait(reply.chunk_delay):
                return
            self._write_chunk(event)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _drop_connection(self) -> None:
        """Close the socket without the terminating chunk: the client sees a body cut short."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
