"""Recording audit events. Callers add events inside their own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tracker.extensions import db
from tracker.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who is acting and from where; built by the web layer or the CLI."""

    user_id: int | None
    label: str
    ip_address: str = ""

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user_id=None, label=label)


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def changes_between(obj: Any, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for each field whose value would change."""
    changed = {}
    for field, new in new_values.items():
        old = getattr(obj, field)
        if old != new:
            changed[field] = [_plain(old), _plain(new)]
    return changed


def apply_changes(obj: Any, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the fields whose value changes; return them as {field: [old, new]} for audit."""
    changed = changes_between(obj, new_values)
    for field in changed:
        setattr(obj, field, new_values[field])
    return changed


def record(
    actor: Actor,
    action: str,
    *,
    entity_type: str = "",
    entity_id: int | None = None,
    letter_id: int | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    event = AuditEvent(
        user_id=actor.user_id,
        actor=actor.label,
        ip_address=actor.ip_address[:45],
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        letter_id=letter_id,
        summary=summary,
        changes={key: [_plain(v) for v in pair] for key, pair in (changes or {}).items()},
    )
    if at is not None:
        event.at = at
    db.session.add(event)
    return event
