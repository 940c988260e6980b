"""hooks/jsontext.py writes what the standard library writes, and refuses what is not JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hooks import jsontext

# What Metacontroller can send: JSON values whose integers fit in 64 bits (Go's int64/float64).
WHOLE_SCALARS = (
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text()
)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)


def _json_values(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
        max_leaves=40,
    )


def _stdlib_canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@given(_json_values(WHOLE_SCALARS))
def test_canonical_text_without_floats_is_the_standard_librarys(value: Any) -> None:
    # The restart digest is made of such values: changing the codec restarted no pod.
    assert jsontext.canonical(value) == _stdlib_canonical(value)


@given(_json_values(WHOLE_SCALARS | FLOATS))
def test_canonical_text_means_what_the_standard_librarys_means(value: Any) -> None:
    # Floats may spell their exponent differently (1e-6 for 1e-06); the value is the same.
    assert json.loads(jsontext.canonical(value)) == json.loads(_stdlib_canonical(value))


@given(_json_values(WHOLE_SCALARS | FLOATS))
def test_dumps_and_loads_round_trip_like_the_standard_library(value: Any) -> None:
    text = jsontext.dumps(value)
    assert json.loads(text) == jsontext.loads(text) == json.loads(json.dumps(value))


def test_dumps_keeps_key_order_and_utf8() -> None:
    assert jsontext.dumps({"b": 1, "a": "é\u2028"}) == '{"b":1,"a":"é\u2028"}'.encode()


@pytest.mark.parametrize(
    "text",
    [b"{", b"\xff\xfe", b'{"a": NaN}', b'"\\ud800"', b"[" * 2000 + b"]" * 2000, b""],
    ids=["truncated", "not-utf8", "nan", "lone-surrogate", "too-deep", "empty"],
)
def test_loads_refuses_what_is_not_json_with_one_error_type(text: bytes) -> None:
    assert issubclass(jsontext.DecodeError, json.JSONDecodeError)
    with pytest.raises(jsontext.DecodeError):
        jsontext.loads(text)
