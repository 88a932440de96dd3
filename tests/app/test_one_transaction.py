"""One user action, one transaction: all of it or nothing, and nothing visible half-way.

The failures here come from real database conditions (another connection committing a
clashing reference), not from mocks: the CSV import of 5,000 rows whose 4,000th row is
refused while the import writes, and an intake confirmation whose letter is refused
after its new officials were written.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.orm.exc import StaleDataError

from tests.letters.test_csv_import import commit_letter_elsewhere, count
from tracker.extensions import db
from tracker.models import AuditEvent, Campaign, Letter, Official, User, utcnow
from tracker.services import intake
from tracker.services.audit import Actor
from tracker.services.errors import EditConflict, ServiceError
from tracker.services.intake import ReviewedLetter, ReviewedRecipient
from tracker.services.letters import DemandInput, csv_import
from tracker.services.transaction import on_commit, on_rollback, transaction

ROWS = 5000
FAILING_ROW = 4000
HEADER = (
    "reference,subject,sent_on,owner,campaign,recipient_1_role,recipient_1_name,demand_1_text\n"
)


def big_file() -> bytes:
    lines = [
        f"IMP-{n:05d},Letter {n},2020-03-27,,Bulk campaign,to,Official {n % 40},Demand {n}\n"
        for n in range(1, ROWS + 1)
    ]
    return (HEADER + "".join(lines)).encode()


class Reader(threading.Thread):
    """A second user polling the tables through its own connection while the import runs."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(url)
        self.stop = threading.Event()
        self.writing = threading.Event()  # set by the importer once it has written rows
        self.seen: list[tuple[int, int, int]] = []
        self.polls_while_writing = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.engine.connect() as connection:
                while not self.stop.is_set():
                    writing = self.writing.is_set()
                    row = connection.execute(
                        text(
                            "SELECT (SELECT count(*) FROM letters), "
                            "(SELECT count(*) FROM officials), (SELECT count(*) FROM campaigns)"
                        )
                    ).one()
                    connection.rollback()  # a fresh snapshot for every poll
                    self.seen.append(tuple(row))
                    self.polls_while_writing += writing
                    self.stop.wait(0.005)
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error
        finally:
            self.engine.dispose()


def test_an_import_refused_at_row_4000_leaves_nothing_and_showed_nothing(app, users):
    owner = db.session.get(User, users["editor"].id)
    plan = csv_import.plan_import(big_file(), owner, date(2024, 6, 15))
    assert plan.ok and len(plan.rows) == ROWS
    failing = f"IMP-{FAILING_ROW:05d}"
    before = (count(Letter), count(Official), count(Campaign))
    events_before = count(AuditEvent)
    flushed = {"letters": 0}

    if db.engine.dialect.name == "postgresql":
        # Someone saves the same reference after our check of row 4,000 and before its
        # insert: the unique constraint refuses the write itself.
        def clash(session, _context, _instances):
            new = [o for o in session.new if isinstance(o, Letter)]
            if any(letter.reference == failing for letter in new):
                commit_letter_elsewhere(failing, owner.id)

        event.listen(db.session, "before_flush", clash)
    else:
        # SQLite lets one writer in at a time: while the import holds the write lock no
        # one can commit, so the colleague's save lands after the preview, before confirm.
        clash = None
        commit_letter_elsewhere(failing, owner.id)

    def count_written(session, _context):
        flushed["letters"] += sum(isinstance(o, Letter) for o in session.new)
        if flushed["letters"]:
            reader.writing.set()

    reader = Reader(db.engine.url.render_as_string(hide_password=False))
    event.listen(db.session, "after_flush", count_written)
    reader.start()
    try:
        with pytest.raises(ServiceError, match="nothing was imported") as refused:
            csv_import.run_import(Actor.system("test"), plan, utcnow(), source="big.csv")
    finally:
        reader.stop.set()
        reader.join(timeout=30)
        event.remove(db.session, "after_flush", count_written)
        if clash is not None:
            event.remove(db.session, "before_flush", clash)

    assert reader.error is None, reader.error
    assert refused.value.kind == "conflict"
    assert failing in refused.value.message and f"line {FAILING_ROW + 1}" in refused.value.message
    # The import had really written the rows before the failing one ...
    assert flushed["letters"] >= FAILING_ROW - 1
    # ... yet the other connection never saw one of them, nor a new official or campaign,
    assert reader.polls_while_writing >= 3
    with_theirs = (before[0] + 1, before[1], before[2])  # the colleague's letter, committed
    assert set(reader.seen) <= {before, with_theirs}
    # ... and nothing of the import is left: only the colleague's letter.
    assert db.session.scalars(select(Letter.reference)).all() == [failing]
    assert (count(Official), count(Campaign)) == before[1:]
    assert count(AuditEvent) == events_before


def test_an_import_of_5000_rows_commits_once_at_the_end(app, users):
    owner = db.session.get(User, users["editor"].id)
    plan = csv_import.plan_import(big_file(), owner, date(2024, 6, 15))
    commits = []

    def count_commit(_session):
        commits.append(1)

    event.listen(db.session, "after_commit", count_commit)
    try:
        result = csv_import.run_import(Actor.system("test"), plan, utcnow(), source="big.csv")
    finally:
        event.remove(db.session, "after_commit", count_commit)
    assert (result.letters, result.officials, result.campaigns) == (ROWS, 40, 1)
    assert count(Letter) == ROWS and count(Official) == 40
    assert len(commits) == 1


# --- intake ----------------------------------------------------------------------------

LETTER_TEXT = """March 27, 2020

Dear Minister,

We urge you to lift the sanctions on the Prosecutor.

Sincerely,
Ana Example
"""


def test_an_intake_refused_at_the_last_step_leaves_no_new_official(app, users):
    editor = users["editor"]
    actor = Actor(editor.id, editor.email)
    existing = count(Official)
    staged = intake.read_pasted(editor.id, LETTER_TEXT, utcnow()).staged
    reviewed = ReviewedLetter(
        key=staged.key,
        subject="Sanctions",
        sent_on=date(2020, 3, 27),
        reference="INTAKE-1",
        recipients=(
            ReviewedRecipient(role="to", official_id=None, name="Brand New Minister"),
            ReviewedRecipient(role="cc", official_id=None, name="Brand New Deputy"),
        ),
        demands=(DemandInput("Lift the sanctions", "Lift the sanctions on the Prosecutor."),),
    )

    def clash(_session, _context, _instances):
        # While the first new official is written, a colleague saves INTAKE-1: every
        # check passed, and only the letter, the last step, can be refused.
        commit_letter_elsewhere("INTAKE-1", editor.id)

    event.listen(db.session, "before_flush", clash, once=True)
    with pytest.raises(ServiceError) as refused:
        intake.confirm_intake(actor, reviewed, utcnow())
    assert "already has the reference INTAKE-1" in refused.value.fields["reference"]
    assert count(Official) == existing  # neither new official stayed behind
    assert db.session.scalars(select(Letter.subject)).all() == ["theirs"]
    assert not db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "official.create")
    )
    # The claim was given back: corrected, the same review saves, with its officials.
    corrected = replace(reviewed, reference="INTAKE-2")
    letter = intake.confirm_intake(actor, corrected, utcnow())
    names = sorted(r.official.name for r in letter.recipients)
    assert names == ["Brand New Deputy", "Brand New Minister"]
    assert count(Official) == existing + 2


# --- the helper itself ---------------------------------------------------------------


def test_a_joined_transaction_commits_only_with_the_outermost(app, users):
    seen_elsewhere = []
    done, undone = [], []
    with transaction():
        with transaction():
            db.session.add(Official(name="Inner"))
            on_commit(lambda: done.append("inner"))
        with db.engine.connect() as other:
            seen_elsewhere.append(other.scalar(select(func.count()).select_from(Official)))
        on_rollback(lambda: undone.append("outer"))
    assert seen_elsewhere == [0] and count(Official) == 1
    assert done == ["inner"] and undone == []


def test_any_error_rolls_everything_back_and_runs_the_undo(app, users):
    undone = []
    with pytest.raises(RuntimeError, match="boom"), transaction():
        db.session.add(Official(name="Gone"))
        with transaction():
            db.session.add(Official(name="Gone too"))
            on_rollback(lambda: undone.append("file removed"))
        raise RuntimeError("boom")
    assert count(Official) == 0 and undone == ["file removed"]


def test_a_stale_write_becomes_an_edit_conflict_carrying_the_record(app, users):
    official = Official(name="Versioned")
    with transaction():
        db.session.add(official)
    assert official.version == 1  # what the form was loaded at
    with db.engine.begin() as other:  # someone else saves first
        other.execute(text("UPDATE officials SET version = version + 1"))
    stale = transaction(current=official, conflict_message="Changed meanwhile.")
    with pytest.raises(EditConflict) as conflict, stale:
        official.title = "Mine"
    assert isinstance(conflict.value.__cause__, StaleDataError)
    assert conflict.value.current is official and conflict.value.kind == "conflict"
    assert conflict.value.message == "Changed meanwhile."


def test_a_unique_clash_becomes_a_conflict_or_the_services_own_message(app, users):
    with transaction():
        db.session.add(Campaign(name="Taken"))
    with pytest.raises(ServiceError) as clash, transaction():
        db.session.add(Campaign(name="Taken"))
    assert clash.value.kind == "conflict"
    mapped = ServiceError("That name is taken.", fields={"name": "That name is taken."})
    with pytest.raises(ServiceError) as named, transaction(on_integrity=lambda error: mapped):
        db.session.add(Campaign(name="Taken"))
    assert named.value is mapped
    assert count(Campaign) == 1


def test_service_error_kinds_are_checked():
    with pytest.raises(ValueError, match="unknown"):
        ServiceError("x", kind="teapot")  # type: ignore[arg-type]
    error = ServiceError.invalid({"subject": "Give a subject.", "file": "Too big."}, too_large=True)
    assert (error.kind, error.message) == ("too_large", "Give a subject. Too big.")


# --- the hidden version field ----------------------------------------------------------


@pytest.mark.parametrize(
    "version", ["²", "\u0661", "1e3", "-1", " ", "", "99999999999", "2147483648"]
)
def test_a_damaged_version_field_is_refused_with_400_and_changes_nothing(
    client, auth, users, version
):
    official = Official(name="Ada President")
    with transaction():
        db.session.add(official)
    auth.login("editor")
    response = client.post(
        f"/officials/{official.id}/edit", data={"name": "Renamed", "version": version}
    )
    assert response.status_code == 400, response.text
    db.session.refresh(official)
    assert (official.name, official.version) == ("Ada President", 1)
    if version.strip():  # an empty one is refused by the form's own InputRequired
        assert "its version is missing or not a number" in response.text


def test_the_version_field_accepts_the_version_it_was_given(client, auth, users):
    official = Official(name="Ada President")
    with transaction():
        db.session.add(official)
    auth.login("editor")
    response = client.post(
        f"/officials/{official.id}/edit", data={"name": "Renamed", "version": " 1 "}
    )
    assert response.status_code == 302
    db.session.refresh(official)
    assert (official.name, official.version) == ("Renamed", 2)
