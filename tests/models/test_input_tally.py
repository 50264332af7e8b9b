"""The tallies the store keeps of its inputs agree with the inputs, whatever changes them.

Hypothesis drives stores, moves, flags and erasures of inputs, row by row and in bulk
statements, on SQLite and PostgreSQL; after each commit the tallies equal a count of the
inputs themselves. App Home's counts read from them equal counts taken from the rows, and its latest flagged
inputs the latest by time.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from intake_api.participation import GROUPS as PARTICIPATION_GROUPS
from intake_api.participation import UNKNOWN
from intake_api.stats import latest_flagged_of, review_stats, stats_disclosure
from models import input_tally
from models.base import utcnow
from models.input_tally import InputHourly, InputTally
from models.review import RegionalReview
from models.submission import Submission

GROUPS = (None, "migrant", "youth", "civil_society", "not-a-code")
AGES = (None, "18_24", "under_13", "not-an-age")
STATUSES = ("new", "flagged", "approved")
NOW = utcnow().replace(minute=17, second=31, microsecond=250_000)

_ids = iter(range(1, 10**9))


def _reviews(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(RegionalReview.slug)).all())


def _input(slug: str, group: str | None, age: str | None, status: str, created: datetime):
    n = next(_ids)
    return Submission(
        receipt=f"IN-T{n:03d}-{n:04d}"[:14],
        channel="web",
        channel_message_id=f"tally-{n}-{threading.get_ident()}",
        locale="en",
        consent_version="test",
        review_slug=slug,
        stakeholder_group=group,
        age_group=age,
        status=status,
        text="words",
        created_at=created,
        updated_at=created,
    )


def _tallied(engine: Engine) -> tuple[Counter, Counter]:
    with Session(engine) as session:
        kinds = Counter(
            {
                (t.review_slug, t.stakeholder_group, t.age_group, bool(t.flagged)): t.n
                for t in session.exec(select(InputTally))
                if t.n
            }
        )
        hours = Counter(
            {(h.review_slug, _utc(h.hour)): h.n for h in session.exec(select(InputHourly)) if h.n}
        )
    return kinds, hours


def _counted(engine: Engine) -> tuple[Counter, Counter]:
    """The tallies counted in Python from the inputs, the oracle of the store's triggers."""
    kinds: Counter = Counter()
    hours: Counter = Counter()
    with Session(engine) as session:
        for i in session.exec(select(Submission)):
            kinds[
                (i.review_slug, i.stakeholder_group or "", i.age_group or "", i.status == "flagged")
            ] += 1
            hours[
                (i.review_slug, _utc(i.created_at).replace(minute=0, second=0, microsecond=0))
            ] += 1
    return kinds, hours


def _utc(value: datetime) -> datetime:
    """A stored time as naive UTC (SQLite gives it back naive, PostgreSQL aware)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _agree(engine: Engine) -> None:
    assert _tallied(engine) == _counted(engine)


times = st.integers(min_value=-24 * 10, max_value=2).map(lambda h: NOW + timedelta(hours=h))
new_input = st.tuples(
    st.sampled_from(GROUPS), st.sampled_from(AGES), st.sampled_from(STATUSES), times
)
change = st.one_of(
    st.tuples(st.just("store"), st.lists(new_input, min_size=1, max_size=4)),
    st.tuples(st.just("flag"), st.integers(0, 50)),
    st.tuples(st.just("move"), st.integers(0, 50), st.sampled_from(GROUPS), st.sampled_from(AGES)),
    st.tuples(st.just("erase"), st.integers(0, 50)),
    st.tuples(st.just("erase_group"), st.sampled_from(GROUPS[1:])),
    st.tuples(st.just("to_review"), st.integers(0, 50), st.integers(0, 4)),
)


def _apply(session: Session, slugs: list[str], step: tuple) -> None:
    kind = step[0]
    ids = list(session.exec(select(Submission.id).order_by(Submission.id)).all())
    if kind == "store":
        for group, age, status, created in step[1]:
            session.add(_input(slugs[0], group, age, status, created))
        return
    if kind == "erase_group":  # a bulk statement, as erasure and retention run
        session.execute(text("DELETE FROM submission WHERE stakeholder_group = :g"), {"g": step[1]})
        return
    if not ids:
        return
    row = session.get(Submission, ids[step[1] % len(ids)])
    assert row is not None
    if kind == "flag":
        row.status = "approved" if row.status == "flagged" else "flagged"
    elif kind == "move":
        row.stakeholder_group, row.age_group = step[2], step[3]
    elif kind == "to_review":
        row.review_slug = slugs[step[2] % len(slugs)]
    elif kind == "erase":
        session.delete(row)
        return
    session.add(row)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(change, min_size=1, max_size=8))
def test_tallies_equal_the_inputs_after_any_changes(engine, steps):
    slugs = _reviews(engine)
    for step in steps:
        with Session(engine) as session:
            _apply(session, slugs, step)
            session.commit()
        _agree(engine)


def test_a_rolled_back_intake_is_not_counted(engine):
    slug = _reviews(engine)[0]
    with Session(engine) as session:
        session.add(_input(slug, "youth", None, "new", NOW))
        session.flush()
        session.rollback()
    assert _tallied(engine) == (Counter(), Counter())


def test_a_missing_trigger_is_made_again_and_the_tallies_counted_again(engine):
    """SQLite drops a table's triggers when a migration rebuilds it: inputs stored before the
    next start's ``ensure_triggers`` are counted by it."""
    slug = _reviews(engine)[0]
    with engine.begin() as connection:
        input_tally.drop_triggers(connection)
    with Session(engine) as session:
        session.add(_input(slug, "youth", "18_24", "flagged", NOW))
        session.commit()
    assert _tallied(engine) == (Counter(), Counter())
    with engine.begin() as connection:
        input_tally.ensure_triggers(connection)
    _agree(engine)
    with Session(engine) as session:
        session.add(_input(slug, "youth", "18_24", "new", NOW))
        session.commit()
    _agree(engine)


def test_concurrent_intakes_of_one_group_are_all_counted(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are PostgreSQL's (SQLite takes one writer at a time)")
    slug = _reviews(engine)[0]
    start = threading.Barrier(8)

    def intake() -> None:
        with Session(engine) as session:
            session.add(_input(slug, "youth", "18_24", "new", NOW))
            start.wait(timeout=30)
            session.commit()

    workers = [threading.Thread(target=intake) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    _agree(engine)
    assert sum(_tallied(engine)[0].values()) == 8


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    inputs=st.lists(
        st.tuples(
            st.sampled_from(GROUPS),
            st.sampled_from(("flagged", "flagged", "new", "approved")),  # over five a review
            # minutes before now: around a week ago (its partial hour), around midnight, any
            st.one_of(
                st.integers(-7 * 24 * 60 - 90, -7 * 24 * 60 + 90),
                st.integers(-(NOW.hour * 60 + 90), -(NOW.hour * 60 - 90)).map(lambda m: min(m, 0)),
                st.integers(min_value=-(8 * 24 * 60), max_value=0),
            ),
        ),
        max_size=24,
    ),
    minute=st.integers(0, 59),
    second=st.integers(0, 59),
)
def test_app_home_shows_the_counts_and_latest_flagged_of_the_rows(engine, inputs, minute, second):
    now = NOW.replace(minute=minute, second=second)
    slugs = _reviews(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM submission"))
    receipts = []
    with Session(engine) as session:
        for index, (group, status, minutes) in enumerate(inputs):
            created = now + timedelta(minutes=minutes, microseconds=index)  # no two alike
            row = _input(slugs[index % 2], group, None, status, created)
            session.add(row)
            receipts.append(row.receipt)
        session.commit()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for stats in review_stats(engine, now=now):
        mine = [
            (group, status, now + timedelta(minutes=minutes, microseconds=n))
            for n, (group, status, minutes) in enumerate(inputs)
            if slugs[n % 2] == stats.slug
        ]
        flagged_last = sorted(
            (
                (now + timedelta(minutes=minutes, microseconds=n), receipts[n])
                for n, (_, status, minutes) in enumerate(inputs)
                if slugs[n % 2] == stats.slug and status == "flagged"
            ),
            reverse=True,
        )
        assert [p.receipt for p in stats.flagged] == [r for _, r in flagged_last[:5]]
        groups = Counter(g if g in PARTICIPATION_GROUPS else UNKNOWN for g, _, _ in mine)
        expected = stats_disclosure(
            groups=groups,
            ages={UNKNOWN: len(mine)},
            today=sum(1 for _, _, created in mine if created >= midnight),
            week=sum(1 for _, _, created in mine if created >= now - timedelta(days=7)),
            flagged=sum(1 for _, status, _ in mine if status == "flagged"),
        )
        assert {key: stats.counts[key] for key in stats.counts} == {
            key: expected[key] for key in expected
        }


def test_app_home_reads_the_latest_flagged_from_their_own_index(engine):
    """The status index alone gave App Home every flagged input to sort (68 of 92 ms at a
    million inputs); the partial index gives five entries, if the planner can see that the
    query's condition is the index's: checked on the statement as it runs, with its
    parameters bound (on PostgreSQL, a generic plan: the one a prepared statement keeps)."""
    compiled = latest_flagged_of(_reviews(engine)[0]).compile(engine)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            values = tuple(compiled.params[name] for name in compiled.positiontup or ())
            plan = str(connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", values).all())
        else:
            names = list(compiled.params)
            sql = str(compiled)
            for number, name in enumerate(names, 1):
                sql = sql.replace(f"%({name})s", f"${number}")
            connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            connection.exec_driver_sql(f"PREPARE latest_flagged AS {sql}")
            arguments = ", ".join(repr(compiled.params[name]) for name in names)
            plan = str(
                connection.exec_driver_sql(f"EXPLAIN EXECUTE latest_flagged({arguments})").all()
            )
            connection.exec_driver_sql("DEALLOCATE latest_flagged")
    assert "ix_submission_flagged_latest" in plan, plan
