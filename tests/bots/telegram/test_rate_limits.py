"""The send schedule, on made-up times: windows counted from answers, chats, groups, pauses."""

from __future__ import annotations

import pytest

from bots.telegram.rate_limits import SendSchedule, TelegramLimits, minimum_seconds

BURSTS = TelegramLimits(spread=False, margin=0.0)


def test_thirty_go_at_once_and_the_thirty_first_a_window_after_the_first_answer():
    schedule = SendSchedule(BURSTS)
    for _ in range(30):
        assert schedule.overall_ready_at(0.0) == 0.0
        schedule.started(0.0)
    assert schedule.overall_ready_at(0.0) is None  # all in flight: wait for an answer
    for n in range(30):
        schedule.answered(("chat", n), group=False, at=0.010 + n / 1000)
    assert schedule.overall_ready_at(0.1) == pytest.approx(1.010)
    schedule.started(1.010)
    assert schedule.overall_ready_at(1.010) == pytest.approx(1.011)  # the next answer to leave


def test_spread_starts_evenly():
    schedule = SendSchedule(TelegramLimits(margin=0.0))
    schedule.started(5.0)
    assert schedule.overall_ready_at(5.0) == pytest.approx(5.0 + 1 / 30)


def test_one_a_second_in_a_chat_and_twenty_a_minute_in_a_group():
    schedule = SendSchedule(BURSTS)
    schedule.started(0.0)
    schedule.answered("private", group=False, at=0.2)
    assert schedule.chat_ready_at("private", group=False) == pytest.approx(1.2)
    for n in range(20):
        schedule.started(float(n))
        schedule.answered("group", group=True, at=n + 0.1)
    assert schedule.chat_ready_at("group", group=True) == pytest.approx(
        60.1
    )  # the first of the 20 leaves
    assert schedule.chat_ready_at("never-sent", group=True) == float("-inf")


def test_a_429_pauses_everything_and_a_failed_connection_frees_its_slot():
    schedule = SendSchedule(BURSTS)
    schedule.started(0.0)
    schedule.abandoned()
    assert schedule.in_flight == 0
    schedule.pause_until(3.0)
    assert schedule.overall_ready_at(1.0) == 3.0


def test_minimum_for_the_benchmark_counts():
    limits = TelegramLimits()
    # B6: 3,000 chats with one message, 10 groups with one per language (7).
    assert minimum_seconds([1] * 3000 + [7] * 10, set(range(3000, 3010)), limits) == 102.0
    assert minimum_seconds([1] * 300 + [7] * 10, set(range(300, 310)), limits) == 12.0
    # One group with 45 messages: 20 at 0..19 s, 20 at 60..79 s, 5 at 120..124 s.
    assert minimum_seconds([45], {0}, limits) == 124.0
    assert minimum_seconds([3], set(), limits) == 2.0  # a private chat: one a second
