"""The admission policy alone (app/leads/admission.py): a burst waits up to the long wait; a queue
that has not emptied for the interval is standing, and a new waiter then gets the short wait."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.leads.admission import Admission, Overloaded


def admission(
    *, max_wait_s: float = 2.0, overload_wait_s: float = 0.05, interval_s: float = 0.2
) -> Admission:
    return Admission(slots=1, max_wait_s=max_wait_s, overload_wait_s=overload_wait_s, interval_s=interval_s)


async def test_a_free_slot_is_taken_without_waiting() -> None:
    gate = admission()
    await gate.acquire()
    assert gate.waiting == 0
    assert not gate.standing()
    gate.release()


async def test_a_burst_waits_for_the_slot() -> None:
    gate = admission()
    await gate.acquire()
    waiter = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0.3)  # longer than the interval and the short wait, shorter than the long one
    assert gate.waiting == 1
    assert gate.standing()
    gate.release()
    await waiter  # it came before the queue stood, so it had the long wait: admitted, not shed
    assert gate.waiting == 0
    gate.release()


async def test_a_standing_queue_sheds_new_waiters_after_the_short_wait() -> None:
    gate = admission()
    await gate.acquire()
    first = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0.25)
    assert gate.standing()
    assert gate.wait_allowed_s() == 0.05
    started = time.monotonic()
    with pytest.raises(Overloaded):
        await gate.acquire()
    assert time.monotonic() - started < 1.0  # the short wait, not the long one (2 s)
    gate.release()
    await first
    gate.release()
    # The queue emptied: the next waiter has the long wait again.
    assert not gate.standing()
    assert gate.wait_allowed_s() == 2.0


async def test_without_a_slot_a_waiter_is_shed_after_the_long_wait() -> None:
    gate = admission(max_wait_s=0.05, overload_wait_s=0.05, interval_s=10.0)
    await gate.acquire()
    with pytest.raises(Overloaded):
        await gate.acquire()
    assert gate.waiting == 0
    gate.release()


def test_the_short_wait_is_never_longer_than_the_long_one() -> None:
    gate = Admission(slots=1, max_wait_s=0.01, overload_wait_s=1.0, interval_s=0.1)
    assert gate.wait_allowed_s() == 0.01
