"""Geometry of the drawn process diagram (``app.bpmn.svg`` on the layout of ``app.bpmn.export``).

The checks read the SVG a user sees, not the layout code; text extents come from
the renderer's metric (``app.bpmn.text``: DejaVu Sans, the widest of the usual UI
fonts, so browsers with narrower fonts only gain room):

* no two shapes (tasks, events, gateways) overlap;
* every edge starts and ends on a shape's border and no edge segment enters
  a shape, neither a foreign one nor its own source or target;
* two edges never run along the same line unless they share their source or
  their target, so branches can be told apart;
* labels outside shapes (gateway questions, branch conditions, event names)
  touch no shape, no other label and no edge; text inside a task stays inside;
* the viewBox holds every shape, waypoint and label;
* a branch that ends the process ends in its own end event off the main line.

The profiles cover loops back, skips ahead, end branches, two decisions in a
row, several lanes, long labels and questions, and every demo model.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bpmn import to_bpmn
from app.bpmn.svg import render_svg
from app.bpmn.text import text_width
from app.domain.catalogue import KINDS
from app.domain.models import ProcessProfile

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
Box = tuple[float, float, float, float]  # x1, y1, x2, y2
Point = tuple[float, float]



def _text_box(el: ET.Element) -> Box:
    size = float(el.get("font-size", "11"))
    bold = el.get("font-weight", "normal") not in ("normal", "400")
    width = text_width(el.text or "", size, bold)
    x, y = float(el.get("x")), float(el.get("y"))
    anchor = el.get("text-anchor", "start")
    left = x if anchor == "start" else x - width / 2 if anchor == "middle" else x - width
    return left, y - 0.8 * size, left + width, y + 0.24 * size


def _upright_box(el: ET.Element) -> Box:
    """A text turned by -90° about ``translate(x,y)``: it reads upwards, its glyphs reach left of x."""
    x, y = (float(v) for v in re.search(r"translate\(([-\d.]+),([-\d.]+)\)", el.get("transform")).groups())
    size = float(el.get("font-size", "11"))
    width = text_width(el.text or "", size, el.get("font-weight", "normal") not in ("normal", "400"))
    return x - 0.8 * size, y - width / 2, x + 0.24 * size, y + width / 2


# --------------------------------------------------------------------------
# reading the SVG
# --------------------------------------------------------------------------

class Drawing:
    def __init__(self, svg: str) -> None:
        root = ET.fromstring(svg.split("\n", 1)[1] if svg.startswith("<?xml") else svg)
        vx, vy, vw, vh = (float(v) for v in root.get("viewBox").split())
        self.view: Box = (vx, vy, vx + vw, vy + vh)
        self.shapes: list[tuple[str, Box]] = []          # (what, box)
        self.inner: list[tuple[str, Box, Box]] = []      # (text, text box, task box)
        self.labels: list[tuple[str, Box]] = []          # texts outside shapes
        self.edges: list[list[Point]] = []
        for el in root:
            tag = el.tag.replace(SVG, "")
            if tag == "path" and el.get("class") == "edge":
                numbers = [float(v) for v in re.findall(r"-?[\d.]+", el.get("d"))]
                self.edges.append(list(zip(numbers[0::2], numbers[1::2])))
            elif tag == "text" and el.get("transform") is None:
                self.labels.append((el.text or "", _text_box(el)))
            elif tag == "text":  # the pool's title, turned upright
                self.labels.append((el.text or "", _upright_box(el)))
            elif tag == "g" and el.get("class") == "lane":
                self.labels += [(t.text or "", _upright_box(t)) for t in el.findall(f"{SVG}text")]
            elif tag == "g":
                self._group(el)

    def _group(self, g: ET.Element) -> None:
        css = g.get("class", "")
        name = (g.findtext(f"{SVG}title") or "")[:40]
        texts = g.findall(f"{SVG}text")
        if css.startswith("gateway"):
            xs_ys = [float(v) for v in re.findall(r"-?[\d.]+", g.find(f"{SVG}polygon").get("points"))]
            box = (min(xs_ys[0::2]), min(xs_ys[1::2]), max(xs_ys[0::2]), max(xs_ys[1::2]))
            self.shapes.append((name, box))
            self.labels += [(t.text or "", _text_box(t)) for t in texts if t.text != "×"]
        elif css.startswith("event"):
            self.shapes.append((name, _circle_box(g.find(f"{SVG}circle"))))
            self.labels += [(t.text or "", _text_box(t)) for t in texts]
        elif css == "step":
            rect = g.find(f"{SVG}rect")
            if rect is not None:
                x, y = float(rect.get("x")), float(rect.get("y"))
                box = (x, y, x + float(rect.get("width")), y + float(rect.get("height")))
                self.shapes.append((name, box))
                self.inner += [(t.text or "", _text_box(t), box) for t in texts]
            else:  # a wait drawn as timer event: number and name outside
                self.shapes.append((name, _circle_box(g.find(f"{SVG}circle"))))
                self.labels += [(t.text or "", _text_box(t)) for t in texts]


def _circle_box(circle: ET.Element) -> Box:
    cx, cy, r = (float(circle.get(k)) for k in ("cx", "cy", "r"))
    return cx - r, cy - r, cx + r, cy + r


# --------------------------------------------------------------------------
# geometry
# --------------------------------------------------------------------------

def _overlap(a: Box, b: Box, pad: float = 0.0) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def _shrink(box: Box, by: float) -> Box:
    return box[0] + by, box[1] + by, box[2] - by, box[3] - by


def _segment_box(a: Point, b: Point) -> Box:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def _segment_hits(a: Point, b: Point, box: Box) -> bool:
    """Whether the axis-parallel segment a-b meets the (open) box."""
    x1, y1, x2, y2 = _segment_box(a, b)
    return x1 < box[2] and box[0] < x2 and y1 < box[3] and box[1] < y2 if (x1 != x2 and y1 != y2) else \
        x1 <= box[2] and box[0] <= x2 and y1 <= box[3] and box[1] <= y2 and \
        not (x1 == x2 and x1 in (box[0], box[2])) and not (y1 == y2 and y1 in (box[1], box[3]))


def _on_border(p: Point, box: Box) -> bool:
    x, y = p
    near = 0.6
    on_v = (abs(x - box[0]) < near or abs(x - box[2]) < near) and box[1] - near <= y <= box[3] + near
    on_h = (abs(y - box[1]) < near or abs(y - box[3]) < near) and box[0] - near <= x <= box[2] + near
    return on_v or on_h


def _inside(inner: Box, outer: Box, slack: float = 0.0) -> bool:
    return (outer[0] - slack <= inner[0] and outer[1] - slack <= inner[1]
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def _collinear_overlap(a: tuple[Point, Point], b: tuple[Point, Point]) -> bool:
    (ax1, ay1), (ax2, ay2) = a
    (bx1, by1), (bx2, by2) = b
    if ay1 == ay2 == by1 == by2:
        return min(max(ax1, ax2), max(bx1, bx2)) - max(min(ax1, ax2), min(bx1, bx2)) > 0.5
    if ax1 == ax2 == bx1 == bx2:
        return min(max(ay1, ay2), max(by1, by2)) - max(min(ay1, ay2), min(by1, by2)) > 0.5
    return False


def problems(svg: str) -> list[str]:
    d = Drawing(svg)
    found: list[str] = []
    shapes = d.shapes
    for i, (a_name, a) in enumerate(shapes):
        for b_name, b in shapes[i + 1:]:
            if _overlap(a, b):
                found.append(f"shapes overlap: {a_name!r} / {b_name!r}")

    ends: list[tuple[int | None, int | None]] = []
    for k, points in enumerate(d.edges):
        owner = [next((i for i, (_, box) in enumerate(shapes) if _on_border(p, box)), None)
                 for p in (points[0], points[-1])]
        ends.append((owner[0], owner[1]))
        if None in owner:
            found.append(f"edge {k} does not start and end on a shape's border: {points[0]} … {points[-1]}")
        for a, b in zip(points, points[1:]):
            if a[0] != b[0] and a[1] != b[1]:
                found.append(f"edge {k}: diagonal segment {a}-{b}")
            for name, box in shapes:
                if _segment_hits(a, b, _shrink(box, 1)):
                    found.append(f"edge {k} runs through {name!r}: {a}-{b}")
    for i, p in enumerate(d.edges):
        for j in range(i + 1, len(d.edges)):
            if ends[i][0] == ends[j][0] or ends[i][1] == ends[j][1]:
                continue  # branches leaving one gateway, or flows joining into one node
            q = d.edges[j]
            if any(_collinear_overlap(s, t) for s in zip(p, p[1:]) for t in zip(q, q[1:])):
                found.append(f"edges {i} and {j} run along the same line: {p} / {q}")

    labels = [(text, box) for text, box in d.labels if text.strip()]
    for text, box in labels:
        for name, shape in shapes:
            if _overlap(_shrink(box, 0.5), shape):
                found.append(f"label {text!r} touches shape {name!r}")
        for k, points in enumerate(d.edges):
            if any(_segment_hits(a, b, _shrink(box, 1)) for a, b in zip(points, points[1:])):
                found.append(f"label {text!r} lies on edge {k}")
    for i, (a_text, a) in enumerate(labels):
        for b_text, b in labels[i + 1:]:
            if _overlap(_shrink(a, 0.5), _shrink(b, 0.5)):
                found.append(f"labels overlap: {a_text!r} / {b_text!r}")
    for text, box, task in d.inner:
        if not _inside(box, task, slack=0.5):
            found.append(f"text {text!r} leaves its task box")

    everything = [box for _, box in shapes] + [box for _, box in labels] + [box for _, box, _ in d.inner]
    everything += [(x, y, x, y) for points in d.edges for x, y in points]
    for box in everything:
        if not _inside(box, d.view):
            found.append(f"outside the viewBox: {box}")
    return found


NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}


def end_branch_problems(profile: ProcessProfile) -> list[str]:
    """A branch without target ends in an end event of its own, away from the gateway's line."""
    root = ET.fromstring(to_bpmn(profile))
    bounds = {}
    for shape in root.iter(f"{{{NS['bpmndi']}}}BPMNShape"):
        b = shape.find("dc:Bounds", NS)
        x, y, w, h = (float(b.get(k)) for k in ("x", "y", "width", "height"))
        bounds[shape.get("bpmnElement")] = (x, y, x + w, y + h)
    found = []
    for decision in profile.decisions:
        gateway = bounds[f"Gateway_after_{decision.after_step}"]
        for i, branch in enumerate(decision.branches):
            if branch.goto_step is None:
                end = bounds[f"EndEvent_after_{decision.after_step}_{i + 1}"]
                if end[1] < (gateway[1] + gateway[3]) / 2 < end[3]:
                    found.append(f"end of branch {branch.condition!r} sits on the line of its gateway")
    return found


# --------------------------------------------------------------------------
# profiles
# --------------------------------------------------------------------------

def _profile(title: str, steps: list[tuple], decisions: list[dict] = (), **extra) -> ProcessProfile:
    return ProcessProfile.model_validate({
        "title": title, **extra, "decisions": list(decisions),
        "steps": [{"n": i, "label": s[0], "kind": s[1], **(s[2] if len(s) > 2 else {})}
                  for i, s in enumerate(steps, start=1)]})


def _decision(after: int, question: str, *branches: tuple[str, int | None]) -> dict:
    return {"after_step": after, "question": question,
            "branches": [{"condition": c, "goto_step": g} for c, g in branches]}


PROFILES = {
    "two_branches_one_step": _profile("Antrag", [  # found by the random profiles below
        ("Antrag", "receive", {"actor": "Bürgerbüro"}), ("Antrag", "receive", {"actor": "Bürgerbüro"})],
        [_decision(1, "Antrag?", ("Antrag Antrag Antrag", 2), ("Antrag Antrag Antrag Antrag", None),
                   ("Antrag Antrag Antrag Antrag Antrag", 2))]),
    "loop_back": _profile("Antrag mit Nachforderung", [
        ("Antrag entgegennehmen", "receive"), ("Unterlagen anfordern", "search"),
        ("Unterlagen prüfen", "check_formal"), ("Bescheid erstellen", "create_document"), ("Bescheid versenden", "send")],
        [_decision(3, "Unterlagen vollständig?", ("ja", 4), ("nein", 2))]),
    "end_branch": _profile("Antrag mit Ablehnung", [
        ("Antrag entgegennehmen", "receive"), ("Unterlagen prüfen", "check_formal"),
        ("Bescheid erstellen", "create_document"), ("Bescheid versenden", "send")],
        [_decision(2, "Unterlagen vollständig?", ("ja", 3), ("nein", None))]),
    "end_branch_first": _profile("Ablehnung zuerst", [
        ("Antrag entgegennehmen", "receive"), ("Unterlagen prüfen", "check_formal"),
        ("Bescheid erstellen", "create_document"), ("Bescheid versenden", "send")],
        [_decision(2, "Unterlagen unvollständig?", ("ja", None), ("nein", 3))]),
    "skip": _profile("Stellungnahme überspringen", [
        ("Antrag entgegennehmen", "receive"), ("Antrag prüfen", "check_formal"),
        ("Stellungnahme einholen", "coordinate_external"), ("Gebühr berechnen", "calculate"),
        ("Bescheid erstellen", "create_document"), ("Bescheid versenden", "send")],
        [_decision(2, "Stellungnahme nötig?", ("ja", 3), ("nein", 5))]),
    "two_in_row": _profile("Zwei Entscheidungen", [
        ("Antrag entgegennehmen", "receive"), ("Antrag prüfen", "check_formal"), ("Fachlich prüfen", "check_content"),
        ("Bescheid erstellen", "create_document"), ("Ablehnung schreiben", "create_document"),
        ("Bescheid versenden", "send")],
        [_decision(2, "Unterlagen vollständig?", ("ja", 3), ("nein", 1)),
         _decision(3, "Antrag genehmigungsfähig?", ("ja", 4), ("nein", 5))]),
    "long_texts": _profile("Sehr lange Beschriftungen im Ablauf", [
        ("Antragsunterlagen einschließlich sämtlicher Anlagen und Nachweise entgegennehmen und erfassen", "receive"),
        ("Vollständigkeitsprüfung der Bauvorlagen nach Landesbauordnung durchführen", "check_formal"),
        ("Stellungnahmen der Träger öffentlicher Belange einholen", "coordinate_external"),
        ("Baugenehmigungsbescheid erstellen", "create_document")],
        [_decision(2, "Sind die eingereichten Bauvorlagen nach der Bauvorlagenverordnung vollständig und prüffähig?",
                   ("ja, vollständig und prüffähig", 3),
                   ("nein, Unterlagen fehlen oder sind nicht prüffähig", None))],
        trigger="Bauantrag geht schriftlich oder elektronisch beim Bauordnungsamt ein",
        result="Baugenehmigung ist zugestellt und die Akte ist archiviert"),
    "lanes": _profile("Mehrere Bahnen", [
        ("Antrag entgegennehmen", "receive", {"actor": "Bürgerbüro"}),
        ("Antrag prüfen", "check_formal", {"actor": "Ordnungsamt"}),
        ("Nachfordern", "search", {"actor": "Bürgerbüro"}),
        ("Erfassen", "enter_data", {"actor": "Ordnungsamt"}),
        ("Versenden", "send", {"actor": "Poststelle"})],
        [_decision(2, "Vollständig?", ("ja", 4), ("nein", 3), ("zurückgezogen", None)),
         _decision(3, "Nachgereicht?", ("ja", 2), ("nein", None))]),
    "three_way": _profile("Drei Wege", [
        ("Antrag entgegennehmen", "receive"), ("Antrag prüfen", "check_formal"),
        ("Standardfall bearbeiten", "enter_data"), ("Sonderfall bearbeiten", "check_content"),
        ("Rückfrage stellen", "search"), ("Bescheid versenden", "send")],
        [_decision(2, "Welcher Fall?", ("Standard", 3), ("Sonderfall", 4), ("unklar", 5), ("zurückgezogen", None))]),
    "waits_and_jumps": _profile("Warten und Springen", [
        ("Antrag entgegennehmen", "receive"), ("Frist abwarten", "wait"),
        ("Stellungnahme prüfen", "check_content", {"next_step": 5}), ("Nachfrist setzen", "edit_document"),
        ("Bescheid erstellen", "create_document", {"actor": "Leitung"}), ("Auf Zahlung warten", "wait")],
        [_decision(2, "Stellungnahme eingegangen?", ("ja", 3), ("nein", 4)),
         _decision(6, "Gebühr bezahlt?", ("ja", None), ("nein", 6))]),
    # found by the random profiles below: a wait that jumps back (it may leave only to the right or
    # upwards), and a gateway whose end branch takes its lower tip while another branch has to go round
    "wait_jumps_back": _profile("Frist und Rücksprung", [
        ("Antrag entgegennehmen", "receive", {"next_step": 1}), ("Rückfrage stellen", "search", {"next_step": 1}),
        ("Antrag prüfen", "check_formal"), ("Bescheid erstellen", "create_document"),
        ("Bescheid versenden", "send"), ("Eingang dokumentieren", "archive"), ("Akte anlegen", "archive"),
        ("Frist abwarten", "wait", {"next_step": 2}), ("Vorgang abschließen", "archive")]),
    "end_and_detour": _profile("Ende und Umweg", [
        ("Bescheid versenden", "send"), ("Frist abwarten", "wait"), ("Stellungnahme einholen", "coordinate_external"),
        ("Unterlagen bearbeiten", "edit_document"), ("Antrag prüfen", "check_formal"),
        ("Antrag bearbeiten", "edit_document", {"next_step": 4}), ("Antrag ergänzen", "edit_document", {"next_step": 5}),
        ("Bescheid versenden", "send")],
        [_decision(2, "Gebühr bezahlt?", ("ja Gebühr Bescheid erstellen Gebühr zurückgezogen an Bescheid", None),
                   ("Stelle Antrag vollständig Stelle an Gebühr Bescheid Antrag", 5)),
         _decision(5, "Unterlagen vollständig?", ("die Unterlagen", 5),
                   ("Gebühr vollständig Stelle Bauvorlagenverordnung vollständig", None)),
         _decision(7, "Rückfrage nötig?", ("an zurückgezogen prüfen Bescheid Antrag Gebühr an Rückfrage", 3),
                   ("Rückfrage an prüfen Bescheid ja Antrag Antrag zurückgezogen", None), ("Bescheid", 7))]),
}


@pytest.mark.parametrize("name", list(PROFILES))
def test_diagram_geometry(name):
    profile = PROFILES[name]
    assert problems(render_svg(profile, id_prefix="t")) == []
    assert problems(render_svg(profile, standalone=True)) == []
    assert end_branch_problems(profile) == []


@lru_cache(maxsize=1)
def _demo_profiles() -> list[ProcessProfile]:
    from app.corpus.demo import read_demo_corpus
    return [p for p in read_demo_corpus(ROOT / "corpus").profiles if p.steps]


def test_every_demo_diagram_is_clean():
    failures = {}
    for profile in _demo_profiles():
        found = problems(render_svg(profile)) + end_branch_problems(profile)
        if found:
            failures[profile.external_id] = found[:3]
    assert not failures, (len(failures), dict(list(failures.items())[:5]))


_WORDS = st.sampled_from(["Antrag", "prüfen", "Unterlagen", "vollständig", "Bescheid", "erstellen", "Gebühr", "ja",
                          "nein", "Bauvorlagenverordnung", "an", "die", "Stelle", "zurückgezogen", "Rückfrage"])
_TEXT = st.lists(_WORDS, min_size=1, max_size=8).map(" ".join)


@st.composite
def _random_profiles(draw) -> ProcessProfile:
    count = draw(st.integers(1, 9))
    actors = draw(st.lists(st.sampled_from(["Bürgerbüro", "Ordnungsamt", "Kasse", "Leitung"]),
                           min_size=1, max_size=3, unique=True))
    steps = [{"n": n, "label": draw(_TEXT), "kind": draw(st.sampled_from(KINDS)),
              "actor": draw(st.sampled_from(actors)),
              "next_step": draw(st.integers(1, count)) if draw(st.integers(0, 5)) == 0 else None}
             for n in range(1, count + 1)]
    decisions = [{"after_step": after, "question": draw(_TEXT) + "?",
                  "branches": draw(st.lists(st.fixed_dictionaries({
                      "condition": _TEXT, "goto_step": st.none() | st.integers(1, count)}), min_size=2, max_size=3))}
                 for after in sorted(draw(st.sets(st.integers(1, count), max_size=min(count, 3))))]
    return ProcessProfile.model_validate({"title": draw(_TEXT), "steps": steps, "decisions": decisions})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_random_profiles())
def test_any_diagram_is_clean(profile):
    assert problems(render_svg(profile)) == []
    assert end_branch_problems(profile) == []
