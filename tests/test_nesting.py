"""The shortcut for graphql-core's variable nesting guard (schema/nesting.py)."""

from __future__ import annotations

import math
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    graphql_sync,
)

from schema import nesting
from schema.root import schema


def test_every_input_type_of_burnrate_is_bounded() -> None:
    inputs = [t for t in schema._schema.type_map.values() if isinstance(t, GraphQLInputObjectType)]
    assert inputs
    for input_type in inputs:
        assert nesting.nesting_depth(input_type) <= 6, input_type.name
    record = schema._schema.type_map["RecordUsageInput"]
    assert isinstance(record, GraphQLInputObjectType)
    # its fields (1) → the events list's items (2) → an event's fields (3) → the
    # conversation's fields (4) → the contact's fields (5): leaves
    assert nesting.nesting_depth(GraphQLNonNull(record)) == 5


def test_a_recursive_input_type_keeps_the_guard() -> None:
    node = GraphQLInputObjectType(
        "Tree", lambda: {"name": GraphQLInputField(GraphQLString), "child": GraphQLInputField(node)}
    )
    assert nesting.nesting_depth(node) == math.inf
    query = GraphQLObjectType(
        "Query",
        {
            "depth": GraphQLField(
                GraphQLString,
                args={"tree": GraphQLArgument(node)},
                resolve=lambda _, __, tree: "ok",
            )
        },
    )
    tree_schema = GraphQLSchema(query)
    deep: dict[str, Any] = {"name": "leaf"}
    for _ in range(300):
        deep = {"child": deep}
    result = graphql_sync(
        tree_schema, "query($t: Tree) { depth(tree: $t) }", variable_values={"t": deep}
    )
    assert result.errors and "nested too deeply" in result.errors[0].message
    shallow = graphql_sync(
        tree_schema,
        "query($t: Tree) { depth(tree: $t) }",
        variable_values={"t": {"child": {"name": "x"}}},
    )
    assert shallow.errors is None and shallow.data == {"depth": "ok"}


def test_list_nesting_counts_one_level_per_list() -> None:
    deep = GraphQLList(GraphQLList(GraphQLNonNull(GraphQLList(GraphQLString))))
    assert nesting.nesting_depth(deep) == 3
