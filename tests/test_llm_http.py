"""LLM mode over real HTTP: the app's own ChatOpenAI / ChatOllama against fake servers on loopback.

``test_llm_mode.py`` swaps in fake chat models; here nothing is faked above the
socket. The chat model is built by ``build_chat_model`` from the app config, the
servers (``llm_wire``) answer in the OpenAI and Ollama wire formats, and each
test checks both sides: what the server received (model, German system prompt,
the clerk's words) and what the clerk sees (draft updated, or a German answer
from the built-in engine with the fallback counted in ``/healthz``).
"""

from __future__ import annotations

import json
import time

import pytest

from app import create_app
from app.storage.migrate import upgrade
from llm_wire import OPENAI_401, OllamaMessage, Reply, WireServer, ollama_tool_call, openai_completion

TIMEOUT = 1.0  # seconds; the configured LLM_TIMEOUT_SECONDS for every test here
MESSAGE = "Ich bin im Bürgerbüro und bearbeite ca. 300 Fälle im Jahr."
PROMPT_START = "Du bist der Interview-Assistent von Prozesslotse."
GOOD = {"title": "Fischereischein ausstellen", "org_unit": "Ordnungsamt", "case_volume_per_year": 150,
        "steps": [{"label": "Antrag entgegennehmen", "kind": "receive"},
                  {"label": "Prüfungszeugnis prüfen", "kind": "check_formal"},
                  {"label": "Fischereischein ausstellen", "kind": "create_document", "it_system": "Excel"}]}
GOOD_MESSAGE = ("Wir im Ordnungsamt stellen Fischereischeine aus, so 150 im Jahr: Antrag annehmen, Zeugnis checken, "
                "Schein machen.")


@pytest.fixture
def openai_server():
    server = WireServer("openai").start()
    yield server
    server.stop()


@pytest.fixture
def ollama_server():
    server = WireServer("ollama").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory, embedding_cache_dir):
    """One app and one clerk for the module (migrating a database per test would dominate the runtime)."""
    data = tmp_path_factory.mktemp("llm-http") / "data"
    data.mkdir()
    url = f"sqlite:///{data / 'prozesslotse.db'}"
    upgrade(url)
    app = create_app({"DATA_DIR": str(data), "DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "EMBEDDING_CACHE_DIR": str(embedding_cache_dir), "LLM_PROVIDER": "openai",
                      "LLM_MODEL": "unbenutzt", "LLM_TIMEOUT_SECONDS": TIMEOUT})
    yield app, _clerk(app)
    app.extensions["prozesslotse.db"].dispose()


@pytest.fixture
def wire_app(shared_app):
    """The app with its LLM configured like in production, pointing at a fake server; a fresh extractor per test."""
    app, headers = shared_app

    def factory(server: WireServer, **config):
        provider = "openai" if server.dialect == "openai" else "ollama"
        app.config.update({"LLM_PROVIDER": provider, "LLM_MODEL": f"{provider}-testmodell",
                           "LLM_BASE_URL": server.base_url, "LLM_API_KEY": "sk-richtig",
                           "LLM_TIMEOUT_SECONDS": TIMEOUT, "LLM_STRUCTURED_METHOD": None, **config})
        for key in ("prozesslotse.llm", "prozesslotse.llm_fallback_log"):
            app.extensions.pop(key, None)
        assert "prozesslotse.chat_model" not in app.extensions  # the real client, built from config
        app.extensions["tests.clerk_headers"] = headers
        return app

    return factory


def _clerk(app) -> dict[str, str]:
    from app.context import database
    from app.storage.profiles import ensure_municipality
    from app.storage.users import create_user, issue_token

    with app.app_context(), database().session() as session:
        municipality = ensure_municipality(session, "Testdorf", "Hessen")
        user = create_user(session, "lena", "lotsen-pass-2468", "clerk", municipality)
        return {"Authorization": f"Bearer {issue_token(session, user)}"}


def _talk(app, text: str) -> tuple[dict, dict]:
    """Start an interview, send one clerk message; returns the message response and the stored interview."""
    client, headers = app.test_client(), app.extensions["tests.clerk_headers"]
    interview = client.post("/api/interviews", json={"retrieval": False}, headers=headers).get_json()
    response = client.post(f"/api/interviews/{interview['id']}/messages", json={"text": text}, headers=headers)
    assert response.status_code == 200
    stored = client.get(f"/api/interviews/{interview['id']}", headers=headers).get_json()
    return response.get_json(), stored


def _interviewer_health(app) -> dict:
    return app.test_client().get("/healthz").get_json()["models"]["interviewer"]


def _assert_prompted(server: WireServer, text: str) -> dict:
    """The server got exactly one request with the model, the German system prompt and the clerk's words."""
    assert len(server.requests) == 1, [r.path for r in server.requests]
    body = server.requests[0].body
    assert body["model"] == f"{'openai' if server.dialect == 'openai' else 'ollama'}-testmodell"
    system, human = body["messages"][0], body["messages"][-1]
    assert system["role"] == "system" and system["content"].startswith(PROMPT_START)
    assert "Zuletzt gefragt wurde nach:" in system["content"] and "{slot_label}" not in system["content"]
    assert "check_formal" in system["content"]  # the building blocks were filled in
    assert human["role"] == "user" and human["content"] == text
    return body


def _assert_fell_back(app, server: WireServer, reason: str) -> None:
    """The built-in engine answered in German, nothing was lost, and the fallback was counted."""
    body, stored = _talk(app, MESSAGE)
    assert "degraded" not in body
    assert body["draft"]["org_unit"] == "Bürgerbüro" and body["draft"]["case_volume_per_year"] == 300
    reply = body["reply"]["text"]
    assert reply and any(word in reply for word in (" Sie ", " der ", " die ", " und ", "Wie ", "Welche ", "Was "))
    texts = [m["text"] for m in stored["messages"]]
    assert MESSAGE in texts and reply in texts
    assert stored["draft"]["org_unit"] == "Bürgerbüro"
    health = _interviewer_health(app)
    assert health["mode"] == "llm"
    assert health["fallbacks"]["count"] == 1, health
    assert reason in health["fallbacks"]["last"]["reason"], health["fallbacks"]
    _assert_prompted(server, MESSAGE)


def _assert_good_draft(app) -> dict:
    body, stored = _talk(app, GOOD_MESSAGE)
    draft = body["draft"]
    assert draft["title"] == "Fischereischein ausstellen" and draft["case_volume_per_year"] == 150
    assert [s["kind"] for s in draft["steps"]] == ["receive", "check_formal", "create_document"]
    assert draft["steps"][2]["it_system"] == "Excel"
    assert stored["draft"]["title"] == "Fischereischein ausstellen"
    health = _interviewer_health(app)
    assert health["mode"] == "llm" and health["fallbacks"]["count"] == 0, health
    return body


# --- OpenAI-compatible server ---------------------------------------------------------------------

def test_openai_tool_call_updates_the_draft(wire_app, openai_server):
    openai_server.reply(Reply(body=openai_completion("openai-testmodell", arguments=json.dumps(GOOD))))
    app = wire_app(openai_server, LLM_STRUCTURED_METHOD="function_calling")
    _assert_good_draft(app)
    body = _assert_prompted(openai_server, GOOD_MESSAGE)
    assert body["tools"][0]["function"]["name"] == "DraftUpdate"
    assert body["tool_choice"]["function"]["name"] == "DraftUpdate"
    assert body["temperature"] == 0
    headers = openai_server.requests[0].headers
    assert headers["authorization"] == "Bearer sk-richtig" and headers["user-agent"].startswith("OpenAI/Python")


@pytest.mark.parametrize("method, response_format", [
    (None, "json_schema"), ("json_schema", "json_schema"), ("json_mode", "json_object"), ("parser", None),
], ids=["default", "json_schema", "json_mode", "parser"])
def test_openai_json_reply_updates_the_draft(wire_app, openai_server, method, response_format):
    openai_server.reply(Reply(body=openai_completion("openai-testmodell", content=json.dumps(GOOD))))
    app = wire_app(openai_server, LLM_STRUCTURED_METHOD=method)
    _assert_good_draft(app)
    body = _assert_prompted(openai_server, GOOD_MESSAGE)
    assert (body.get("response_format") or {}).get("type") == response_format
    if method == "parser":
        assert '"properties"' in body["messages"][0]["content"]  # format instructions with the schema
    assert "tools" not in body


@pytest.mark.parametrize("method, reply, reason", [
    ("function_calling", Reply(body=openai_completion("m", arguments='{"title": "Fischerei')),
     "keine strukturierte Ausgabe"),  # langchain files it under invalid_tool_calls
    ("function_calling", Reply(body=openai_completion("m", arguments='{"case_volume_per_year": "viele"}')),
     "case_volume_per_year"),
    (None, Reply(body=openai_completion("m", content='{"title": "Fischerei')), "Invalid JSON"),
    ("parser", Reply(body=openai_completion("m", content='{"title": "Fischerei')), "kein vollständiges JSON"),
    ("json_mode", Reply(body=openai_completion("m", content="Gern! Hier ist der Entwurf: Fischerei")),
     "Invalid json output"),
    (None, Reply(body=openai_completion("m", arguments=json.dumps(GOOD))),  # a tool call where JSON was asked
     "keine strukturierte Ausgabe"),
    (None, Reply(status=401, body=OPENAI_401), "AuthenticationError"),
    (None, Reply(status=500, body={"error": {"message": "The server had an error", "type": "server_error",
                                               "param": None, "code": None}}), "500"),
], ids=["tool-args-malformed", "tool-args-invalid", "json-malformed", "parser-cut-off", "json-mode-prose",
        "unexpected-tool-call",
        "401", "500"])
def test_openai_bad_replies_fall_back(wire_app, openai_server, method, reply, reason):
    openai_server.reply(reply)
    app = wire_app(openai_server, LLM_STRUCTURED_METHOD=method, LLM_API_KEY="wrong-key")
    _assert_fell_back(app, openai_server, reason)
    assert openai_server.requests[0].headers["authorization"] == "Bearer wrong-key"


def test_openai_slow_reply_times_out_and_the_client_hangs_up(wire_app, openai_server):
    openai_server.reply(Reply(body=openai_completion("m", content=json.dumps(GOOD)), delay=5))
    app = wire_app(openai_server)
    started = time.monotonic()
    _assert_fell_back(app, openai_server, "Zeitüberschreitung")
    assert time.monotonic() - started < TIMEOUT + 1.5
    _assert_hung_up(openai_server)


def _assert_hung_up(server: WireServer) -> None:
    """The HTTP client itself gave up (its timeout is applied), not just the waiting chat turn."""
    deadline = time.monotonic() + TIMEOUT + 1
    while server.requests[0].disconnected_after is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.requests[0].disconnected_after is not None, "the HTTP request was never aborted"
    assert server.requests[0].disconnected_after < TIMEOUT + 1


# --- Ollama server --------------------------------------------------------------------------------

def test_ollama_tool_call_updates_the_draft(wire_app, ollama_server):
    ollama_server.reply(Reply(body=OllamaMessage(tool_calls=ollama_tool_call(GOOD))))
    app = wire_app(ollama_server, LLM_STRUCTURED_METHOD="function_calling")
    _assert_good_draft(app)
    body = _assert_prompted(ollama_server, GOOD_MESSAGE)
    assert body["tools"][0]["function"]["name"] == "DraftUpdate"
    assert body["options"]["temperature"] == 0 and body["stream"] is True  # ChatOllama reads NDJSON chunks
    assert ollama_server.requests[0].headers["user-agent"].startswith("ollama-python/")


@pytest.mark.parametrize("method", [None, "json_schema", "json_mode", "parser"])
def test_ollama_json_reply_updates_the_draft(wire_app, ollama_server, method):
    ollama_server.reply(Reply(body=OllamaMessage(content=json.dumps(GOOD, ensure_ascii=False))))
    app = wire_app(ollama_server, LLM_STRUCTURED_METHOD=method)
    _assert_good_draft(app)
    body = _assert_prompted(ollama_server, GOOD_MESSAGE)
    if method in (None, "json_schema"):
        assert body["format"]["title"] == "DraftUpdate" and "steps" in body["format"]["properties"]
    elif method == "json_mode":
        assert body["format"] == "json"
    else:
        assert not body.get("format")
    assert not body.get("tools")


@pytest.mark.parametrize("method, reply, reason", [
    ("function_calling", Reply(body=OllamaMessage(tool_calls=ollama_tool_call('{"title": "Fischerei'))),
     "function.arguments"),  # Ollama sends an object; the ollama client refuses a string
    ("function_calling", Reply(body=OllamaMessage(tool_calls=ollama_tool_call({"case_volume_per_year": "viele"}))),
     "case_volume_per_year"),
    (None, Reply(body=OllamaMessage(content='{"title": "Fischerei')), "kein vollständiges JSON"),
    ("json_mode", Reply(body=OllamaMessage(content='{"title": "Fischerei')), "kein vollständiges JSON"),
    ("parser", Reply(body=OllamaMessage(content='```json\n{"title": "Fischerei')), "kein vollständiges JSON"),
    ("json_mode", Reply(body=OllamaMessage(content="Gern! Hier ist der Entwurf: Fischerei")), "Invalid json output"),
    (None, Reply(body=OllamaMessage(content='{"title": "Fisch', stream_error="an error was encountered while "
                                                                             "running the model")), "ResponseError"),
    (None, Reply(status=401, body={"error": "unauthorized"}), "unauthorized"),
    (None, Reply(status=404, body={"error": 'model "ollama-testmodell" not found, try pulling it first'}),
     "not found"),
], ids=["tool-args-malformed", "tool-args-invalid", "json-cut-off", "json-mode-cut-off", "parser-cut-off",
        "json-mode-prose", "error-mid-stream",
        "401", "404-model"])
def test_ollama_bad_replies_fall_back(wire_app, ollama_server, method, reply, reason):
    ollama_server.reply(reply)
    app = wire_app(ollama_server, LLM_STRUCTURED_METHOD=method)
    _assert_fell_back(app, ollama_server, reason)


def test_ollama_slow_reply_times_out_and_the_client_hangs_up(wire_app, ollama_server):
    ollama_server.reply(Reply(body=OllamaMessage(content=json.dumps(GOOD)), delay=5))
    app = wire_app(ollama_server)
    started = time.monotonic()
    _assert_fell_back(app, ollama_server, "Zeitüberschreitung")
    assert time.monotonic() - started < TIMEOUT + 1.5
    _assert_hung_up(ollama_server)


def test_ollama_slowly_streamed_reply_is_aborted_at_the_timeout(wire_app, ollama_server):
    """A model that streams a token every 0.3 s never trips httpx's read timeout; the turn's deadline must."""
    ollama_server.reply(Reply(body=OllamaMessage(content=json.dumps(GOOD)), line_delay=0.3))
    app = wire_app(ollama_server)
    _assert_fell_back(app, ollama_server, "Zeitüberschreitung")
    _assert_hung_up(ollama_server)


def test_ollama_cut_off_reply_does_not_shorten_the_steps(wire_app, ollama_server):
    """A reply truncated by the token limit must not replace three steps with one and a half."""
    cut_off = json.dumps({"steps": GOOD["steps"]}, ensure_ascii=False)[:90]
    ollama_server.reply(Reply(body=OllamaMessage(content=json.dumps(GOOD, ensure_ascii=False))),
                        Reply(body=OllamaMessage(content=cut_off)))
    app = wire_app(ollama_server)
    client, headers = app.test_client(), app.extensions["tests.clerk_headers"]
    interview = client.post("/api/interviews", json={"retrieval": False}, headers=headers).get_json()
    url = f"/api/interviews/{interview['id']}/messages"
    first = client.post(url, json={"text": GOOD_MESSAGE}, headers=headers).get_json()
    assert len(first["draft"]["steps"]) == 3
    second = client.post(url, json={"text": "Ach so, zuerst nehme ich den Antrag an."}, headers=headers).get_json()
    assert [s["label"] for s in second["draft"]["steps"]] == [s["label"] for s in GOOD["steps"]]
    assert second["reply"]["text"]
    assert [r.body["messages"][-1]["content"] for r in ollama_server.requests] == [
        GOOD_MESSAGE, "Ach so, zuerst nehme ich den Antrag an."]
    fallbacks = _interviewer_health(app)["fallbacks"]
    assert fallbacks["count"] == 1 and "kein vollständiges JSON" in fallbacks["last"]["reason"]


def test_fenced_json_is_still_read_with_the_parser_method(wire_app, openai_server):
    fenced = "Hier ist der Entwurf:\n```json\n" + json.dumps(GOOD, ensure_ascii=False) + "\n```"
    openai_server.reply(Reply(body=openai_completion("openai-testmodell", content=fenced)))
    _assert_good_draft(wire_app(openai_server, LLM_STRUCTURED_METHOD="parser"))
    _assert_prompted(openai_server, GOOD_MESSAGE)
