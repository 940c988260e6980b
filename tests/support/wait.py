"""Wait for a condition instead of sleeping "to give it time"."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
POLL_INTERVAL_S = 0.01


def wait_until(
    predicate: Callable[[], T], timeout_s: float = 10.0, message: str = "condition"
) -> T:
    """Return the first truthy value of predicate(), polling until timeout_s.

    Exceptions raised by predicate count as "not yet". Raises TimeoutError naming message.
    """
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as err:  # noqa: BLE001 - the predicate is probing something still starting
            last_error = err
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"timed out after {timeout_s}s waiting for {message}"
            ) from last_error
        time.sleep(POLL_INTERVAL_S)
