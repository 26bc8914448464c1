"""A simple SVG diagram of a process model, rendered on the server.

One swimlane per actor, one box per step from left to right in the order of
the steps, diamonds for decisions (placed right after their step), circles
for start and end. Arrows follow the flow: the next step, a ``next_step``
jump, or the branches of a decision (a branch without target ends the
process). Pure Python; the result is inline SVG markup for the pages and a
standalone SVG document for downloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import wrap

from markupsafe import Markup, escape

from app.domain import BUILDING_BLOCKS, GROUPS, ProcessProfile

BOX_W, BOX_H = 176, 70
EVENT_R = 15
DIAMOND_HALF = 24
COL_GAP = 44
LANE_H = 118
HEADER_W = 128
PAD = 12
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"
NO_ACTOR = "Ohne Zuständigkeit"

# Light fills per building-block group; text on them stays far above 4.5:1.
GROUP_FILLS = {
    "Informationsfluss": "#dbeafe",
    "Medienwechsel": "#fde4e4",
    "Dokumentation": "#ede9fe",
    "Informationsbeschaffung und Koordination": "#d8f5e6",
    "Inhaltliche Verwaltungsarbeit": "#fdf0c4",
}
STROKE = "#44505c"
TEXT = "#1b1f24"
MUTED = "#3d4753"


@dataclass
class Node:
    key: str
    kind: str  # "start" | "end" | "step" | "decision"
    lane: int
    col: int
    cx: float = 0.0
    cy: float = 0.0
    half_w: float = 0.0
    half_h: float = 0.0

    @property
    def left(self) -> float:
        return self.cx - self.half_w

    @property
    def right(self) -> float:
        return self.cx + self.half_w

    @property
    def bottom(self) -> float:
        return self.cy + self.half_h


@dataclass
class Edge:
    source: str
    target: str
    label: str | None = None
    # Where the arrow leaves its source: "right", "bottom", or "channel" (right, then along the top of the lane).
    port: str = "right"


def _chunks(word: str, width: int) -> list[str]:
    parts, rest = [], word
    while len(rest) > width:
        parts.append(rest[:width - 1] + "-")
        rest = rest[width - 1:]
    return parts + [rest]


def _lines(text: str, width: int, max_lines: int) -> list[str]:
    words = [piece for word in text.split() for piece in _chunks(word, width)]
    lines = wrap(" ".join(words), width=width, break_long_words=False, break_on_hyphens=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last[: width - 1].rstrip() + "…") if len(last) >= width else last + " …"
    return lines


def lanes_of(profile: ProcessProfile) -> list[str]:
    """Actors in order of first appearance; steps without actor use the unit in charge."""
    names: list[str] = []
    for step in profile.steps:
        name = _actor(profile, step.actor)
        if name not in names:
            names.append(name)
    return names


def _actor(profile: ProcessProfile, actor: str | None) -> str:
    return (actor or profile.org_unit or NO_ACTOR).strip() or NO_ACTOR


def _layout(profile: ProcessProfile) -> tuple[list[Node], list[Edge], list[str]]:
    lanes = lanes_of(profile)
    lane_of = {s.n: lanes.index(_actor(profile, s.actor)) for s in profile.steps}
    decisions = {d.after_step: d for d in profile.decisions}
    nodes: list[Node] = [Node("start", "start", lane_of[1], 0)]
    col = 1
    for step in profile.steps:
        nodes.append(Node(f"s{step.n}", "step", lane_of[step.n], col))
        col += 1
        if step.n in decisions:
            nodes.append(Node(f"d{step.n}", "decision", lane_of[step.n], col))
            col += 1
    nodes.append(Node("end", "end", lane_of[profile.steps[-1].n], col))

    edges = [Edge("start", "s1")]
    last = profile.steps[-1].n
    for step in profile.steps:
        decision = decisions.get(step.n)
        if decision is not None:
            edges.append(Edge(f"s{step.n}", f"d{step.n}"))
            targets = [(f"s{b.goto_step}" if b.goto_step else "end", b.condition) for b in decision.branches]
            # The branch to the directly following node leaves to the right, the others below and above.
            following = f"s{step.n + 1}" if step.n != last else "end"
            targets.sort(key=lambda t: t[0] != following)
            ports = ["right", "bottom"]
            for index, (target, condition) in enumerate(targets):
                edges.append(Edge(f"d{step.n}", target, condition, ports[index] if index < len(ports) else "channel"))
        elif step.next_step:
            edges.append(Edge(f"s{step.n}", f"s{step.next_step}"))
        else:
            edges.append(Edge(f"s{step.n}", "end" if step.n == last else f"s{step.n + 1}"))

    widths = {"start": 2 * EVENT_R, "end": 2 * EVENT_R, "decision": 2 * DIAMOND_HALF, "step": BOX_W}
    x = HEADER_W + PAD + COL_GAP / 2
    columns: dict[int, float] = {}
    for node in nodes:  # nodes are in column order, one per column
        width = widths[node.kind]
        columns[node.col] = x + width / 2
        x += width + COL_GAP
    for node in nodes:
        node.cx = columns[node.col]
        node.cy = PAD + node.lane * LANE_H + LANE_H / 2
        if node.kind == "step":
            node.half_w, node.half_h = BOX_W / 2, BOX_H / 2
        elif node.kind == "decision":
            node.half_w = node.half_h = DIAMOND_HALF
        else:
            node.half_w = node.half_h = EVENT_R
    return nodes, edges, lanes


def _route(src: Node, dst: Node, by_col: dict[int, Node], port: str = "right",
           slot: int = 0) -> tuple[str, tuple[float, float]]:
    """An orthogonal path from ``src`` to ``dst`` and where its label goes.

    Long jumps run in channels along the top or bottom edge of the source lane
    (staggered by ``slot`` so that parallel jumps stay distinguishable), and
    enter their target from the left through the gap before its column.
    """
    lane_top = PAD + src.lane * LANE_H
    lane_bottom = lane_top + LANE_H
    top_channel = lane_top + 6 + 6 * slot
    bottom_channel = lane_bottom - 6 - 6 * slot
    x_in = dst.left - COL_GAP / 2
    enter = f"H{x_in:.1f} V{dst.cy:.1f} H{dst.left:.1f}"
    if port == "bottom" or (port == "right" and dst.col <= src.col):
        return (f"M{src.cx:.1f},{src.bottom:.1f} V{bottom_channel:.1f} {enter}", (src.cx + 6, src.bottom + 13))
    between = [by_col[c] for c in range(src.col + 1, dst.col)]
    blocked = port == "channel" or any(n.lane == src.lane or n.lane == dst.lane for n in between)
    label = (src.right + 5, src.cy - 6)
    if not blocked and dst.lane == src.lane:
        return f"M{src.right:.1f},{src.cy:.1f} H{dst.left:.1f}", label
    if not blocked:
        return f"M{src.right:.1f},{src.cy:.1f} {enter}", label
    x_out = src.right + COL_GAP / 2
    if port == "channel":
        label = (x_out + 5, top_channel + 12)
    return (f"M{src.right:.1f},{src.cy:.1f} H{x_out:.1f} V{top_channel:.1f} {enter}", label)


def _text(x: float, y: float, content: str, *, size: int = 12, weight: str = "normal", fill: str = TEXT,
          anchor: str = "middle", halo: bool = False) -> str:
    extra = ' paint-order="stroke" stroke="#ffffff" stroke-width="4" stroke-linejoin="round"' if halo else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
            f'text-anchor="{anchor}"{extra}>{escape(content)}</text>')


def render_svg(profile: ProcessProfile, *, id_prefix: str = "dgm", standalone: bool = False) -> Markup:
    """The diagram as SVG markup; a short German note when the profile has no steps."""
    if not profile.steps:
        return Markup('<p class="muted">Für diesen Prozess sind noch keine Arbeitsschritte erfasst, '
                      'daher gibt es noch kein Diagramm.</p>')
    nodes, edges, lanes = _layout(profile)
    by_key = {n.key: n for n in nodes}
    by_col = {n.col: n for n in nodes}
    width = max(n.right for n in nodes) + COL_GAP / 2 + PAD
    height = PAD * 2 + LANE_H * len(lanes)
    title_id, desc_id, marker = f"{id_prefix}-title", f"{id_prefix}-desc", f"{id_prefix}-arrow"
    steps_by_n = {s.n: s for s in profile.steps}
    desc = (f"{len(profile.steps)} Schritte in {len(lanes)} Zuständigkeitsbahnen ({', '.join(lanes)})"
            + (f", {len(profile.decisions)} Entscheidungen" if profile.decisions else "") + ". "
            + " ".join(f"{s.n}. {s.label} ({BUILDING_BLOCKS[s.kind].label}, {_actor(profile, s.actor)})."
                       for s in profile.steps))

    out: list[str] = []
    namespace = ' xmlns="http://www.w3.org/2000/svg"'
    out.append(f'<svg{namespace} class="flow" role="img" aria-labelledby="{title_id} {desc_id}" '
               f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
               f'font-family="{escape(FONT)}">')
    out.append(f'<title id="{title_id}">Ablaufdiagramm: {escape(profile.title)}</title>')
    out.append(f'<desc id="{desc_id}">{escape(desc)}</desc>')
    out.append(f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
               f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{STROKE}"/>'
               f'</marker></defs>')
    if standalone:
        out.append(f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>')

    # Lanes with their actor on the left.
    for i, lane in enumerate(lanes):
        top = PAD + i * LANE_H
        fill = "#f4f6f9" if i % 2 == 0 else "#ffffff"
        out.append(f'<g class="lane"><rect x="{PAD}" y="{top}" width="{width - 2 * PAD:.0f}" height="{LANE_H}" '
                   f'fill="{fill}" stroke="#aab4bf"/>')
        out.append(f'<rect x="{PAD}" y="{top}" width="{HEADER_W}" height="{LANE_H}" fill="#e3e9f0" stroke="#aab4bf"/>')
        lines = _lines(lane, 16, 4)
        first = top + LANE_H / 2 - (len(lines) - 1) * 8 + 4
        for j, line in enumerate(lines):
            out.append(_text(PAD + HEADER_W / 2, first + j * 16, line, size=12, weight="600"))
        out.append("</g>")

    # Edges below the nodes; jumps in the same lane take turns in three channels.
    channel_use: dict[int, int] = {}
    for edge in edges:
        src, dst = by_key[edge.source], by_key.get(edge.target)
        if dst is None:
            continue
        long_jump = edge.port != "right" or dst.col <= src.col or dst.col > src.col + 1
        slot = 0
        if long_jump:
            slot = channel_use.get(src.lane, 0) % 3
            channel_use[src.lane] = channel_use.get(src.lane, 0) + 1
        path, (lx, ly) = _route(src, dst, by_col, edge.port, slot)
        out.append(f'<path class="edge" d="{path}" fill="none" stroke="{STROKE}" stroke-width="1.6" '
                   f'marker-end="url(#{marker})"/>')
        if edge.label:
            out.append(_text(lx, ly, _lines(edge.label, 22, 1)[0], size=11, fill=TEXT, anchor="start", halo=True))

    for node in nodes:
        if node.kind == "start":
            out.append(f'<g class="event start"><title>Start</title><circle cx="{node.cx:.1f}" cy="{node.cy:.1f}" '
                       f'r="{EVENT_R}" fill="#ffffff" stroke="#1d6b3a" stroke-width="2"/></g>')
        elif node.kind == "end":
            out.append(f'<g class="event end"><title>Ende</title><circle cx="{node.cx:.1f}" cy="{node.cy:.1f}" '
                       f'r="{EVENT_R}" fill="#ffffff" stroke="#8a1c1c" stroke-width="4"/></g>')
        elif node.kind == "decision":
            decision = next(d for d in profile.decisions if f"d{d.after_step}" == node.key)
            h = DIAMOND_HALF
            points = (f"{node.cx:.1f},{node.cy - h:.1f} {node.cx + h:.1f},{node.cy:.1f} "
                      f"{node.cx:.1f},{node.cy + h:.1f} {node.cx - h:.1f},{node.cy:.1f}")
            out.append(f'<g class="gateway"><title>Entscheidung: {escape(decision.question)}</title>'
                       f'<polygon points="{points}" fill="#fff7d6" stroke="{STROKE}" stroke-width="1.6"/>'
                       f'{_text(node.cx, node.cy + 6, "?", size=18, weight="700")}</g>')
            question = _lines(decision.question, 24, 2)
            for j, line in enumerate(question):
                out.append(_text(node.cx, node.cy - h - 8 - (len(question) - 1 - j) * 13, line, size=11,
                                 fill=MUTED, halo=True))
        else:
            step = steps_by_n[int(node.key[1:])]
            block = BUILDING_BLOCKS[step.kind]
            fill = GROUP_FILLS.get(block.group, "#ffffff")
            x, y = node.left, node.cy - BOX_H / 2
            tooltip = f"{step.n}. {step.label} – {block.label}"
            if step.it_system:
                tooltip += f" – IT-System: {step.it_system}"
            if step.media_break:
                tooltip += " – Medienbruch"
            dash = ' stroke-dasharray="5 3"' if step.kind == "wait" else ""
            out.append(f'<g class="step" data-step="{step.n}"><title>{escape(tooltip)}</title>'
                       f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="8" fill="{fill}" '
                       f'stroke="{STROKE}" stroke-width="1.4"{dash}/>')
            out.append(_text(x + 8, y + 15, f"{step.n} · {_lines(block.label, 27, 1)[0]}", size=10, fill=MUTED,
                             anchor="start"))
            for j, line in enumerate(_lines(step.label, 21, 3)):
                out.append(_text(node.cx, y + 32 + j * 14, line, size=12, weight="600"))
            if step.media_break:
                bx, by = x + BOX_W - 12, y
                out.append(f'<g class="media-break"><circle cx="{bx:.1f}" cy="{by:.1f}" r="9" fill="#a4161a"/>'
                           f'{_text(bx, by + 4, "M", size=10, weight="700", fill="#ffffff")}</g>')
            out.append("</g>")
    out.append("</svg>")
    svg = "".join(out)
    if standalone:
        return Markup('<?xml version="1.0" encoding="UTF-8"?>\n' + svg)
    return Markup(svg)


GROUP_SLUGS = {
    "Informationsfluss": "info",
    "Medienwechsel": "medien",
    "Dokumentation": "doku",
    "Informationsbeschaffung und Koordination": "koord",
    "Inhaltliche Verwaltungsarbeit": "verw",
}


def legend() -> list[tuple[str, str]]:
    """(group, CSS class slug) pairs for the legend under the diagram; app.css uses the same fills."""
    return [(group, GROUP_SLUGS[group]) for group in GROUPS]
