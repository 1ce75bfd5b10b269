"""Running a page's independent store calls at the same time.

A page asks the store for several things when a filter changes: this period's and the prior
period's figures, the accounts table, a trend. On this project's data each call spends most of
its 15-50 ms planning the macro-expanded marts on a single core, and DuckDB releases the GIL
while it plans and runs, so two calls on two cores take little more than one (measured: 20
roll-ups at 5M lines, 45 ms each one after another, 24-31 ms each two at a time).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _shared_pool() -> ThreadPoolExecutor:
    # one bounded pool for the whole process: many sessions must not each start threads
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=os.cpu_count() or 2, thread_name_prefix="kamdash-gather"
            )
        return _pool


def gather(*calls: Callable[[], Any]) -> list[Any]:
    """The results of `calls`, in their order, computed at the same time.

    The caller runs the first call itself and any call the pool has not started by the time
    the caller needs it, so a pool busy with other pages never makes a page slower than
    running its calls one after another. The first exception raised is raised here.
    """
    if len(calls) <= 1:
        return [call() for call in calls]
    pool = _shared_pool()
    futures: list[Future[Any]] = [pool.submit(call) for call in calls[1:]]
    try:
        results = [calls[0]()]
        for call, future in zip(calls[1:], futures, strict=True):
            results.append(call() if future.cancel() else future.result())
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return results
