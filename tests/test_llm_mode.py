"""LLM mode with langchain's fake chat models, fallbacks, and an optional live integration test."""

from __future__ import annotations

import os
import time

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from app import create_app


class FakeToolModel(GenericFakeChatModel):
    """GenericFakeChatModel has no tool binding; structured output only needs ``bind_tools`` to return a model."""

    def bind_tools(self, tools, **kwargs):
        return self


class BrokenModel(FakeToolModel):
    def invoke(self, *args, **kwargs):
        raise ConnectionError("Verbindung abgelehnt")


class SlowModel(FakeToolModel):
    def invoke(self, *args, **kwargs):
        time.sleep(2)
        return super().invoke(*args, **kwargs)


def tool_call(**args) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": "DraftUpdate", "args": args, "id": "call-1"}])


@pytest.fixture
def llm_app(app_config):
    def factory(model, **config):
        app = create_app(app_config | {"LLM_PROVIDER": "openai", "LLM_MODEL": "fake", "LLM_TIMEOUT_SECONDS": 10,
                                        **config})
        app.extensions["prozesslotse.chat_model"] = model
        return app

    return factory


def _clerk(app):
    from app.context import database
    from app.storage.profiles import ensure_municipality
    from app.storage.users import create_user, issue_token

    with app.app_context(), database().session() as session:
        user = create_user(session, "lena", "lotsen-pass-2468", "clerk", ensure_municipality(session, "Testdorf", "Hessen"))
        return {"Authorization": f"Bearer {issue_token(session, user)}"}


def _talk(client, headers, *texts):
    interview = client.post("/api/interviews", json={"retrieval": False}, headers=headers).get_json()
    body = None
    for text in texts:
        response = client.post(f"/api/interviews/{interview['id']}/messages", json={"text": text}, headers=headers)
        assert response.status_code == 200
        body = response.get_json()
    return body


def test_structured_output_updates_the_draft(llm_app):
    model = FakeToolModel(messages=iter([tool_call(
        title="Fischereischein ausstellen", org_unit="Ordnungsamt", case_volume_per_year=150,
        steps=[{"label": "Antrag entgegennehmen", "kind": "receive"},
               {"label": "Prüfungszeugnis prüfen", "kind": "check_formal"},
               {"label": "Fischereischein ausstellen", "kind": "create_document", "it_system": "Excel"}],
    )]))
    app = llm_app(model)
    client = app.test_client()
    body = _talk(client, _clerk(app), "Wir im Ordnungsamt stellen Fischereischeine aus, so 150 im Jahr: Antrag "
                                      "annehmen, Zeugnis checken, Schein machen.")
    draft = body["draft"]
    assert draft["title"] == "Fischereischein ausstellen" and draft["case_volume_per_year"] == 150
    assert [s["kind"] for s in draft["steps"]] == ["receive", "check_formal", "create_document"]
    assert body["reply"]["slot"] not in ("title", "steps", "case_volume")
    health = client.get("/healthz").get_json()["models"]["interviewer"]
    assert health["mode"] == "llm" and health["fallbacks"]["count"] == 0


@pytest.mark.parametrize("make_model, reason, timeout", [
    (lambda: BrokenModel(messages=iter([])), "ConnectionError", 10),
    (lambda: SlowModel(messages=iter([tool_call(title="Zu spät")])), "Zeitüberschreitung", 0.3),
    (lambda: FakeToolModel(messages=iter([AIMessage(content="Ich weiß es nicht.")])), "keine strukturierte Ausgabe", 10),
    (lambda: FakeToolModel(messages=iter([tool_call(case_volume_per_year="viele")])), "", 10),
], ids=["broken", "slow", "prose", "invalid"])
def test_failures_fall_back_to_the_built_in_engine(llm_app, make_model, reason, timeout):
    app = llm_app(make_model(), LLM_TIMEOUT_SECONDS=timeout)
    client = app.test_client()
    body = _talk(client, _clerk(app), "Ich bin im Bürgerbüro und bearbeite ca. 300 Fälle im Jahr.")
    assert body["draft"]["org_unit"] == "Bürgerbüro" and body["draft"]["case_volume_per_year"] == 300
    assert body["reply"]["text"]
    fallbacks = client.get("/healthz").get_json()["models"]["interviewer"]["fallbacks"]
    assert fallbacks["count"] == 1 and reason in fallbacks["last"]["reason"]


def test_json_replies_with_pydantic_parser(llm_app):
    model = GenericFakeChatModel(messages=iter([AIMessage(content='{"title": "Sperrmüll abholen", "trigger": "Anruf"}')]))
    app = llm_app(model, LLM_STRUCTURED_METHOD="parser")
    client = app.test_client()
    draft = _talk(client, _clerk(app), "Es geht um Sperrmüll.")["draft"]
    assert draft["title"] == "Sperrmüll abholen" and draft["trigger"] == "Anruf"


def test_build_chat_model_uses_init_chat_model_offline():
    from app.dialogue.llm import build_chat_model

    model = build_chat_model({"LLM_PROVIDER": "openai", "LLM_MODEL": "qwen", "LLM_BASE_URL": "http://127.0.0.1:9/v1",
                              "LLM_TIMEOUT_SECONDS": 1})
    assert type(model).__name__ == "ChatOpenAI"
    ollama = build_chat_model({"LLM_PROVIDER": "ollama", "LLM_MODEL": "llama3.1", "LLM_TIMEOUT_SECONDS": 1})
    assert type(ollama).__name__ == "ChatOllama"
    assert build_chat_model({"LLM_PROVIDER": None}) is None
    with pytest.raises(ValueError):
        build_chat_model({"LLM_PROVIDER": "magic", "LLM_MODEL": "x"})


def test_unreachable_server_falls_back(app_config):
    app = create_app(app_config | {"LLM_PROVIDER": "openai", "LLM_MODEL": "x", "LLM_BASE_URL": "http://127.0.0.1:9/v1",
                                    "LLM_TIMEOUT_SECONDS": 2})
    client = app.test_client()
    body = _talk(client, _clerk(app), "Ich bin im Bauamt.")
    assert body["draft"]["org_unit"] == "Bauamt"
    assert client.get("/healthz").get_json()["models"]["interviewer"]["fallbacks"]["count"] == 1


@pytest.mark.skipif(not os.environ.get("LLM_BASE_URL"), reason="integration test needs LLM_BASE_URL")
def test_live_llm_integration(app_config):
    app = create_app(app_config | {key: os.environ.get(key) for key in
                                   ("LLM_PROVIDER", "LLM_MODEL", "LLM_BASE_URL", "LLM_API_KEY")}
                     | {"LLM_TIMEOUT_SECONDS": 60})
    client = app.test_client()
    body = _talk(client, _clerk(app), "Ich bin im Ordnungsamt. Zuerst nehme ich den Antrag entgegen, dann prüfe ich "
                                      "ihn und zum Schluss erstelle ich die Genehmigung.")
    assert len(body["draft"]["steps"]) >= 3
