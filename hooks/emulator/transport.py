"""How the emulator reaches the hooks: in-process through the hook table, or over HTTP."""

from __future__ import annotations

import dataclasses
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from hooks import envelope, routes
from hooks.emulator import cluster
from hooks.settings import HookSettings

LOG = logging.getLogger("omnia.emulator")
MAX_REPLY_BYTES = 64 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Reply:
    """An HTTP answer: status code, body and the headers the emulator reads."""

    status: int
    body: bytes
    retry_after: str | None = None


class TransportError(Exception):
    """The hook could not be reached or did not answer in time."""


class Transport(Protocol):
    """POSTs a JSON body to a hook URL."""

    def post(self, url: str, body: bytes, timeout_s: float) -> Reply:
        """Return the hook's reply.

        Raises:
            TransportError: on a connection failure or a timeout.
        """


class InProcess:
    """Calls the pure hook functions directly, with JSON on both sides as on the wire."""

    def __init__(self, settings: HookSettings, clock: cluster.Clock) -> None:
        """Serve the hook table with these settings, telling the hooks the clock's time."""
        self._settings = settings
        self._clock = clock
        self._handlers = routes.handlers()

    def post(self, url: str, body: bytes, timeout_s: float) -> Reply:
        """Answer as the Flask app would: 200, 400, 404 or 500 with a JSON body."""
        del timeout_s  # a direct call cannot be interrupted; the hooks are bounded themselves
        handler = self._handlers.get(urllib.parse.urlsplit(url).path)
        if handler is None:
            return Reply(404, b'{"error":"not found"}')
        try:
            answer = handler(json.loads(body), self._settings, self._clock.now())
        except envelope.BadRequest as error:
            return Reply(400, json.dumps({"error": str(error)}).encode())
        except Exception:  # a hook bug: the real service answers 500
            LOG.exception("hook %s failed", url)
            return Reply(500, b'{"error":"internal error"}')
        return Reply(200, json.dumps(answer).encode())


class Http:
    """POSTs to real URLs with urllib (one connection per call, as simple as can be)."""

    def post(self, url: str, body: bytes, timeout_s: float) -> Reply:
        """Return the reply of any status; raise TransportError when there is none."""
        request = urllib.request.Request(  # noqa: S310 - hook URLs come from our controllers
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310
                return Reply(answer.status, answer.read(MAX_REPLY_BYTES))
        except urllib.error.HTTPError as error:
            with error:
                retry_after = error.headers.get("Retry-After")
                return Reply(error.code, error.read(MAX_REPLY_BYTES), retry_after)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise TransportError(f"POST {url}: {error}") from error
