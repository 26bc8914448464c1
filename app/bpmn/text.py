"""How much room a text takes in the diagram: width estimate and line breaking.

The layout (``export``) reserves room for labels and the renderer (``svg``)
breaks lines with the same functions, so a label drawn by the renderer fits
the box the layout gave it. Widths follow DejaVu Sans, the widest of the
usual UI fonts (what a Linux browser falls back to for ``system-ui``), so
narrower fonts only leave more room.
"""

from __future__ import annotations

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
            cut = len(word) - 1
            while cut > 1 and not fits(word[:cut] + "-"):
                cut -= 1
            cut = _syllable_cut(word, cut)
            words.append(word[:cut] + "-")
            word = word[cut:]
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


_VOWELS = frozenset("aeiouäöüyAEIOUÄÖÜY")
_KEEP = ("ch", "ck", "sc", "ph", "th", "qu")


def _syllable_cut(word: str, longest: int) -> int:
    """Where to hyphenate ``word`` at or before ``longest``: before a consonant followed by a vowel
    ("Stellung-nahme", "Baugenehmi-gung"), keeping three letters on each side; else at ``longest``."""
    for cut in range(min(longest, len(word) - 3), 2, -1):
        before, at, after = word[cut - 1], word[cut], word[cut + 1]
        if at.isalpha() and at not in _VOWELS and after in _VOWELS and before.isalpha() \
                and word[cut - 1:cut + 1].lower() not in _KEEP and word[cut:cut + 2].lower() not in ("ck",):
            if cut >= longest - 8:
                return cut
            break
    return max(2, min(longest, len(word) - 3))


def block_width(lines: list[str], size: float, bold: bool = False) -> float:
    return max((text_width(line, size, bold) for line in lines), default=0.0)
