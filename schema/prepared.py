"""Executing a document the HTTP endpoint already parsed and validated.

The endpoint (server/graphql_http.py) parses and validates each request's document once,
within its limits, and keeps small ones in a cache bounded in bytes (server/documents.py).
Inside `executing(document, …)`, Strawberry runs that document as it is: `PreparedDocument`
hands it over instead of parsing the query text again, and skips the second validation.
`PreparedExecutor` applies the request's `hide_suggestions` (introspection off: no "Did you
mean …" in variable errors) to graphql-core's executor. Outside such a block (the demo
loader, benchmarks) Strawberry parses and validates as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


@dataclass(frozen=True)
class _Request:
    document: DocumentNode
    hide_suggestions: bool


_current: ContextVar[_Request | None] = ContextVar("prepared_document", default=None)


@contextmanager
def executing(document: DocumentNode, hide_suggestions: bool) -> Iterator[None]:
    """Strawberry executes `document` (parsed and validated) within this block."""
    token = _current.set(_Request(document, hide_suggestions))
    try:
        yield
    finally:
        _current.reset(token)


class PreparedDocument(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        request = _current.get()
        if request is not None:
            self.execution_context.graphql_document = request.document
        yield

    def on_validate(self) -> Iterator[None]:
        if _current.get() is not None:
            no_errors: list[GraphQLError] = []  # validated before it was handed over
            self.execution_context.pre_execution_errors = no_errors
        yield


class PreparedExecutor(StrawberryGraphQLCoreExecutionContext):
    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        request = _current.get()
        if request is not None and request.hide_suggestions:
            kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)
