"""Admission of uncached searches: at most `slots` run at once; the others wait, and a wait that
lasts too long is shed (the route answers 503 "overloaded" with Retry-After).

How long a search may wait depends on whether the queue is standing. A queue that empties now and
then absorbs a burst: a waiter may wait up to `max_wait_s`. A queue that has not emptied for
`interval_s` means more searches arrive than the worker can run (CoDel's signal, Nichols and
Jacobson 2012): waiting longer would only make every answer late, so a waiter then gets
`overload_wait_s` before it is shed, and the searches that are answered stay fast.
"""

from __future__ import annotations

import asyncio
import time


class Overloaded(Exception):
    """No slot within the allowed wait."""


class Admission:
    def __init__(
        self,
        *,
        slots: int,
        max_wait_s: float,
        overload_wait_s: float,
        interval_s: float,
    ) -> None:
        self._slots = asyncio.Semaphore(slots)
        self._max_wait_s = max_wait_s
        self._overload_wait_s = min(overload_wait_s, max_wait_s)
        self._interval_s = interval_s
        self._waiting = 0
        self._queued_since = time.monotonic()  # when the queue last went from no waiter to one

    @property
    def waiting(self) -> int:
        return self._waiting

    def standing(self) -> bool:
        """Whether the queue has held a waiter continuously for `interval_s`."""
        return self._waiting > 0 and time.monotonic() - self._queued_since >= self._interval_s

    def wait_allowed_s(self) -> float:
        return self._overload_wait_s if self.standing() else self._max_wait_s

    async def acquire(self) -> None:
        """Take a slot, waiting at most `wait_allowed_s()`; raises `Overloaded` instead."""
        if self._waiting == 0 and not self._slots.locked():
            await self._slots.acquire()  # a free slot and nobody before us: no wait
            return
        timeout = self.wait_allowed_s()
        if self._waiting == 0:
            self._queued_since = time.monotonic()
        self._waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=timeout)
        except TimeoutError:
            raise Overloaded from None
        finally:
            self._waiting -= 1

    def release(self) -> None:
        self._slots.release()
