"""Search from every screen: ``/`` opens the search with its input focused, and every key typed lands in it.

Before the fix, ``/`` on a screen without its own search bar opened the search screen with the
list focused: the typed text was lost and its letters ran as hotkeys (``q`` quit the app); even
with the input focused, the first key typed right after ``/`` went to the previous screen.
One program per database visits every kind of screen (through the command palette, as a user
jumps to a route) so the journey stays fast.
"""

from __future__ import annotations

from harness import Terminal

# The screens a user searches from, in the order visited; the first is the one the program opens.
ROUTES = ["executions/b22c1c57", "jobs/ff72ff9e", "values/a40fd626", "dataflow/a40fd626",
          "tasks/af449f13", "files/alpha.txt", "help"]


def search_from_here(term: Terminal, typed: str, shown: str) -> None:
    """``/``, types at once (no pause), Enter: the search ran on exactly ``typed`` and shows ``shown``."""
    term.press("/")
    term.type(typed)
    # Every key reached the input (none ran as a hotkey: `q` would have quit the app) …
    screen = term.wait_for(typed, timeout=10)
    assert term.child.isalive(), screen
    term.press("enter")
    # … and the search ran on exactly that text.
    screen = term.wait_until(lambda s: f"search/{typed}" in s and shown in s.split(f"search/{typed}", 1)[1],
                             what=f"search/{typed} showing {shown!r}")
    input_line = next(line for line in screen.splitlines() if typed in line and "redun-tui" not in line)
    assert input_line.strip() == typed, screen


def open_route(term: Terminal, route: str) -> None:
    """Jumps to ``route`` through the command palette."""
    term.press("ctrl+p")
    term.press(route)  # sent at once, as a fast typist or a paste would
    term.wait_for("Open route" if "/" in route else f"Go to {route}")
    term.press("enter")
    term.wait_for(f"failures.db {route}")


def test_slash_then_type_searches_from_every_screen(terminal, size):
    # Every kind of screen at 80x24; at 160x48 (the same code, more room) three of them, so the
    # journey suite stays fast.
    routes = ROUTES if size == (80, 24) else [ROUTES[1], ROUTES[3], ROUTES[6]]
    term = terminal("failures.db", routes[0], size=size)
    for number, route in enumerate(routes):
        if number:
            open_route(term, route)
        else:
            # `/` as soon as the first screen is up (its data may still be loading).
            term.wait_for(f"failures.db {route.split('/')[0]}")
        search_from_here(term, "task:explode", "failures.explode")
        term.press("escape")  # back to the screen searched from
        term.wait_until(lambda s: f"failures.db {route.split('/')[0]}" in s.splitlines()[0],
                        timeout=10, what=f"{route} in the header")


def test_slash_on_a_file_screen_types_a_file_search(terminal, size):
    # The report: `file:*.fastq` from files/sample4.vcf quit the app at its `q`.
    term = terminal("seed_example.db", "files/sample4.vcf", size=size)
    term.wait_for("seed_example.db files/sample4.vcf")
    search_from_here(term, "file:*.fastq", "Value")
