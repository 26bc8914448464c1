"""Diagram layout of the BPMN export: where shapes, edges and labels go.

Every flow node has a column of its own, in flow order, so shapes never
overlap and the steps read from left to right. Within its lane a node sits on
the lane's main row, except the end event of a branch that ends the process:
it sits in an end row below, so the main line runs on past it.

Edges are orthogonal:

* between neighbours on one row, a straight line;
* into another lane, down or up in a gap (or from a gateway's tip) and then
  along the target's row, when nothing stands in that row in between;
* otherwise round the shapes on a *track*: a horizontal line in a band above
  (skips ahead) or below (loops back) a lane's rows. Each edge gets a track of
  its own where it would otherwise run along another edge, and leaves and
  enters shapes at their top or bottom centre, where no other edge runs.

Each side of a shape (a *port*) carries either incoming or outgoing edges,
never both, and preferably one edge; a branch ending the process leaves its
gateway downwards into its end event.

Labels get bounds of their own (``bpmndi:BPMNLabel``): a gateway's question
above and left of it, clear of the previous task; an event's name under it;
a branch condition beside the first free stretch of its edge, touching no
shape, edge or other label. The renderer draws the text inside these bounds,
and bpmn.io places its labels there too.

All coordinates are integers and depend only on the graph, so the same
profile always gives the same layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .text import block_width, wrap

# Geometry (shape sizes are bpmn-js defaults).
POOL_X, POOL_Y = 100, 60
POOL_HEADER = 30
LANE_H = 180          # smallest lane height
GAP = 70              # horizontal gap between two columns
GAP_MAX = 190         # widest gap (for long questions and branch conditions)
LEFT_PAD = 70         # space between lane border and the first node (clear of the lane title)
RIGHT_PAD = 50
ROW_HALF = 40         # half the height of a row (the tallest shape, a task)
BELOW_ROW = 24        # room under a row for the names of events (up to three lines)
END_ROW = 78          # distance between the main row's and the end row's centre lines
TRACK = 12            # distance between two tracks
MARGIN = 10           # lane border to the outermost track or label
MIN_SEP = 14          # smallest distance between two edges on one track
FEED_PAD = 8          # room around the label of a line into a further end event of one gateway

LABEL_SIZE = 11       # branch conditions and gateway questions (svg uses the same)
EVENT_LABEL_SIZE = 10.5
LINE = 13             # line height of labels
QUESTION_LINES = 3
BRANCH_LINES = 2
EVENT_LINES = 2
TIMER_LINES = 3
EVENT_LABEL_W = 100

Box = tuple[float, float, float, float]   # x1, y1, x2, y2


@dataclass
class Label:
    x: int
    y: int
    w: int
    h: int

    @property
    def box(self) -> Box:
        return self.x, self.y, self.x + self.w, self.y + self.h


@dataclass
class _Band:
    tracks: list[list[tuple[int, int]]] = field(default_factory=list)

    def take(self, a: int, b: int) -> int:
        lo, hi = min(a, b) - MIN_SEP, max(a, b) + MIN_SEP
        for index, taken in enumerate(self.tracks):
            if all(hi <= x1 or x2 <= lo for x1, x2 in taken):
                taken.append((min(a, b), max(a, b)))
                return index
        self.tracks.append([(min(a, b), max(a, b))])
        return len(self.tracks) - 1


# A y coordinate before the lanes have heights: ("row", node), ("top", node),
# ("bottom", node), ("track", lane, side, index), ("feed", node, index).
YRef = tuple[Any, ...]


class Layout:
    """Positions for ``nodes`` (with ``id, lane, shape, tag, name, w, h``; ``x``, ``y``, ``col`` are
    set here) and waypoints for ``flows`` (with ``id, source, target, name``) in ``lanes`` lanes."""

    def __init__(self, nodes: list[Any], flows: list[Any], lanes: int) -> None:
        self.nodes, self.flows, self.lane_count = nodes, flows, lanes
        self.labels: dict[str, Label] = {}
        self.waypoints: dict[str, list[tuple[int, int]]] = {}
        self.questions: dict[str, list[str]] = {}
        self.question_room: dict[str, int] = {}
        self.gap_after: dict[str, int] = {}
        self.ports: dict[tuple[str, str], list[str]] = {}   # (node id, side) -> ["in"/"out", ...]
        self.bands: dict[tuple[int, str], _Band] = {}
        self.routes: dict[str, list[tuple[int, YRef]]] = {}
        for col, node in enumerate(nodes):
            node.col = col
            node.row = 1 if node.id.startswith("EndEvent_after_") else 0
        self.out: dict[str, list[Any]] = {n.id: [] for n in nodes}
        for flow in flows:
            self.out[flow.source.id].append(flow)

    # -- columns -------------------------------------------------------------
    def _question(self, node: Any) -> bool:
        return node.shape == "gateway" and bool(node.name)

    def place_columns(self) -> None:
        x = POOL_X + POOL_HEADER + LEFT_PAD
        prev = None
        for node in self.nodes:
            if prev is not None:
                gap = GAP
                if self._question(node):
                    gap = self._question_gap(node, prev)
                if self._question(prev):
                    gap = max(gap, self._branch_gap(prev))
                self.gap_after[prev.id] = gap
                x += gap
            node.x = x
            x += node.w
            prev = node
        self.width = x + RIGHT_PAD - POOL_X

    def _question_room(self, node: Any, prev: Any, gap: int) -> int:
        # from just right of the previous shape's centre to just left of the gateway's top tip
        return prev.w // 2 + gap + node.w // 2 - 12

    def _question_gap(self, node: Any, prev: Any) -> int:
        gap = GAP
        while gap < GAP_MAX and len(wrap(node.name, self._question_room(node, prev, gap), 99, LABEL_SIZE)) \
                > QUESTION_LINES:
            gap += 10
        room = self._question_room(node, prev, gap)
        self.question_room[node.id] = room
        self.questions[node.id] = wrap(node.name, room, QUESTION_LINES, LABEL_SIZE)
        return gap

    def _branch_gap(self, gateway: Any) -> int:
        widest = max((block_width([f.name or ""], LABEL_SIZE) for f in self.out[gateway.id]), default=0)
        return min(GAP_MAX, max(GAP, math.ceil(widest) + 16))

    def size_labels(self) -> None:
        """Width and height of every branch label: as wide as the gap after its gateway allows, or, on
        the line into a further end event, as that line is long."""
        self.label_size: dict[str, tuple[int, int]] = {}
        for flow in self.flows:
            room = max(self.gap_after.get(flow.source.id, GAP) - 14, 40)
            ends = self._end_flows(flow.source)
            if flow in ends[1:]:
                room = max(room, flow.target.cx - flow.source.cx - 20)
            _, w, h = _fit(flow.name or "", room, BRANCH_LINES, LABEL_SIZE)
            self.label_size[flow.id] = (w, h if flow.name else 0)

    def _end_flows(self, gateway: Any) -> list[Any]:
        return [f for f in self.out[gateway.id] if f.target.row == 1]

    def _end_room(self, gateway: Any) -> int:
        """How far below a gateway's centre its end row must be: under the gateway its first end's
        label, then one line with a label above it into each further end event."""
        ends = self._end_flows(gateway)
        if len(ends) < 2:
            return END_ROW
        first = self.label_size[ends[0].id][1]
        return gateway.h // 2 + 10 + first + sum(self.label_size[f.id][1] + FEED_PAD for f in ends[1:]) + 28

    # -- ports ---------------------------------------------------------------
    def _allowed(self, node: Any, side: str, role: str) -> bool:
        if side == "right":
            return role == "out"
        if side == "left":
            return role == "in"
        if node.shape == "event":  # names hang below events; a start event only leaves to the right
            return side == "top" and (node.tag == "intermediateCatchEvent" or role == "in" and node.tag == "endEvent")
        return True

    def _free(self, node: Any, side: str, role: str, share: bool) -> bool:
        if not self._allowed(node, side, role):
            return False
        users = self.ports.get((node.id, side), [])
        return not users or (share and all(u == role for u in users))

    def _claim(self, node: Any, side: str, role: str) -> None:
        self.ports.setdefault((node.id, side), []).append(role)

    # -- routing -------------------------------------------------------------
    def _row_clear(self, lane: int, after_col: int, before_col: int) -> bool:
        return not any(n.lane == lane and n.row == 0 and after_col < n.col < before_col for n in self.nodes)

    def _band(self, lane: int, side: str) -> _Band:
        return self.bands.setdefault((lane, side), _Band())

    def route(self) -> None:
        def kind(flow: Any) -> tuple[int, int, int]:
            s, t = flow.source, flow.target
            if s.lane == t.lane and s.row == t.row == 0 and t.col > s.col and self._row_clear(s.lane, s.col, t.col):
                return (0, 0, 0)
            if t.row == 1:
                return (1, 0, 0)
            return (2, abs(t.col - s.col), 0 if t.col > s.col else 1)

        flows = sorted(self.flows, key=lambda f: (kind(f), f.source.col, f.target.col))
        straight: set[tuple[str, str]] = set()
        for flow in flows:
            k = kind(flow)[0]
            if k == 0 and (flow.source.id, flow.target.id) in straight:
                k = 2  # a second branch to the same step goes round, so the two do not lie on one line
            if k == 0:
                straight.add((flow.source.id, flow.target.id))
                s, t = flow.source, flow.target
                self._claim(s, "right", "out")
                self._claim(t, "left", "in")
                self.routes[flow.id] = [(s.x + s.w, ("row", s)), (t.x, ("row", t))]
            elif k == 1:
                self._route_end(flow)
            else:
                self._route_other(flow)

    def _route_end(self, flow: Any) -> None:
        s, t = flow.source, flow.target
        ends = [f.target for f in self.out[s.id] if f.target.row == 1]
        index = ends.index(t) if t in ends else 0
        self._claim(s, "bottom", "out")
        if index == 0:
            self._claim(t, "left", "in")
            self.routes[flow.id] = [(s.cx, ("bottom", s)), (s.cx, ("row", t)), (t.x, ("row", t))]
        else:  # further ends of the same gateway: over the first ones, entering from above
            self._claim(t, "top", "in")
            self.routes[flow.id] = [(s.cx, ("bottom", s)), (s.cx, ("feed", s, index)), (t.cx, ("feed", s, index)),
                                    (t.cx, ("top", t))]

    def _route_other(self, flow: Any) -> None:
        s, t = flow.source, flow.target
        forward = t.col > s.col
        for share in (False, True):
            if forward and s.lane != t.lane and self._row_clear(t.lane, s.col, t.col) \
                    and self._free(t, "left", "in", share):
                if s.shape == "gateway":
                    side = "top" if t.lane < s.lane else "bottom"
                    if self._free(s, side, "out", share):
                        self._claim(s, side, "out")
                        self._claim(t, "left", "in")
                        self.routes[flow.id] = [(s.cx, (side, s)), (s.cx, ("row", t)), (t.x, ("row", t))]
                        return
                elif self._free(s, "right", "out", share):
                    xm = s.x + s.w + self.gap_after.get(s.id, GAP) // 2
                    self._claim(s, "right", "out")
                    self._claim(t, "left", "in")
                    self.routes[flow.id] = [(s.x + s.w, ("row", s)), (xm, ("row", s)), (xm, ("row", t)),
                                            (t.x, ("row", t))]
                    return
            sides = ("top", "bottom") if forward else ("bottom", "top")
            bands = [(t.lane, sides[0]), (s.lane, sides[0]), (t.lane, sides[1]), (s.lane, sides[1])]
            # first straight up or down from both shapes; else through the gap beside one or both of them
            for through_gap in (False, True):
                for lane, band in bands:
                    s_side = "top" if s.lane > lane or (s.lane == lane and band == "top") else "bottom"
                    t_side = "top" if t.lane > lane or (t.lane == lane and band == "top") else "bottom"
                    options = [(s_side, t_side)] if not through_gap else [(s_side, "left"), ("right", t_side),
                                                                          ("right", "left")]
                    for s_port, t_port in options:
                        if t_port == "left" and t.shape == "event" and t_side == "bottom":
                            continue  # the way up to its left side would cross the event's name
                        if s_port == "right" and s.shape == "gateway":
                            continue  # the gap after a gateway holds its branch labels; its tips may be shared
                        if self._free(s, s_port, "out", share) and self._free(t, t_port, "in", share):
                            self._track_route(flow, lane, band, s_port, t_port)
                            return
        # no free side at all (not seen with the graphs the export makes): over the top anyway
        self._track_route(flow, t.lane, "top", "top" if s.lane >= t.lane else "bottom", "top")

    def _track_route(self, flow: Any, lane: int, band: str, s_side: str, t_side: str) -> None:
        """Along a track; ``right``/``left``: leave or enter through the gap beside the shape (a half
        gap after the source, a third of the gap before the target, so the two never meet)."""
        s, t = flow.source, flow.target
        self._claim(s, s_side, "out")
        self._claim(t, t_side, "in")
        sx = s.x + s.w + self.gap_after.get(s.id, GAP) // 2 if s_side == "right" else s.cx
        before = self.nodes[t.col - 1].id if t.col > 0 else ""
        tx = t.x - self.gap_after.get(before, GAP) // 3 if t_side == "left" else t.cx
        y = ("track", lane, band, self._band(lane, band).take(sx, tx))
        start = [(s.x + s.w, ("row", s)), (sx, ("row", s))] if s_side == "right" else [(sx, (s_side, s))]
        end = [(tx, ("row", t)), (t.x, ("row", t))] if t_side == "left" else [(tx, (t_side, t))]
        self.routes[flow.id] = start + [(sx, y), (tx, y)] + end

    # -- lanes ---------------------------------------------------------------
    def place_lanes(self) -> None:
        self.lane_top: list[int] = []
        self.lane_h: list[int] = []
        self.row_y: list[int] = []
        self.question_band: list[int] = []
        self.content_bottom: list[int] = []
        self.end_row: list[int] = []
        top = POOL_Y
        for lane in range(self.lane_count):
            members = [n for n in self.nodes if n.lane == lane]
            lines = max((len(self.questions.get(n.id, [])) for n in members), default=0)
            has_gateway = any(self._question(n) for n in members)
            band = lines * LINE + 8 if lines else (14 if has_gateway else 6)
            tops = len(self._band(lane, "top").tracks)
            bottoms = len(self._band(lane, "bottom").tracks)
            end_row = max([END_ROW] + [self._end_room(n) for n in members])
            above = ROW_HALF + band + (6 + TRACK * (tops - 1) if tops else 0) + MARGIN
            below = (end_row + 18 + 4 + EVENT_LINES * LINE) if any(n.row == 1 for n in members) \
                else ROW_HALF + BELOW_ROW
            content = below
            below += (6 + TRACK * (bottoms - 1) if bottoms else 0) + MARGIN
            if above + below < LANE_H:
                extra = LANE_H - above - below
                above += extra // 2
                below += extra - extra // 2
            self.lane_top.append(top)
            self.lane_h.append(above + below)
            self.row_y.append(top + above)
            self.question_band.append(band)
            self.content_bottom.append(top + above + content)
            self.end_row.append(top + above + end_row)
            top += above + below
        self.height = top - POOL_Y
        for node in self.nodes:
            cy = self.end_row[node.lane] if node.row == 1 else self.row_y[node.lane]
            node.y = cy - node.h // 2

    def _y(self, ref: YRef) -> int:
        what = ref[0]
        if what == "row":
            return ref[1].cy
        if what == "top":
            return ref[1].y
        if what == "bottom":
            return ref[1].y + ref[1].h
        if what == "feed":
            gateway, index = ref[1], ref[2]
            ends = self._end_flows(gateway)
            return self.end_row[gateway.lane] - 18 - 10 - sum(self.label_size[f.id][1] + FEED_PAD
                                                                for f in ends[1:index])
        _, lane, band, index = ref
        if band == "top":
            return self.row_y[lane] - ROW_HALF - self.question_band[lane] - 6 - TRACK * index
        return self.content_bottom[lane] + 6 + TRACK * index

    def resolve(self) -> None:
        for flow in self.flows:
            points: list[tuple[int, int]] = []
            for x, ref in self.routes[flow.id]:
                point = (x, self._y(ref))
                if not points or points[-1] != point:
                    points.append(point)
            self.waypoints[flow.id] = points

    # -- labels --------------------------------------------------------------
    def place_labels(self) -> None:
        obstacles: list[Box] = [(n.x, n.y, n.x + n.w, n.y + n.h) for n in self.nodes]
        segments: list[Box] = []
        for points in self.waypoints.values():
            for (x1, y1), (x2, y2) in zip(points, points[1:]):
                segments.append((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
        placed: list[Box] = []
        for node in self.nodes:
            if node.id in self.questions:
                _, w, h = _fit(node.name, self.question_room[node.id], QUESTION_LINES, LABEL_SIZE)
                self._put(node.id, Label(node.cx - 6 - w, self.row_y[node.lane] - ROW_HALF - 4 - h, w, h), placed)
            elif node.shape == "event" and node.name:
                max_lines = TIMER_LINES if node.tag == "intermediateCatchEvent" else EVENT_LINES
                _, w, h = _fit(node.name, EVENT_LABEL_W, max_lines, EVENT_LABEL_SIZE)
                self._put(node.id, Label(node.cx - w // 2, node.y + node.h + 3, w, h), placed)
                if node.tag == "intermediateCatchEvent":   # the step number, left above the circle
                    placed.append((node.x - 20, node.y - 14, node.x - 1, node.y - 1))
        area = (POOL_X + POOL_HEADER + 4, POOL_Y + 2, POOL_X + self.width - 4, POOL_Y + self.height - 2)
        for flow in self.flows:
            if flow.name:
                self._place_flow_label(flow, obstacles, segments, placed, area)

    def _put(self, key: str, label: Label, placed: list[Box]) -> None:
        self.labels[key] = label
        placed.append(label.box)

    def _place_flow_label(self, flow: Any, obstacles: list[Box], segments: list[Box], placed: list[Box],
                          area: Box) -> None:
        w, h = self.label_size[flow.id]
        candidates: list[tuple[int, int]] = []
        points = self.waypoints[flow.id]
        own = list(zip(points, points[1:]))
        others = [seg for other, ps in self.waypoints.items() if other != flow.id for seg in zip(ps, ps[1:])]
        # a stretch shared with another branch (from the same gateway tip) does not say which branch it is
        alone = [seg for seg in own if not any(_collinear(seg, other) for other in others)]
        for (x1, y1), (x2, y2) in alone + [seg for seg in own if seg not in alone]:
            if y1 == y2:
                step = 1 if x2 > x1 else -1
                near = x1 + 6 if step > 0 else x1 - 6 - w
                far = x2 - 10 - w if step > 0 else x2 + 10
                for x in (near, far, (x1 + x2) // 2 - w // 2):
                    candidates += [(x, y1 - 3 - h), (x, y1 + 4)]
            else:
                step = 1 if y2 > y1 else -1
                near = y1 + 5 if step > 0 else y1 - 5 - h
                far = y2 - 8 - h if step > 0 else y2 + 8
                for y in (near, far, (y1 + y2) // 2 - h // 2):
                    candidates += [(x1 + 5, y), (x1 - 5 - w, y)]

        for (x1, y1), (x2, y2) in alone + [seg for seg in own if seg not in alone]:  # then anywhere along
            if y1 == y2:
                for x in range(min(x1, x2) + 6, max(x1, x2) - w - 5, 12):
                    candidates += [(x, y1 - 3 - h), (x, y1 + 4)]
            else:
                for y in range(min(y1, y2) + 5, max(y1, y2) - h - 4, 12):
                    candidates += [(x1 + 5, y), (x1 - 5 - w, y)]

        def cost(x: int, y: int) -> int:
            box = (x - 2, y - 2, x + w + 2, y + h + 2)
            inside = area[0] <= x and area[1] <= y and x + w <= area[2] and y + h <= area[3]
            hits = sum(_hit(box, o) for o in obstacles) + sum(_hit(box, o) for o in placed)
            hits += sum(_hit(box, seg) for seg in segments)
            return hits + (0 if inside else 100)

        costs = [cost(x, y) for x, y in candidates]
        best = costs.index(0) if 0 in costs else costs.index(min(costs))
        x, y = candidates[best]
        self._put(flow.id, Label(x, y, w, h), placed)

    def run(self) -> "Layout":
        self.place_columns()
        self.size_labels()
        self.route()
        self.place_lanes()
        self.resolve()
        self.place_labels()
        return self


def _fit(text: str, width: int, max_lines: int, size: float) -> tuple[list[str], int, int]:
    """Lines of a label and its bounds' width and height. The bounds are as wide as the widest line,
    so the renderer, wrapping to that width, breaks the same lines; a shortened text keeps the full
    width, since its last line was cut to that."""
    lines = wrap(text, width, max_lines, size)
    shortened = len(wrap(text, width, max_lines + 1, size)) > max_lines
    w = width if shortened else math.ceil(block_width(lines, size)) + 1
    return lines, w, len(lines) * LINE


def _collinear(a: tuple[tuple[int, int], tuple[int, int]], b: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    """Whether two axis-parallel segments run along the same line for a stretch."""
    (ax1, ay1), (ax2, ay2) = a
    (bx1, by1), (bx2, by2) = b
    if ay1 == ay2 == by1 == by2:
        return min(max(ax1, ax2), max(bx1, bx2)) > max(min(ax1, ax2), min(bx1, bx2))
    if ax1 == ax2 == bx1 == bx2:
        return min(max(ay1, ay2), max(by1, by2)) > max(min(ay1, ay2), min(by1, by2))
    return False


def _hit(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] if (b[0] != b[2] and b[1] != b[3]) else \
        a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]
