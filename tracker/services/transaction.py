"""One user action, one transaction: `with transaction(): ...`.

The block's writes are committed together when it ends, or, on any exception, all
rolled back; other connections never see part of them. A stale version
(StaleDataError) becomes an `EditConflict` carrying `current` (and `conflict_message`);
a unique or foreign-key refusal (IntegrityError) becomes a ServiceError of kind
conflict, or whatever `on_integrity` makes of it (a message on the field that clashed).

A service that runs inside another's transaction (the CSV import creating letters, the
intake creating officials, then the letter) joins it: its block only flushes, so its
errors surface where it knows what they mean, and the outermost block alone commits or
rolls back. Work outside the database that must follow the outcome (removing a stored
file) registers with `on_rollback` / `on_commit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.extensions import db
from tracker.services.errors import EditConflict, ServiceError

_STATE = "tracker.transaction"
CONFLICT_MESSAGE = "This conflicts with data saved meanwhile. Reload the page and try again."


class _Open:
    def __init__(self) -> None:
        self.depth = 0
        self.undo: list[Callable[[], None]] = []
        self.done: list[Callable[[], None]] = []


def _translate(
    error: BaseException,
    current: object | None,
    conflict_message: str | None,
    on_integrity: Callable[[IntegrityError], ServiceError | None] | None,
) -> BaseException:
    if isinstance(error, StaleDataError):
        return (
            EditConflict(current, conflict_message) if conflict_message else EditConflict(current)
        )
    if isinstance(error, IntegrityError):
        mapped = on_integrity(error) if on_integrity else None
        return mapped or ServiceError(CONFLICT_MESSAGE, kind="conflict")
    return error


def _open() -> _Open | None:
    return db.session.info.get(_STATE)


@contextmanager
def transaction(
    *,
    current: object | None = None,
    conflict_message: str | None = None,
    on_integrity: Callable[[IntegrityError], ServiceError | None] | None = None,
) -> Iterator[None]:
    """Commit the block's writes together, or none of them (see the module's docstring)."""
    session = db.session
    state = _open()
    if state is not None:  # joining the caller's transaction: flush, never commit
        state.depth += 1
        try:
            yield
            session.flush()
        except (StaleDataError, IntegrityError) as error:
            raise _translate(error, current, conflict_message, on_integrity) from error
        finally:
            state.depth -= 1
        return
    state = session.info[_STATE] = _Open()
    state.depth = 1
    try:
        yield
        session.commit()
    except BaseException as error:
        session.rollback()
        for undo in reversed(state.undo):
            undo()
        translated = _translate(error, current, conflict_message, on_integrity)
        if translated is error:
            raise
        raise translated from error
    finally:
        session.info.pop(_STATE, None)
    for done in state.done:
        done()


def on_rollback(undo: Callable[[], None]) -> None:
    """Run `undo` if the open transaction rolls back (e.g. remove a file just stored)."""
    state = _open()
    if state is None:
        raise RuntimeError("on_rollback needs an open transaction()")
    state.undo.append(undo)


def on_commit(done: Callable[[], None]) -> None:
    """Run `done` once the open transaction has committed (e.g. remove a replaced file)."""
    state = _open()
    if state is None:
        raise RuntimeError("on_commit needs an open transaction()")
    state.done.append(done)
