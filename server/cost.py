"""What a request costs, computed from its document before it runs (each key's budget is
server/budgets.py).

The rule, in the spirit of GitHub's and Shopify's: a leaf (scalar or enum) costs nothing, an
object costs 1, and a list that takes a page size (`first` or `limit`) multiplies what its
items select by that size; a mutation's root field costs `MUTATION_COST` more than what it
selects, and `recordUsage` one more per started 100 events. Lists without a size argument
(a chart's days, a plan's tiles) cost 1 per object field selected on them: their length is
bounded by the schema.

A page size is the value the field will run with, by graphql-core's rules for arguments: a
literal; a variable's value when given; an omitted variable's default in the operation,
else the argument's default (`first: Int! = 20` runs with 20 when `$n` is omitted). A
variable that does not coerce, or null for a non-null argument, fails before the field
runs: it costs as a page of one. `recordUsage` counts the events it is sent, written inline
or in variables, without coercing them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    ValueNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_input_type,
    is_leaf_type,
    type_from_ast,
    value_from_ast,
    value_from_ast_untyped,
)
from graphql.utilities import coerce_input_value

MUTATION_COST = 10
PAGE_ARGUMENTS = ("first", "limit")


def query_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    """Points the operation costs (see the module's rule)."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    walker = _Walker(schema, fragments, _Variables(schema, operation, variables))
    if operation.operation == OperationType.MUTATION:
        return walker.mutation(root, operation.selection_set)
    return walker.selections(root, operation.selection_set, 1, set())


@dataclass
class _Variables:
    """An operation's variables as the request gives them, and as graphql-core will run
    them."""

    schema: GraphQLSchema
    operation: OperationDefinitionNode
    given: Mapping[str, Any]

    def coerced(self, name: str) -> Any:
        """The variable's value when the operation runs; Undefined when it is omitted
        without a default (the argument's default applies), or does not coerce (nothing
        runs)."""
        declared = self._declared(name)
        type_ = None if declared is None else type_from_ast(self.schema, declared.type)
        if declared is None or type_ is None or not is_input_type(type_):
            return Undefined
        if name in self.given:
            return coerce_input_value(self.given[name], type_)
        if declared.default_value is not None:
            return value_from_ast(declared.default_value, type_)
        return Undefined

    def raw(self) -> dict[str, Any]:
        """Every variable as sent, omitted ones as their defaults, uncoerced."""
        out = dict(self.given)
        for declared in self.operation.variable_definitions or ():
            name = declared.variable.name.value
            if name not in out and declared.default_value is not None:
                out[name] = value_from_ast_untyped(declared.default_value)
        return out

    def _declared(self, name: str) -> Any:
        return next(
            (d for d in self.operation.variable_definitions or () if d.variable.name.value == name),
            None,
        )


@dataclass
class _Walker:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: _Variables

    def mutation(self, root: GraphQLObjectType, selection_set: SelectionSetNode) -> int:
        total = 0
        for node, definition in self._fields(root, selection_set, set()):
            total += MUTATION_COST + self._field(node, definition, 1, set())
            if node.name.value == "recordUsage":
                total += math.ceil(self._events(node) / 100)
        return total

    def selections(
        self, parent: Any, selection_set: SelectionSetNode, multiplier: int, seen: set[str]
    ) -> int:
        return sum(
            self._field(node, definition, multiplier, seen)
            for node, definition in self._fields(parent, selection_set, seen)
        )

    def _field(
        self, node: FieldNode, definition: GraphQLField, multiplier: int, seen: set[str]
    ) -> int:
        named = get_named_type(definition.type)
        if is_leaf_type(named) or node.selection_set is None:
            return 0
        size = self._page_size(node, definition)
        inner = multiplier * size if size is not None else multiplier
        return multiplier + self.selections(named, node.selection_set, inner, seen)

    def _fields(
        self, parent: Any, selection_set: SelectionSetNode, seen: set[str]
    ) -> list[tuple[FieldNode, GraphQLField]]:
        """The field selections under `parent`, fragments flattened. On an abstract type
        (`Node`) each fragment is costed against its own type condition."""
        out: list[tuple[FieldNode, GraphQLField]] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                fields = getattr(parent, "fields", {})
                definition = fields.get(selection.name.value)
                if definition is not None:  # __typename and unknown fields cost nothing
                    out.append((selection, definition))
            elif isinstance(selection, InlineFragmentNode):
                target = self._condition(parent, selection.type_condition)
                out += self._fields(target, selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                target = self._condition(parent, fragment.type_condition)
                out += self._fields(target, fragment.selection_set, seen | {name})
        return out

    def _condition(self, parent: Any, condition: Any) -> Any:
        if condition is None:
            return parent
        target = self.schema.get_type(condition.name.value)
        if target is None or is_abstract_type(target):
            return parent
        return target

    def _events(self, node: FieldNode) -> int:
        """Events a `recordUsage` call is sent (a single event given for the list counts
        one, as coercion makes it a list of one)."""
        given = _given(node, "input")
        if given is None:
            return 0
        value = value_from_ast_untyped(given, self.variables.raw())
        events = value.get("events") if isinstance(value, dict) else None
        if events is None or events is Undefined:
            return 0
        return len(events) if isinstance(events, list) else 1

    def _page_size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        names = [n for n in PAGE_ARGUMENTS if n in definition.args]
        if not names:
            return None
        value = self._argument(node, names[0], definition.args[names[0]])
        return max(1, value) if isinstance(value, int) and not isinstance(value, bool) else 1

    def _argument(self, node: FieldNode, name: str, argument: GraphQLArgument) -> Any:
        """The argument's value when the field runs (graphql-core's rules); Undefined or
        None when the field will fail instead."""
        given = _given(node, name)
        if isinstance(given, VariableNode):
            value = self.variables.coerced(given.name.value)
            return argument.default_value if value is Undefined else value
        if given is None:
            return argument.default_value
        return value_from_ast(given, argument.type)


def _given(node: FieldNode, name: str) -> ValueNode | None:
    return next((a.value for a in node.arguments or () if a.name.value == name), None)
