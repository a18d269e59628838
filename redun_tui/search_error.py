"""SearchSyntaxError: search text that cannot be understood (stdlib only).

Apart from :mod:`redun_tui.search` so the screens can recognise the error by type without
importing the parser and the data layer behind it (the launch path paints before SQLAlchemy is
imported).
"""

from __future__ import annotations


class SearchSyntaxError(ValueError):
    """Search text that cannot be understood: returned (not raised) by :func:`parse_search`.

    Attributes:
        message: one line for the user.
        position: 0-based index in the text where the problem starts.
        text: the whole search text.
    """

    def __init__(self, message: str, position: int, text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.text = text

    def __str__(self) -> str:
        return f"{self.message} (at character {self.position + 1})"

    def __repr__(self) -> str:
        return f"SearchSyntaxError({self.message!r}, {self.position})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, SearchSyntaxError)
            and (self.message, self.position, self.text) == (other.message, other.position, other.text)
        )

    __hash__ = None  # type: ignore[assignment]
