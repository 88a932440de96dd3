"""The accounts area's error, in a module of its own so every accounts module can raise it."""

from __future__ import annotations


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
