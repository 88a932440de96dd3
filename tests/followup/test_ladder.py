from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.ladder import (
    DEFAULT_LADDER,
    DEFAULT_LADDER_SPEC,
    MAX_ATTEMPTS,
    STEP_KINDS,
    ExistingReminder,
    LadderSettings,
    PlannedStep,
    RecipientClock,
    Replan,
    Reschedule,
    format_ladder,
    next_digest_at,
    parse_ladder,
    plan,
    plan_of,
    reminder_due_at,
    replan,
    retry_delay,
    should_send,
    timezone_or_utc,
)

property_test = settings(max_examples=150, deadline=None, database=None)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
DUE_ON = date(2020, 7, 14)
NOW = datetime(2020, 7, 1, 12, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def planned(due_on: date = DUE_ON, **flags: bool) -> list[PlannedStep]:
    status = dict(expects_answer=True, responded=False, closed=False, withdrawn=False)
    status.update(paused=False)
    status.update(flags)
    return plan(due_on, DEFAULT_LADDER, send_hour=9, tz=PARIS, **status)


def row(index: int, state: str, due_at: datetime) -> ExistingReminder:
    return ExistingReminder(step_index=index, state=state, due_at=due_at)


def rows_for(steps: list[PlannedStep], state: str = "pending") -> list[ExistingReminder]:
    return [row(step.index, state, step.due_at) for step in steps]


# --- the ladder --------------------------------------------------------------------


def test_default_ladder_is_due_date_then_two_weeks_then_a_month_after_the_follow_up():
    assert [(s.index, s.offset_days, s.kind) for s in DEFAULT_LADDER] == [
        (0, 0, "no_response"),
        (1, 14, "follow_up"),
        (2, 44, "escalate"),
    ]
    assert [s.notify_admins for s in DEFAULT_LADDER] == [False, False, True]
    assert format_ladder(DEFAULT_LADDER) == DEFAULT_LADDER_SPEC


def test_labels_name_the_official_without_format_string_tricks():
    step = DEFAULT_LADDER[0]
    assert step.label_for("President X") == "No response from President X"
    assert step.label_for("{0.__class__}") == "No response from {0.__class__}"
    hostile = replace(step, label="{official.__class__} and {official}")
    assert hostile.label_for("Y") == "{official.__class__} and Y"


def test_parse_ladder_accepts_spaces_and_repeated_kinds():
    ladder = parse_ladder(" 0:no_response , 7 : follow_up,21:follow_up,60:escalate ")
    assert format_ladder(ladder) == "0:no_response,7:follow_up,21:follow_up,60:escalate"
    assert [s.index for s in ladder] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        (" , ", "empty"),
        ("0", "expected 'offset:kind'"),
        ("x:no_response", "whole number"),
        ("-1:no_response", "whole number"),
        ("1.5:no_response", "whole number"),
        ("²:no_response", "whole number"),
        ("0:shout", "kind must be one of"),
        ("0:no_response,", "expected 'offset:kind'"),
        ("14:follow_up,14:escalate", "strictly increasing"),
        ("14:follow_up,0:no_response", "strictly increasing"),
        ("99999:escalate", "offset over"),
    ],
)
def test_parse_ladder_rejects_bad_specs_with_a_clear_message(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_ladder(spec)


ladders = st.lists(
    st.tuples(st.integers(min_value=1, max_value=400), st.sampled_from(STEP_KINDS)),
    min_size=1,
    max_size=6,
)


@property_test
@given(gaps_and_kinds=ladders)
def test_format_and_parse_are_inverses(gaps_and_kinds):
    offset, items = -1, []
    for gap, kind in gaps_and_kinds:
        offset += gap
        items.append(f"{offset}:{kind}")
    spec = ",".join(items)
    assert format_ladder(parse_ladder(spec)) == spec
    assert parse_ladder(format_ladder(parse_ladder(spec))) == parse_ladder(spec)


# --- due times ---------------------------------------------------------------------


def test_a_step_is_due_at_the_send_hour_of_the_organisation_in_utc():
    assert reminder_due_at(DUE_ON, DEFAULT_LADDER[0], 9, PARIS) == utc(2020, 7, 14, 7)
    assert reminder_due_at(DUE_ON, DEFAULT_LADDER[1], 9, PARIS) == utc(2020, 7, 28, 7)


def test_a_step_after_the_clocks_change_keeps_its_local_hour():
    # Due in summer time, step 2 falls in winter time: 09:00 CET is 08:00 UTC.
    assert reminder_due_at(date(2020, 10, 1), DEFAULT_LADDER[2], 9, PARIS) == utc(2020, 11, 14, 8)


def test_a_send_hour_skipped_by_the_clocks_going_forward_goes_out_an_hour_later():
    step = parse_ladder("0:no_response")[0]
    due_at = reminder_due_at(date(2021, 3, 14), step, 2, NEW_YORK)
    assert due_at == utc(2021, 3, 14, 7)
    assert due_at.astimezone(NEW_YORK).hour == 3


def test_send_hour_must_be_an_hour_of_the_day():
    with pytest.raises(ValueError, match="hour"):
        reminder_due_at(DUE_ON, DEFAULT_LADDER[0], 24, PARIS)


# --- planning ----------------------------------------------------------------------


def test_an_awaited_answer_plans_every_step_in_order():
    steps = planned()
    assert [s.index for s in steps] == [0, 1, 2]
    assert [s.due_at for s in steps] == [
        utc(2020, 7, 14, 7),
        utc(2020, 7, 28, 7),
        utc(2020, 8, 27, 7),
    ]


@pytest.mark.parametrize(
    "flags",
    [
        {"expects_answer": False},
        {"responded": True},
        {"closed": True},
        {"withdrawn": True},
        {"paused": True},
    ],
)
def test_nothing_is_planned_when_no_answer_is_awaited(flags):
    assert planned(**flags) == []


def test_nothing_is_planned_without_a_due_date():
    assert planned(due_on=None) == []


def test_plan_defaults_to_nine_o_clock_utc():
    steps = plan(
        DUE_ON,
        DEFAULT_LADDER,
        expects_answer=True,
        responded=False,
        closed=False,
        withdrawn=False,
        paused=False,
    )
    assert steps[0].due_at == utc(2020, 7, 14, 9)


# --- replanning --------------------------------------------------------------------


def test_a_new_recipient_gets_every_step_created():
    decision = replan([], planned(), NOW)
    assert decision == Replan(create=tuple(planned()))


def test_an_unchanged_plan_changes_nothing():
    assert replan(rows_for(planned()), planned(), NOW).is_empty


def test_an_extension_moves_the_pending_steps_only():
    before = planned()
    existing = [row(0, "sent", before[0].due_at), *rows_for(before[1:])]
    after = planned(due_on=DUE_ON + timedelta(days=7))
    decision = replan(existing, after, NOW)
    assert decision == Replan(move=(Reschedule(1, after[1].due_at), Reschedule(2, after[2].due_at)))


def test_a_response_cancels_pending_steps_and_leaves_the_rest_alone():
    steps = planned()
    existing = [
        row(0, "sent", steps[0].due_at),
        row(1, "sending", steps[1].due_at),
        row(2, "pending", steps[2].due_at),
    ]
    assert replan(existing, planned(responded=True), NOW) == Replan(cancel=(2,))


def test_failed_steps_are_never_retried_by_a_replan():
    steps = planned()
    existing = [row(0, "failed", steps[0].due_at - timedelta(days=1)), *rows_for(steps[1:])]
    assert replan(existing, steps, NOW).is_empty


def test_resuming_reopens_the_steps_cancelled_by_the_pause():
    before = planned()
    existing = [row(0, "sent", before[0].due_at), *rows_for(before[1:], "cancelled")]
    after = planned(due_on=DUE_ON + timedelta(days=10))
    decision = replan(existing, after, NOW)
    assert decision == Replan(
        reopen=(Reschedule(1, after[1].due_at), Reschedule(2, after[2].due_at))
    )


def test_a_late_entered_letter_only_gets_the_latest_step_that_is_already_due():
    steps = planned()
    now = steps[1].due_at + timedelta(days=1)
    assert replan([], steps, now) == Replan(create=(steps[1], steps[2]))


def test_steps_overtaken_by_a_later_due_step_are_cancelled():
    steps = planned()
    now = steps[2].due_at
    assert replan(rows_for(steps), steps, now) == Replan(cancel=(0, 1))


def test_replan_needs_an_aware_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        replan([], planned(), datetime(2020, 7, 1, 12))


reminder_states = st.sampled_from(["pending", "sending", "sent", "failed", "cancelled"])
instants = st.datetimes(
    min_value=datetime(2020, 6, 1), max_value=datetime(2020, 10, 1), timezones=st.just(UTC)
)


@st.composite
def reminder_rows(draw):
    indexes = draw(st.sets(st.integers(min_value=0, max_value=4), max_size=5))
    return [row(i, draw(reminder_states), draw(instants)) for i in sorted(indexes)]


def apply(existing: list[ExistingReminder], decision: Replan) -> list[ExistingReminder]:
    by_index = {r.step_index: r for r in existing}
    for step in decision.create:
        assert step.index not in by_index
        by_index[step.index] = row(step.index, "pending", step.due_at)
    for change in (*decision.move, *decision.reopen):
        by_index[change.step_index] = row(change.step_index, "pending", change.due_at)
    for index in decision.cancel:
        by_index[index] = replace(by_index[index], state="cancelled")
    return sorted(by_index.values(), key=lambda r: r.step_index)


plan_flags = st.fixed_dictionaries(
    {"responded": st.booleans(), "paused": st.booleans(), "closed": st.booleans()}
)
due_dates = st.dates(min_value=date(2020, 6, 1), max_value=date(2020, 9, 1))


@property_test
@given(existing=reminder_rows(), due_on=due_dates, flags=plan_flags, now=instants)
def test_replan_only_touches_pending_and_cancelled_rows(existing, due_on, flags, now):
    decision = replan(existing, planned(due_on, **flags), now)
    states = {r.step_index: r.state for r in existing}
    for change in decision.move:
        assert states[change.step_index] == "pending"
    for change in decision.reopen:
        assert states[change.step_index] == "cancelled"
    for index in decision.cancel:
        assert states[index] == "pending"
    for step in decision.create:
        assert step.index not in states


@property_test
@given(existing=reminder_rows(), due_on=due_dates, flags=plan_flags, now=instants)
def test_applying_a_replan_leaves_nothing_to_do(existing, due_on, flags, now):
    steps = planned(due_on, **flags)
    after = apply(existing, replan(existing, steps, now))
    assert replan(after, steps, now).is_empty
    due_pending = [r.step_index for r in after if r.state == "pending" and r.due_at <= now]
    assert len(due_pending) <= 1


# --- sending -----------------------------------------------------------------------


SETTINGS = LadderSettings(DEFAULT_LADDER, 9, UTC)
WAITING = RecipientClock(
    due_on=DUE_ON,
    expects_answer=True,
    state="awaiting",
    letter_closed=False,
    paused=False,
    followed_up=False,
)


def at_step(index: int, plus: timedelta = timedelta(0)) -> datetime:
    return reminder_due_at(DUE_ON, DEFAULT_LADDER[index], 9, UTC) + plus


@pytest.mark.parametrize(
    ("clock", "step", "now", "expected"),
    [
        (WAITING, 0, at_step(0), True),
        (WAITING, 0, at_step(1, -timedelta(seconds=1)), True),
        # a later step is due too: only the latest is worth an email
        (WAITING, 0, at_step(1), False),
        (WAITING, 1, at_step(2), False),
        (WAITING, 2, at_step(2, timedelta(days=400)), True),
        (replace(WAITING, state="responded"), 0, at_step(0), False),
        (replace(WAITING, state="closed"), 0, at_step(0), False),
        (replace(WAITING, state="withdrawn"), 0, at_step(0), False),
        (replace(WAITING, state="acknowledged"), 0, at_step(0), True),
        (replace(WAITING, letter_closed=True), 0, at_step(0), False),
        (replace(WAITING, paused=True), 0, at_step(0), False),
        (replace(WAITING, expects_answer=False), 0, at_step(0), False),
        (replace(WAITING, due_on=None), 0, at_step(0), False),
        # a follow-up settles the first two steps, not the escalation
        (replace(WAITING, followed_up=True), 0, at_step(0), False),
        (replace(WAITING, followed_up=True), 1, at_step(1), False),
        (replace(WAITING, followed_up=True), 2, at_step(2), True),
        # a step the ladder no longer has
        (WAITING, 7, at_step(0), False),
    ],
)
def test_should_send_decides_on_the_recipients_plan_now(clock, step, now, expected):
    assert should_send(step, plan_of(clock, SETTINGS), now) is expected


def test_should_send_refuses_a_naive_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        should_send(0, plan_of(WAITING, SETTINGS), datetime(2020, 7, 1, 12))


def test_a_follow_up_settles_only_the_no_response_and_follow_up_steps():
    kinds = [p.step.kind for p in plan_of(replace(WAITING, followed_up=True), SETTINGS)]
    assert kinds == ["escalate"]


def test_retry_delays_grow_then_cap():
    minutes = [retry_delay(n) / timedelta(minutes=1) for n in range(1, 9)]
    assert minutes == [1, 5, 15, 60, 240, 240, 240, 240]
    assert MAX_ATTEMPTS == 6
    with pytest.raises(ValueError, match="attempts"):
        retry_delay(0)


# --- digests -----------------------------------------------------------------------


def test_next_digest_is_eight_o_clock_local_today_or_tomorrow():
    assert next_digest_at(utc(2020, 7, 14, 5), "Europe/Paris") == utc(2020, 7, 14, 6)
    assert next_digest_at(utc(2020, 7, 14, 6), "Europe/Paris") == utc(2020, 7, 15, 6)
    assert next_digest_at(utc(2020, 7, 14, 6), "Europe/Paris", hour=17) == utc(2020, 7, 14, 15)


def test_next_digest_follows_the_clock_changes():
    assert next_digest_at(utc(2020, 10, 24, 7), "Europe/Paris") == utc(2020, 10, 25, 7)
    assert next_digest_at(utc(2020, 3, 28, 8), "Europe/Paris") == utc(2020, 3, 29, 6)


def test_next_digest_uses_the_users_local_date_not_utcs():
    # 23:00 UTC on the 14th is already 09:00 on the 15th in Sydney.
    assert next_digest_at(utc(2020, 7, 14, 23), "Australia/Sydney") == utc(2020, 7, 15, 22)


@pytest.mark.parametrize("name", ["", "Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime"])
def test_an_unknown_time_zone_falls_back_to_utc(name):
    assert timezone_or_utc(name) is UTC
    assert next_digest_at(utc(2020, 7, 14, 9), name) == utc(2020, 7, 15, 8)


def test_next_digest_needs_an_aware_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_digest_at(datetime(2020, 7, 14, 9), "UTC")


zones = st.sampled_from(
    ["UTC", "Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Apia"]
)


@property_test
@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
    ),
    zone=zones,
)
def test_next_digest_is_the_next_eight_o_clock_within_a_day(now, zone):
    digest = next_digest_at(now, zone)
    assert digest.tzinfo is UTC
    assert now < digest <= now + timedelta(hours=25)
    assert digest.astimezone(ZoneInfo(zone)).time().hour == 8
