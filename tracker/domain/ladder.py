"""The follow-up ladder: which reminders a recipient should have, and when they go out.

Pure decisions over plain values; the services and the scheduler act on them.

Default ladder, offsets in calendar days after the due date: 0, 14, 44. DESIGN says
"step 1 fourteen days later, step 2 thirty days later"; read as a chain, each step
counts from the one before, so escalation comes 30 days after the follow-up letter
is due to go out. That gives the follow-up letter a full month to be answered before
staff escalate, instead of 16 days. Offsets in a spec are always from the due date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

StepKind = Literal["no_response", "follow_up", "escalate"]
ReminderState = Literal["pending", "sending", "queued", "sent", "failed", "cancelled"]

STEP_KINDS: tuple[str, ...] = ("no_response", "follow_up", "escalate")
# "queued": sent to those who read reminders at once, waiting in others' digests.
REMINDER_STATES: tuple[str, ...] = ("pending", "sending", "queued", "sent", "failed", "cancelled")

# Staff read reminders at the start of their working day, in the organisation's zone.
DEFAULT_SEND_HOUR = 9
MAX_OFFSET_DAYS = 3650

_DEFAULT_LABELS: dict[str, str] = {
    "no_response": "No response from {official}",
    "follow_up": "Time to send a follow-up letter to {official}",
    "escalate": "Escalate: still no response from {official}",
}


@dataclass(frozen=True)
class LadderStep:
    index: int
    offset_days: int
    kind: StepKind
    label: str
    notify_admins: bool

    def label_for(self, official: str) -> str:
        # str.replace, not str.format: a label from the environment or a name with
        # braces must never reach format(), which can read object attributes.
        return self.label.replace("{official}", official)


def _step(index: int, offset_days: int, kind: str) -> LadderStep:
    return LadderStep(
        index=index,
        offset_days=offset_days,
        kind=kind,  # type: ignore[arg-type]  # validated by the callers
        label=_DEFAULT_LABELS[kind],
        notify_admins=kind == "escalate",
    )


DEFAULT_LADDER_SPEC = "0:no_response,14:follow_up,44:escalate"


def parse_ladder(spec: str) -> tuple[LadderStep, ...]:
    """Read a ladder such as "0:no_response,14:follow_up,44:escalate".

    Each item is `offset:kind`, the offset in calendar days after the due date.
    Labels follow from the kind; escalation steps also notify the admins.
    """
    items = [item.strip() for item in spec.split(",")]
    if not any(items):
        raise ValueError("the follow-up ladder is empty; expected e.g. " + DEFAULT_LADDER_SPEC)
    steps: list[LadderStep] = []
    for position, item in enumerate(items, start=1):
        offset_text, sep, kind = (part.strip() for part in item.partition(":"))
        if not sep:
            raise ValueError(f"ladder step {position} {item!r}: expected 'offset:kind'")
        if not offset_text.isdigit() or not offset_text.isascii():
            raise ValueError(
                f"ladder step {position} {item!r}: offset must be a whole number of days"
            )
        offset = int(offset_text)
        if offset > MAX_OFFSET_DAYS:
            raise ValueError(f"ladder step {position} {item!r}: offset over {MAX_OFFSET_DAYS} days")
        if kind not in STEP_KINDS:
            raise ValueError(
                f"ladder step {position} {item!r}: kind must be one of {', '.join(STEP_KINDS)}"
            )
        if steps and offset <= steps[-1].offset_days:
            raise ValueError(
                f"ladder step {position} {item!r}: offsets must be strictly increasing"
                f" (previous step is at {steps[-1].offset_days} days)"
            )
        steps.append(_step(len(steps), offset, kind))
    return tuple(steps)


def format_ladder(ladder: Iterable[LadderStep]) -> str:
    return ",".join(f"{step.offset_days}:{step.kind}" for step in ladder)


DEFAULT_LADDER: tuple[LadderStep, ...] = parse_ladder(DEFAULT_LADDER_SPEC)


# --- time zones and due times ------------------------------------------------------


def timezone_or_utc(name: str | None) -> tzinfo:
    """The named IANA zone, or UTC for a missing or unknown name.

    A bad zone in a user's profile must degrade their digest time, not break it.
    """
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: malformed, e.g. "../x"
        return UTC


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def _check_hour(hour: int) -> None:
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be between 0 and 23, got {hour}")


def _local_to_utc(day: date, hour: int, tz: tzinfo) -> datetime:
    # fold=0: an hour that happens twice (clocks back) means the first one; an hour
    # skipped by clocks going forward maps to the same instant an hour later.
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def reminder_due_at(due_on: date, step: LadderStep, send_hour: int, tz: tzinfo) -> datetime:
    """When `step` comes due: `offset_days` calendar days after `due_on`, at
    `send_hour` o'clock in the organisation's zone `tz`; returned in UTC."""
    _check_hour(send_hour)
    return _local_to_utc(due_on + timedelta(days=step.offset_days), send_hour, tz)


# --- planning ----------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedStep:
    step: LadderStep
    due_at: datetime

    @property
    def index(self) -> int:
        return self.step.index


def plan(
    due_on: date | None,
    ladder: Sequence[LadderStep],
    *,
    expects_answer: bool,
    responded: bool,
    closed: bool,
    withdrawn: bool,
    paused: bool,
    send_hour: int = DEFAULT_SEND_HOUR,
    tz: tzinfo = UTC,
) -> list[PlannedStep]:
    """The reminders a recipient should have, in ladder order.

    A paused clock plans nothing, so `replan` cancels the pending steps; resuming
    plans them again and `replan` reopens them at their new times. Steps already
    sent stay sent either way.
    """
    if due_on is None or not expects_answer or responded or closed or withdrawn or paused:
        return []
    return [PlannedStep(step, reminder_due_at(due_on, step, send_hour, tz)) for step in ladder]


# Steps that "mark a follow-up sent" settles; escalation stays planned.
STEPS_SETTLED_BY_FOLLOW_UP = ("no_response", "follow_up")


@dataclass(frozen=True)
class LadderSettings:
    """The organisation's ladder, the hour reminders go out, and its time zone."""

    steps: tuple[LadderStep, ...]
    send_hour: int
    tz: tzinfo


@dataclass(frozen=True)
class RecipientClock:
    """What the plan of one recipient depends on, as plain values.

    `expects_answer` is the stored value (see `tracker.domain.recipients`). The sweep
    reads these columns with one query per reminder instead of loading the recipient
    and its letter as objects; the services build it from a loaded recipient.
    """

    due_on: date | None
    expects_answer: bool
    state: str
    letter_closed: bool
    paused: bool
    followed_up: bool


def plan_of(clock: RecipientClock, settings: LadderSettings) -> list[PlannedStep]:
    """The ladder steps this recipient should have now (sent or not)."""
    planned = plan(
        clock.due_on,
        settings.steps,
        expects_answer=clock.expects_answer,
        responded=clock.state in ("responded", "closed"),
        closed=clock.letter_closed,
        withdrawn=clock.state == "withdrawn",
        paused=clock.paused,
        send_hour=settings.send_hour,
        tz=settings.tz,
    )
    if clock.followed_up:
        planned = [p for p in planned if p.step.kind not in STEPS_SETTLED_BY_FOLLOW_UP]
    return planned


@dataclass(frozen=True)
class ExistingReminder:
    step_index: int
    state: ReminderState
    due_at: datetime


@dataclass(frozen=True)
class Reschedule:
    step_index: int
    due_at: datetime


@dataclass(frozen=True)
class Replan:
    """What to do to a recipient's reminder rows.

    `create`: no row for the step yet. `move`: pending rows to a new due time.
    `reopen`: cancelled rows back to pending at a new due time (the row is unique
    per step, so a step wanted again must reuse it). `cancel`: pending step indexes.
    """

    create: tuple[PlannedStep, ...] = ()
    move: tuple[Reschedule, ...] = ()
    reopen: tuple[Reschedule, ...] = ()
    cancel: tuple[int, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.create or self.move or self.reopen or self.cancel)


def _superseded(planned: Sequence[PlannedStep], now: datetime) -> set[int]:
    """Steps already due while a later step is due too.

    Entering a months-old letter, or resuming a long-overdue clock, would otherwise
    send "no response", "follow up" and "escalate" in the same minute: only the
    latest due step is worth an email.
    """
    due_now = sorted(p.index for p in planned if p.due_at <= now)
    return set(due_now[:-1])


def replan(
    existing: Iterable[ExistingReminder], planned: Sequence[PlannedStep], now: datetime
) -> Replan:
    """Reconcile a recipient's reminder rows with its new plan.

    Only pending and cancelled rows are ever changed: sending, sent and failed rows
    belong to the scheduler and are history.
    """
    _require_aware("now", now)
    rows = {row.step_index: row for row in existing}
    skipped = _superseded(planned, now)
    wanted = {p.index: p for p in planned if p.index not in skipped}

    create: list[PlannedStep] = []
    move: list[Reschedule] = []
    reopen: list[Reschedule] = []
    for index, step in wanted.items():
        row = rows.get(index)
        if row is None:
            create.append(step)
        elif row.state == "pending" and row.due_at != step.due_at:
            move.append(Reschedule(index, step.due_at))
        elif row.state == "cancelled":
            reopen.append(Reschedule(index, step.due_at))
    cancel = [
        index for index, row in rows.items() if row.state == "pending" and index not in wanted
    ]
    return Replan(tuple(create), tuple(move), tuple(reopen), tuple(sorted(cancel)))


# --- sending -----------------------------------------------------------------------


def should_send(step: int, planned: Sequence[PlannedStep], now: datetime) -> bool:
    """The sweep's decision for one reminder it claimed: is step `step` still wanted?

    Only while it is in the recipient's plan now (the recipient still waits, the
    letter is open, the clock runs) and no later step is due too: a scheduler back
    after weeks sends "escalate", not all three steps at once, as `replan` would.
    """
    _require_aware("now", now)
    if step not in {p.index for p in planned}:
        return False
    return step not in _superseded(planned, now)


# Greylisting usually clears within minutes; an outage may take hours. Six attempts
# span about five and a half hours before a reminder is marked failed.
_RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
MAX_ATTEMPTS = 6


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (1 = the first)."""
    if attempts < 1:
        raise ValueError(f"attempts must be 1 or more, got {attempts}")
    return _RETRY_DELAYS[min(attempts, len(_RETRY_DELAYS)) - 1]


# --- digests -----------------------------------------------------------------------


def next_digest_at(now: datetime, tz_name: str, hour: int = 8) -> datetime:
    """The next `hour` o'clock strictly after `now` in the user's zone, in UTC.

    Strictly after, so a digest sent at 08:00 schedules tomorrow's, not itself again.
    Unknown zones fall back to UTC.
    """
    _require_aware("now", now)
    _check_hour(hour)
    tz = timezone_or_utc(tz_name)
    local_day = now.astimezone(tz).date()
    candidate = _local_to_utc(local_day, hour, tz)
    if candidate <= now:
        candidate = _local_to_utc(local_day + timedelta(days=1), hour, tz)
    return candidate
