"""What every form shares: reading the hidden version field, and placing a service's
field messages next to the inputs they concern."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from wtforms import Field
from wtforms.form import BaseForm

from tracker.domain.bounds import parse_id
from tracker.services.errors import ServiceError

_PATH = re.compile(r"(?P<list>\w+)\[(?P<index>\d+)\](?:\.(?P<name>\w+))?")

DAMAGED_VERSION = (
    "This form is damaged or out of date (its version is missing or not a number). "
    "Reload the page and try again."
)


def form_version(form: BaseForm) -> int:
    """The version the form was loaded at, from its hidden `version` field.

    Anything but a plain ASCII number in range is refused (400), never counted as stale.
    """
    version = parse_id(form["version"].data)
    if version is None:
        raise ServiceError(DAMAGED_VERSION)
    return version


def add_error(field: Field, message: str) -> None:
    field.errors = [*field.errors, message]


def split_path(key: str) -> tuple[str, int, str] | None:
    """("recipients", 2, "role") for a service's "recipients[2].role"; None for "subject"."""
    match = _PATH.fullmatch(key)
    if match is None:
        return None
    return match["list"], int(match["index"]), match["name"] or ""


def place_field_errors(
    form: BaseForm,
    error: ServiceError,
    *,
    rename: Mapping[str, str] | None = None,
    row_field: Callable[[str, int, str], Field | None] | None = None,
) -> list[str]:
    """Put each field message next to its input; return those that fit no single input.

    `rename` maps a service field name to the form's where they differ; `row_field`
    finds the input of a row in a list ("recipients", index, name) for forms with rows.
    A ServiceError without field messages is returned whole, as one general message.
    """
    if not error.fields:
        return [error.message]
    general = []
    for key, message in error.fields.items():
        path = split_path(key)
        if path is not None:
            target = row_field(*path) if row_field else None
        else:
            name = (rename or {}).get(key, key)
            target = form._fields.get(name) if name else None
        if target is None:
            general.append(message)
        else:
            add_error(target, message)
    return general
