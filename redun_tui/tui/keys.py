"""Keys as users see them: labels for the footer and the rows of the help screen, from the bindings.

Nothing here is a hand-written key table: the footer (:class:`~redun_tui.tui.widgets.key_bar.KeyBar`)
and the ``?`` help screen read the ``BINDINGS`` of the app, the screens and the widgets. A binding's
``tooltip`` is its help text (its ``description`` is the short footer word).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from textual.binding import Binding

KEY_NAMES = {
    "escape": "esc", "question_mark": "?", "slash": "/", "up": "↑", "down": "↓", "left": "←",
    "right": "→", "pageup": "PgUp", "pagedown": "PgDn", "home": "Home", "end": "End", "enter": "Enter",
    "tab": "Tab", "shift+tab": "shift+Tab", "space": "space", "plus": "+", "minus": "-", "equals_sign": "=",
}


def key_name(key: str) -> str:
    """How one key is written for people (``pageup`` -> ``PgUp``, ``ctrl+p`` -> ``^p``)."""
    if key in KEY_NAMES:
        return KEY_NAMES[key]
    if key.startswith("ctrl+"):
        return "^" + key[5:]
    return key


def key_label(binding: Binding, *, every_key: bool = False) -> str:
    """The binding's key as the footer shows it (``every_key``: all its keys, as the help lists them)."""
    if binding.key_display and not every_key:
        return binding.key_display
    keys = [key.strip() for key in binding.key.split(",")]
    return " ".join(key_name(key) for key in (keys if every_key else keys[:1]))


def declared_bindings(cls: type) -> list[Binding]:
    """The bindings ``cls`` itself declares (not those it inherits)."""
    return [binding for binding in vars(cls).get("BINDINGS", ()) if isinstance(binding, Binding)]


def help_rows(bindings: Iterable[Binding]) -> Iterator[tuple[str, str]]:
    """(keys, what it does) for each binding, as the help screen lists them."""
    for binding in bindings:
        yield key_label(binding, every_key=True), binding.tooltip or binding.description
