"""The one failure of an emulated sync: nothing (or not everything) was applied; retry it."""

from __future__ import annotations


class SyncFailed(Exception):
    """A sync that applied nothing (or whose child operations partly failed); it is retried."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        """Record why, and when a 429 asked to be retried."""
        super().__init__(message)
        self.retry_after_s = retry_after_s
