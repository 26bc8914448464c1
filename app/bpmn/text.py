"""How much room a text takes in the diagram: width estimate and line breaking.

The layout (``export``) reserves room for labels and the renderer (``svg``)
breaks lines with the same functions, so a label drawn by the renderer fits
the box the layout gave it. Widths follow DejaVu Sans, the widest of the
usual UI fonts (what a Linux browser falls back to for ``system-ui``), so
narrower fonts only leave more room.
"""

from __future__ import annotations

import pyphen

_NARROW = frozenset("iljftrI.,:;'!|()[]- /")
_WIDE = frozenset("mwMW%@")
BOLD = 1.12   # semi-bold/bold DejaVu is about 12 % wider


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated advance width of a one-line text in user units."""
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.36
        elif char in _WIDE:
            em += 1.0
        elif char.isupper():
            em += 0.74
        else:
            em += 0.64
    return em * size * (BOLD if bold else 1.0)


def wrap(text: str, width: float, max_lines: int, size: float, bold: bool = False) -> list[str]:
    """Greedy line breaking to ``width``; words too long for a line are split with a hyphen;
    what does not fit into ``max_lines`` ends in "…"."""
    def fits(candidate: str) -> bool:
        return text_width(candidate, size, bold) <= width

    words: list[str] = []
    for word in text.split():
        while not fits(word) and len(word) > 2:
            head, word = _hyphenate(word, fits)
            words.append(head)
        words.append(word)
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line}{word}" if line.endswith("-") else f"{line} {word}".strip()
        if not line or fits(candidate):
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1].rstrip(" -")
        while last and not fits(last + "…"):
            last = last[:-1].rstrip(" -")
        lines[-1] = last + "…"
    return lines or [""]


_GERMAN = pyphen.Pyphen(lang="de_DE")


def _hyphenate(word: str, fits) -> tuple[str, str]:
    """The first line's part of a word too long for a line, and the rest: at its own hyphen if that fits
    ("Outlook-" | "Kalender"), else at a German syllable border from the LibreOffice patterns (pyphen),
    rather one that leaves a whole stem ("entgegen-" | "nehmen") than a stub ("entgegenneh-" | "men")."""
    own = [i + 1 for i, char in enumerate(word[:-1]) if char == "-" and fits(word[:i + 1])]
    if own:
        return word[:own[-1]], word[own[-1]:]
    borders = [(head, tail) for head, tail in _GERMAN.iterate(word) if fits(head + "-")]
    if borders:
        head, tail = next(((h, t) for h, t in borders if len(t) >= 5), borders[0])
        return head + "-", tail
    cut = len(word) - 1
    while cut > 1 and not fits(word[:cut] + "-"):
        cut -= 1
    return word[:cut] + "-", word[cut:]


def block_width(lines: list[str], size: float, bold: bool = False) -> float:
    return max((text_width(line, size, bold) for line in lines), default=0.0)
