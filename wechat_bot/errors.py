"""Domain errors: services raise them; each edge maps them (HTTP status, reply text, exit 1)."""
from __future__ import annotations


class BotError(Exception):
    """A refusal or invalid input, with a message staff can read (Simplified Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(BotError):
    pass


class Invalid(BotError):
    pass
