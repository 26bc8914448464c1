"""BPMN 2.0 export and import (``app.bpmn``), without the Flask app.

(a) every demo model validates against the official BPMN 2.0 XSD (shipped
    with SpiffWorkflow) and passes the structural checks the XSD cannot
    make: references, lanes, shapes, edges;
(b) every demo model runs to an end event in SpiffWorkflow, and across the
    runs every gateway is driven down every branch;
(c) export → import → export keeps the model and is byte-identical;
(d) hostile or broken files are refused with German messages;
(e) a hand-written bpmn.io-style file imports with inferred kinds.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.defaults import NoneTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from app.bpmn import BpmnImportError, from_bpmn, to_bpmn
from app.corpus.demo import read_demo_corpus
from app.domain.catalogue import KINDS
from app.domain.models import ProcessProfile

REPO = Path(__file__).resolve().parents[1]
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
FLOW_NODES = (
    "startEvent", "endEvent", "intermediateCatchEvent", "exclusiveGateway", "task", "userTask",
    "manualTask", "sendTask", "receiveTask", "businessRuleTask", "serviceTask",
)
ACTIVITIES = ("task", "userTask", "manualTask", "sendTask", "receiveTask", "businessRuleTask", "serviceTask")
GERMAN = re.compile(r"[äöüÄÖÜß]|\b(Datei|nicht|keine?n?|ist|wird|werden)\b")


@lru_cache(maxsize=1)
def corpus_models() -> tuple[tuple[ProcessProfile, bytes], ...]:
    corpus = read_demo_corpus(REPO / "corpus")
    assert not corpus.errors
    profiles = [p for p in corpus.profiles if p.steps]
    return tuple((p.model_copy(update={"id": i}), to_bpmn(p.model_copy(update={"id": i})))
                 for i, p in enumerate(profiles, start=1))


def _ids(models):
    return [p.external_id for p, _ in models]


MODELS = corpus_models()


def test_corpus_has_models():
    assert len(MODELS) >= 100
    assert all(xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>') for _, xml in MODELS)


# --------------------------------------------------------------------------
# (a) schema and structure
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def validator() -> BpmnValidator:
    return BpmnValidator()  # BPMN20.xsd with Semantic, BPMNDI, DI and DC schemas


def test_validator_rejects_invalid_documents(validator):
    _, xml = MODELS[0]
    broken = xml.replace(b"<bpmn:laneSet", b"<bpmn:noSuchElement />\n    <bpmn:laneSet", 1)
    with pytest.raises(Exception):
        validator.validate(etree.fromstring(broken))


def test_every_demo_model_validates_against_the_bpmn_xsd(validator):
    failures = []
    for profile, xml in MODELS:
        try:
            validator.validate(etree.fromstring(xml))
        except Exception as exc:  # noqa: BLE001 - collect all failures
            failures.append(f"{profile.external_id}: {exc}")
    assert not failures, failures[:5]


def _bounds(shape) -> tuple[float, float, float, float]:
    b = shape.find("dc:Bounds", NS)
    return float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height"))


def _inside(inner, outer) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


def _overlap(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def _on_border(point, box) -> bool:
    px, py = point
    x, y, w, h = box
    on_vertical = px in (x, x + w) and y <= py <= y + h
    on_horizontal = py in (y, y + h) and x <= px <= x + w
    return on_vertical or on_horizontal


def check_structure(xml: bytes, connected: bool = True) -> list[str]:
    """Everything a renderer and a reader rely on that the XSD does not check.

    ``connected``: also require that every node is reached and leads on
    (true for the corpus; a profile may contain steps nothing leads to).
    """
    problems: list[str] = []
    root = etree.fromstring(xml)
    process = root.find("bpmn:process", NS)
    if process is None or process.get("isExecutable") != "true":
        return ["no executable process"]
    nodes = {el.get("id"): el for tag in FLOW_NODES for el in process.findall(f"bpmn:{tag}", NS)}
    flows = {el.get("id"): el for el in process.findall("bpmn:sequenceFlow", NS)}
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    if len(ids) != len(set(ids)):
        problems.append("duplicate ids")
    if len(process.findall("bpmn:startEvent", NS)) != 1 or (connected and not process.findall("bpmn:endEvent", NS)):
        problems.append("need one start and at least one end event")

    incoming: dict[str, list[str]] = defaultdict(list)
    outgoing: dict[str, list[str]] = defaultdict(list)
    for flow_id, flow in flows.items():
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source not in nodes or target not in nodes:
            problems.append(f"{flow_id}: dangling sourceRef/targetRef")
            continue
        outgoing[source].append(flow_id)
        incoming[target].append(flow_id)
    for node_id, node in nodes.items():
        declared_in = [e.text for e in node.findall("bpmn:incoming", NS)]
        declared_out = [e.text for e in node.findall("bpmn:outgoing", NS)]
        if sorted(declared_in) != sorted(incoming[node_id]) or sorted(declared_out) != sorted(outgoing[node_id]):
            problems.append(f"{node_id}: incoming/outgoing do not match the sequence flows")
        tag = etree.QName(node).localname
        if tag != "exclusiveGateway" and len(incoming[node_id]) > 1:
            problems.append(f"{node_id}: several incoming flows without a joining gateway")
        if connected and tag != "startEvent" and not incoming[node_id]:
            problems.append(f"{node_id}: unreachable")
        if tag != "endEvent" and not outgoing[node_id]:
            problems.append(f"{node_id}: dead end")
        if tag == "exclusiveGateway" and len(outgoing[node_id]) > 1:
            for flow_id in outgoing[node_id]:
                if flows[flow_id].find("bpmn:conditionExpression", NS) is None or not flows[flow_id].get("name"):
                    problems.append(f"{flow_id}: branch without name or condition")

    lane_of: dict[str, str] = {}
    lanes = process.findall("bpmn:laneSet/bpmn:lane", NS)
    for lane in lanes:
        if not lane.get("name"):
            problems.append(f"{lane.get('id')}: lane without name")
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            if ref.text not in nodes:
                problems.append(f"{lane.get('id')}: flowNodeRef {ref.text} does not exist")
            if ref.text in lane_of:
                problems.append(f"{ref.text}: in two lanes")
            lane_of[ref.text] = lane.get("id")
    for node_id in nodes:
        if node_id not in lane_of:
            problems.append(f"{node_id}: in no lane")

    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    shapes: dict[str, list] = defaultdict(list)
    for shape in plane.findall("bpmndi:BPMNShape", NS):
        shapes[shape.get("bpmnElement")].append(shape)
    participant = root.find("bpmn:collaboration/bpmn:participant", NS)
    pool = _bounds(shapes[participant.get("id")][0]) if participant is not None else None
    lane_box = {}
    for lane in lanes:
        found = shapes.get(lane.get("id"), [])
        if len(found) != 1 or found[0].get("isHorizontal") != "true":
            problems.append(f"{lane.get('id')}: needs exactly one horizontal shape")
            continue
        lane_box[lane.get("id")] = _bounds(found[0])
        if pool and not _inside(lane_box[lane.get("id")], pool):
            problems.append(f"{lane.get('id')}: outside the pool")
    boxes = list(lane_box.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if _overlap(a, b):
                problems.append("lanes overlap")
    node_box = {}
    rows: dict[str, set[float]] = defaultdict(set)   # centre lines of each lane's main row
    for node_id in nodes:
        found = shapes.get(node_id, [])
        if len(found) != 1:
            problems.append(f"{node_id}: {len(found)} shapes")
            continue
        box = node_box[node_id] = _bounds(found[0])
        lane = lane_box.get(lane_of.get(node_id, ""))
        if lane is None or not _inside(box, lane):
            problems.append(f"{node_id}: shape not inside its lane")
        elif not node_id.startswith("EndEvent_after_"):
            rows[lane_of[node_id]].add(box[1] + box[3] / 2)
    for lane_id, centres in rows.items():
        if len(centres) != 1:
            problems.append(f"{lane_id}: its nodes are not on one row")
    for node_id, box in node_box.items():  # the end of a branch sits below its lane's row, off the main line
        if node_id.startswith("EndEvent_after_") and rows.get(lane_of.get(node_id, "")) and \
                box[1] <= min(rows[lane_of[node_id]]):
            problems.append(f"{node_id}: not below the main row")
    for shape in plane.findall("bpmndi:BPMNShape", NS) + plane.findall("bpmndi:BPMNEdge", NS):
        label = shape.find("bpmndi:BPMNLabel", NS)
        if label is not None and pool and not _inside(_bounds(label), pool):
            problems.append(f"{shape.get('bpmnElement')}: label outside the pool")
    placed = sorted(node_box.items(), key=lambda item: item[1][0])
    for i, (a_id, a) in enumerate(placed):
        for b_id, b in placed[i + 1:]:
            if b[0] >= a[0] + a[2]:
                break
            if _overlap(a, b):
                problems.append(f"{a_id} and {b_id} overlap")

    edges: dict[str, list] = defaultdict(list)
    for edge in plane.findall("bpmndi:BPMNEdge", NS):
        edges[edge.get("bpmnElement")].append(edge)
    for flow_id, flow in flows.items():
        found = edges.get(flow_id, [])
        if len(found) != 1:
            problems.append(f"{flow_id}: {len(found)} edges")
            continue
        points = [(float(p.get("x")), float(p.get("y"))) for p in found[0].findall("di:waypoint", NS)]
        if len(points) < 2:
            problems.append(f"{flow_id}: fewer than two waypoints")
            continue
        if any(a[0] != b[0] and a[1] != b[1] for a, b in zip(points, points[1:])):
            problems.append(f"{flow_id}: not orthogonal")
        if any(a == b for a, b in zip(points, points[1:])):
            problems.append(f"{flow_id}: repeated waypoint")
        source, target = node_box.get(flow.get("sourceRef")), node_box.get(flow.get("targetRef"))
        if source and not _on_border(points[0], source):
            problems.append(f"{flow_id}: does not start at its source")
        if target and not _on_border(points[-1], target):
            problems.append(f"{flow_id}: does not end at its target")
    return problems


def test_every_demo_model_is_structurally_sound():
    failures = {p.external_id: problems for p, xml in MODELS if (problems := check_structure(xml))}
    assert not failures, dict(list(failures.items())[:3])


def test_structure_check_finds_problems():
    _, xml = MODELS[0]
    assert check_structure(xml.replace(b'targetRef="Task_2"', b'targetRef="Task_99"', 1))
    assert check_structure(re.sub(rb'(<dc:Bounds x=")(\d+)(" y="\d+" width="100")',
                                  lambda m: m.group(1) + b"185" + m.group(3), xml, count=2))


def test_elements_follow_the_catalogue():
    profile, xml = next((p, x) for p, x in MODELS if any(s.kind == "wait" for s in p.steps))
    root = etree.fromstring(xml)
    process = root.find("bpmn:process", NS)
    wait = next(s for s in profile.steps if s.kind == "wait")
    timer = process.find(f"bpmn:intermediateCatchEvent[@id='Timer_{wait.n}']", NS)
    assert timer is not None and timer.get("name") == wait.label
    assert timer.find("bpmn:timerEventDefinition/bpmn:timeDuration", NS) is not None
    kinds = {"receive": "receiveTask", "send": "sendTask", "decide": "businessRuleTask",
             "check_formal": "userTask", "archive": "manualTask", "other": "task"}
    seen = set()
    for profile, xml in MODELS:
        process = etree.fromstring(xml).find("bpmn:process", NS)
        for step in profile.steps:
            if step.kind in kinds:
                el = process.find(f"bpmn:{kinds[step.kind]}[@id='Task_{step.n}']", NS)
                assert el is not None, (profile.external_id, step.n, step.kind)
                ext = el.find("bpmn:extensionElements/{https://prozesslotse.de/schema/bpmn}step", NS)
                assert ext.get("kind") == step.kind
                assert "Baustein: " in el.find("bpmn:documentation", NS).text
                seen.add(step.kind)
    assert seen == set(kinds)


# --------------------------------------------------------------------------
# (b) execution in SpiffWorkflow
# --------------------------------------------------------------------------

class _Parser(BpmnParser):
    # SpiffWorkflow's plain parser has no businessRuleTask (it needs DMN in
    # the spiff/camunda dialects); without a rule engine it is a plain task.
    OVERRIDE_PARSER_CLASSES = {full_tag("businessRuleTask"): (TaskParser, NoneTask)}


def _successors(profile: ProcessProfile) -> dict[int, list[int | None]]:
    decisions = {d.after_step: d for d in profile.decisions}
    count = len(profile.steps)
    result = {}
    for step in profile.steps:
        if step.n in decisions:
            result[step.n] = [b.goto_step for b in decisions[step.n].branches]
        elif step.next_step:
            result[step.n] = [step.next_step]
        else:
            result[step.n] = [step.n + 1 if step.n < count else None]
    return result


def _distance(successors, start: int | None, goal: int, no_loop_from: set[int]) -> float:
    """Steps from ``start`` to step ``goal``, not using the backward branches of
    the gateways in ``no_loop_from`` (their loop was already taken)."""
    frontier, seen, distance = [start], set(), 0
    while frontier:
        following = []
        for n in frontier:
            if n is None or n in seen:
                continue
            if n == goal:
                return distance
            seen.add(n)
            following.extend(t for t in successors[n]
                             if not (n in no_loop_from and t is not None and t <= n))
        frontier, distance = following, distance + 1
    return float("inf")


def _gateway_targets(xml: bytes) -> dict[str, list[str]]:
    process = etree.fromstring(xml).find("bpmn:process", NS)
    targets: dict[str, list[str]] = defaultdict(list)
    for flow in process.findall("bpmn:sequenceFlow", NS):
        if flow.get("sourceRef").startswith("Gateway_after_"):
            targets[flow.get("sourceRef")].append(flow.get("targetRef"))
    return targets


def run_once(spec, profile: ProcessProfile, target: tuple[int, int], gateway_targets) -> tuple[list[str], set]:
    """Run one instance; at gateway ``target[0]`` take branch ``target[1]`` once,
    elsewhere take branches that lead there, and leave loops after one turn."""
    successors = _successors(profile)
    decisions = {d.after_step: d for d in profile.decisions}
    goal, goal_branch = target
    done = False
    used_backward: set[int] = set()
    taken: set[tuple[int, int]] = set()
    trace: list[str] = []

    def decide(task) -> None:  # called by the engine before it runs a task
        nonlocal done
        name = task.task_spec.name
        if not name.startswith("Gateway_after_"):
            return
        k = int(name.rsplit("_", 1)[1])
        branches = decisions[k].branches
        if k == goal and not done:
            choice, done = goal_branch, True
        else:
            def cost(i: int) -> tuple[int, float, int]:
                goto = branches[i].goto_step
                backward = goto is not None and goto <= k
                no_loop = used_backward | {k} if backward else used_backward
                way = 0 if done else _distance(successors, goto, goal, no_loop)
                return (int(backward and k in used_backward), way, int(backward))
            choice = min(range(len(branches)), key=cost)
        goto = branches[choice].goto_step
        if goto is not None and goto <= k:
            used_backward.add(k)
        task.data[f"decision_{k}"] = choice  # read by the conditionExpressions
        taken.add((k, choice))

    def record(task) -> None:
        name = task.task_spec.name
        if name.startswith("Gateway_after_"):
            name += f"={task.data['decision_' + name.rsplit('_', 1)[1]]}"
        trace.append(name)

    workflow = BpmnWorkflow(spec)
    for _ in range(2000):
        workflow.do_engine_steps(will_complete_task=decide, did_complete_task=record)
        if workflow.is_completed():
            break
        # user, manual and plain tasks wait for a person: complete them
        human = workflow.get_tasks(state=TaskState.READY, manual=True)
        for task in human:
            task.run()
            record(task)
        if not human:
            time.sleep(0.001)  # only a timer is running ("PT0S")
    assert workflow.is_completed(), (profile.external_id, target, trace[-10:])
    # the branch condition selected exactly the flow of the chosen branch
    for i, entry in enumerate(trace):
        if "=" in entry:
            gateway, choice = entry.split("=")
            assert trace[i + 1] == gateway_targets[gateway][int(choice)], (profile.external_id, trace)
    ends = [t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.name.startswith("EndEvent_")]
    assert len(ends) == 1, (profile.external_id, ends)
    return trace, taken


def test_every_demo_model_runs_in_spiffworkflow_and_every_branch_is_taken():
    runs = 0
    for profile, xml in MODELS:
        parser = _Parser()
        parser.add_bpmn_str(xml)
        spec = parser.get_spec("Process_1")
        gateway_targets = _gateway_targets(xml)
        wanted = {(d.after_step, i) for d in profile.decisions for i in range(len(d.branches))}
        covered: set = set()
        visited: set[str] = set()
        plan = sorted(wanted) or [(0, 0)]
        for target in plan:
            if target in covered:
                continue  # an earlier run already went this way
            trace, taken = run_once(spec, profile, target, gateway_targets)
            runs += 1
            covered |= taken
            visited |= {t for t in trace if t.startswith(("Task_", "Timer_"))}
        assert wanted <= covered, (profile.external_id, sorted(wanted - covered))
        # every step, timers included, was executed in some run
        assert visited == {f"{'Timer' if s.kind == 'wait' else 'Task'}_{s.n}" for s in profile.steps}
    assert runs >= len(MODELS)


def test_timer_events_are_executable():
    profile, xml = next((p, x) for p, x in MODELS if any(s.kind == "wait" for s in p.steps))
    timer = etree.fromstring(xml).find(".//bpmn:timeDuration", NS)
    # SpiffWorkflow evaluates the duration as a Python expression -> a string literal
    assert timer.text.startswith('"P') and timer.text.endswith('"')


# --------------------------------------------------------------------------
# (c) round trip
# --------------------------------------------------------------------------

def _flow_signature(profile: ProcessProfile):
    decisions = sorted(
        (d.after_step, d.question, tuple((b.condition, b.goto_step) for b in d.branches))
        for d in profile.decisions)
    return _successors(profile), decisions


def test_export_import_export_round_trip():
    for profile, xml in MODELS:
        back = from_bpmn(xml)
        assert back.title == profile.title
        assert [(s.n, s.label, s.kind, s.actor, s.it_system, s.media_break, s.minutes) for s in back.steps] == \
            [(s.n, s.label, s.kind, s.actor, s.it_system, s.media_break, s.minutes) for s in profile.steps]
        assert _flow_signature(back) == _flow_signature(profile), profile.external_id
        assert (back.org_unit, back.category, back.trigger, back.result) == \
            (profile.org_unit, profile.category, profile.trigger, profile.result)
        assert to_bpmn(back) == xml, profile.external_id


def test_export_is_deterministic():
    profile, xml = MODELS[5]
    assert to_bpmn(profile) == xml
    assert to_bpmn(ProcessProfile.model_validate(profile.model_dump())) == xml


def test_import_without_extensions_uses_the_documentation_line():
    for profile, xml in MODELS[:20]:
        stripped = re.sub(rb"\s*<bpmn:extensionElements>.*?</bpmn:extensionElements>", b"", xml, flags=re.S)
        assert b"pl:step" not in stripped
        back = from_bpmn(stripped)
        assert [(s.label, s.kind, s.actor, s.it_system, s.media_break, s.minutes) for s in back.steps] == \
            [(s.label, s.kind, s.actor, s.it_system, s.media_break, s.minutes) for s in profile.steps]
        assert _flow_signature(back) == _flow_signature(profile)


def test_import_without_extensions_and_documentation_infers_kinds():
    profile, xml = MODELS[0]
    stripped = re.sub(rb"\s*<bpmn:(extensionElements|documentation)>.*?</bpmn:\1>", b"", xml, flags=re.S)
    back = from_bpmn(stripped)
    assert [s.label for s in back.steps] == [s.label for s in profile.steps]
    agree = sum(a.kind == b.kind for a, b in zip(back.steps, profile.steps))
    assert agree >= len(profile.steps) * 0.6
    for step, original in zip(back.steps, profile.steps):
        if original.kind in ("send", "receive", "wait"):
            assert step.kind == original.kind  # from the element type


def test_steps_without_actor_go_to_the_org_unit_lane():
    profile, _ = MODELS[0]
    steps = [s.model_copy(update={"actor": None}) for s in profile.steps]
    xml = to_bpmn(profile.model_copy(update={"steps": steps}))
    lanes = etree.fromstring(xml).findall(".//bpmn:lane", NS)
    assert [lane.get("name") for lane in lanes] == [profile.org_unit]
    no_unit = profile.model_copy(update={"steps": steps, "org_unit": None})
    lanes = etree.fromstring(to_bpmn(no_unit)).findall(".//bpmn:lane", NS)
    assert [lane.get("name") for lane in lanes] == ["Sachbearbeitung"]
    assert not check_structure(to_bpmn(no_unit))


def test_unusual_flows_export_cleanly(validator):
    """Loops onto the same step, skips, end branches, joins before step 1."""
    profile = ProcessProfile.model_validate({
        "title": "Schleifen & <Sonderzeichen> \"prüfen\"",
        "steps": [
            {"n": 1, "label": "Antrag entgegennehmen", "kind": "receive", "actor": "Poststelle"},
            {"n": 2, "label": "Antrag prüfen", "kind": "check_formal", "actor": "Sachbearbeitung"},
            {"n": 3, "label": "Frist abwarten", "kind": "wait", "actor": "Sachbearbeitung"},
            {"n": 4, "label": "Bescheid erstellen", "kind": "create_document", "actor": "Sachbearbeitung",
             "next_step": 6},
            {"n": 5, "label": "Ablehnung erstellen", "kind": "create_document", "actor": "Leitung"},
            {"n": 6, "label": "Bescheid versenden", "kind": "send", "actor": "Poststelle"},
        ],
        "decisions": [
            {"after_step": 2, "question": "Vollständig?", "branches": [
                {"condition": "ja", "goto_step": 4}, {"condition": "nein", "goto_step": 3},
                {"condition": "zurückgezogen", "goto_step": None}]},
            {"after_step": 3, "question": "Nachgereicht?", "branches": [
                {"condition": "ja", "goto_step": 2}, {"condition": "nein", "goto_step": 5}]},
            {"after_step": 6, "question": "Zustellung erfolgreich?", "branches": [
                {"condition": "ja", "goto_step": None}, {"condition": "nein", "goto_step": 1}]},
        ],
    })
    xml = to_bpmn(profile)
    validator.validate(etree.fromstring(xml))
    assert not check_structure(xml)
    back = from_bpmn(xml)
    assert _flow_signature(back) == _flow_signature(profile)
    assert back.title == profile.title
    assert to_bpmn(back) == xml
    parser = _Parser()
    parser.add_bpmn_str(xml)
    spec = parser.get_spec("Process_1")
    covered = set()
    for d in profile.decisions:
        for i in range(len(d.branches)):
            covered |= run_once(spec, profile, (d.after_step, i), _gateway_targets(xml))[1]
    assert covered == {(d.after_step, i) for d in profile.decisions for i in range(len(d.branches))}


_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßABCÄÖÜ0123456789 .,;:-/&<>\"'§()?!„“",
                min_size=1, max_size=60).map(lambda t: " ".join(t.split())).filter(bool)


@st.composite
def random_profiles(draw) -> ProcessProfile:
    count = draw(st.integers(1, 12))
    actors = draw(st.lists(_TEXT, min_size=1, max_size=4, unique=True))
    steps = []
    for n in range(1, count + 1):
        steps.append({
            "n": n, "label": draw(_TEXT), "kind": draw(st.sampled_from(KINDS)),
            "actor": draw(st.none() | st.sampled_from(actors)),
            "it_system": draw(st.none() | _TEXT), "media_break": draw(st.booleans()),
            "minutes": draw(st.none() | st.integers(0, 600) | st.floats(0, 1000, allow_nan=False)),
            "description": draw(st.none() | st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.just("\n"),
                                                    min_size=1, max_size=80).map(str.strip).filter(bool)),
            "next_step": draw(st.none() | st.integers(1, count)) if draw(st.integers(0, 4)) == 0 else None,
        })
    decisions = []
    for after in sorted(draw(st.sets(st.integers(1, count), max_size=min(count, 4)))):
        branches = draw(st.lists(
            st.fixed_dictionaries({"condition": _TEXT, "goto_step": st.none() | st.integers(1, count)}),
            min_size=2, max_size=4))
        decisions.append({"after_step": after, "question": draw(_TEXT), "branches": branches})
    return ProcessProfile.model_validate({
        "title": draw(_TEXT), "org_unit": draw(st.none() | _TEXT), "trigger": draw(st.none() | _TEXT),
        "result": draw(st.none() | _TEXT), "category": draw(st.none() | _TEXT),
        "description": draw(st.none() | _TEXT), "steps": steps, "decisions": decisions,
    })


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_profiles())
def test_any_profile_exports_validly_and_round_trips(validator, profile):
    xml = to_bpmn(profile)
    validator.validate(etree.fromstring(xml))
    assert not check_structure(xml, connected=False)
    back = from_bpmn(xml)
    assert _flow_signature(back) == _flow_signature(profile)
    fallback = profile.org_unit or "Sachbearbeitung"
    assert [(s.label, s.kind, s.actor, s.it_system, s.media_break, s.minutes, s.description) for s in back.steps] == \
        [(s.label, s.kind, s.actor or fallback, s.it_system, s.media_break, s.minutes, s.description)
         for s in profile.steps]
    assert to_bpmn(back) == xml


# --------------------------------------------------------------------------
# (d) refusals
# --------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="P"><task id="T" name="&lol9;"/></process></definitions>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="P"><task id="T" name="&xxe;"/></process></definitions>"""

DTD_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE definitions SYSTEM "http://example.org/bpmn.dtd">
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="P"><task id="T" name="A"/></process></definitions>"""


@pytest.mark.parametrize("data, expected", [
    (b"<definitions><process>", "wohlgeformt"),
    (b"Das ist keine XML-Datei.", "wohlgeformt"),
    (b"", "leer"),
    (b'<?xml version="1.0"?><html><body>Hallo</body></html>', "keine BPMN-2.0-Datei"),
    (b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/DI"/>', "keine BPMN-2.0-Datei"),
    (BILLION_LAUGHS, "DTD"),
    (EXTERNAL_ENTITY, "DTD"),
    (DTD_ONLY, "DTD"),
    (b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"/>', "keinen BPMN-Prozess"),
    (b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="P">'
     b'<startEvent id="S"/></process></definitions>', "keine Aufgaben"),
], ids=["truncated", "text", "empty", "html", "wrong-namespace", "billion-laughs", "external-entity", "dtd",
        "no-process", "no-tasks"])
def test_bad_files_are_refused_in_german(data, expected):
    with pytest.raises(BpmnImportError) as info:
        from_bpmn(data)
    message = str(info.value)
    assert expected in message
    assert GERMAN.search(message), message
    assert isinstance(info.value, ValueError)


def test_files_over_10_mb_are_refused_before_parsing():
    _, xml = MODELS[0]
    big = xml.replace(b"</bpmn:definitions>", b"<!--" + b"x" * (10 * 1024 * 1024) + b"--></bpmn:definitions>")
    with pytest.raises(BpmnImportError, match="10 MB"):
        from_bpmn(big)
    assert from_bpmn(xml).steps  # the same model without padding imports


# --------------------------------------------------------------------------
# (e) files from bpmn.io / Camunda Modeler
# --------------------------------------------------------------------------

BPMN_IO_FILE = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_0f3l2k1" targetNamespace="http://bpmn.io/schema/bpmn" exporter="bpmn-js (https://demo.bpmn.io)" exporterVersion="17.11.1">
  <collaboration id="Collaboration_1h4k2t0">
    <participant id="Participant_0w1x2y3" name="Hundesteuer-Anmeldung" processRef="Process_1a2b3c4" />
  </collaboration>
  <process id="Process_1a2b3c4" isExecutable="false">
    <laneSet id="LaneSet_0l1m2n3">
      <lane id="Lane_0buerger" name="B\xc3\xbcrgerb\xc3\xbcro">
        <flowNodeRef>StartEvent_1</flowNodeRef>
        <flowNodeRef>Activity_0aaaaaa</flowNodeRef>
      </lane>
      <lane id="Lane_1steuer" name="Steueramt">
        <flowNodeRef>Activity_1dddddd</flowNodeRef>
        <flowNodeRef>Activity_0bbbbbb</flowNodeRef>
        <flowNodeRef>Gateway_0ggggg1</flowNodeRef>
        <flowNodeRef>Activity_0cccccc</flowNodeRef>
        <flowNodeRef>Activity_1eeeeee</flowNodeRef>
        <flowNodeRef>Event_0endend</flowNodeRef>
      </lane>
    </laneSet>
    <task id="Activity_1dddddd" name="Hundesteuer festsetzen">
      <incoming>Flow_ja</incoming>
      <outgoing>Flow_0d2e</outgoing>
    </task>
    <startEvent id="StartEvent_1" name="Anmeldung geht ein">
      <outgoing>Flow_0s2a</outgoing>
    </startEvent>
    <sendTask id="Activity_1eeeeee" name="Steuerbescheid zustellen">
      <incoming>Flow_0d2e</incoming>
      <outgoing>Flow_0e2z</outgoing>
    </sendTask>
    <userTask id="Activity_0aaaaaa" name="Anmeldeformular entgegennehmen" camunda:assignee="buergerbuero">
      <incoming>Flow_0s2a</incoming>
      <outgoing>Flow_0a2b</outgoing>
    </userTask>
    <task id="Activity_0bbbbbb" name="Angaben auf Vollst\xc3\xa4ndigkeit pr\xc3\xbcfen">
      <incoming>Flow_0a2b</incoming>
      <incoming>Flow_0c2b</incoming>
      <outgoing>Flow_0b2g</outgoing>
    </task>
    <exclusiveGateway id="Gateway_0ggggg1" name="Angaben vollst\xc3\xa4ndig?">
      <incoming>Flow_0b2g</incoming>
      <outgoing>Flow_ja</outgoing>
      <outgoing>Flow_nein</outgoing>
    </exclusiveGateway>
    <task id="Activity_0cccccc" name="Fehlende Angaben beim Halter nachfordern">
      <incoming>Flow_nein</incoming>
      <outgoing>Flow_0c2b</outgoing>
    </task>
    <endEvent id="Event_0endend" name="Bescheid zugestellt">
      <incoming>Flow_0e2z</incoming>
    </endEvent>
    <sequenceFlow id="Flow_0s2a" sourceRef="StartEvent_1" targetRef="Activity_0aaaaaa" />
    <sequenceFlow id="Flow_0a2b" sourceRef="Activity_0aaaaaa" targetRef="Activity_0bbbbbb" />
    <sequenceFlow id="Flow_0b2g" sourceRef="Activity_0bbbbbb" targetRef="Gateway_0ggggg1" />
    <sequenceFlow id="Flow_ja" name="ja" sourceRef="Gateway_0ggggg1" targetRef="Activity_1dddddd" />
    <sequenceFlow id="Flow_nein" name="nein" sourceRef="Gateway_0ggggg1" targetRef="Activity_0cccccc" />
    <sequenceFlow id="Flow_0c2b" sourceRef="Activity_0cccccc" targetRef="Activity_0bbbbbb" />
    <sequenceFlow id="Flow_0d2e" sourceRef="Activity_1dddddd" targetRef="Activity_1eeeeee" />
    <sequenceFlow id="Flow_0e2z" sourceRef="Activity_1eeeeee" targetRef="Event_0endend" />
  </process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Collaboration_1h4k2t0">
      <bpmndi:BPMNShape id="Participant_0w1x2y3_di" bpmnElement="Participant_0w1x2y3" isHorizontal="true">
        <dc:Bounds x="120" y="60" width="1000" height="370" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_0buerger_di" bpmnElement="Lane_0buerger" isHorizontal="true">
        <dc:Bounds x="150" y="60" width="970" height="125" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_1steuer_di" bpmnElement="Lane_1steuer" isHorizontal="true">
        <dc:Bounds x="150" y="185" width="970" height="245" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="_BPMNShape_StartEvent_2" bpmnElement="StartEvent_1">
        <dc:Bounds x="192" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_0aaaaaa_di" bpmnElement="Activity_0aaaaaa">
        <dc:Bounds x="280" y="80" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_0bbbbbb_di" bpmnElement="Activity_0bbbbbb">
        <dc:Bounds x="430" y="210" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Gateway_0ggggg1_di" bpmnElement="Gateway_0ggggg1" isMarkerVisible="true">
        <dc:Bounds x="585" y="225" width="50" height="50" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_0cccccc_di" bpmnElement="Activity_0cccccc">
        <dc:Bounds x="560" y="330" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_1dddddd_di" bpmnElement="Activity_1dddddd">
        <dc:Bounds x="690" y="210" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Activity_1eeeeee_di" bpmnElement="Activity_1eeeeee">
        <dc:Bounds x="850" y="210" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Event_0endend_di" bpmnElement="Event_0endend">
        <dc:Bounds x="1012" y="232" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_0s2a_di" bpmnElement="Flow_0s2a">
        <di:waypoint x="228" y="120" />
        <di:waypoint x="280" y="120" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</definitions>
"""


def test_bpmn_io_file_imports_with_inferred_kinds():
    profile = from_bpmn(BPMN_IO_FILE)
    assert profile.title == "Hundesteuer-Anmeldung"  # process has no name: the pool's
    assert profile.trigger == "Anmeldung geht ein"
    assert profile.result == "Bescheid zugestellt"
    assert [(s.n, s.label, s.actor) for s in profile.steps] == [
        (1, "Anmeldeformular entgegennehmen", "Bürgerbüro"),
        (2, "Angaben auf Vollständigkeit prüfen", "Steueramt"),
        (3, "Fehlende Angaben beim Halter nachfordern", "Steueramt"),
        (4, "Hundesteuer festsetzen", "Steueramt"),
        (5, "Steuerbescheid zustellen", "Steueramt"),
    ]
    kinds = [s.kind for s in profile.steps]
    assert kinds[0] == "receive" and kinds[1] == "check_formal" and kinds[3] == "calculate"
    assert kinds[4] == "send"  # from the sendTask element
    assert [d.model_dump() for d in profile.decisions] == [{
        "after_step": 2, "question": "Angaben vollständig?",
        "branches": [{"condition": "ja", "goto_step": 4}, {"condition": "nein", "goto_step": 3}]}]
    assert profile.steps[2].next_step == 2  # back to the check
    # and it exports again into a sound model
    assert not check_structure(to_bpmn(profile))


def test_prefixed_file_without_diagram_or_lanes_imports():
    xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn2:process id="p" name="Gewerbe anmelden">
    <bpmn2:startEvent id="s"/>
    <bpmn2:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
    <bpmn2:receiveTask id="a" name="Gewerbeanmeldung annehmen"/>
    <bpmn2:sequenceFlow id="f2" sourceRef="a" targetRef="w"/>
    <bpmn2:intermediateCatchEvent id="w" name="Zwei Wochen warten"><bpmn2:timerEventDefinition/></bpmn2:intermediateCatchEvent>
    <bpmn2:sequenceFlow id="f3" sourceRef="w" targetRef="b"/>
    <bpmn2:task id="b" name="Anmeldung im Fachverfahren erfassen"/>
    <bpmn2:sequenceFlow id="f4" sourceRef="b" targetRef="e"/>
    <bpmn2:endEvent id="e"/>
  </bpmn2:process>
</bpmn2:definitions>"""
    profile = from_bpmn(xml)
    assert profile.title == "Gewerbe anmelden"
    assert [(s.label, s.kind, s.actor) for s in profile.steps] == [
        ("Gewerbeanmeldung annehmen", "receive", None),
        ("Zwei Wochen warten", "wait", None),
        ("Anmeldung im Fachverfahren erfassen", "enter_data", None),
    ]
    assert profile.decisions == []
    assert from_bpmn(xml.replace(b' name="Gewerbe anmelden"', b"")).title == "Importierter Prozess"
