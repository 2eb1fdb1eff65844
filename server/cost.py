"""What a request costs, computed from its document before it runs (each key's budget is
server/budgets.py).

The rule, in the spirit of GitHub's and Shopify's: a leaf (scalar or enum) costs nothing, an
object costs 1, and a list that takes a page size (`first` or `limit`) multiplies what its
items select by that size; a mutation's root field costs `MUTATION_COST` more than what it
selects, and `recordUsage` one more per started 100 events. Lists without a size argument
(a chart's days, a plan's tiles) cost 1 per object field selected on them: their length is
bounded by the schema.
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
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    value_from_ast,
)

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
    walker = _Walker(schema, fragments, dict(variables))
    if operation.operation == OperationType.MUTATION:
        return walker.mutation(root, operation.selection_set)
    return walker.selections(root, operation.selection_set, 1, set())


@dataclass
class _Walker:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: dict[str, Any]

    def mutation(self, root: GraphQLObjectType, selection_set: SelectionSetNode) -> int:
        total = 0
        for node, definition in self._fields(root, selection_set, set()):
            total += MUTATION_COST + self._field(node, definition, 1, set())
            if node.name.value == "recordUsage":
                events = (self._argument(node, definition, "input") or {}).get("events") or []
                total += math.ceil(len(events) / 100) if isinstance(events, list) else 0
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

    def _argument(self, node: FieldNode, definition: GraphQLField, name: str) -> Any:
        """One argument's value (its default when not given); the others are not coerced."""
        given = next((a.value for a in node.arguments or () if a.name.value == name), None)
        if given is None:
            return definition.args[name].default_value
        return value_from_ast(given, definition.args[name].type, self.variables)

    def _page_size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        names = [n for n in PAGE_ARGUMENTS if n in definition.args]
        if not names:
            return None
        value = self._argument(node, definition, names[0])
        return max(1, value) if isinstance(value, int) and not isinstance(value, bool) else 1
