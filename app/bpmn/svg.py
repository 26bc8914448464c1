"""The one picture of a process: SVG drawn from the BPMN export's own diagram layout.

Pages (inline, next to an HTML legend) and downloads (a standalone document
with title and legend) use this renderer, so what a modeller sees is what
bpmn.io shows after the BPMN download: same lanes, same positions, same
arrows, labels in the bounds the layout gave them (``bpmndi:BPMNLabel``).
No script and no ``style`` attribute (CSP-safe when inlined); the
``<title>``/``<desc>`` pair names the process and lists every step for
screen readers.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html import escape

from app.domain import BUILDING_BLOCKS, GROUPS, ProcessProfile
from app.domain.wording import counted

from .export import PL_NS, to_bpmn
from .layout import EVENT_LABEL_SIZE, EVENT_LABEL_W, LABEL_SIZE, LINE
from .text import wrap

# Light fills per building-block group (app.css uses the same as --grp-*); dark text stays far above 4.5:1.
GROUP_FILLS = {
    "Informationsfluss": "#dbeafe",
    "Medienwechsel": "#fde4e4",
    "Dokumentation": "#ede9fe",
    "Informationsbeschaffung und Koordination": "#d8f5e6",
    "Inhaltliche Verwaltungsarbeit": "#fdf0c4",
}
GROUP_SLUGS = {
    "Informationsfluss": "info",
    "Medienwechsel": "medien",
    "Dokumentation": "doku",
    "Informationsbeschaffung und Koordination": "koord",
    "Inhaltliche Verwaltungsarbeit": "verw",
}
STROKE = "#44505c"
TEXT = "#1b1f24"
MUTED = "#3d4753"
FONT = "system-ui, -apple-system, 'Segoe UI', Arial, sans-serif"
HEAD = 16     # room above the pool (standalone: also the title)
LEGEND_H = 40
_TASKS = {"task", "userTask", "manualTask", "sendTask", "receiveTask", "serviceTask", "businessRuleTask", "scriptTask"}


def legend() -> list[tuple[str, str]]:
    """(group, CSS class slug) pairs for the legend the pages put under the diagram."""
    return [(group, GROUP_SLUGS[group]) for group in GROUPS]


@dataclass
class _Shape:
    id: str
    type: str
    name: str
    x: float
    y: float
    w: float
    h: float
    step: dict[str, str] | None = None
    label: tuple[float, float, float, float] | None = None   # bounds of an external label (BPMNLabel)

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _label_lines(text: str, bounds: tuple[float, float, float, float], size: float) -> list[str]:
    """The lines the layout measured for a label: its bounds are as wide as the widest line."""
    return wrap(text, bounds[2], max(1, round(bounds[3] / LINE)), size)


def _text(x: float, y: float, content: str, *, size: float = 11, weight: str = "normal", fill: str = TEXT,
          anchor: str = "middle", halo: bool = False, extra: str = "") -> str:
    halo_attrs = ' paint-order="stroke" stroke="#ffffff" stroke-width="4" stroke-linejoin="round"' if halo else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
            f'text-anchor="{anchor}"{halo_attrs}{extra}>{escape(content)}</text>')


_Bounds = tuple[float, float, float, float]
_Edge = tuple[str, list[tuple[float, float]], "_Bounds | None"]


def _read(profile: ProcessProfile) -> tuple[dict[str, _Shape], list[_Edge], dict[str, str], list[_Shape]]:
    """Shapes (with their BPMN type and step data), edges with waypoints, flow names, and lanes."""
    root = ET.fromstring(to_bpmn(profile))
    info: dict[str, tuple[str, str, dict[str, str] | None]] = {}
    flows: dict[str, str] = {}
    for element in root.iter():
        name, ident = _local(element.tag), element.get("id")
        if not ident:
            continue
        if name == "sequenceFlow":
            flows[ident] = element.get("name") or ""
        elif name in _TASKS or name in ("startEvent", "endEvent", "intermediateCatchEvent", "exclusiveGateway",
                                        "lane", "participant"):
            step = element.find(f".//{{{PL_NS}}}step")
            info[ident] = (name, element.get("name") or "", dict(step.attrib) if step is not None else None)
    shapes: dict[str, _Shape] = {}
    edges: list[_Edge] = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "BPMNShape":
            ref = element.get("bpmnElement", "")
            bounds = next(c for c in element if _local(c.tag) == "Bounds")
            kind, label, step = info.get(ref, ("", "", None))
            shapes[ref] = _Shape(ref, kind, label, *_box(bounds), step=step, label=_label_box(element))
        elif name == "BPMNEdge":
            points = [(float(p.get("x", 0)), float(p.get("y", 0))) for p in element if _local(p.tag) == "waypoint"]
            edges.append((element.get("bpmnElement", ""), points, _label_box(element)))
    lanes = [s for s in shapes.values() if s.type == "lane"]
    return shapes, edges, flows, lanes


def _box(bounds: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = (float(bounds.get(k, 0)) for k in ("x", "y", "width", "height"))
    return x, y, w, h


def _label_box(element: ET.Element) -> tuple[float, float, float, float] | None:
    label = next((c for c in element if _local(c.tag) == "BPMNLabel"), None)
    bounds = next((c for c in label if _local(c.tag) == "Bounds"), None) if label is not None else None
    return _box(bounds) if bounds is not None else None


def _description(profile: ProcessProfile, lanes: list[_Shape]) -> str:
    names = [lane.name for lane in lanes]
    parts = f"{counted(len(profile.steps), 'step')} in {counted(len(names), 'lane')} ({', '.join(names)})"
    if profile.decisions:
        parts += f", {counted(len(profile.decisions), 'decision')}"
    steps = " ".join(f"{s.n}. {s.label} ({BUILDING_BLOCKS[s.kind].label}"
                     + (f", {s.actor}" if s.actor else "") + ")." for s in profile.steps)
    return f"{parts}. {steps}"


def render_svg(profile: ProcessProfile, *, id_prefix: str = "dgm", standalone: bool = False) -> str:
    """SVG markup of a profile with steps; ``standalone`` adds XML declaration, title, legend and background."""
    if not profile.steps:
        raise ValueError("Ohne Arbeitsschritte gibt es kein Ablaufdiagramm.")
    shapes, edges, flows, lanes = _read(profile)
    pool = next(s for s in shapes.values() if s.type == "participant")
    head = HEAD + (28 if standalone else 0)
    left, top = pool.x - 12, pool.y - head
    width = pool.w + 24
    height = pool.h + head + 30 + (LEGEND_H if standalone else 0)
    title_id, desc_id, marker = f"{id_prefix}-title", f"{id_prefix}-desc", f"{id_prefix}-arrow"

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="flow" role="img" aria-labelledby="{title_id} {desc_id}" '
           f'width="{width:.0f}" height="{height:.0f}" viewBox="{left:.0f} {top:.0f} {width:.0f} {height:.0f}" '
           f'font-family="{escape(FONT)}">',
           f'<title id="{title_id}">Ablaufdiagramm: {escape(profile.title)}</title>',
           f'<desc id="{desc_id}">{escape(_description(profile, lanes))}</desc>',
           f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{STROKE}"/></marker></defs>']
    if standalone:
        out.append(f'<rect x="{left:.0f}" y="{top:.0f}" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>')
        out.append(_text(left + 12, top + 24, profile.title, size=16, weight="600", anchor="start"))

    # Pool with the process title in its header band, then one lane per actor.
    out.append(f'<rect x="{pool.x:.0f}" y="{pool.y:.0f}" width="{pool.w:.0f}" height="{pool.h:.0f}" fill="#ffffff" '
               f'stroke="#8795a3"/>')
    title_lines = wrap(profile.title, pool.h - 16, 1, 12, bold=True)
    out.append(_text(0, 0, title_lines[0], size=12, weight="600",
                     extra=f' transform="translate({pool.x + 19:.0f},{pool.cy:.0f}) rotate(-90)"'))
    for index, lane in enumerate(lanes):
        fill = "#f4f6f9" if index % 2 == 0 else "#ffffff"
        out.append(f'<g class="lane"><rect x="{lane.x:.0f}" y="{lane.y:.0f}" width="{lane.w:.0f}" '
                   f'height="{lane.h:.0f}" fill="{fill}" stroke="#aab4bf"/>')
        lines = wrap(lane.name, lane.h - 16, 2, 12, bold=True)
        for j, line in enumerate(lines):
            x = lane.x + 14 + 14 * j - 7 * (len(lines) - 1) + 4
            out.append(_text(0, 0, line, size=12, weight="600",
                             extra=f' transform="translate({x:.0f},{lane.cy:.0f}) rotate(-90)"'))
        out.append("</g>")

    # Flows under the nodes; branch conditions in the label bounds the layout found beside their arrow.
    for flow_id, points, bounds in edges:
        if len(points) < 2:
            continue
        path = "M" + " L".join(f"{x:.0f},{y:.0f}" for x, y in points)
        out.append(f'<path class="edge" d="{path}" fill="none" stroke="{STROKE}" stroke-width="1.5" '
                   f'marker-end="url(#{marker})"/>')
        label = flows.get(flow_id)
        if label and bounds is not None:
            for j, line in enumerate(_label_lines(label, bounds, LABEL_SIZE)):
                out.append(_text(bounds[0], bounds[1] + 9.5 + LINE * j, line, size=LABEL_SIZE, anchor="start",
                                 halo=True))

    for shape in shapes.values():
        if shape.type not in ("lane", "participant", ""):
            out.extend(_node(shape))

    if standalone:
        x, y = left + 12, top + height - LEGEND_H + 8
        for group in GROUPS:
            out.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="14" height="14" rx="3" fill="{GROUP_FILLS[group]}" '
                       f'stroke="{STROKE}"/>')
            out.append(_text(x + 20, y + 12, group, anchor="start"))
            x += 34 + len(group) * 6.2
    out.append("</svg>")
    svg = "".join(out)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg if standalone else svg


def _node(shape: _Shape) -> list[str]:
    cx, cy = shape.cx, shape.cy
    if shape.type in ("startEvent", "endEvent"):
        start = shape.type == "startEvent"
        css, colour, stroke = ("start", "#1d6b3a", 2) if start else ("end", "#8a1c1c", 4)
        out = [f'<g class="event {css}"><title>{escape(shape.name or ("Start" if start else "Ende"))}</title>'
               f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{shape.w / 2:.1f}" fill="#ffffff" stroke="{colour}" '
               f'stroke-width="{stroke}"/>']
        out += _below(shape, fill=MUTED)
        return out + ["</g>"]
    if shape.type == "exclusiveGateway":
        points = f"{cx:.1f},{shape.y:.1f} {shape.x + shape.w:.1f},{cy:.1f} {cx:.1f},{shape.y + shape.h:.1f} " \
                 f"{shape.x:.1f},{cy:.1f}"
        tip = f"Entscheidung: {shape.name}" if shape.name else "Zusammenführung"
        out = [f'<g class="gateway{"" if shape.name else " join"}"><title>{escape(tip)}</title>'
               f'<polygon points="{points}" fill="#fff7d6" stroke="{STROKE}" stroke-width="1.5"/>',
               _text(cx, cy + 6, "×", size=18, weight="700")]
        if shape.name and shape.label:  # left above the gateway, clear of the previous shape and the top tip
            x, y, w, _ = shape.label
            for j, line in enumerate(_label_lines(shape.name, shape.label, LABEL_SIZE)):
                out.append(_text(x + w, y + 9.5 + LINE * j, line, size=LABEL_SIZE, fill=MUTED, anchor="end",
                                 halo=True))
        return out + ["</g>"]
    step = shape.step or {}
    n = step.get("n", "")
    kind = step.get("kind", "other")
    block = BUILDING_BLOCKS.get(kind, BUILDING_BLOCKS["other"])
    tooltip = f"{n}. {shape.name} – {block.label}"
    if step.get("itSystem"):
        tooltip += f" – IT-System: {step['itSystem']}"
    media_break = step.get("mediaBreak") == "true"
    if media_break:
        tooltip += " – Medienbruch"
    fill = GROUP_FILLS.get(block.group, "#ffffff")
    out = [f'<g class="step" data-step="{escape(n)}" data-kind="{escape(kind)}"><title>{escape(tooltip)}</title>']
    if shape.type == "intermediateCatchEvent":  # a wait: BPMN timer event, label below
        r = shape.w / 2
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{fill}" stroke="{STROKE}" '
                   f'stroke-width="1.5"/><circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r - 4:.1f}" fill="none" '
                   f'stroke="{STROKE}"/>')
        out.append(f'<path d="M{cx:.1f},{cy - r + 8:.1f} V{cy:.1f} H{cx + r - 10:.1f}" fill="none" '
                   f'stroke="{STROKE}" stroke-width="1.5"/>')
        out.append(_text(shape.x - 2, shape.y - 4, n, size=10, weight="700", fill=MUTED, anchor="end"))
        out += _below(shape, fill=TEXT)
    else:
        dash = ' stroke-dasharray="5 3"' if kind == "wait" else ""
        out.append(f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{shape.w:.0f}" height="{shape.h:.0f}" rx="10" '
                   f'fill="{fill}" stroke="{STROKE}" stroke-width="1.3"{dash}/>')
        out.append(_text(shape.x + 7, shape.y + 13, n, size=10, weight="700", fill=MUTED, anchor="start"))
        size, lines = _task_lines(shape.name, shape.w - 10)
        first = cy + 4 - (len(lines) - 1) * 6.5 + 4
        for j, line in enumerate(lines):
            out.append(_text(cx, first + 13 * j, line, size=size, weight="600"))
    if media_break:
        bx, by = shape.x + shape.w - 8, shape.y
        out.append(f'<g class="media-break"><circle cx="{bx:.1f}" cy="{by:.1f}" r="9" fill="#a4161a"/>'
                   f'{_text(bx, by + 4, "M", size=10, weight="700", fill="#ffffff")}</g>')
    return out + ["</g>"]


def _below(shape: _Shape, fill: str) -> list[str]:
    """An event's name in the label bounds under it."""
    if not shape.name or shape.label is None:
        return []
    x, y, w, h = shape.label
    lines = wrap(shape.name, EVENT_LABEL_W, max(1, round(h / LINE)), EVENT_LABEL_SIZE)
    return [_text(x + w / 2, y + 9 + LINE * j, line, size=EVENT_LABEL_SIZE, fill=fill, halo=True)
            for j, line in enumerate(lines)]


def _task_lines(name: str, width: float) -> tuple[float, list[str]]:
    """Size and lines of a task's name: a little smaller where that saves splitting a word."""
    for size in (10.5, 10):
        lines = wrap(name, width, 4, size, bold=True)
        if not any(line.endswith("-") for line in lines) and not lines[-1].endswith("…"):
            return size, lines
    return size, lines
