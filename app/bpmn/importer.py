"""Import of a BPMN 2.0 file as a process profile.

Reads our own exports (``app.bpmn.export``) without loss and files drawn in
bpmn.io or Camunda Modeler (``bpmn:`` prefix or default namespace, with or
without collaboration and pool) as well as the flow model allows:

* steps are the activities (tasks of every type, sub-processes, call
  activities) and intermediate events that stand for work (timer → ``wait``,
  message catch → ``receive``, message throw → ``send``), numbered in flow
  order: sequence flows are walked from the start event, loops are cut where
  they lead back, and among steps that could come next the one further left
  in the diagram (or, without diagram, the one met first on the walk) comes
  first. Our own exports carry the step number in ``pl:step`` and keep it;
* the lane a step lies in is its actor;
* an exclusive (or inclusive) gateway with two or more outgoing flows after
  a step is a decision: its name is the question, each outgoing flow a
  branch (flow name as condition, the step it reaches as target, an end
  event as ``null``); converging gateways are passed through;
* ``pl:step`` restores kind, IT system, media break and minutes; without it
  the German documentation line of our export is read, and failing that the
  kind is guessed from the element type or the wording
  (``app.nlp.step_kind.classify_step``).

Untrusted input: the file is parsed with defusedxml, which refuses document
type declarations, entity declarations (XML bombs) and external references;
files over 10 MB are refused before parsing. Every refusal is a
``BpmnImportError`` with a German message for the clerk.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from pydantic import ValidationError

from app.domain.catalogue import BUILDING_BLOCKS, KINDS
from app.domain.errors import german_validation_errors
from app.domain.models import ProcessProfile
from app.nlp.step_kind import classify_step

from .export import (BPMN_NS, BPMNDI_NS, DC_NS, DEFAULT_END_NAME, DEFAULT_START_NAME, PL_NS)

MAX_BYTES = 10 * 1024 * 1024
DEFAULT_TITLE = "Importierter Prozess"
MAX_STEPS = 200

_B = "{%s}" % BPMN_NS
_PL = "{%s}" % PL_NS

ACTIVITY_TAGS = {
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
    "businessRuleTask", "subProcess", "callActivity", "transaction", "adHocSubProcess",
}
EVENT_TAGS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
GATEWAY_TAGS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "complexGateway", "eventBasedGateway"}
DECISION_GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "complexGateway", "eventBasedGateway"}
FLOW_NODE_TAGS = ACTIVITY_TAGS | EVENT_TAGS | GATEWAY_TAGS

_KIND_BY_LABEL = {block.label.casefold(): kind for kind, block in BUILDING_BLOCKS.items()}


class BpmnImportError(ValueError):
    """The file cannot be imported; the message is German and meant for the clerk."""


@dataclass
class _FlowNode:
    id: str
    tag: str
    el: Element
    name: str
    order: int
    outgoing: list[str] = field(default_factory=list)   # flow ids
    incoming: list[str] = field(default_factory=list)
    x: float | None = None

    @property
    def is_step(self) -> bool:
        if self.tag in ACTIVITY_TAGS:
            return True
        if self.tag == "intermediateCatchEvent":
            return self.el.find(f"{_B}linkEventDefinition") is None
        if self.tag == "intermediateThrowEvent":
            return self.el.find(f"{_B}messageEventDefinition") is not None
        return False


@dataclass
class _SeqFlow:
    id: str
    source: str
    target: str
    name: str
    condition: str


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _text(el: Element | None) -> str:
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())


def _name(el: Element) -> str:
    return " ".join((el.get("name") or "").split())


def _parse(data: bytes | str) -> Element:
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_BYTES:
        size = f"{len(data) / 1024 / 1024:.1f}".replace(".", ",")
        raise BpmnImportError(
            f"Die Datei ist zu groß ({size} MB); BPMN-Dateien dürfen höchstens 10 MB groß sein.")
    if not data.strip():
        raise BpmnImportError("Die Datei ist leer.")
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden:
        raise BpmnImportError(
            "Die Datei enthält eine Dokumenttyp-Deklaration (DTD). Aus Sicherheitsgründen "
            "(Schutz vor XML-Bomben und externen Entitäten) werden nur BPMN-Dateien ohne DTD angenommen.") from None
    except EntitiesForbidden:
        raise BpmnImportError(
            "Die Datei deklariert XML-Entitäten. Aus Sicherheitsgründen (Schutz vor XML-Bomben) "
            "wird sie nicht eingelesen.") from None
    except ExternalReferenceForbidden:
        raise BpmnImportError(
            "Die Datei verweist auf externe Ressourcen. Aus Sicherheitsgründen wird sie nicht eingelesen.") from None
    except DefusedXmlException:
        raise BpmnImportError("Die Datei enthält unsichere XML-Konstrukte und wird nicht eingelesen.") from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        where = f" (Zeile {line}, Spalte {column})" if line else ""
        raise BpmnImportError(f"Die Datei ist kein wohlgeformtes XML{where}. Bitte die Datei prüfen "
                              "oder erneut aus dem Modellierungswerkzeug exportieren.") from None
    except (ValueError, UnicodeError):
        raise BpmnImportError("Die Datei ist kein lesbares XML (Zeichenkodierung fehlerhaft).") from None


def _check_root(root: Element) -> None:
    ns, local = _local(root.tag)
    if ns != BPMN_NS or local != "definitions":
        found = f"„{local}“" + (f" im Namensraum {ns}" if ns else " ohne Namensraum")
        raise BpmnImportError(
            "Die Datei ist keine BPMN-2.0-Datei: erwartet wird das Wurzelelement „definitions“ im "
            f"Namensraum {BPMN_NS}, gefunden wurde {found}.")


def _pick_process(root: Element) -> tuple[Element, str]:
    processes = root.findall(f"{_B}process")
    if not processes:
        raise BpmnImportError("Die Datei enthält keinen BPMN-Prozess (kein Element „process“).")
    participant_names: dict[str, str] = {}
    for participant in root.iter(f"{_B}participant"):
        ref = participant.get("processRef")
        if ref and ref not in participant_names:
            participant_names[ref] = _name(participant)

    def step_count(process: Element) -> int:
        return sum(1 for child in process if _local(child.tag)[1] in ACTIVITY_TAGS)

    process = max(processes, key=step_count)  # first of the largest
    return process, participant_names.get(process.get("id") or "", "")


def _lanes(process: Element) -> dict[str, str]:
    """Flow node id → name of the innermost lane that holds it."""
    result: dict[str, str] = {}

    def walk(lane_set: Element) -> None:
        for lane in lane_set.findall(f"{_B}lane"):
            for ref in lane.findall(f"{_B}flowNodeRef"):
                if ref.text and ref.text.strip():
                    result[ref.text.strip()] = _name(lane)
            for child in lane.findall(f"{_B}childLaneSet"):
                walk(child)

    for lane_set in process.findall(f"{_B}laneSet"):
        walk(lane_set)
    return result


def _positions(root: Element) -> dict[str, float]:
    positions: dict[str, float] = {}
    for shape in root.iter("{%s}BPMNShape" % BPMNDI_NS):
        bounds = shape.find("{%s}Bounds" % DC_NS)
        element = shape.get("bpmnElement")
        if bounds is None or not element:
            continue
        try:
            positions[element] = float(bounds.get("x", "nan"))
        except ValueError:
            continue
    return positions


_DOC_FIELD = re.compile(r"^(Baustein|IT-System|Medienbruch|Bearbeitungszeit):\s*(.*)$")


def _documentation(el: Element) -> tuple[dict[str, str], str]:
    """Fields of our German documentation line and the remaining description."""
    docs = [d for d in el.findall(f"{_B}documentation")]
    text = "\n".join("".join(d.itertext()) for d in docs).strip()
    if not text:
        return {}, ""
    first, _, rest = text.partition("\n")
    fields: dict[str, str] = {}
    parts = first.split(" · ")
    for part in parts:
        match = _DOC_FIELD.match(part.strip())
        if not match:
            fields = {}
            break
        fields[match.group(1)] = match.group(2).strip()
    if fields and "Baustein" in fields:
        return fields, rest.strip()
    return {}, text


def _float(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value.replace(",", ".").replace("Min.", "").strip())
    except ValueError:
        return None
    return number if 0 <= number <= 100_000 else None


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Graph:
    def __init__(self, process: Element, positions: dict[str, float]) -> None:
        self.nodes: dict[str, _FlowNode] = {}
        self.flows: dict[str, _SeqFlow] = {}
        for child in process:
            ns, local = _local(child.tag)
            if ns != BPMN_NS or not child.get("id"):
                continue
            if local in FLOW_NODE_TAGS:
                node = _FlowNode(child.get("id") or "", local, child, _name(child), len(self.nodes))
                node.x = positions.get(node.id)
                self.nodes[node.id] = node
        for child in process.findall(f"{_B}sequenceFlow"):
            flow_id, source, target = child.get("id"), child.get("sourceRef"), child.get("targetRef")
            if not flow_id or source not in self.nodes or target not in self.nodes:
                continue
            condition = _text(child.find(f"{_B}conditionExpression"))
            self.flows[flow_id] = _SeqFlow(flow_id, source, target, _name(child), condition)
            self.nodes[source].outgoing.append(flow_id)
            self.nodes[target].incoming.append(flow_id)

    def targets(self, node: _FlowNode) -> list[_FlowNode]:
        return [self.nodes[self.flows[f].target] for f in node.outgoing]

    def flow_order(self) -> list[_FlowNode]:
        """All flow nodes in flow order (see module docstring)."""
        nodes = list(self.nodes.values())
        starts = [n for n in nodes if n.tag == "startEvent"] + [n for n in nodes if not n.incoming]
        discovery: dict[str, int] = {}
        back_edges: set[str] = set()
        on_stack: set[str] = set()

        def dfs(root: _FlowNode) -> None:
            # iterative depth-first walk that records back edges
            stack: list[tuple[_FlowNode, int]] = [(root, 0)]
            discovery[root.id] = len(discovery)
            on_stack.add(root.id)
            while stack:
                node, index = stack[-1]
                if index < len(node.outgoing):
                    stack[-1] = (node, index + 1)
                    flow_id = node.outgoing[index]
                    target = self.nodes[self.flows[flow_id].target]
                    if target.id in on_stack:
                        back_edges.add(flow_id)
                    elif target.id not in discovery:
                        discovery[target.id] = len(discovery)
                        on_stack.add(target.id)
                        stack.append((target, 0))
                else:
                    on_stack.discard(node.id)
                    stack.pop()

        for root in starts + nodes:
            if root.id not in discovery:
                dfs(root)
        use_x = all(n.x is not None and n.x == n.x for n in nodes)

        def key(node: _FlowNode) -> tuple[float, int]:
            return (node.x if use_x else 0.0, discovery[node.id])  # type: ignore[return-value]

        indegree = {n.id: 0 for n in nodes}
        for flow in self.flows.values():
            if flow.id not in back_edges:
                indegree[flow.target] += 1
        heap = [(key(n), n.id) for n in nodes if indegree[n.id] == 0]
        heapq.heapify(heap)
        order: list[_FlowNode] = []
        while heap:
            _, node_id = heapq.heappop(heap)
            node = self.nodes[node_id]
            order.append(node)
            for flow_id in node.outgoing:
                if flow_id in back_edges:
                    continue
                target = self.flows[flow_id].target
                indegree[target] -= 1
                if indegree[target] == 0:
                    heapq.heappush(heap, (key(self.nodes[target]), target))
        return order


@dataclass
class _Target:
    step: _FlowNode | None = None          # a step
    gateway: _FlowNode | None = None       # a decision gateway
    end: _FlowNode | None = None           # an end event (or a dead end)


def _resolve(graph: _Graph, node: _FlowNode, seen: set[str] | None = None) -> _Target:
    """Follow the flow from ``node`` through elements that are not steps."""
    seen = seen if seen is not None else set()
    while True:
        if node.is_step:
            return _Target(step=node)
        if node.tag in DECISION_GATEWAYS and len(node.outgoing) >= 2:
            return _Target(gateway=node)
        if node.tag == "endEvent" or not node.outgoing or node.id in seen:
            return _Target(end=node)
        seen.add(node.id)
        node = graph.targets(node)[0]


def _branch_step(graph: _Graph, node: _FlowNode) -> _Target:
    """Where a branch leads; a nested decision is followed along its first branch."""
    seen: set[str] = set()
    target = _resolve(graph, node, seen)
    while target.gateway is not None and target.gateway.id not in seen:
        seen.add(target.gateway.id)
        target = _resolve(graph, graph.targets(target.gateway)[0], seen)
    if target.gateway is not None:
        return _Target(end=target.gateway)
    return target


def _step_kind(node: _FlowNode, pl_step: Element | None, fields: dict[str, str], label: str,
               description: str) -> str:
    if pl_step is not None and pl_step.get("kind") in KINDS:
        return pl_step.get("kind")  # type: ignore[return-value]
    from_doc = _KIND_BY_LABEL.get(fields.get("Baustein", "").casefold())
    if from_doc:
        return from_doc
    if node.tag == "sendTask":
        return "send"
    if node.tag == "receiveTask":
        return "receive"
    if node.tag in ("intermediateCatchEvent", "intermediateThrowEvent"):
        if node.el.find(f"{_B}timerEventDefinition") is not None:
            return "wait"
        if node.el.find(f"{_B}messageEventDefinition") is not None:
            return "receive" if node.tag == "intermediateCatchEvent" else "send"
        if node.tag == "intermediateCatchEvent":
            return "wait"
    return classify_step(label, description)


def from_bpmn(data: bytes) -> ProcessProfile:
    """Read a BPMN 2.0 document into a (draft) process profile."""
    root = _parse(data)
    _check_root(root)
    process, participant_name = _pick_process(root)
    graph = _Graph(process, _positions(root))
    order = graph.flow_order()
    step_nodes = [n for n in order if n.is_step]
    if not step_nodes:
        raise BpmnImportError("Der Prozess enthält keine Aufgaben (Tasks); es gibt nichts zu übernehmen.")
    if len(step_nodes) > MAX_STEPS:
        raise BpmnImportError(f"Der Prozess hat {len(step_nodes)} Schritte; übernommen werden höchstens {MAX_STEPS}.")

    # Our own exports carry the step numbers.
    numbers: list[int] = []
    for node in step_nodes:
        pl_step = node.el.find(f"{_B}extensionElements/{_PL}step")
        try:
            numbers.append(int(pl_step.get("n", "")) if pl_step is not None else 0)
        except ValueError:
            numbers.append(0)
    if sorted(numbers) == list(range(1, len(step_nodes) + 1)):
        step_nodes = [node for _, node in sorted(zip(numbers, step_nodes), key=lambda item: item[0])]
    number_of = {node.id: index + 1 for index, node in enumerate(step_nodes)}
    lanes = _lanes(process)

    steps: list[dict] = []
    for node in step_nodes:
        n = number_of[node.id]
        pl_step = node.el.find(f"{_B}extensionElements/{_PL}step")
        fields, description = _documentation(node.el)
        label = _clip(node.name or description.split("\n")[0] or f"Schritt {n}", 300)
        kind = _step_kind(node, pl_step, fields, label, description)
        if pl_step is not None:
            it_system = pl_step.get("itSystem") or None
            media_break = (pl_step.get("mediaBreak") or "").strip().lower() in ("true", "1")
            minutes = _float(pl_step.get("minutes"))
        else:
            it_system = fields.get("IT-System") or None
            media_break = fields.get("Medienbruch", "").lower() == "ja"
            minutes = _float(fields.get("Bearbeitungszeit"))
        actor = lanes.get(node.id) or None
        steps.append({
            "n": n, "label": label, "kind": kind,
            "actor": _clip(actor, 200) if actor else None,
            "it_system": _clip(it_system, 200) if it_system else None,
            "media_break": media_break, "minutes": minutes,
            "description": _clip(description, 4000) if description else None,
        })

    decisions: list[dict] = []
    for node in step_nodes:
        n = number_of[node.id]
        step = steps[n - 1]
        default_flow = node.el.get("default")
        if len(node.outgoing) >= 2:
            question = f"Wie geht es nach „{_clip(step['label'], 250)}“ weiter?"
            flows = [graph.flows[f] for f in node.outgoing]
        elif len(node.outgoing) == 1:
            target = _resolve(graph, graph.targets(node)[0])
            if target.step is not None:
                goto = number_of[target.step.id]
                if goto != n + 1:
                    step["next_step"] = goto
                continue
            if target.gateway is None:
                continue  # end of the process (only expressible after the last step)
            gateway = target.gateway
            question = gateway.name or f"Entscheidung nach Schritt {n}"
            flows = [graph.flows[f] for f in gateway.outgoing]
            default_flow = gateway.el.get("default")
        else:
            continue
        branches: list[dict] = []
        for index, flow in enumerate(flows[:10]):
            reached = _branch_step(graph, graph.nodes[flow.target])
            condition = (flow.name or flow.condition
                         or ("sonst" if flow.id == default_flow else f"Zweig {index + 1}"))
            branches.append({
                "condition": _clip(condition, 300),
                "goto_step": number_of[reached.step.id] if reached.step is not None else None})
        decisions.append({"after_step": n, "question": _clip(question, 300), "branches": branches})

    # Profile fields.
    title = _name(process) or participant_name or DEFAULT_TITLE
    description = "\n".join("".join(d.itertext()) for d in process.findall(f"{_B}documentation")).strip()
    meta = process.find(f"{_B}extensionElements/{_PL}profile")
    starts = [n for n in graph.nodes.values() if n.tag == "startEvent"]
    trigger = starts[0].name if starts and starts[0].name not in ("", DEFAULT_START_NAME) else None
    result = None
    last = step_nodes[-1]
    if len(last.outgoing) == 1:
        end = _resolve(graph, graph.targets(last)[0]).end
        if end is not None and end.tag == "endEvent" and end.name not in ("", DEFAULT_END_NAME):
            result = end.name
    if meta is not None:
        trigger = trigger or meta.get("trigger") or None
        result = result or meta.get("result") or None
    profile_data = {
        "title": _clip(title, 300),
        "description": _clip(description, 8000) if description else None,
        "trigger": _clip(trigger, 2000) if trigger else None,
        "result": _clip(result, 2000) if result else None,
        "org_unit": _clip(meta.get("orgUnit"), 300) if meta is not None and meta.get("orgUnit") else None,
        "category": _clip(meta.get("category"), 200) if meta is not None and meta.get("category") else None,
        "source": "BPMN-Import",
        "steps": steps,
        "decisions": decisions[:100],
    }
    try:
        return ProcessProfile.model_validate(profile_data)
    except ValidationError as exc:
        problems = "; ".join(
            (f"{e['field']}: {e['message']}" if e["field"] else e["message"]) for e in german_validation_errors(exc))
        raise BpmnImportError(f"Das Modell lässt sich nicht als Steckbrief übernehmen: {problems}") from None


__all__ = ["BpmnImportError", "MAX_BYTES", "from_bpmn"]
