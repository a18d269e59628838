"""Renders screenshots (SVG) to PNG with ``rsvg-convert`` (Debian: ``apt-get install librsvg2-bin``).

Usage: ``python scripts/render_pngs.py OUT_DIR [--rev REV] [--suffix TEXT] NAME ...``

Each NAME is a file in ``screenshots/`` without ``.svg`` (``job_failed``, ``dataflow_light``);
``--rev`` reads it from a git revision instead of the work tree (before/after pictures), and
``--suffix`` is appended to the PNG's name. Rich writes a text run's spaces as no-break spaces,
which browsers keep and librsvg drops at the start of a run (a value drawn against its label, a
code line losing its indentation); ``xml:space="preserve"`` makes librsvg draw what a browser does.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def svg_text(name: str, rev: str | None) -> str:
    """The screenshot's SVG, from the work tree or a git revision."""
    if rev is None:
        return (ROOT / "screenshots" / f"{name}.svg").read_text(encoding="utf-8")
    return subprocess.run(["git", "show", f"{rev}:screenshots/{name}.svg"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout


def render(svg: str, target: Path) -> None:
    """Writes ``target`` (PNG) from ``svg``."""
    svg = svg.replace("<svg ", '<svg xml:space="preserve" ', 1)
    subprocess.run(["rsvg-convert", "--format", "png", "--output", str(target)], input=svg.encode(), check=True)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("names", nargs="+")
    parser.add_argument("--rev", help="read the SVGs from this git revision")
    parser.add_argument("--suffix", default="", help="appended to each PNG name")
    args = parser.parse_args(argv)
    if shutil.which("rsvg-convert") is None:
        raise SystemExit("render_pngs: rsvg-convert not found (apt-get install librsvg2-bin)")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for name in args.names:
        target = args.out_dir / f"{name}{args.suffix}.png"
        render(svg_text(name, args.rev), target)
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


if __name__ == "__main__":
    main(sys.argv[1:])
