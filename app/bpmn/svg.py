"""Server-side SVG of a process model, drawn from the BPMN export's own diagram layout.

No script, works offline and in print: lanes with their names, tasks coloured
by building-block group (with a legend), events, gateways with their
questions, and labelled flows.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html import escape

from app.domain import BUILDING_BLOCKS, GROUPS, ProcessProfile

from .export import to_bpmn

GROUP_COLOURS = {
    "Informationsfluss": "#dbeafe",
    "Medienwechsel": "#fde2e2",
    "Dokumentation": "#e5f4e3",
    "Informationsbeschaffung und Koordination": "#fff1cc",
    "Inhaltliche Verwaltungsarbeit": "#ece4f7",
}
STROKE = "#1f2937"
FONT = "font-family:system-ui,'Segoe UI',Arial,sans-serif"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _wrap(text: str, width: float, size: float = 12) -> list[str]:
    """Greedy line breaking by an average glyph width; German compounds break at hyphens too."""
    limit = max(6, int(width / (size * 0.55)))
    lines: list[str] = []
    line = ""
    words: list[str] = []
    for word in text.replace("-", "- ").split():
        while len(word) > limit:  # a long compound is split with a hyphen
            words.append(word[: limit - 1] + "-")
            word = word[limit - 1:]
        words.append(word)
    for word in words:
        candidate = f"{line} {word}".strip() if not line.endswith("-") else f"{line}{word}"
        if len(candidate) <= limit:
            line = candidate
        else:
            if line:
                lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines[:4]


def render_svg(profile: ProcessProfile) -> bytes:
    root = ET.fromstring(to_bpmn(profile))
    nodes: dict[str, dict[str, str]] = {}
    flows: dict[str, str] = {}
    lanes: dict[str, str] = {}
    for element in root.iter():
        name = _local(element.tag)
        ident = element.get("id")
        if not ident:
            continue
        if name == "lane":
            lanes[ident] = element.get("name", "")
        elif name == "sequenceFlow":
            flows[ident] = element.get("name", "")
        elif name in ("task", "userTask", "manualTask", "sendTask", "receiveTask", "serviceTask", "businessRuleTask",
                      "scriptTask", "startEvent", "endEvent", "intermediateCatchEvent", "exclusiveGateway"):
            kind = next((child.get("kind") for child in element.iter() if _local(child.tag) == "step"), None)
            nodes[ident] = {"type": name, "name": element.get("name", ""), "kind": kind or ""}
    shapes: dict[str, tuple[float, float, float, float]] = {}
    edges: list[tuple[str, list[tuple[float, float]]]] = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "BPMNShape":
            bounds = next(c for c in element if _local(c.tag) == "Bounds")
            shapes[element.get("bpmnElement", "")] = tuple(float(bounds.get(k, 0)) for k in ("x", "y", "width", "height"))  # type: ignore[assignment]
        elif name == "BPMNEdge":
            points = [(float(p.get("x", 0)), float(p.get("y", 0))) for p in element if _local(p.tag) == "waypoint"]
            edges.append((element.get("bpmnElement", ""), points))
    if not shapes:
        raise ValueError("Das BPMN-Modell enthält kein Diagramm.")
    xs = [x for x, _, w, _ in shapes.values()] + [x + w for x, _, w, _ in shapes.values()]
    ys = [y for _, y, _, h in shapes.values()] + [y + h for _, y, _, h in shapes.values()]
    left, top = min(xs) - 20, min(ys) - 50
    width, height = max(xs) - left + 20, max(ys) - top + 110
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{left:.0f} {top:.0f} {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-labelledby="diagram-title" style="{FONT}">',
        f'<title id="diagram-title">Ablaufdiagramm: {escape(profile.title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{STROKE}"/></marker></defs>',
        f'<text x="{left + 10:.0f}" y="{top + 24:.0f}" font-size="16" font-weight="600" fill="{STROKE}">'
        f'{escape(profile.title)}</text>',
    ]
    for lane_id, lane_name in lanes.items():
        if lane_id not in shapes:
            continue
        x, y, w, h = shapes[lane_id]
        out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#f8fafc" stroke="#94a3b8"/>')
        out.append(f'<rect x="{x}" y="{y}" width="30" height="{h}" fill="#e2e8f0" stroke="#94a3b8"/>')
        lane_lines = _wrap(lane_name, h - 10, 11)[:2]
        for i, line in enumerate(lane_lines):
            offset = x + 14 + 12 * i - 6 * (len(lane_lines) - 1) + 4
            out.append(f'<text transform="translate({offset:.0f},{y + h / 2:.0f}) rotate(-90)" text-anchor="middle" '
                       f'font-size="11" fill="{STROKE}">{escape(line)}</text>')
    for flow_id, points in edges:
        if len(points) < 2:
            continue
        path = " ".join(f"{x:.0f},{y:.0f}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{STROKE}" stroke-width="1.4" '
                   f'marker-end="url(#arrow)"/>')
        label = flows.get(flow_id)
        if label:
            (x1, y1), (x2, y2) = points[0], points[1]
            out.append(f'<text x="{(x1 + x2) / 2 + 4:.0f}" y="{(y1 + y2) / 2 - 5:.0f}" font-size="11" '
                       f'fill="#334155">{escape(label[:40])}</text>')
    for node_id, node in nodes.items():
        if node_id not in shapes:
            continue
        x, y, w, h = shapes[node_id]
        cx, cy = x + w / 2, y + h / 2
        kind = node["kind"]
        if node["type"] in ("startEvent", "endEvent"):
            stroke_width = 1.5 if node["type"] == "startEvent" else 3.5
            out.append(f'<circle cx="{cx}" cy="{cy}" r="{w / 2}" fill="#ffffff" stroke="{STROKE}" '
                       f'stroke-width="{stroke_width}"/>')
            label = "Start" if node["type"] == "startEvent" else "Ende"
            out.append(f'<text x="{cx}" y="{y + h + 14}" text-anchor="middle" font-size="11">{label}</text>')
        elif node["type"] == "exclusiveGateway":
            out.append(f'<polygon points="{cx},{y} {x + w},{cy} {cx},{y + h} {x},{cy}" fill="#fef9c3" '
                       f'stroke="{STROKE}" stroke-width="1.5"/>')
            out.append(f'<text x="{cx}" y="{cy + 5}" text-anchor="middle" font-size="16" font-weight="700">×</text>')
            for i, line in enumerate(_wrap(node["name"], 150, 11)):
                out.append(f'<text x="{cx}" y="{y - 8 - 13 * (len(_wrap(node["name"], 150, 11)) - 1 - i)}" '
                           f'text-anchor="middle" font-size="11" fill="#334155">{escape(line)}</text>')
        elif node["type"] == "intermediateCatchEvent":
            out.append(f'<circle cx="{cx}" cy="{cy}" r="{w / 2}" fill="{GROUP_COLOURS["Informationsfluss"]}" '
                       f'stroke="{STROKE}" stroke-width="1.5"/>')
            out.append(f'<circle cx="{cx}" cy="{cy}" r="{w / 2 - 4}" fill="none" stroke="{STROKE}"/>')
            out.append(f'<text x="{cx}" y="{cy + 4}" text-anchor="middle" font-size="12">⏱</text>')
            for i, line in enumerate(_wrap(node["name"], 120, 11)):
                out.append(f'<text x="{cx}" y="{y + h + 14 + 13 * i}" text-anchor="middle" font-size="11">'
                           f'{escape(line)}</text>')
        else:
            group = BUILDING_BLOCKS[kind].group if kind in BUILDING_BLOCKS else "Inhaltliche Verwaltungsarbeit"
            out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="10" fill="{GROUP_COLOURS[group]}" '
                       f'stroke="{STROKE}" stroke-width="1.3"/>')
            lines = _wrap(node["name"], w - 10, 11)
            start = cy - (len(lines) - 1) * 6.5
            for i, line in enumerate(lines):
                out.append(f'<text x="{cx}" y="{start + 13 * i + 4:.0f}" text-anchor="middle" font-size="11" '
                           f'fill="{STROKE}">{escape(line)}</text>')
            if kind in BUILDING_BLOCKS:
                out.append(f'<title>{escape(BUILDING_BLOCKS[kind].label)}</title>')
    legend_y = top + height - 40
    x = left + 10
    for group in GROUPS:
        out.append(f'<rect x="{x}" y="{legend_y}" width="14" height="14" rx="3" fill="{GROUP_COLOURS[group]}" '
                   f'stroke="{STROKE}"/>')
        out.append(f'<text x="{x + 20}" y="{legend_y + 12}" font-size="11" fill="{STROKE}">{escape(group)}</text>')
        x += 30 + len(group) * 6.2
    out.append("</svg>")
    return "\n".join(out).encode("utf-8")
