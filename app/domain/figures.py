"""Figures of a process model and hints at typical waste.

Effort = case volume × minutes per case; minutes per case come from the
steps when every step carries minutes (or the profile has none), else from
the profile, so a few timed steps never undercut the clerk's estimate. Hints
are German sentences a modeller can act on.
"""

from __future__ import annotations

from typing import Any

from .catalogue import BUILDING_BLOCKS, GROUPS
from .models import ProcessProfile

DEFAULT_HOURLY_RATE_EUR = 60.0
MANY_HANDOFFS = 4


def figures(profile: ProcessProfile, hourly_rate_eur: float | None = None) -> dict[str, Any]:
    rate = hourly_rate_eur if hourly_rate_eur is not None else DEFAULT_HOURLY_RATE_EUR
    step_minutes = [s.minutes for s in profile.steps if s.minutes is not None]
    all_timed = bool(step_minutes) and len(step_minutes) == len(profile.steps)
    minutes = sum(step_minutes) if all_timed or (step_minutes and profile.minutes_per_case is None) \
        else profile.minutes_per_case
    volume = profile.case_volume_per_year
    hours = round(volume * minutes / 60, 1) if volume is not None and minutes is not None else None
    actors = [s.actor for s in profile.steps]
    handoffs = sum(1 for a, b in zip(actors, actors[1:]) if a and b and a != b)
    per_group = {group: 0 for group in GROUPS}
    for step in profile.steps:
        per_group[BUILDING_BLOCKS[step.kind].group] += 1
    return {
        "minutes_per_case": round(minutes, 1) if minutes is not None else None,
        "annual_hours": hours,
        "hourly_rate_eur": rate,
        "annual_cost_eur": round(hours * rate) if hours is not None else None,
        "media_breaks": sum(1 for s in profile.steps if s.media_break),
        "handoffs": handoffs,
        "steps_per_group": per_group,
        "hints": hints(profile, handoffs),
    }


def hints(profile: ProcessProfile, handoffs: int | None = None) -> list[str]:
    steps = profile.steps
    out: list[str] = []
    for first, second in zip(steps, steps[1:]):
        if first.kind == "print" and second.kind == "scan":
            out.append(f"Schritt {first.n} druckt, Schritt {second.n} scannt wieder ein: Das Dokument könnte "
                       f"elektronisch bleiben.")
    for step in steps:
        if step.kind == "enter_data" and step.media_break:
            previous = [s for s in steps if s.n < step.n and s.kind == "receive"]
            electronic = previous and not previous[-1].media_break
            if electronic:
                out.append(f"Schritt {step.n} tippt Daten ab, die elektronisch eingegangen sind: Eine Übernahme "
                           f"per Schnittstelle oder Online-Formular spart die Doppelerfassung.")
    for step in steps:
        if step.kind == "wait" and not any(word in (step.label + " " + (step.description or "")).lower()
                                           for word in ("frist", "tage", "woche", "monat", "bis ")):
            out.append(f"Schritt {step.n} wartet ohne erkennbare Frist: Eine Wiedervorlage mit Datum verhindert "
                       f"liegen gebliebene Fälle.")
    timed = [s for s in steps if s.minutes is not None]
    if timed and len(timed) < len(steps):
        source = (f"den {profile.minutes_per_case:g} Minuten aus dem Steckbrief" if profile.minutes_per_case is not None
                  else "den Minuten dieser Schritte allein")
        out.append(f"Nur {len(timed)} von {len(steps)} Schritten haben Minuten: Die Kennzahlen rechnen mit {source}. "
                   f"Tragen Sie die Minuten aller Schritte ein, dann ergibt sich die Bearbeitungszeit aus ihnen.")
    count = handoffs if handoffs is not None else sum(
        1 for a, b in zip(steps, steps[1:]) if a.actor and b.actor and a.actor != b.actor)
    if count >= MANY_HANDOFFS:
        out.append(f"Der Vorgang wechselt {count}-mal die Zuständigkeit: Jede Übergabe kostet Liegezeit; lassen "
                   f"sich Schritte bündeln?")
    return out
