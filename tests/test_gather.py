"""kamdash.engine.gather runs a page's independent calls at the same time and keeps their order."""

from __future__ import annotations

import threading

import pytest

from kamdash.engine import gather as gather_module
from kamdash.engine.gather import gather


def test_results_come_back_in_the_order_of_the_calls() -> None:
    assert gather(lambda: "a", lambda: "b", lambda: "c") == ["a", "b", "c"]
    assert gather(lambda: 1) == [1]
    assert gather() == []


def test_calls_run_at_the_same_time() -> None:
    # each call waits for the other: run one after another, the barrier would time out
    barrier = threading.Barrier(2, timeout=10)
    assert gather(barrier.wait, barrier.wait) in ([0, 1], [1, 0])


def test_the_first_error_is_raised() -> None:
    def broken() -> None:
        raise ValueError("no such account")

    with pytest.raises(ValueError, match="no such account"):
        gather(lambda: 1, broken, lambda: 3)


def test_a_busy_pool_does_not_stall_a_page() -> None:
    # every worker is held by other pages: the caller makes the calls itself
    pool = gather_module._shared_pool()
    release = threading.Event()
    started = threading.Barrier(pool._max_workers + 1, timeout=10)

    def hold() -> None:
        started.wait()
        release.wait(timeout=30)

    held = [pool.submit(hold) for _ in range(pool._max_workers)]
    started.wait()  # all workers are busy now
    try:
        assert gather(lambda: "a", lambda: "b", lambda: "c") == ["a", "b", "c"]
    finally:
        release.set()
        for future in held:
            future.result()
