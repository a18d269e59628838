"""Drive ``redun-tui serve`` in Debian's headless Chromium (Playwright with the system browser).

Shared by the browser test and ``scripts/make_web_screenshot.py``. The page's xterm.js draws on
a canvas, so the text is read from xterm's own screen buffer: the test patches textual-serve's
``textual.js`` as the browser loads it, to keep a reference to each terminal it creates
(``window.__terminals``). Nothing but the local server is fetched (the page's web-font link is
refused), and no browser is ever downloaded.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# The line of textual.js (textual-serve 1.1.3) that creates a terminal per page element.
TERMINAL_HOOK = "const t=new w(e,{ping:r});"
SCREEN_JS = """() => {
  const term = window.__terminals && window.__terminals[0];
  if (!term) return "";
  const buffer = term.terminal.buffer.active, lines = [];
  for (let y = 0; y < term.terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
}"""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(db: str | Path, *args: str, timeout: float = 60.0, cwd: str | Path | None = None) -> Iterator[str]:
    """Runs ``redun-tui serve DB --port P`` on loopback (in ``cwd``); yields its URL once it listens."""
    port = free_port()
    command = [sys.executable, "-m", "redun_tui", "serve", str(db), *args, "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    raise AssertionError(f"serve did not start (exit {process.poll()}): {output}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def _patch_textual_js(route: Any) -> None:
    response = route.fetch()
    body = response.text()
    if TERMINAL_HOOK not in body:
        raise AssertionError("textual.js changed: cannot find where it creates its terminal")
    body = body.replace(TERMINAL_HOOK, TERMINAL_HOOK + "(window.__terminals=window.__terminals||[]).push(t);")
    route.fulfill(response=response, body=body)


@contextmanager
def browser_page(width: int = 1280, height: int = 800) -> Iterator[Any]:
    """A page in headless Debian Chromium that exposes its terminals and fetches only loopback."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
            page.route("**/static/js/textual.js", _patch_textual_js)
            yield page
        finally:
            browser.close()


def screen_text(page: Any) -> str:
    """The text the page's terminal shows now (one line per row)."""
    return page.evaluate(SCREEN_JS)


def toast_text(screen: str) -> str:
    """The text of the notifications on a screen, their wrapped lines joined (``▌`` edges removed)."""
    return "".join(line.split("▌", 1)[1].strip() for line in screen.splitlines() if "▌" in line)


def wait_for_text(page: Any, text: str, timeout: float = 60.0, in_toast: bool = False) -> str:
    """Waits until the terminal (or its notifications) shows ``text``; returns the screen.

    Raises:
        AssertionError: with the last screen, when ``text`` did not appear in time.
    """
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen_text(page)
        if text in (toast_text(shown) if in_toast else shown):
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not shown after {timeout} s; the screen:\n{shown}")


def open_app(page: Any, url: str) -> None:
    """Opens the served app and gives its terminal the keyboard."""
    page.goto(url)
    page.wait_for_function("() => window.__terminals && window.__terminals.length > 0", timeout=60_000)
    # Focus xterm's input element directly: a click would also reach the app as a mouse click.
    page.locator("textarea.xterm-helper-textarea").focus()
