"""The building-block catalogue, for clients that render kinds and labels."""

from __future__ import annotations

from app.domain import BUILDING_BLOCKS, GROUPS

from . import bp


@bp.get("/catalogue/kinds")
def kinds():
    return {
        "groups": list(GROUPS),
        "kinds": [
            {"kind": b.kind, "label": b.label, "group": b.group, "explanation": b.explanation,
             "bpmn_element": b.bpmn_element}
            for b in BUILDING_BLOCKS.values()
        ],
    }
