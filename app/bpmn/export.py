"""Export of a process profile as a BPMN 2.0 document.

The document has one collaboration with one pool (participant) for the
process; inside it one lane per distinct actor. Every step becomes the BPMN
element its building block maps to (``app.domain.catalogue``), ``wait`` an
intermediate timer event. The flow follows ``corpus/README.md``:

* steps run in order; the last step flows to the end event;
* a decision after step *k* replaces the plain continuation by an exclusive
  gateway with one conditional sequence flow per branch; a branch without
  target ends the process in an end event of its own;
* ``next_step`` jumps to another step;
* wherever several paths lead into one step (joins, loops, skips), a
  converging exclusive gateway comes first, so no activity has more than one
  incoming flow.

Executable for SpiffWorkflow: conditions and the timer duration are Python
expressions (SpiffWorkflow evaluates both with its Python script engine).
Gateway *k* reads the variable ``decision_k``, the 0-based number of the
branch to take: ``decision_3 == 1`` selects the second branch of the decision
after step 3. Timers wait ``"PT0S"`` because the profile only records
working minutes, not how long the waiting lasts.

What BPMN has no place for (building-block kind, IT system, media break,
minutes) travels in ``bpmn:extensionElements`` as ``pl:step`` and, for tools
that drop extensions, again as a German ``bpmn:documentation`` line.

Identifiers derive from step numbers (``Task_3``, ``Gateway_after_3``,
``Gateway_join_5``, ``Flow_3_4``) and the layout is computed, not stored, so
the same profile always gives byte-identical output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from app.domain.catalogue import BUILDING_BLOCKS
from app.domain.models import ProcessProfile, Step

from .layout import POOL_HEADER, POOL_X, POOL_Y, Label, Layout

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PL_NS = "https://prozesslotse.de/schema/bpmn"
PYTHON_EXPRESSIONS = "https://docs.python.org/3/reference/expressions.html"

DEFAULT_LANE = "Sachbearbeitung"
DEFAULT_START_NAME = "Vorgang beginnt"
DEFAULT_END_NAME = "Vorgang abgeschlossen"
BRANCH_END_NAME = "Vorgang beendet"
TIMER_DURATION = '"PT0S"'

# Shape sizes (bpmn-js defaults, so linters do not complain); the layout is in ``layout``.
TASK_W, TASK_H = 100, 80
GATEWAY_SIZE = 50
EVENT_SIZE = 36

_INVALID_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("", text)


def _attr(value: str) -> str:
    value = escape(_clean(value), {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
    return f'"{value}"'


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class _El:
    """A minimal XML element that serialises deterministically."""

    __slots__ = ("tag", "attrs", "children", "text")

    def __init__(self, tag: str, attrs: list[tuple[str, str | None]] | None = None,
                 children: list["_El"] | None = None, text: str | None = None) -> None:
        self.tag = tag
        self.attrs = [(k, v) for k, v in (attrs or []) if v is not None]
        self.children = children or []
        self.text = text

    def add(self, child: "_El") -> "_El":
        self.children.append(child)
        return child

    def render(self, out: list[str], depth: int = 0) -> None:
        pad = "  " * depth
        attrs = "".join(f" {k}={_attr(v)}" for k, v in self.attrs)
        if self.text is not None:
            out.append(f"{pad}<{self.tag}{attrs}>{escape(_clean(self.text))}</{self.tag}>")
        elif self.children:
            out.append(f"{pad}<{self.tag}{attrs}>")
            for child in self.children:
                child.render(out, depth + 1)
            out.append(f"{pad}</{self.tag}>")
        else:
            out.append(f"{pad}<{self.tag}{attrs} />")


@dataclass
class _Node:
    id: str
    key: str               # short form used in flow ids
    tag: str               # BPMN element name without prefix
    name: str | None
    lane: int
    shape: str             # "task" | "gateway" | "event"
    step: Step | None = None
    documentation: str | None = None
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    col: int = 0
    row: int = 0           # 0 the lane's main row, 1 its end row (ends of branches)
    x: int = 0
    y: int = 0
    w: int = 0
    h: int = 0

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        return self.y + self.h // 2


@dataclass
class _Flow:
    id: str
    source: _Node
    target: _Node
    name: str | None = None
    condition: str | None = None


def step_documentation(step: Step) -> str:
    """The German line that repeats the ``pl:step`` extension for other tools."""
    parts = [f"Baustein: {BUILDING_BLOCKS[step.kind].label}"]
    if step.it_system:
        parts.append(f"IT-System: {step.it_system}")
    if step.media_break:
        parts.append("Medienbruch: ja")
    if step.minutes is not None:
        parts.append(f"Bearbeitungszeit: {_number(step.minutes).replace('.', ',')} Min.")
    line = " · ".join(parts)
    if step.description:
        line += "\n" + step.description
    return line


def _lane_names(profile: ProcessProfile) -> tuple[list[str], dict[int, int]]:
    fallback = (profile.org_unit or "").strip() or DEFAULT_LANE
    names: list[str] = []
    lane_of: dict[int, int] = {}
    for step in profile.steps:
        name = (step.actor or "").strip() or fallback
        if name not in names:
            names.append(name)
        lane_of[step.n] = names.index(name)
    if not names:
        names.append(fallback)
    return names, lane_of


def _successors(profile: ProcessProfile) -> dict[int, list[tuple[int | None, str | None]]]:
    """Where the flow goes after each step: ``[(target or None for the end, condition)]``.

    A single entry without condition is a plain continuation.
    """
    count = len(profile.steps)
    decisions = {d.after_step: d for d in profile.decisions}
    result: dict[int, list[tuple[int | None, str | None]]] = {}
    for step in profile.steps:
        decision = decisions.get(step.n)
        if decision is not None:
            result[step.n] = [(b.goto_step, b.condition) for b in decision.branches]
        elif step.next_step is not None:
            result[step.n] = [(step.next_step, None)]
        else:
            result[step.n] = [(step.n + 1 if step.n < count else None, None)]
    return result


class _Builder:
    def __init__(self, profile: ProcessProfile) -> None:
        self.profile = profile
        self.lanes, self.lane_of = _lane_names(profile)
        self.nodes: list[_Node] = []
        self.flows: list[_Flow] = []
        self.decisions = {d.after_step: d for d in profile.decisions}

    # -- graph ---------------------------------------------------------------
    def _node(self, node: _Node) -> _Node:
        node.col = len(self.nodes)
        if node.shape == "task":
            node.w, node.h = TASK_W, TASK_H
        elif node.shape == "gateway":
            node.w = node.h = GATEWAY_SIZE
        else:
            node.w = node.h = EVENT_SIZE
        self.nodes.append(node)
        return node

    def _flow(self, flow_id: str, source: _Node, target: _Node,
              name: str | None = None, condition: str | None = None) -> None:
        flow = _Flow(flow_id, source, target, name, condition)
        source.outgoing.append(flow_id)
        target.incoming.append(flow_id)
        self.flows.append(flow)

    def build_graph(self) -> None:
        profile = self.profile
        steps = profile.steps
        successors = _successors(profile)
        indegree = {step.n: 0 for step in steps}
        if steps:
            indegree[1] += 1
        for targets in successors.values():
            for target, _ in targets:
                if target is not None:
                    indegree[target] += 1

        first_lane = self.lane_of.get(1, 0)
        start = self._node(_Node("StartEvent_1", "start", "startEvent",
                                 (profile.trigger or "").strip() or DEFAULT_START_NAME,
                                 first_lane, "event"))
        task: dict[int, _Node] = {}
        entry: dict[int, _Node] = {}
        gateway: dict[int, _Node] = {}
        branch_end: dict[tuple[int, int], _Node] = {}
        for step in steps:
            lane = self.lane_of[step.n]
            if indegree[step.n] > 1:
                entry[step.n] = self._node(_Node(f"Gateway_join_{step.n}", f"j{step.n}",
                                                 "exclusiveGateway", None, lane, "gateway"))
            block = BUILDING_BLOCKS[step.kind]
            if step.kind == "wait":
                node = _Node(f"Timer_{step.n}", str(step.n), "intermediateCatchEvent",
                             step.label, lane, "event", step)
            else:
                node = _Node(f"Task_{step.n}", str(step.n), block.bpmn_element,
                             step.label, lane, "task", step)
            node.documentation = step_documentation(step)
            task[step.n] = self._node(node)
            entry.setdefault(step.n, node)
            decision = self.decisions.get(step.n)
            if decision is not None:
                gw = self._node(_Node(f"Gateway_after_{step.n}", f"g{step.n}", "exclusiveGateway",
                                      decision.question, lane, "gateway"))
                gw.documentation = f"Entscheidungsvariable decision_{step.n}: " + "; ".join(
                    f"{i} = {b.condition}" for i, b in enumerate(decision.branches))
                gateway[step.n] = gw
                for i, branch in enumerate(decision.branches):
                    if branch.goto_step is None:
                        branch_end[(step.n, i)] = self._node(_Node(
                            f"EndEvent_after_{step.n}_{i + 1}", f"end{step.n}_{i + 1}", "endEvent",
                            BRANCH_END_NAME, lane, "event"))
        main_end: _Node | None = None
        if steps and any(t is None and c is None for t, c in successors[len(steps)]):
            main_end = self._node(_Node("EndEvent_1", "end", "endEvent",
                                        (profile.result or "").strip() or DEFAULT_END_NAME,
                                        self.lane_of[len(steps)], "event"))
        if not steps:
            main_end = self._node(_Node("EndEvent_1", "end", "endEvent",
                                        (profile.result or "").strip() or DEFAULT_END_NAME,
                                        0, "event"))
            self._flow("Flow_start_end", start, main_end)
            return

        def link(source: _Node, target: _Node) -> None:
            self._flow(f"Flow_{source.key}_{target.key}", source, target)

        link(start, entry[1])
        for step in steps:
            node = task[step.n]
            if entry[step.n] is not node:
                link(entry[step.n], node)
            if step.n in gateway:
                gw = gateway[step.n]
                link(node, gw)
                for i, branch in enumerate(self.decisions[step.n].branches):
                    target = branch_end[(step.n, i)] if branch.goto_step is None else entry[branch.goto_step]
                    self._flow(f"Flow_g{step.n}_{i + 1}", gw, target, branch.condition,
                               f"decision_{step.n} == {i}")
            else:
                target_n = successors[step.n][0][0]
                link(node, entry[target_n] if target_n is not None else main_end)  # type: ignore[arg-type]

    # -- XML -----------------------------------------------------------------
    def _flow_node(self, node: _Node) -> _El:
        el = _El(f"bpmn:{node.tag}", [("id", node.id), ("name", node.name)])
        if node.documentation:
            el.add(_El("bpmn:documentation", text=node.documentation))
        step = node.step
        if step is not None:
            ext = el.add(_El("bpmn:extensionElements"))
            ext.add(_El("pl:step", [
                ("n", str(step.n)),
                ("kind", step.kind),
                ("itSystem", step.it_system),
                ("mediaBreak", "true" if step.media_break else "false"),
                ("minutes", _number(step.minutes) if step.minutes is not None else None),
            ]))
        for flow_id in node.incoming:
            el.add(_El("bpmn:incoming", text=flow_id))
        for flow_id in node.outgoing:
            el.add(_El("bpmn:outgoing", text=flow_id))
        if node.tag == "intermediateCatchEvent":
            timer = el.add(_El("bpmn:timerEventDefinition", [("id", f"TimerEventDefinition_{node.key}")]))
            timer.add(_El("bpmn:timeDuration", [("xsi:type", "bpmn:tFormalExpression")],
                          text=TIMER_DURATION))
        return el

    def document(self) -> bytes:
        profile = self.profile
        title = profile.title
        root = _El("bpmn:definitions", [
            ("xmlns:bpmn", BPMN_NS), ("xmlns:bpmndi", BPMNDI_NS), ("xmlns:dc", DC_NS),
            ("xmlns:di", DI_NS), ("xmlns:xsi", XSI_NS), ("xmlns:pl", PL_NS),
            ("id", "Definitions_1"), ("targetNamespace", "https://prozesslotse.de/bpmn"),
            ("expressionLanguage", PYTHON_EXPRESSIONS),
            ("exporter", "Prozesslotse"), ("exporterVersion", "1.0"),
        ])
        collaboration = root.add(_El("bpmn:collaboration", [("id", "Collaboration_1")]))
        collaboration.add(_El("bpmn:participant", [
            ("id", "Participant_1"), ("name", title), ("processRef", "Process_1")]))

        process = root.add(_El("bpmn:process", [
            ("id", "Process_1"), ("name", title), ("isExecutable", "true")]))
        if profile.description:
            process.add(_El("bpmn:documentation", text=profile.description))
        # What has no visible place of its own (the result when no plain end
        # event exists) or may get lost in other tools.
        meta = [("orgUnit", profile.org_unit), ("category", profile.category),
                ("trigger", profile.trigger), ("result", profile.result)]
        if any(v for _, v in meta):
            ext = process.add(_El("bpmn:extensionElements"))
            ext.add(_El("pl:profile", meta))
        lane_set = process.add(_El("bpmn:laneSet", [("id", "LaneSet_1")]))
        for index, name in enumerate(self.lanes):
            lane = lane_set.add(_El("bpmn:lane", [("id", f"Lane_{index + 1}"), ("name", name)]))
            for node in self.nodes:
                if node.lane == index:
                    lane.add(_El("bpmn:flowNodeRef", text=node.id))
        for node in self.nodes:
            process.add(self._flow_node(node))
        for flow in self.flows:
            el = process.add(_El("bpmn:sequenceFlow", [
                ("id", flow.id), ("name", flow.name),
                ("sourceRef", flow.source.id), ("targetRef", flow.target.id)]))
            if flow.condition is not None:
                el.add(_El("bpmn:conditionExpression", [("xsi:type", "bpmn:tFormalExpression")],
                           text=flow.condition))

        diagram = root.add(_El("bpmndi:BPMNDiagram", [("id", "BPMNDiagram_1")]))
        plane = diagram.add(_El("bpmndi:BPMNPlane", [("id", "BPMNPlane_1"), ("bpmnElement", "Collaboration_1")]))

        layout = Layout(self.nodes, self.flows, len(self.lanes)).run()

        def bounds(x: int, y: int, w: int, h: int) -> _El:
            return _El("dc:Bounds", [("x", str(x)), ("y", str(y)), ("width", str(w)), ("height", str(h))])

        def label(el: _El, found: Label | None) -> None:
            if found is not None:
                el.add(_El("bpmndi:BPMNLabel", children=[bounds(found.x, found.y, found.w, found.h)]))

        def shape(element_id: str, x: int, y: int, w: int, h: int, horizontal: bool = False) -> None:
            el = plane.add(_El("bpmndi:BPMNShape", [
                ("id", f"{element_id}_di"), ("bpmnElement", element_id),
                ("isHorizontal", "true" if horizontal else None)]))
            el.add(bounds(x, y, w, h))
            label(el, layout.labels.get(element_id))

        shape("Participant_1", POOL_X, POOL_Y, layout.width, layout.height, horizontal=True)
        for index in range(len(self.lanes)):
            shape(f"Lane_{index + 1}", POOL_X + POOL_HEADER, layout.lane_top[index],
                  layout.width - POOL_HEADER, layout.lane_h[index], horizontal=True)
        for node in self.nodes:
            shape(node.id, node.x, node.y, node.w, node.h)
        for flow in self.flows:
            edge = plane.add(_El("bpmndi:BPMNEdge", [("id", f"{flow.id}_di"), ("bpmnElement", flow.id)]))
            for x, y in layout.waypoints[flow.id]:
                edge.add(_El("di:waypoint", [("x", str(x)), ("y", str(y))]))
            label(edge, layout.labels.get(flow.id))

        out = ['<?xml version="1.0" encoding="UTF-8"?>']
        root.render(out)
        return ("\n".join(out) + "\n").encode("utf-8")


def to_bpmn(profile: ProcessProfile) -> bytes:
    """The profile as a BPMN 2.0 XML document (UTF-8)."""
    builder = _Builder(profile)
    builder.build_graph()
    return builder.document()
