"""A request's GraphQL document: parsed and validated once, within limits, cached by size.

Only authenticated requests get here (server/gate.py refuses the others from their
headers). What parsing and validating one document may cost is bounded before each step
that could cost more (measured in bench/frontdoor.py, figures in docs/operations.md):

1. its length in characters, before the lexer sees it (graphql-core lexes a long string,
   comment or name one character at a time in Python);
2. its tokens, counted while parsing (comments included): the parser stops at the limit;
3. its shape (server/shape.py), before validation: selections with fragments expanded,
   the comparisons OverlappingFieldsCanBeMerged would make between fields selected
   under one name (quadratic, and multiplied at every level), operations, depth and
   aliases;
4. then graphql-core's validation, which stops after MAX_VALIDATION_ERRORS errors, each
   located by `_LinedSource` in C-speed string scans.

Validation also records, per operation, the nullable variables used where a value is
required, so the endpoint can refuse a null for them before execution.

An outcome (the document, or the errors that refuse it) is kept in an LRU bounded in
bytes, estimated from the document's tokens and length. Documents larger than
1/`CACHEABLE_FRACTION` of the cache are prepared every time and never kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    Source,
    SourceLocation,
    is_non_null_type,
    parse,
    specified_rules,
    type_from_ast,
    validate,
)
from graphql.validation import (
    ASTValidationRule,
    NoSchemaIntrospectionCustomRule,
    ValidationContext,
    ValidationRule,
)
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from server.settings import Settings
from server.shape import MAX_NESTING, Shape, measure

#: Bytes a parsed document keeps per token (AST nodes, locations and the token list; 390
#: to 620 measured with tracemalloc) and per character of its text, with some margin.
BYTES_PER_TOKEN = 800
BYTES_PER_CHARACTER = 3
#: A document is cached only if it takes at most this fraction of the cache.
CACHEABLE_FRACTION = 16
#: Validation stops after this many errors (graphql-core's default is 100; each error
#: costs a location and, with introspection on, a search for suggestions).
MAX_VALIDATION_ERRORS = 10


@dataclass(frozen=True)
class Prepared:
    """A parsed document that passed every limit and validation, or why it did not."""

    document: DocumentNode | None
    errors: list[GraphQLError]
    fragments: dict[str, FragmentDefinitionNode]
    #: Estimated bytes it holds.
    size: int
    #: By operation name: its nullable variables used where a value is required (allowed
    #: when the position has a default); given as null, they would fail in execution.
    required: Mapping[str | None, frozenset[str]] = field(default_factory=dict)

    def null_where_required(
        self, operation: OperationDefinitionNode, variables: Mapping[str, Any]
    ) -> str | None:
        """Why these variables cannot run the operation, if one is null where a value is
        required (refused before execution, as a request error)."""
        name = operation.name.value if operation.name else None
        for variable in sorted(self.required.get(name, ())):
            if variable in variables and variables[variable] is None:
                return (
                    f"Variable '${variable}' must not be null: it is used where a value "
                    "is required."
                )
        return None


@dataclass
class _SizedLru:
    budget: int
    used: int = 0
    items: OrderedDict[str, Prepared] = field(default_factory=OrderedDict)

    def get(self, key: str) -> Prepared | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: str, value: Prepared) -> None:
        if key in self.items:
            return
        self.items[key] = value
        self.used += value.size
        while self.used > self.budget:
            _, evicted = self.items.popitem(last=False)
            self.used -= evicted.size


class Documents:
    def __init__(self, schema: GraphQLSchema, config: Settings) -> None:
        self.schema = schema
        self.config = config
        self.cache = _SizedLru(config.document_cache_bytes)
        rules: list[type[ASTValidationRule]] = [
            *specified_rules,
            MaybeNullValidationRule,  # the two Strawberry adds to graphql-core's
            OneOfInputValidationRule,
        ]
        if not config.introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = rules
        #: "Did you mean …" would show the schema that introspection hides.
        self.hide_suggestions = not config.introspection

    def prepare(self, text: str) -> Prepared:
        cached = self.cache.get(text)
        if cached is not None:
            return cached
        prepared = self._prepare(text)
        if prepared.size <= self.cache.budget // CACHEABLE_FRACTION:
            self.cache.put(text, prepared)
        return prepared

    def _prepare(self, text: str) -> Prepared:
        limit = self.config.max_document_length
        if len(text) > limit:
            return _refused(
                text,
                f"The document is {len(text)} characters long; the most is {limit}. "
                "Send large inputs as variables.",
            )
        try:
            document = parse(_LinedSource(text), max_tokens=self.config.max_tokens)
        except GraphQLError as error:
            return Prepared(None, [error], {}, _size(text, 0))
        size = _size(text, document.token_count)
        shape = measure(document, self.config.max_selections, self.config.max_field_comparisons)
        problems = self._shape_problems(shape)
        if problems:
            return Prepared(None, [GraphQLError(p) for p in problems], {}, size)
        required: dict[str | None, frozenset[str]] = {}
        errors = validate(
            self.schema,
            document,
            [*self.rules, _required_variables(required)],
            max_errors=MAX_VALIDATION_ERRORS,
            hide_suggestions=self.hide_suggestions,
        )
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        return Prepared(None if errors else document, errors, fragments, size, required)

    def _shape_problems(self, shape: Shape) -> list[str]:
        config = self.config
        if shape.exceeded == "nesting":
            return [f"Selections are nested more than {MAX_NESTING} levels deep."]
        if shape.exceeded == "selections":
            return [
                f"The document selects more than {config.max_selections} fields "
                "(a fragment counts each time it is spread)."
            ]
        if shape.exceeded == "comparisons":
            return [
                "The document selects the same fields too many times over: checking that "
                f"they merge would take more than {config.max_field_comparisons} comparisons."
            ]
        if shape.operations > config.max_operations:
            return [
                f"The document has {shape.operations} operations; the most is "
                f"{config.max_operations}."
            ]
        problems = [
            f"'{name}' exceeds maximum operation depth of {config.max_query_depth}"
            for name, depth in shape.depths.items()
            if depth > config.max_query_depth
        ]
        if shape.aliases > config.max_aliases:
            problems.append(f"{shape.aliases} aliases found. Allowed: {config.max_aliases}")
        return problems


class _LinedSource(Source):
    """A source that finds an error's line with C-speed string scans. graphql-core's
    `get_location` walks every line break before the position in Python: 30,000 empty lines
    before 100 unknown fields made their errors cost 0.5 s. Same results (a line break is
    `\r\n`, `\n` or `\r`; tests/test_documents.py compares both)."""

    def get_location(self, position: int) -> SourceLocation:
        body = self.body
        breaks = (
            body.count("\n", 0, position)
            + body.count("\r", 0, position)
            - body.count("\r\n", 0, position)
        )
        last = max(body.rfind("\n", 0, position), body.rfind("\r", 0, position))
        line_start = last + (2 if body.startswith("\r\n", last) else 1) if last >= 0 else 0
        return SourceLocation(breaks + 1, position + 1 - line_start)


def _required_variables(found: dict[str | None, frozenset[str]]) -> type[ValidationRule]:
    """A rule that records, per operation, its nullable variables used in non-null
    positions (from the same usages VariablesInAllowedPositionRule reads)."""

    class RequiredVariables(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)

        def leave_operation_definition(
            self, operation: OperationDefinitionNode, *_args: Any
        ) -> None:
            declared = {d.variable.name.value: d for d in operation.variable_definitions or ()}
            names = set()
            for usage in self.context.get_recursive_variable_usages(operation):
                definition = declared.get(usage.node.name.value)
                if definition is None or not is_non_null_type(usage.type):
                    continue
                type_ = type_from_ast(self.context.schema, definition.type)
                if type_ is not None and not is_non_null_type(type_):
                    names.add(usage.node.name.value)
            found[operation.name.value if operation.name else None] = frozenset(names)

    return RequiredVariables


def _refused(text: str, message: str) -> Prepared:
    return Prepared(None, [GraphQLError(message)], {}, _size(text, 0))


def _size(text: str, tokens: int) -> int:
    return BYTES_PER_TOKEN * tokens + BYTES_PER_CHARACTER * len(text)
