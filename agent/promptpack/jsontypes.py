"""JSON Schema's types, bounds and patterns as pydantic types: reject exactly what the schema does.

pydantic's defaults differ from JSON Schema in ways that matter for a validator: lax mode turns
"1" and true into 1, an `X | None` field accepts an explicit null that the schema rejects, and
strict mode rejects 1.0 where the schema's "integer" accepts it. The base models here are strict
and the number types below implement the schema's own rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, TypeAlias, TypeVar

import pydantic
import pydantic_core

from agent.promptpack import jsonvalues

T = TypeVar("T")

# Patterns are written out with [0-9] rather than \d, and anchored with `$`, which pydantic's
# regex engine (like ECMA-262, the dialect JSON Schema names) matches only at the very end.
_NUMERIC_ID = r"(?:0|[1-9][0-9]*)"
_PRERELEASE_ID = rf"(?:{_NUMERIC_ID}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD_ID = r"[0-9A-Za-z-]+"
SEMVER_PATTERN = (
    rf"^v?{_NUMERIC_ID}\.{_NUMERIC_ID}\.{_NUMERIC_ID}"
    rf"(?:-{_PRERELEASE_ID}(?:\.{_PRERELEASE_ID})*)?"
    rf"(?:\+{_BUILD_ID}(?:\.{_BUILD_ID})*)?$"
)
PACK_ID_PATTERN = r"^[a-z][a-z0-9-]*$"
PROMPT_ID_PATTERN = r"^[a-z][a-z0-9_-]*$"
IDENTIFIER_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
LANGUAGE_PATTERN = r"^[a-z]{2}$"
MEDIA_TYPE_PATTERN = r"^[a-z0-9_]+$"
METRIC_NAME_PATTERN = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"

# The expected form of each pattern, in words, for error messages.
PATTERN_HINTS: dict[str, str] = {
    SEMVER_PATTERN: "a SemVer 2.0.0 version with an optional 'v' prefix, like 1.0.0, v2.1.3 or "
    "2.0.0-beta.1+build.123",
    PACK_ID_PATTERN: "lowercase letters, digits and '-', starting with a letter, like "
    "customer-support",
    PROMPT_ID_PATTERN: "lowercase letters, digits, '_' and '-', starting with a letter, like "
    "technical_support",
    IDENTIFIER_PATTERN: "letters, digits and '_', not starting with a digit (no '-'), like "
    "lookup_order",
    LANGUAGE_PATTERN: "a two-letter lowercase ISO 639-1 code, like en",
    MEDIA_TYPE_PATTERN: "lowercase letters, digits and '_', like image",
    METRIC_NAME_PATTERN: "a Prometheus metric name: letters, digits, '_' and ':', not "
    "starting with a digit",
}


def _fail(kind: str, message: str) -> pydantic_core.PydanticCustomError:
    # The message goes in through the context so that braces in a shown value stay literal.
    return pydantic_core.PydanticCustomError(kind, "{detail}", {"detail": message})


def _reject_null(value: object) -> object:
    if value is None:
        raise _fail("json_null", "expected a value, got null (omit the key instead)")
    return value


# An optional key whose value, when present, must not be null.
Opt: TypeAlias = Annotated[T | None, pydantic.BeforeValidator(_reject_null)]


def _range_text(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f" ≥ {minimum:g}"
    return ""


def _check_range(value: float, minimum: float | None, maximum: float | None, what: str) -> None:
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        shown = jsonvalues.show(value)
        raise _fail("json_range", f"{shown} is out of range: expected {what}")


def _integer(minimum: int) -> Callable[[Any], int]:
    what = f"an integer{_range_text(minimum, None)}"

    def check(value: Any) -> int:
        # JSON Schema's "integer" is any number with no fractional part, so 1.0 counts.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail("json_type", f"expected {what}, got {jsonvalues.describe(value)}")
        _check_range(value, minimum, None, what)
        return value

    return check


def _number(minimum: float | None, maximum: float | None) -> Callable[[Any], float]:
    bounds = _range_text(minimum, maximum)
    what = f"a number{bounds}"

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail("json_type", f"expected {what}, got {jsonvalues.describe(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            # JSON has no NaN or Infinity; Python's json module accepts them all the same.
            raise _fail("json_type", f"expected a finite number{bounds}, got {value}")
        _check_range(value, minimum, maximum, what)
        return value

    return check


NonNegativeInt: TypeAlias = Annotated[int, pydantic.PlainValidator(_integer(0))]
PositiveInt: TypeAlias = Annotated[int, pydantic.PlainValidator(_integer(1))]
Number: TypeAlias = Annotated[float, pydantic.PlainValidator(_number(None, None))]
NonNegativeNumber: TypeAlias = Annotated[float, pydantic.PlainValidator(_number(0, None))]
Fraction: TypeAlias = Annotated[float, pydantic.PlainValidator(_number(0, 1))]
Temperature: TypeAlias = Annotated[float, pydantic.PlainValidator(_number(0, 2))]
Penalty: TypeAlias = Annotated[float, pydantic.PlainValidator(_number(-2, 2))]
Percentage: TypeAlias = Annotated[float, pydantic.PlainValidator(_number(0, 100))]


NonEmptyStr: TypeAlias = Annotated[str, pydantic.Field(min_length=1)]
SemVer: TypeAlias = Annotated[str, pydantic.Field(pattern=SEMVER_PATTERN)]
Identifier: TypeAlias = Annotated[str, pydantic.Field(pattern=IDENTIFIER_PATTERN)]


class Closed(pydantic.BaseModel):
    """An object the schema closes (`additionalProperties: false`): unknown keys are errors."""

    model_config = pydantic.ConfigDict(
        strict=True, extra="forbid", frozen=True, protected_namespaces=()
    )


class Open(pydantic.BaseModel):
    """An object the schema leaves open: known keys are checked, other keys are kept as they are."""

    model_config = pydantic.ConfigDict(
        strict=True, extra="allow", frozen=True, protected_namespaces=()
    )
