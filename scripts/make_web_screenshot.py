"""Writes screenshots/web_job_failed.png: the served app (``redun-tui serve``) in Debian's Chromium.

Usage: ``python scripts/make_web_screenshot.py``. Serves a copy of tests/fixtures/failures.db on a
free loopback port, opens a failed job by its deep link in headless /usr/bin/chromium (Playwright
with the system browser, as tests/web does) and saves the page once its traceback is drawn.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "web")]

from web_browser import browser_page, open_app, served, wait_for_text  # noqa: E402

OUT = ROOT / "screenshots" / "web_job_failed.png"
JOB = "ff72ff9e"  # failures.db: failures.explode, FAILED with a traceback


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        db = Path(workdir) / "failures.db"
        shutil.copyfile(ROOT / "tests" / "fixtures" / "failures.db", db)
        with served("failures.db", cwd=workdir) as url, browser_page(width=1200, height=760) as page:
            open_app(page, f"{url}/?route=jobs/{JOB}")
            wait_for_text(page, "ValueError: [bold red]boom[/] ☃ failure (from omega.txt)")
            page.screenshot(path=str(OUT))
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
