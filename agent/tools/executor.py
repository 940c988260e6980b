"""The HTTP tool adapter: POST a call's JSON arguments to the tool's endpoint, get a ToolResult.

Every failure (bad arguments, timeout, connection error, an HTTP error, an oversized body)
becomes `ToolResult(error=...)`: the model reads it and the turn goes on.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import jsonschema
import requests

from agent.config import contract
from agent.tools import catalog

LOG = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 64 * 1024
MAX_ERROR_BODY_CHARS = 300
READ_CHUNK_BYTES = 8 * 1024
BACKOFF_BASE_S = 0.2
BACKOFF_MAX_S = 5.0
MAX_RETRY_AFTER_S = 10.0
# Every attempt of one call, backoff included, must start within this many seconds.
MAX_CALL_TOTAL_S = 120.0
MAX_CONNECTIONS = 64
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class _Retry(Exception):
    """An attempt that failed in a way worth another try."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class HttpToolExecutor:
    """Calls HTTP tools with a shared connection pool; safe to use from many threads."""

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self._sleep = sleep
        self._monotonic = monotonic
        self._max_bytes = max_response_bytes
        self._session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=MAX_CONNECTIONS, pool_maxsize=MAX_CONNECTIONS
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def call(self, tool: catalog.OfferedTool, arguments: str) -> catalog.ToolResult:
        """Check the arguments against the tool's input schema, then POST them."""
        try:
            parsed = json.loads(arguments or "{}")
        except json.JSONDecodeError as error:
            return catalog.ToolResult(error=f"arguments are not JSON: {error}")
        problem = validate_arguments(tool.input_schema, parsed)
        if problem is not None:
            return catalog.ToolResult(error=f"invalid arguments: {problem}")
        return self._post(tool.spec, parsed)

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    def _post(self, spec: contract.ToolSpec, arguments: Any) -> catalog.ToolResult:
        deadline = self._monotonic() + MAX_CALL_TOTAL_S
        failure = "not called"
        for attempt in range(spec.retries + 1):
            try:
                return self._attempt(spec, arguments)
            except _Retry as retry:
                failure = str(retry)
                delay = min(BACKOFF_BASE_S * 2**attempt, BACKOFF_MAX_S)
                if retry.retry_after_s is not None:
                    delay = max(delay, min(retry.retry_after_s, MAX_RETRY_AFTER_S))
            LOG.info("tool %s attempt %d failed: %s", spec.name, attempt + 1, failure)
            if attempt == spec.retries or self._monotonic() + delay > deadline:
                break
            self._sleep(delay)
        return catalog.ToolResult(error=failure)

    def _attempt(self, spec: contract.ToolSpec, arguments: Any) -> catalog.ToolResult:
        timeout = spec.timeout_seconds
        try:
            response = self._session.post(
                spec.endpoint, json=arguments, timeout=timeout, stream=True
            )
        except requests.Timeout:
            return catalog.ToolResult(error=f"timed out after {timeout:g}s")
        except requests.RequestException as error:
            raise _Retry(f"connection failed: {type(error).__name__}") from error
        with response:
            try:
                body, truncated = self._read(response, self._monotonic() + timeout)
            except (requests.RequestException, TimeoutError):
                return catalog.ToolResult(error=f"timed out after {timeout:g}s reading the answer")
        text = body.decode("utf-8", errors="replace")
        if response.status_code in RETRYABLE_STATUS:
            raise _Retry(_status_error(response.status_code, text), _retry_after(response))
        if response.status_code >= 400:
            return catalog.ToolResult(error=_status_error(response.status_code, text))
        if truncated:
            return catalog.ToolResult(
                result=text, error=f"the answer exceeded {self._max_bytes} bytes; truncated"
            )
        return catalog.ToolResult(result=_decode(text))

    def _read(self, response: requests.Response, deadline: float) -> tuple[bytes, bool]:
        parts: list[bytes] = []
        size = 0
        for part in response.iter_content(READ_CHUNK_BYTES):
            if self._monotonic() > deadline:
                raise TimeoutError
            parts.append(part)
            size += len(part)
            if size > self._max_bytes:
                return b"".join(parts)[: self._max_bytes], True
        return b"".join(parts), False


def validate_arguments(schema: dict[str, Any], arguments: Any) -> str | None:
    """Return the first way the arguments break the schema ('path: message'), or None."""
    try:
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as error:
        return f"the tool's input schema is invalid: {error.message}"
    found = sorted(validator_class(schema).iter_errors(arguments), key=lambda e: list(e.path))
    if not found:
        return None
    first = found[0]
    path = ".".join(str(part) for part in first.absolute_path) or "arguments"
    return f"{path}: {first.message}"


def _decode(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _status_error(status: int, text: str) -> str:
    snippet = text.strip().replace("\n", " ")[:MAX_ERROR_BODY_CHARS]
    return f"HTTP {status}: {snippet}" if snippet else f"HTTP {status}"


def _retry_after(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None
