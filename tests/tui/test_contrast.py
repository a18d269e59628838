"""Every text run in every snapshot and screenshot is legible: WCAG 2 contrast >= 4.5:1.

The SVGs are the exported pictures of the snapshot scenarios (tests/tui/scenarios.py) in the dark
and the light theme; :mod:`contrast` finds the background under each text run and computes the
ratio. Box drawing and block glyphs (borders, scrollbars) are decoration, not text.

Figures for a whole set: ``python tests/tui/contrast.py tests/tui/__snapshots__/*/*.svg``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from contrast import AA, measure, measure_files, ratio, summary
from scenarios import SCENARIOS

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE / "__snapshots__" / "test_snapshots"
SCREENSHOTS = HERE.parents[1] / "screenshots"
# Textual's command palette dims the whole screen behind it on purpose (what is under a modal is
# not meant to be read), and its search icon is an emoji drawn in colour by a real terminal:
# those pictures are not measured. The palette's own hits are Textual's.
BACKDROP_SCENARIOS = ("command_palette",)


def _measured(name: str) -> bool:
    return not any(name.startswith(prefix) for prefix in BACKDROP_SCENARIOS)


def _report(runs, limit: int = 25) -> str:
    low = sorted((run for run in runs if run.ratio < AA), key=lambda run: run.ratio)
    lines = [summary(runs), *map(str, low[:limit])]
    if len(low) > limit:
        lines.append(f"… and {len(low) - limit} more")
    return "\n".join(lines)


def test_ratio_matches_wcag_reference_values() -> None:
    assert ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic AA near-miss


def test_measure_finds_the_rect_under_a_run_and_skips_decoration() -> None:
    svg = """<svg><style>.t-r1 { fill: #b93c5b;font-weight: bold }
.t-r2 { fill: #e0e0e0 }</style>
    <rect fill="#292929" stroke="rgba(255,255,255,0.35)" stroke-width="1" x="1" y="1" width="9" height="9" rx="8"/>
    <rect fill="#0178d4" x="24.4" y="25.9" width="73.2" height="24.65" shape-rendering="crispEdges"/>
    <text class="t-r1" x="24.4" y="44.4" textLength="73.2" clip-path="url(#t-line-1)">FAILED</text>
    <text class="t-r2" x="0" y="44.4" textLength="24.4" clip-path="url(#t-line-1)">&#160;│</text>
    <text class="t-r2" x="0" y="20" textLength="12.2" clip-path="url(#t-line-0)">x</text>
    </svg>"""
    runs = measure(svg, "t.svg")
    assert [(run.text, run.background) for run in runs] == [("FAILED", "#0178d4"), ("x", "#292929")]
    assert runs[0].ratio == pytest.approx(1.20, abs=0.01)


def test_every_scenario_has_a_snapshot_to_measure() -> None:
    names = {path.name for path in SNAPSHOTS.glob("*.svg")}
    missing = [s.name for s in SCENARIOS if f"test_screen[{s.name}].svg" not in names]
    assert not missing, f"no snapshot for {missing}: run tests/tui/test_snapshots.py first"


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_snapshot_text_meets_wcag_aa(theme: str) -> None:
    chosen = [s for s in SCENARIOS if (s.theme is None) == (theme == "dark") and _measured(s.name)]
    assert chosen, f"no {theme} scenarios"
    paths = [SNAPSHOTS / f"test_screen[{s.name}].svg" for s in chosen]
    # A picture of a crashed app is blank and would pass vacuously.
    blank = [path.name for path in paths if not measure(path.read_text(encoding="utf-8"))]
    assert not blank, f"snapshots without text: {blank}"
    runs = measure_files(paths)
    assert all(run.ratio >= AA for run in runs), _report(runs)


def test_screenshot_text_meets_wcag_aa() -> None:
    runs = measure_files(sorted(path for path in SCREENSHOTS.glob("*.svg") if _measured(path.stem)))
    assert runs
    assert all(run.ratio >= AA for run in runs), _report(runs)
