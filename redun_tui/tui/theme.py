"""Theme variables chosen for contrast: the status colours and legible cursor and footer text.

Textual's themes derive every colour from a few base colours, and not every pair they produce is
legible: in ``textual-dark`` the secondary colour (#004578) is 1.7:1 on the panel, the error red
1.2:1 on the blue cursor bar, the cursor's own text 3.8:1. The app adds its own variables
(``$status-done``, ``$status-cached``, ``$status-failed``, ``$status-running``) computed from the
current theme, and nudges the few Textual foregrounds it draws text with until each reaches WCAG
AA (4.5:1) on the backgrounds it is drawn on. Nothing here is a colour literal: every colour starts
from the theme and moves towards the theme's own contrast text (white or black) only as far as
needed, so a status keeps its hue where the theme allows it.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.color import BLACK, WHITE, Color, ColorParseError

AA = 4.5  # WCAG 2 AA for normal text
FOCUS_TINT = 0.05  # Textual's focused Tree and DataTable: ``background-tint: $foreground 5%``
# Backgrounds that focus tints (a cursor bar keeps its own colour).
TINTED = frozenset({"background", "surface", "panel", "boost", "block-cursor-blurred-background"})
STEPS = 50  # a colour moves towards white or black in steps of 2%

# Our status variable -> the theme colour it starts from.
STATUS_SOURCES = {
    "status-done": "success",
    "status-cached": "secondary",
    "status-failed": "error",
    "status-running": "warning",
}

# Textual foregrounds the app draws text with -> the backgrounds (variable names) under them.
ADJUSTED = {
    "block-cursor-foreground": ("block-cursor-background",),
    "block-cursor-blurred-foreground": ("block-cursor-blurred-background",),
    "footer-key-foreground": ("footer-background",),
    "footer-description-foreground": ("footer-background",),
    "text-muted": ("background", "surface", "panel", "boost", "block-cursor-blurred-background"),
    "text-primary": ("background", "surface", "panel", "boost", "block-cursor-blurred-background"),
    "text-accent": ("background", "surface", "panel"),
    "text-error": ("background", "surface", "panel", "boost"),
    "text-warning": ("background", "surface", "panel"),
}
# Where status words are drawn: lists, tables, trees, links, and the unfocused cursor row.
STATUS_BACKGROUNDS = ("background", "surface", "panel", "boost", "block-cursor-blurred-background")


def luminance(color: Color) -> float:
    """WCAG 2 relative luminance."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(color.r) + 0.7152 * linear(color.g) + 0.0722 * linear(color.b)


def contrast(foreground: Color, background: Color) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""
    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def resolve(value: str, under: Color) -> Color | None:
    """A variable's colour as drawn over ``under`` (``auto 60%``, ``#rrggbb 50%``), or None.

    None for what cannot be measured (ANSI colours of the ``textual-ansi`` theme, ``transparent``).
    """
    if value.startswith("ansi_") or value in ("transparent", "initial"):
        return None
    colour_text, _, alpha_text = value.partition(" ")
    try:
        alpha = float(alpha_text.rstrip("%")) / 100 if alpha_text.endswith("%") else 1.0
        if colour_text == "auto":
            colour = under.get_contrast_text(alpha)
        else:
            colour = Color.parse(colour_text)
            colour = colour.with_alpha(colour.a * alpha)
    except (ColorParseError, ValueError):
        return None
    return under + colour if colour.a < 1 else colour


def legible(colour: Color, backgrounds: Iterable[Color]) -> Color:
    """``colour`` blended towards white or black, no further than it takes to reach AA on all backgrounds.

    It keeps its side: a colour lighter than its backgrounds gets lighter, a darker one darker
    (the other way only when its own side cannot reach AA, e.g. on a mid-tone cursor bar).
    """
    backgrounds = list(backgrounds)

    def worst(candidate: Color) -> float:
        return min(contrast(candidate, bg) for bg in backgrounds)

    if not backgrounds or worst(colour) >= AA:
        return colour
    lighter = luminance(colour) >= sum(luminance(bg) for bg in backgrounds) / len(backgrounds)
    tried = []
    for target in (WHITE, BLACK) if lighter else (BLACK, WHITE):
        for step in range(1, STEPS + 1):
            candidate = colour.blend(target, step / STEPS, alpha=1.0)
            if worst(candidate) >= AA:
                return candidate
        tried.append(candidate)
    return max(tried, key=worst)


def contrast_variables(variables: dict[str, str]) -> dict[str, str]:
    """The app's status variables and AA-corrected Textual foregrounds for one theme's variables."""
    base = resolve(variables.get("background", ""), BLACK)
    if base is None:
        return {name: variables.get(source, "ansi_default") for name, source in STATUS_SOURCES.items()}
    surface = resolve(variables.get("surface", ""), base) or base

    foreground = resolve(variables.get("foreground", ""), base)

    def backgrounds(names: Iterable[str]) -> list[Color]:
        found: list[Color] = []
        for name in names:
            # Translucent backgrounds (boost, the blurred cursor) are drawn over the surface.
            colour = resolve(variables.get(name, ""), surface)
            if colour is None:
                continue
            found.append(colour)
            if foreground is not None and name in TINTED:
                found.append(colour.blend(foreground, FOCUS_TINT, alpha=1.0))
        return found

    result: dict[str, str] = {}
    for name, under in ADJUSTED.items():
        layers = backgrounds(under)
        colour = resolve(variables.get(name, ""), layers[0] if layers else surface)
        if colour is not None and layers:
            result[name] = legible(colour, layers).hex
    status_layers = backgrounds(STATUS_BACKGROUNDS)
    for name, source in STATUS_SOURCES.items():
        colour = resolve(variables.get(source, ""), surface)
        result[name] = legible(colour, status_layers).hex if colour is not None else variables.get(source, "")
    return result
