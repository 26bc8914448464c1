"""Optional LLM mode: langchain chat models extract structured draft updates.

The chat model comes from ``init_chat_model`` (Ollama or any OpenAI-compatible
server). Each clerk message is run through a German prompt from
``prompts/`` with structured output into ``DraftUpdate`` (built from the
domain's own ``Step`` and ``Decision`` models). On a timeout, connection
error or invalid output that turn falls back to the built-in engine, the
fallback is logged and counted for ``/healthz``, and the chat never stalls.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from app.domain import BUILDING_BLOCKS, Decision, ProcessProfile, StepKind

from .questions import LABELS

log = logging.getLogger(__name__)
PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


_FENCED = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def complete_json(text: Any) -> Any:
    """Strict JSON from a model reply, also inside a Markdown fence.

    langchain's JSON output parsers fall back to ``parse_partial_json``, which
    closes cut-off JSON: a reply truncated by the token limit would turn into a
    shortened step list that replaces the clerk's steps. Here it is an error.
    """
    if not isinstance(text, str):
        raise ValueError("keine strukturierte Ausgabe")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fenced = _FENCED.search(text)
        if fenced is None:
            raise ValueError(f"kein vollständiges JSON: {exc}") from exc
        try:
            return json.loads(fenced.group(1))
        except json.JSONDecodeError as inner:
            raise ValueError(f"kein vollständiges JSON: {inner}") from inner


class StepUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    label: str = Field(min_length=1, max_length=300)
    kind: StepKind = "other"
    actor: str | None = None
    it_system: str | None = None
    media_break: bool = False
    description: str | None = Field(default=None, max_length=4000)  # the clerk's own words for the step


class DraftUpdate(BaseModel):
    """What one clerk message adds to the draft; omitted fields stay as they are."""

    model_config = ConfigDict(extra="ignore")
    title: str | None = None
    trigger: str | None = None
    result: str | None = None
    customer: str | None = None
    org_unit: str | None = None
    participants: list[str] | None = None
    legal_basis: list[str] | None = None
    it_systems: list[str] | None = None
    documents: list[str] | None = None
    case_volume_per_year: int | None = Field(default=None, ge=0)
    minutes_per_case: float | None = Field(default=None, ge=0)
    waiting: str | None = None
    exceptions: str | None = None
    steps: list[StepUpdate] | None = None
    decisions: list[Decision] | None = None


SLOT_OF_FIELD = {
    "title": "title", "trigger": "trigger", "result": "result", "customer": "customer", "org_unit": "org_unit",
    "participants": "participants", "legal_basis": "legal_basis", "it_systems": "it_systems",
    "documents": "documents", "case_volume_per_year": "case_volume", "minutes_per_case": "processing_time",
    "waiting": "waiting", "exceptions": "exceptions", "steps": "steps", "decisions": "decisions",
}


def merge(draft: ProcessProfile, update: DraftUpdate) -> tuple[ProcessProfile, list[str]]:
    """Apply an update; returns the new draft and the slots it filled. Invalid combinations are refused."""
    data = draft.model_dump()
    filled: list[str] = []
    for field, value in update.model_dump(exclude_none=True).items():
        if field == "steps":
            if not value:
                continue
            value = [dict(step, n=i + 1) for i, step in enumerate(value)]
            if not update.decisions:
                data["decisions"] = []
        if value in ([], ""):
            continue
        data[field] = value
        filled.append(SLOT_OF_FIELD[field])
    return ProcessProfile.model_validate(data), filled


def build_chat_model(config: dict[str, Any]):
    """The configured chat model, or None when no LLM is configured."""
    provider = (config.get("LLM_PROVIDER") or "").strip().lower()
    if not provider:
        return None
    from langchain.chat_models import init_chat_model

    timeout = float(config.get("LLM_TIMEOUT_SECONDS") or 20)
    model = config.get("LLM_MODEL")
    if not model:
        raise ValueError("LLM_MODEL must be set when LLM_PROVIDER is set.")
    if provider == "ollama":
        # ChatOllama always streams; the transport ends a slowly streamed answer at the turn's deadline.
        kwargs: dict[str, Any] = {"temperature": 0, "client_kwargs": {"timeout": timeout},
                                  "sync_client_kwargs": {"transport": DeadlineTransport(timeout)}}
        if config.get("LLM_BASE_URL"):
            kwargs["base_url"] = config["LLM_BASE_URL"]
        return init_chat_model(model, model_provider="ollama", **kwargs)
    if provider in ("openai", "openai-compatible", "openai_compatible"):
        kwargs = {"temperature": 0, "timeout": timeout, "max_retries": 0,
                  "api_key": config.get("LLM_API_KEY") or "not-needed"}
        if config.get("LLM_BASE_URL"):
            kwargs["base_url"] = config["LLM_BASE_URL"]
        return init_chat_model(model, model_provider="openai", **kwargs)
    raise ValueError(f"Unknown LLM_PROVIDER '{provider}' (use 'ollama' or 'openai').")


class _DeadlineStream(httpx.SyncByteStream):
    """A response body that stops with ``ReadTimeout`` once the request's total time is up."""

    def __init__(self, inner: httpx.SyncByteStream, deadline: float, request: httpx.Request) -> None:
        self._inner, self._deadline, self._request = inner, deadline, request

    def __iter__(self):
        for chunk in self._inner:
            if time.monotonic() > self._deadline:
                raise httpx.ReadTimeout("LLM-Antwort überschreitet die Zeitgrenze", request=self._request)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class DeadlineTransport(httpx.BaseTransport):
    """Bounds a whole HTTP exchange, not just each read.

    httpx's timeouts apply per read, so a model streaming one token every few
    hundred milliseconds never trips them: after the chat turn has given up, the
    worker thread (and the model server) would keep generating for minutes and
    the next turns queue behind it. Raising inside the body stream closes the
    connection, which also makes Ollama stop generating. Checked per chunk, so
    the request ends at the latest one read timeout after the deadline.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = time.monotonic() + self.seconds
        response = self._inner.handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(response.status_code, headers=response.headers, extensions=response.extensions,
                              stream=_DeadlineStream(response.stream, deadline, request))

    def close(self) -> None:
        self._inner.close()


_SECRET = re.compile(r"(?i)(?:\b(?:sk|pk|rk)-[\w*\-]{6,}|\bBearer\s+\S+|(?<=api key provided: )\S+|"
                     r"(?<=api_key=)\S+|(?<=key: )[\w*\-]{12,})")


def redact(text: str) -> str:
    """Provider errors echo the API key back (e.g. a 401); /healthz shows the reason, never the key."""
    return _SECRET.sub("***", text)


class FallbackLog:
    """Counts turns that fell back to the built-in engine (shown in /healthz)."""

    def __init__(self) -> None:
        self.count = 0
        self.last: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def record(self, reason: str) -> None:
        with self._lock:
            self.count += 1
            self.last = {"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "reason": redact(reason)[:300]}

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "last": self.last}


class LLMExtractor:
    """Runs the extraction chain with a hard timeout."""

    def __init__(self, model, *, timeout: float = 20.0, method: str | None = None,
                 fallbacks: FallbackLog | None = None) -> None:
        from langchain_core.prompts import ChatPromptTemplate

        system = (PROMPTS / "interview_extract.de.md").read_text(encoding="utf-8")
        self.prompt = ChatPromptTemplate.from_messages([("system", system), ("human", "{message}")])
        if method == "parser":
            from langchain_core.output_parsers import PydanticOutputParser
            from langchain_core.runnables import RunnableLambda

            instructions = PydanticOutputParser(pydantic_object=DraftUpdate).get_format_instructions()
            self.prompt = ChatPromptTemplate.from_messages([
                ("system", system + "\n\n{format_instructions}"), ("human", "{message}")
            ]).partial(format_instructions=instructions)
            self.chain = self.prompt | model | RunnableLambda(
                lambda reply: DraftUpdate.model_validate(complete_json(reply.content)))
        else:
            # include_raw: the reply itself is checked too (see _read), parse errors come back as values
            kwargs = {"method": method} if method else {}
            self.chain = self.prompt | model.with_structured_output(DraftUpdate, include_raw=True, **kwargs)
        self.timeout = timeout
        self.fallbacks = fallbacks or FallbackLog()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="llm")

    def extract(self, draft: ProcessProfile, slot: str | None, message: str) -> DraftUpdate | None:
        """The update, or None after logging a fallback."""
        kinds = "\n".join(f"  - {b.kind}: {b.label} – {b.explanation}" for b in BUILDING_BLOCKS.values())
        inputs = {"slot_label": LABELS.get(slot or "", "die Beschreibung des Ablaufs"), "kinds": kinds,
                  "draft": json.dumps(draft.model_dump(mode="json", exclude={"id"}), ensure_ascii=False),
                  "message": message}
        future = self._pool.submit(self.chain.invoke, inputs)
        try:
            result = future.result(timeout=self.timeout)
        except FutureTimeout:
            future.cancel()
            return self._fail(f"Zeitüberschreitung nach {self.timeout:g} s")
        except Exception as exc:  # connection refused, invalid output, provider error …
            return self._fail(f"{type(exc).__name__}: {exc}")
        try:
            return self._read(result)
        except ValueError as exc:  # pydantic's ValidationError and json's JSONDecodeError are ValueErrors
            return self._fail(str(exc))

    @staticmethod
    def _read(result: Any) -> DraftUpdate:
        """The DraftUpdate in a chain result; ValueError with a German reason when the reply is unusable."""
        if isinstance(result, dict) and "raw" in result:  # with_structured_output(include_raw=True)
            if result.get("parsing_error") is not None:
                error = result["parsing_error"]
                raise ValueError(f"ungültige Ausgabe: {type(error).__name__}: {error}")
            raw, result = result["raw"], result["parsed"]
            if result is not None and not getattr(raw, "tool_calls", None) and isinstance(raw.content, str) \
                    and raw.content.strip():
                complete_json(raw.content)  # langchain's JSON parsers silently complete cut-off JSON
        if isinstance(result, dict):
            try:
                result = DraftUpdate.model_validate(result)
            except ValueError as exc:
                raise ValueError(f"ungültige Ausgabe: {exc}") from exc
        if not isinstance(result, DraftUpdate):
            raise ValueError("keine strukturierte Ausgabe")
        return result

    def _fail(self, reason: str) -> None:
        log.warning("LLM turn fell back to the built-in interviewer: %s", reason)
        self.fallbacks.record(reason)
        return None
