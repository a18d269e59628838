"""WCAG 2 contrast of every text run in a Rich/Textual SVG export (snapshots and screenshots).

Rich's ``export_svg`` draws one line of the terminal as background ``<rect>``s (one per styled
segment that has a background, ``y = line * line_height + 1.5``) and, for every segment that is not
only spaces, a ``<text class="PREFIX-rN">`` clipped to ``url(#PREFIX-line-L)``, whose colour is the
``fill`` of the class ``.PREFIX-rN`` in the ``<style>`` block (dim and reverse already resolved).
A segment with no background rect shows the terminal background (the window's first ``<rect>``).

So the colour under a text run is the fill of the rects on its line that overlap its x range; a
run over several rects is measured against each (the worst counts). Decorative glyphs — box
drawing, block elements (borders, scrollbar thumbs) and whitespace — are not text and are ignored;
a run made only of them is skipped, any other character is measured.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

AA = 4.5  # WCAG 2 AA for normal text

_CLASS_RULE = re.compile(r"\.([\w-]+-r\d+)\s*\{\s*fill:\s*(#[0-9a-fA-F]{6})")
_RECT = re.compile(r'<rect fill="(#[0-9a-fA-F]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"')
_TEXT = re.compile(
    r'<text class="([\w-]+-r\d+)" x="([\d.]+)" y="[\d.]+" textLength="([\d.]+)" '
    r'clip-path="url\(#[\w-]+-line-(\d+)\)">(.*?)</text>'
)
_WINDOW = re.compile(r'<rect fill="(#[0-9a-fA-F]{6})" stroke=')
_EPS = 0.01


def is_decorative(char: str) -> bool:
    """Box drawing (U+2500–U+257F), block elements (U+2580–U+259F) and whitespace."""
    return char.isspace() or "\u2500" <= char <= "\u259f"


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio between two ``#rrggbb`` colours (1.0 to 21.0)."""
    a, b = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@dataclass(frozen=True)
class Run:
    """One measured text run: where it is, its colours and their contrast."""

    file: str
    line: int
    column: int
    text: str
    foreground: str
    background: str
    ratio: float

    def __str__(self) -> str:
        return (f"{self.ratio:5.2f}:1  {self.foreground} on {self.background}  "
                f"{self.file}:{self.line}:{self.column}  {self.text!r}")


def measure(svg: str, name: str = "") -> list[Run]:
    """Every text run of one exported SVG, each against the worst background under it."""
    fills = dict(_CLASS_RULE.findall(svg))
    window = _WINDOW.search(svg)
    default_bg = window.group(1) if window else "#000000"
    line_height = char_width = None
    rects: dict[int, list[tuple[float, float, str]]] = {}
    for fill, x, y, width, height in _RECT.findall(svg):
        line_height = float(height) - 0.25
        line = round((float(y) - 1.5) / line_height)
        rects.setdefault(line, []).append((float(x), float(x) + float(width), fill))
    runs: list[Run] = []
    for cls, x, length, line_text, body in _TEXT.findall(svg):
        text = html.unescape(body).replace("\xa0", " ")
        if all(is_decorative(c) for c in text):
            continue
        x0, x1 = float(x), float(x) + float(length)
        # Measure only the cells holding text: a run's padding may sit on another background.
        first = next(i for i, c in enumerate(text) if not is_decorative(c))
        last = max(i for i, c in enumerate(text) if not is_decorative(c))
        cell = (x1 - x0) / len(text)
        char_width = char_width or cell
        x0, x1 = x0 + first * cell, x0 + (last + 1) * cell
        foreground = fills.get(cls, "#000000")
        under = [fill for a, b, fill in rects.get(int(line_text), []) if a < x1 - _EPS and b > x0 + _EPS]
        backgrounds = under or [default_bg]
        worst = min(backgrounds, key=lambda bg: ratio(foreground, bg))
        column = round(float(x) / char_width) if char_width else 0
        runs.append(Run(name, int(line_text), column, text, foreground, worst, ratio(foreground, worst)))
    return runs


def measure_files(paths: list[Path]) -> list[Run]:
    """Every text run of every file."""
    runs: list[Run] = []
    for path in paths:
        runs.extend(measure(path.read_text(encoding="utf-8"), path.name))
    return runs


def summary(runs: list[Run], threshold: float = AA) -> str:
    """``N of M runs below 4.5:1, worst R:1``."""
    low = [run for run in runs if run.ratio < threshold]
    worst = min((run.ratio for run in runs), default=21.0)
    return f"{len(low)} of {len(runs)} runs below {threshold}:1, worst {worst:.2f}:1"


if __name__ == "__main__":  # python tests/tui/contrast.py FILE.svg ...
    import sys

    found = measure_files([Path(p) for p in sys.argv[1:]])
    for run in sorted(found, key=lambda r: r.ratio)[:40]:
        if run.ratio < AA:
            print(run)
    print(summary(found))
