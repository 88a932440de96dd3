"""The one error type of the service layer.

A service refuses a request by raising `ServiceError`: a message for the user, the
problems per field (keyed by the service's own names: `subject`, `recipients[0].role`,
`demands[2].text`, `stances[17]`), and a kind that says what went wrong. The web layer
puts field messages next to its form's inputs; whatever it does not catch, the handler
in `tracker.errors` turns into a page (or JSON under /api/) with the kind's status.

`EditConflict` is the conflict of an edit based on a stale version: it carries what
the database holds now, so a view can show the difference and let staff save again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Kind = Literal["invalid", "conflict", "not_found", "too_large"]
KINDS: tuple[Kind, ...] = ("invalid", "conflict", "not_found", "too_large")


class ServiceError(Exception):
    """The request cannot be carried out as given; every message is for the user."""

    def __init__(
        self,
        message: str = "",
        *,
        kind: Kind = "invalid",
        fields: Mapping[str, str] | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown service error kind {kind!r}")
        self.fields: dict[str, str] = dict(fields or {})
        self.message = message or " ".join(self.fields.values())
        self.kind: Kind = kind
        super().__init__(self.message)

    @classmethod
    def invalid(cls, fields: Mapping[str, str], *, too_large: bool = False) -> ServiceError:
        """Several field problems at once; too large when one of them is an upload's size."""
        return cls(kind="too_large" if too_large else "invalid", fields=fields)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, kind={self.kind!r}, fields={self.fields!r})"
        )


class EditConflict(ServiceError):
    """Someone saved first. `current` is what the database holds now (the Letter, Demand,
    Official, Campaign or User being edited), or, for a staged letter that is being
    saved twice, the id of the letter saved (None while that save is still running)."""

    def __init__(
        self,
        current: object | None,
        message: str = "Someone else changed this meanwhile. Reload the page and try again.",
    ) -> None:
        super().__init__(message, kind="conflict")
        self.current = current
