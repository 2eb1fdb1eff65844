"""The compiled variable coercion (schema/coercion.py) agrees with graphql-core's own."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLScalarType,
    Undefined,
    is_list_type,
    is_non_null_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema import coercion
from schema.root import schema

TYPES = schema._schema.type_map
INPUTS = sorted(
    (t for t in TYPES.values() if isinstance(t, GraphQLInputObjectType)), key=lambda t: t.name
)
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip
SCALAR_SAMPLES: dict[str, list[Any]] = {
    "String": ["", "a", "x" * 300, 5, True, None],
    "ID": ["V29ya3NwYWNlOjE=", 12, "", 1.5, None],
    "Int": [0, -1, 2**31, 3, 1.0, 1.5, "7", True, None],
    "Float": [0.5, 2, "1.5", float("inf"), None],
    "Boolean": [True, False, 0, "true", None],
    "Date": ["2026-11-01", "2026-02-30", "yesterday", 20261101, None],
    "DateTime": [
        "2026-11-01T10:00:00Z",
        "2026-11-01T10:00:00+05:30",
        "2026-11-01T10:00:00",
        1,
        None,
    ],
    "Decimal": ["0", "1.5", "-3", "1e400", "NaN", 2, 2.5, "x", None],
}


def values_of(type_: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    if is_non_null_type(type_):
        return values_of(type_.of_type, depth)
    if is_list_type(type_):
        inner = values_of(type_.of_type, depth + 1)
        return st.one_of(st.lists(inner, max_size=3), inner, st.none())
    if isinstance(type_, GraphQLEnumType):
        return st.one_of(st.sampled_from([*type_.values, "NOPE"]), JUNK)
    if isinstance(type_, GraphQLScalarType):
        return st.one_of(st.sampled_from(SCALAR_SAMPLES[type_.name]), JUNK)
    assert isinstance(type_, GraphQLInputObjectType)
    if depth > 4:
        return JUNK
    fields = {name: values_of(f.type, depth + 1) for name, f in type_.fields.items()}
    shaped = st.fixed_dictionaries({}, optional=fields)
    with_extra = st.builds(lambda d, k: {**d, k: 1}, shaped, st.sampled_from(["unknown", "x"]))
    return st.one_of(shaped, shaped, shaped, with_extra, JUNK)


def same(a: Any, b: Any) -> bool:
    if a is Undefined or b is Undefined:
        return a is b
    return bool(a == b)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_coercion_agrees_with_graphql_core(data: st.DataObject) -> None:
    type_ = data.draw(st.sampled_from(INPUTS))
    value = data.draw(values_of(type_))
    expected = coercion._original(value, type_)
    got = coercion.coercer(type_)(value)
    assert same(got, expected), (type_.name, value, got, expected)


def test_a_valid_batch_coerces_alike() -> None:
    from datetime import UTC, datetime, timedelta

    from bench.generate import as_input, events

    record = TYPES["RecordUsageInput"]
    assert isinstance(record, GraphQLInputObjectType)
    batch = {
        "workspaceId": "V29ya3NwYWNlOjE=",
        "events": [as_input(e, ["QXNzaXN0YW50OjE="] * 20)
                   for e in events(200, datetime.now(UTC) - timedelta(hours=1))],
    }  # fmt: skip
    expected = coercion._original(batch, record)
    assert expected is not Undefined
    assert coercion.coercer(record)(batch) == expected


def test_it_is_installed() -> None:
    from graphql.execution import values

    assert values.coerce_input_value is coercion.coerce_input_value  # type: ignore[attr-defined]
