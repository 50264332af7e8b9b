"""Near-duplicate grouping runs off the intake: nothing global in a request.

An intake records that its input waits for its group; a grouper joins waiting inputs one
after another. Concurrent intakes do not wait for each other's grouping, and an input a
stopped process left waiting is grouped by the scheduler's next tick, as the batch would.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from intake_api.language import grouping
from intake_api.language.grouping import regroup_all
from intake_api.language.grouping_worker import BackgroundGrouping
from intake_api.scheduler import DigestSenders, Leadership, tick
from models import GroupingPending, Submission
from tests.factories import input_answers
from tests.intake_api.language.test_near_duplicates import (
    CAMPAIGN,
    CAMPAIGN_AR,
    CAMPAIGN_AR_COPY,
    PARAPHRASED,
    REORDERED,
    SIMILAR_POLICY,
)

TEXTS = [CAMPAIGN, PARAPHRASED, REORDERED, CAMPAIGN_AR, CAMPAIGN_AR_COPY, *SIMILAR_POLICY]
GROUPING_DELAY_S = 0.1  # injected into every input's grouping step


def _groups(engine) -> dict[int, int | None]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return {s.id: s.duplicate_group for s in session.exec(select(Submission))}  # type: ignore[misc]


def _waiting(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return len(session.exec(select(GroupingPending)).all())


def _submit(service, n: int) -> None:  # type: ignore[no-untyped-def]
    text = TEXTS[n % len(TEXTS)]
    service.submit_input(
        input_answers(text=f"{text} ({n})" if n >= len(TEXTS) else text),
        channel="web",
        message_id=f"m{n}",
        locale="en",
    )


class _Stopped:
    """A process that stopped between committing its intakes and grouping them."""

    def input_stored(self) -> None:
        pass


@pytest.mark.postgres
def test_ten_concurrent_intakes_do_not_wait_for_each_others_grouping(
    runtime, service, engine, monkeypatch
):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent intakes are PostgreSQL's (SQLite takes one writer at a time)")
    join = grouping.join_group

    def slow_join(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(GROUPING_DELAY_S)
        return join(*args, **kwargs)

    monkeypatch.setattr(grouping, "join_group", slow_join)
    background = BackgroundGrouping(engine)
    service.grouping = background
    try:
        # Warm: each language's analysis data, the pool's connections, the grouping thread.
        with ThreadPoolExecutor(10) as pool:
            list(pool.map(lambda n: _submit(service, n), range(100, 110)))
        assert background.wait_idle(timeout=60)

        started = time.perf_counter()
        with ThreadPoolExecutor(10) as pool:
            list(pool.map(lambda n: _submit(service, n), range(10)))
        elapsed = time.perf_counter() - started

        # Grouping the ten takes at least 10 x 100 ms, one after another; the intakes did
        # not wait for it (one lock per store held through each intake made them do so).
        assert elapsed < 10 * GROUPING_DELAY_S, elapsed
        assert background.wait_idle(timeout=60)
    finally:
        background.stop()
    assert _waiting(engine) == 0
    grouped = _groups(engine)
    assert any(group is not None for group in grouped.values())  # the campaigns' copies
    regroup_all(engine)
    assert _groups(engine) == grouped  # incremental, off the request, as the batch


def test_an_input_a_stopped_process_left_waiting_is_grouped_by_the_next_tick(
    runtime, service, engine
):
    service.grouping = _Stopped()
    for n in range(len(TEXTS)):
        _submit(service, n)
    assert _waiting(engine) == len(TEXTS)
    assert set(_groups(engine).values()) == {None}  # stored and acknowledged, not yet grouped

    now = datetime(2026, 12, 6, 9, tzinfo=UTC)
    tick(runtime, Leadership(engine, "host-a"), DigestSenders(), now=now)

    assert _waiting(engine) == 0
    grouped = _groups(engine)
    assert len({g for g in grouped.values() if g is not None}) == 2
    regroup_all(engine)
    assert _groups(engine) == grouped


def test_an_erased_input_no_longer_waits(runtime, service, engine):
    service.grouping = _Stopped()
    _submit(service, 0)
    with Session(engine) as session:
        receipt = session.exec(select(Submission.receipt)).one()
    assert runtime.privacy.erase_record(receipt=receipt, actor="test")
    assert _waiting(engine) == 0


def test_a_batch_regroup_leaves_nothing_it_grouped_waiting(service, engine):
    service.grouping = _Stopped()
    for n in range(3):
        _submit(service, n)
    regroup_all(engine)
    assert _waiting(engine) == 0
    assert grouping.group_waiting(engine) == 0


def test_an_intake_stored_is_acknowledged_even_when_grouping_fails(service, engine, monkeypatch):
    """The input is committed before grouping: a failure there leaves it waiting, never
    turns a stored input into an error for the person who sent it."""

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("grouping broke")

    monkeypatch.setattr(grouping, "join_group", broken)
    receipt = service.submit_input(
        input_answers(text=CAMPAIGN), channel="web", message_id="g1", locale="en"
    )
    assert receipt.code and not receipt.duplicate
    assert _waiting(engine) == 1
