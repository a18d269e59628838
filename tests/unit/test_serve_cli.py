"""``redun-tui serve``: bad input before any server starts, loopback by default, safe per-tab commands."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from redun_tui.commands.serve import NO_AUTH_WARNING, is_loopback
from redun_tui.commands.web_server import RouteServer
from redun_tui.web import route_url

FAILURES = str(Path(__file__).resolve().parents[1] / "fixtures" / "failures.db")


def serve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "redun_tui", "serve", *args], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("/no/such.db",), "redun-tui: /no/such.db: no such file"),
        ((FAILURES, "jobs/ffffffff"), "redun-tui: no job matches 'ffffffff'"),
        ((FAILURES, "--port", "70000"), "redun-tui: Invalid value for '--port': 70000 is not in the range 0<=x<=65535."),
    ],
)
def test_bad_input_exits_2_before_the_server_starts(args, message):
    result = serve(*args, "--host", "0.0.0.0")
    # The database is checked first: no warning, no "serving" line, one line and exit 2.
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                                ("127.0.0.2", True), ("0.0.0.0", False), ("::", False),
                                                ("192.168.1.5", False), ("example.org", False)])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_the_warning_is_one_line():
    text = NO_AUTH_WARNING.format(host="0.0.0.0", port=8000)
    assert "\n" not in text and "no authentication" in text and text.startswith("redun-tui: ")


def test_each_tab_command_quotes_every_word():
    hostile_db = "/tmp/a b;touch PWNED$(id)`x`.db"
    route = "files/it's \"here\"; rm -rf ~"
    command = RouteServer.command_for([hostile_db], route)
    assert shlex.split(command) == [sys.executable, "-m", "redun_tui", "browse", "--", hostile_db, route]
    demo = RouteServer.command_for(["--demo"], "jobs/ab12")
    assert shlex.split(demo) == [sys.executable, "-m", "redun_tui", "browse", "--demo", "--", "jobs/ab12"]


def test_route_url():
    assert route_url("http://127.0.0.1:8000", "jobs/ab12") == "http://127.0.0.1:8000/?route=jobs/ab12"
    assert route_url("http://h:1/", "executions") == "http://h:1/"
    assert route_url("http://h:1", "files/a b#c?.txt") == "http://h:1/?route=files/a%20b%23c%3F.txt"
