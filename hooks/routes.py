"""The hook table: each Metacontroller hook path and the pure function that answers it.

The Flask app and the emulator's in-process transport both serve exactly this table.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from hooks import agentruntime, envelope, promptpack, provider, toolregistry
from hooks.settings import HookSettings

Handler = Callable[[object, HookSettings, datetime.datetime], dict[str, Any]]
KINDS = ("agentruntime", "promptpack", "toolregistry", "provider")
PATH_PREFIX = "/hooks/"


def path(kind: str, hook: str) -> str:
    """Return the URL path of a hook: /hooks/<kind>/<hook>."""
    return f"{PATH_PREFIX}{kind}/{hook}"


def split(hook_path: str) -> tuple[str, str]:
    """Return (kind, hook) of a hook path.

    Raises:
        ValueError: when the path is not /hooks/<kind>/<hook>.
    """
    parts = hook_path.removeprefix(PATH_PREFIX).split("/")
    if not hook_path.startswith(PATH_PREFIX) or len(parts) != 2:
        raise ValueError(f"{hook_path!r} is not a hook path like /hooks/<kind>/<hook>")
    return parts[0], parts[1]


def _agentruntime_customize(body: object, _: HookSettings, __: datetime.datetime) -> dict[str, Any]:
    return agentruntime.customize(envelope.parse_customize(body))


def _agentruntime_sync(
    body: object, settings: HookSettings, now: datetime.datetime
) -> dict[str, Any]:
    request = envelope.parse_sync(body)
    if request.finalizing:  # a controller that points finalize at the sync URL
        return agentruntime.finalize(request, now)
    return agentruntime.sync(request, settings, now)


def _agentruntime_finalize(body: object, _: HookSettings, now: datetime.datetime) -> dict[str, Any]:
    return agentruntime.finalize(envelope.parse_sync(body), now)


def _promptpack_customize(body: object, _: HookSettings, __: datetime.datetime) -> dict[str, Any]:
    return promptpack.customize(envelope.parse_customize(body))


def _promptpack_sync(body: object, _: HookSettings, now: datetime.datetime) -> dict[str, Any]:
    return promptpack.sync(envelope.parse_sync(body), now)


def _toolregistry_customize(body: object, _: HookSettings, __: datetime.datetime) -> dict[str, Any]:
    return toolregistry.customize(envelope.parse_customize(body))


def _toolregistry_sync(
    body: object, settings: HookSettings, now: datetime.datetime
) -> dict[str, Any]:
    return toolregistry.sync(envelope.parse_sync(body), settings, now)


def _provider_customize(body: object, _: HookSettings, __: datetime.datetime) -> dict[str, Any]:
    return provider.customize(envelope.parse_customize(body))


def _provider_sync(body: object, _: HookSettings, now: datetime.datetime) -> dict[str, Any]:
    return provider.sync(envelope.parse_sync(body), now)


def handlers() -> dict[str, Handler]:
    """Return every hook path and its handler (decoded JSON body, settings, now -> response)."""
    return {
        path("agentruntime", "customize"): _agentruntime_customize,
        path("agentruntime", "sync"): _agentruntime_sync,
        path("agentruntime", "finalize"): _agentruntime_finalize,
        path("promptpack", "customize"): _promptpack_customize,
        path("promptpack", "sync"): _promptpack_sync,
        path("toolregistry", "customize"): _toolregistry_customize,
        path("toolregistry", "sync"): _toolregistry_sync,
        path("provider", "customize"): _provider_customize,
        path("provider", "sync"): _provider_sync,
    }
