"""Fake OpenAI-compatible and Ollama servers on loopback, speaking the real wire formats.

The LLM tests in ``test_llm_http.py`` run the real langchain clients (ChatOpenAI,
ChatOllama) against these servers, so serialisation, HTTP status handling,
NDJSON streaming and client timeouts are exercised exactly as in production.
Every request is recorded, so a test can prove the round trip happened.
"""

from __future__ import annotations

import json
import queue
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = 1_718_000_000
OLLAMA_TIME = "2024-06-10T08:00:00.000000Z"


@dataclass
class Reply:
    """One scripted answer: what the handler sends for the next request."""

    status: int = 200
    body: Any = None  # dict (JSON) for OpenAI; for Ollama see ``OllamaMessage``
    delay: float = 0.0  # seconds before anything is sent (a slow model)
    line_delay: float = 0.0  # Ollama streaming: seconds between NDJSON lines (a model that types slowly)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class OllamaMessage:
    """An Ollama assistant message; the server streams or sends it whole, as the request asks."""

    content: str = ""
    tool_calls: list[dict[str, Any]] | None = None
    stream_error: str | None = None  # Ollama reports errors during a stream as an {"error": …} line


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float = field(default_factory=time.monotonic)
    disconnected_after: float | None = None  # seconds after receipt at which the client hung up mid-answer


class WireServer:
    """A threaded HTTP server on 127.0.0.1 with a free port, answering from a queue of ``Reply``."""

    def __init__(self, dialect: str) -> None:
        assert dialect in ("openai", "ollama")
        self.dialect = dialect
        self.replies: queue.Queue[Reply] = queue.Queue()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fake-{dialect}", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1" if self.dialect == "openai" else f"http://{host}:{port}"

    def reply(self, *replies: Reply) -> None:
        for item in replies:
            self.replies.put(item)

    def start(self) -> "WireServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def record(self, entry: Recorded) -> None:
        with self._lock:
            self.requests.append(entry)


def _handler_for(server: WireServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            return None

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            entry = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw or b"{}"))
            server.record(entry)
            expected = "/v1/chat/completions" if server.dialect == "openai" else "/api/chat"
            if self.path != expected:
                return self._send_json(404, {"error": f"unexpected path {self.path}"})
            try:
                reply = server.replies.get_nowait()
            except queue.Empty:
                return self._send_json(500, {"error": "no scripted reply left"})
            if reply.delay and not self._wait(reply.delay, entry):
                return None  # the client gave up; nothing to send
            if server.dialect == "openai" or reply.status != 200:
                return self._send_json(reply.status, reply.body, reply.headers)
            return self._send_ollama(entry, reply)

        def _wait(self, seconds: float, entry: Recorded) -> bool:
            """Sleep like a slow model, but notice when the client closes the connection."""
            until = time.monotonic() + seconds
            while time.monotonic() < until:
                readable, _, _ = select.select([self.connection], [], [], 0.02)
                if readable:
                    try:
                        peek = self.connection.recv(1, socket.MSG_PEEK)
                    except OSError:
                        peek = b""
                    if not peek:
                        entry.disconnected_after = time.monotonic() - entry.received_at
                        self.close_connection = True
                        return False
            return True

        def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _send_ollama(self, entry: Recorded, reply: Reply) -> None:
            """Ollama streams NDJSON (chunked) unless the request says ``"stream": false``."""
            request, message = entry.body, reply.body
            if request.get("stream", True) is False:
                return self._send_json(200, ollama_final(request.get("model", ""), message))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for line in ollama_stream(request.get("model", ""), message):
                if reply.line_delay and not self._wait(reply.line_delay, entry):
                    return None
                data = json.dumps(line).encode() + b"\n"
                try:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                except OSError:
                    return None
            self.wfile.write(b"0\r\n\r\n")

    return Handler


# --- OpenAI wire format --------------------------------------------------------------------------

def openai_completion(model: str, *, content: str | None = None, arguments: str | None = None,
                      tool_name: str = "DraftUpdate") -> dict[str, Any]:
    """A ``chat.completion`` object; ``arguments`` is the JSON *string* the API sends for a tool call."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    finish = "stop"
    if arguments is not None:
        message["tool_calls"] = [{"id": "call_Zp4x7Q", "type": "function",
                                  "function": {"name": tool_name, "arguments": arguments}}]
        finish = "tool_calls"
    return {"id": "chatcmpl-9fQ2", "object": "chat.completion", "created": CREATED, "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
            "usage": {"prompt_tokens": 812, "completion_tokens": 64, "total_tokens": 876},
            "system_fingerprint": "fp_local"}


OPENAI_401 = {"error": {"message": "Incorrect API key provided: wrong-key. You can find your API key at "
                                   "https://platform.openai.com/account/api-keys.",
                        "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}


# --- Ollama wire format --------------------------------------------------------------------------

def _done_fields() -> dict[str, Any]:
    return {"done": True, "done_reason": "stop", "total_duration": 912_000_000, "load_duration": 21_000_000,
            "prompt_eval_count": 812, "prompt_eval_duration": 400_000_000, "eval_count": 64,
            "eval_duration": 480_000_000}


def _ollama_message(message: OllamaMessage, content: str) -> dict[str, Any]:
    body: dict[str, Any] = {"role": "assistant", "content": content}
    if message.tool_calls is not None:
        body["tool_calls"] = message.tool_calls
    return body


def ollama_final(model: str, message: OllamaMessage) -> dict[str, Any]:
    """The single object of a non-streaming ``/api/chat`` reply."""
    return {"model": model, "created_at": OLLAMA_TIME, "message": _ollama_message(message, message.content),
            **_done_fields()}


def ollama_stream(model: str, message: OllamaMessage) -> list[dict[str, Any]]:
    """NDJSON lines as Ollama streams them: content in pieces, tool calls in one chunk, then ``done``."""
    lines: list[dict[str, Any]] = []
    text = message.content
    pieces = [text[i:i + 12] for i in range(0, len(text), 12)]
    for piece in pieces:
        lines.append({"model": model, "created_at": OLLAMA_TIME,
                      "message": {"role": "assistant", "content": piece}, "done": False})
    if message.tool_calls is not None:
        lines.append({"model": model, "created_at": OLLAMA_TIME,
                      "message": _ollama_message(message, ""), "done": False})
    if message.stream_error:
        lines.append({"error": message.stream_error})
        return lines
    lines.append({"model": model, "created_at": OLLAMA_TIME, "message": {"role": "assistant", "content": ""},
                  **_done_fields()})
    return lines


def ollama_tool_call(arguments: Any, name: str = "DraftUpdate") -> list[dict[str, Any]]:
    """Ollama sends ``function.arguments`` as an object, and no call id."""
    return [{"function": {"name": name, "arguments": arguments}}]
