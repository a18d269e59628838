"""A pseudo-terminal that runs the installed ``redun-tui`` and reads its screen as a person would.

The program runs under pexpect in a real pty of the given size; its output is fed to a pyte screen,
so a test reads exactly the characters a terminal would show. Tests send keys and wait on screen
text (never on fixed sleeps).

Example:
    with Terminal(["failures.db", "jobs/ff72ff9e"], cols=80, rows=24, cwd=tmp) as term:
        term.wait_for("Traceback")
        term.press("/")
        term.type("task:explode")
        term.wait_for("task:explode")
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pexpect
import pyte

# The fixture databases written by real redun (tests/fixtures).
FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"

# The console script installed beside the interpreter running the tests (the venv's bin/).
SCRIPT = str(Path(sys.executable).with_name("redun-tui"))

DEFAULT_TIMEOUT = 30.0

KEYS = {
    "enter": "\r",
    "escape": "\x1b",
    "tab": "\t",
    "shift+tab": "\x1b[Z",
    "backspace": "\x7f",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "right": "\x1b[C",
    "left": "\x1b[D",
    "home": "\x1b[H",
    "end": "\x1b[F",
    "pageup": "\x1b[5~",
    "pagedown": "\x1b[6~",
    "delete": "\x1b[3~",
    "ctrl+c": "\x03",
    "ctrl+p": "\x10",
    "ctrl+q": "\x11",
}


def script_path() -> str:
    """The installed ``redun-tui`` console script (the venv's, else the one on PATH)."""
    if os.path.exists(SCRIPT):
        return SCRIPT
    found = shutil.which("redun-tui")
    if found is None:
        raise RuntimeError("redun-tui is not installed: run `pip install -e .[test]` first")
    return found


def terminal_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a plain xterm session, free of the test runner's settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TEXTUAL", "PYTEST", "COLUMNS", "LINES"))
    }
    env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8", "TZ": "UTC"})
    env.update(extra or {})
    return env


class Terminal:
    """The installed program in a pty of ``cols`` x ``rows``, its screen emulated by pyte.

    Args:
        args: Arguments after ``redun-tui`` (or a whole argv when ``program`` is given).
        cols: Terminal width.
        rows: Terminal height.
        cwd: Working directory of the program.
        env: Extra environment variables.
        program: The executable to run instead of the installed ``redun-tui``.
    """

    def __init__(
        self,
        args: Sequence[str],
        *,
        cols: int = 80,
        rows: int = 24,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        program: str | None = None,
    ) -> None:
        self.cols = cols
        self.rows = rows
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.child = pexpect.spawn(
            program or script_path(),
            list(args),
            cwd=str(cwd) if cwd is not None else None,
            env=terminal_env(env),
            dimensions=(rows, cols),
            encoding=None,
            timeout=DEFAULT_TIMEOUT,
        )

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------

    def pump(self, wait: float = 0.05) -> bool:
        """Feeds whatever the program wrote within ``wait`` seconds to the screen.

        Returns:
            True if anything was read.
        """
        got = False
        if self.child.closed:
            return got
        deadline = time.monotonic() + wait
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=max(0.0, deadline - time.monotonic()))
            except pexpect.TIMEOUT:
                break
            except (pexpect.EOF, OSError):
                break
            if not data:
                break
            self.raw.extend(data)
            self.stream.feed(data)
            got = True
            if time.monotonic() >= deadline:
                break
        return got

    def text(self) -> str:
        """The screen as text, one line per row (trailing blanks kept)."""
        self.pump(0.0)
        return "\n".join(self.screen.display)

    def lines(self) -> list[str]:
        """The screen's rows with trailing blanks removed."""
        return [line.rstrip() for line in self.text().splitlines()]

    def wait_until(self, condition: Callable[[str], bool], timeout: float = DEFAULT_TIMEOUT,
                   what: str = "condition") -> str:
        """Reads until ``condition(screen_text)`` holds; fails with the screen shown if it never does."""
        deadline = time.monotonic() + timeout
        while True:
            self.pump(0.05)
            screen = "\n".join(self.screen.display)
            if condition(screen):
                # Textual may draw one update over several frames (a heading before its rows):
                # read on until the program pauses, so what the caller asserts next is there.
                settled = self._settle()
                if condition(settled):
                    return settled
                continue
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; screen:\n{screen}")
            if not self.child.isalive() and not self.pump(0.05):
                if condition("\n".join(self.screen.display)):
                    return "\n".join(self.screen.display)
                raise AssertionError(f"program exited ({self.child.exitstatus}) while waiting for {what}; "
                                     f"screen:\n{screen}")

    def _settle(self, quiet: float = 0.1, limit: float = 1.0) -> str:
        """Reads until nothing is written for ``quiet`` seconds (at most ``limit``); the screen."""
        end = time.monotonic() + limit
        while time.monotonic() < end and self.pump(quiet):
            pass
        return "\n".join(self.screen.display)

    def wait_for(self, text: str | re.Pattern[str], timeout: float = DEFAULT_TIMEOUT) -> str:
        """Reads until ``text`` (a string or a regex) is on the screen."""
        if isinstance(text, re.Pattern):
            return self.wait_until(lambda s: text.search(s) is not None, timeout, f"/{text.pattern}/")
        return self.wait_until(lambda s: text in s, timeout, repr(text))

    def wait_gone(self, text: str, timeout: float = DEFAULT_TIMEOUT) -> str:
        """Reads until ``text`` is no longer on the screen."""
        return self.wait_until(lambda s: text not in s, timeout, f"{text!r} to disappear")

    def wait_stable(self, quiet: float = 0.3, timeout: float = DEFAULT_TIMEOUT) -> str:
        """Reads until the program has written nothing for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.pump(quiet):
                return self.text()
        raise AssertionError(f"screen never settled; screen:\n{self.text()}")

    def cursor_line(self) -> str:
        """The row holding the terminal cursor (the focused input's line)."""
        return self.screen.display[self.screen.cursor.y]

    # -- writing ---------------------------------------------------------------------------

    def press(self, *keys: str) -> None:
        """Sends named keys (``enter``, ``escape``, ``down`` …) or single characters."""
        for key in keys:
            self.child.send(KEYS.get(key, key).encode())
            self.pump(0.02)

    def type(self, text: str) -> None:
        """Types ``text`` character by character, as a person does."""
        for char in text:
            self.child.send(char.encode())
            self.pump(0.01)

    # -- ending ----------------------------------------------------------------------------

    def wait_exit(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """Waits for the program to exit and returns its exit status."""
        deadline = time.monotonic() + timeout
        while self.child.isalive():
            self.pump(0.05)
            if time.monotonic() > deadline:
                raise AssertionError(f"program did not exit; screen:\n{self.text()}")
        self.pump(0.05)
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else -(self.child.signalstatus or 0)

    def close(self) -> None:
        """Ends the program if it still runs."""
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()


def run_piped(args: Sequence[str], *, cwd: str | os.PathLike[str] | None = None,
              env: dict[str, str] | None = None, timeout: float = 60.0) -> tuple[int, bytes, bytes]:
    """Runs the installed ``redun-tui`` with stdout and stderr piped (as ``| cat`` would).

    Returns:
        (exit code, stdout bytes, stderr bytes).
    """
    import subprocess

    done = subprocess.run([script_path(), *args], cwd=cwd, env=terminal_env(env), capture_output=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout, done.stderr
