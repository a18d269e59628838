"""``redun-tui serve`` in a real browser: Debian's headless Chromium, driven by Playwright.

Starts the server on a free loopback port, waits for the executions list in the page, opens a
failed job with the keyboard and reads its traceback; a deep link opens a job directly and ``Y``
shows the URL that reopens it. Skipped only where /usr/bin/chromium is not installed (.ci/run
installs it, so CI runs it).
"""

from __future__ import annotations

import os
import time

import pytest
from web_browser import CHROMIUM, browser_page, open_app, served, wait_for_text

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (apt-get install chromium)")

FAILED_EXECUTION = "b22c1c57"  # failures.db: main_fail --names alpha omega, the third newest
FAILED_JOB = "ff72ff9e-6062-4c0c-bf7a-dff60a607c41"  # its failures.explode job
TRACEBACK_END = "ValueError: [bold red]boom[/] ☃ failure (from omega.txt)"


def test_failed_job_traceback_through_the_browser(fixture_db):
    db = fixture_db("failures.db")
    started = time.monotonic()
    with served(db) as url, browser_page() as page:
        open_app(page, url + "/")
        wait_for_text(page, "failures.main_deep_fail")  # the executions list is drawn
        # The page starts blurred: the first keys must still reach the list (they reached
        # nothing until the app restored its screen's auto-focus on regaining focus).
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        wait_for_text(page, f"executions/{FAILED_EXECUTION}")
        wait_for_text(page, "failures.make_input")  # the status table has loaded
        page.keyboard.press("f")
        wait_for_text(page, "filtered: status FAILED")
        page.keyboard.press("ArrowRight")  # expand the failed root job
        wait_for_text(page, "failures.explode")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        screen = wait_for_text(page, f"jobs/{FAILED_JOB}")
        screen = wait_for_text(page, TRACEBACK_END)
        assert 'File "failures_wf.py", line 38, in explode' in screen
    print(f"browser journey: {time.monotonic() - started:.1f} s")


def test_deep_link_and_Y_give_the_url(fixture_db):
    db = fixture_db("failures.db")
    with served(db) as url, browser_page() as page:
        open_app(page, f"{url}/?route=jobs/{FAILED_JOB[:8]}")
        wait_for_text(page, TRACEBACK_END)
        page.keyboard.press("Shift+Y")
        wait_for_text(page, f"Copied{url}/?route=jobs/{FAILED_JOB}", in_toast=True)
        # An id that names nothing: one line of text, no app started.
        response = page.goto(f"{url}/?route=jobs/ffffffff")
        assert response.status == 404
        assert page.inner_text("body").strip() == "redun-tui: no job matches 'ffffffff'"
