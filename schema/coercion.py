"""Variable coercion compiled per input type.

graphql-core coerces a variable's value with one generic recursive function that asks, at
every value, what kind of type it is looking at (non-null? list? input object? leaf?) and
looks each input field's defaults and rules up again. For a 1,000-event `recordUsage` batch
that is ~29,000 calls and, after the other ingest work was trimmed, the largest single
cost of the write path (cProfile: 35 % of the in-process ingest's CPU).

This module makes the same decisions once per type and keeps a closure per type that only
does the per-value work. It follows graphql-core 3.3's `coerce_input_value` rule for rule
(null and non-null, a single value as a list of one, unknown and missing fields, defaults,
`out_name`, `@oneOf`, leaf coercion, `out_type`), returning the same value or `Undefined`;
on `Undefined` graphql-core goes on to its own diagnostics, untouched.
`tests/test_coercion.py` checks that both agree on generated values for every input type
of the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    Undefined,
    assert_leaf_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
    is_required_input_field,
)
from graphql.execution import values
from graphql.pyutils import is_iterable
from graphql.utilities.coerce_input_value import coerce_default_value

Coercer = Callable[[Any], Any]

_original = values.coerce_input_value  # type: ignore[attr-defined]
_by_type: dict[Any, Coercer] = {}


def coercer(type_: GraphQLInputType) -> Coercer:
    """The compiled coercion of values of this type (memoized per named type and wrapping)."""
    key = _key(type_)
    found = _by_type.get(key)
    if found is None:
        found = _by_type[key] = _compile(type_)
    return found


def _key(type_: Any) -> Any:
    if is_non_null_type(type_):
        return ("!", _key(type_.of_type))
    if is_list_type(type_):
        return ("[]", _key(type_.of_type))
    return type_


def _compile(type_: Any) -> Coercer:
    if is_non_null_type(type_):
        return _non_null(coercer(type_.of_type))
    if is_list_type(type_):
        return _list(coercer(type_.of_type))
    if is_input_object_type(type_):
        return _input_object(type_)
    return _leaf(assert_leaf_type(type_).coerce_input_value)


def _non_null(inner: Coercer) -> Coercer:
    def coerce(value: Any) -> Any:
        if value is None or value is Undefined:
            return Undefined
        return inner(value)

    return coerce


def _list(item: Coercer) -> Coercer:
    def coerce(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if not is_iterable(value):
            single = item(value)
            return Undefined if single is Undefined else [single]
        out = []
        for element in value:
            coerced = item(element)
            if coerced is Undefined:
                return Undefined
            out.append(coerced)
        return out

    return coerce


def _leaf(parse: Callable[[Any], Any]) -> Coercer:
    def coerce(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        try:
            return parse(value)
        except Exception:  # graphql-core's rule: any failure is "no value"
            return Undefined

    return coerce


def _input_object(type_: GraphQLInputObjectType) -> Coercer:
    # Fields are compiled on first use, so an input type that reaches itself compiles too.
    plan: list[tuple[str, str, Coercer, bool, Any]] = []
    names = frozenset(type_.fields)
    out_type = type_.out_type
    one_of = type_.is_one_of

    def prepared() -> list[tuple[str, str, Coercer, bool, Any]]:
        if not plan:
            plan.extend(
                (name, field.out_name or name, coercer(field.type),
                 is_required_input_field(field), field)
                for name, field in type_.fields.items()
            )  # fmt: skip
        return plan

    def coerce(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if not isinstance(value, dict):
            return Undefined
        if not names.issuperset(value) and any(
            field_value is not Undefined for name, field_value in value.items() if name not in names
        ):
            return Undefined  # a field the type does not define
        out: dict[str, Any] = {}
        for name, out_name, field_coercer, required, field in prepared():
            field_value = value.get(name, Undefined)
            if field_value is Undefined:
                if required:
                    return Undefined
                default = coerce_default_value(field)
                if default is not Undefined:
                    out[out_name] = default
            else:
                coerced = field_coercer(field_value)
                if coerced is Undefined:
                    return Undefined
                out[out_name] = coerced
        if one_of:
            defined = sum(1 for field_value in value.values() if field_value is not Undefined)
            if defined != 1 or len(out) != 1 or next(iter(out.values())) is None:
                return Undefined
        return out_type(out)

    return coerce


def coerce_input_value(input_value: Any, type_: GraphQLInputType) -> Any:
    return coercer(type_)(input_value)


def install() -> None:
    """Route graphql-core's variable coercion through the compiled coercers (idempotent)."""
    values.coerce_input_value = coerce_input_value  # type: ignore[attr-defined]
