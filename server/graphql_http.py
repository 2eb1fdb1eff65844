"""`/graphql`, served by the GraphQL-over-HTTP specification (draft of 2025).

- `POST` with `Content-Type: application/json` runs queries and mutations; `GET` with the
  parameters in the query string runs queries only (a mutation by GET is 405, `Allow: POST`).
- The response's media type follows `Accept`: `application/graphql-response+json` (also for a
  missing `Accept`, `*/*` and `application/*`: the spec's default since 2025) or
  `application/json`; neither is 406.
- With `application/graphql-response+json`, a request that did not start executing (bad JSON,
  bad parameters, a syntax or validation error, variables that do not coerce) is 400 and has
  no `data` entry; anything that executed is 200. With `application/json`, every well-formed
  request is 200 and only a body that is not a GraphQL request is 400.
- A request is authenticated from its headers before its body is read (server/gate.py):
  without a valid key it is 401 `UNAUTHENTICATED` with `WWW-Authenticate: Bearer`, at the
  cost of a header lookup.
- The body is bounded (bytes, JSON values, number lengths) before it is decoded, and the
  document (length, tokens, shape) before it is parsed and validated, once
  (server/documents.py); then the request is costed and charged to its key's budget; over
  budget is 429 with `Retry-After` and `RATE_LIMITED`.
Every error in every answer carries `extensions.code`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
)
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.types import ExecutionResult

from resolvers.access import Principal
from resolvers.context import Context
from schema.prepared import executing
from schema.root import schema
from server import graphiql
from server.bodies import decode_json
from server.budgets import Charge, budget_store
from server.cost import query_cost
from server.documents import Documents, Prepared
from server.gate import Refusal, authenticated, refusal_for
from server.observe import Metrics
from server.settings import Settings

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


@dataclass(frozen=True)
class Params:
    query: str
    variables: dict[str, Any]
    operation_name: str | None


def negotiate(accept: str | None) -> str | None:
    """The response media type for an `Accept` header, or None when none is acceptable."""
    if accept is None or not accept.strip():
        return GRAPHQL_RESPONSE
    ranges: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        kind, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranges.append((-quality, index, kind.lower()))
    for _, _, kind in sorted(ranges):
        if kind in (GRAPHQL_RESPONSE, "application/*", "*/*"):
            return GRAPHQL_RESPONSE
        if kind == JSON:
            return JSON
    return None


class GraphQLEndpoint:
    def __init__(self, config: Settings, metrics: Metrics | None = None) -> None:
        self.config = config
        self.metrics = metrics or Metrics()
        self.budgets = budget_store(config)
        self.documents = Documents(schema._schema, config)

    async def handle(self, request: Request) -> Response:
        media = negotiate(request.headers.get("accept"))
        try:
            if request.method not in ("GET", "POST"):
                raise Refusal(
                    405, "GraphQL is served by GET (queries) and POST.", headers=_ALLOW_ALL
                )
            if request.method == "GET" and self._wants_ide(request):
                return HTMLResponse(graphiql.page())
            if media is None:
                media = JSON
                raise Refusal(406, f"Accept must allow {GRAPHQL_RESPONSE} or {JSON}.")
            principal = await authenticated(request)  # before the body is read
            params = await self._params(request)
            return await self._run(request, principal, params, media)
        except Refusal as refused:
            problem = refused
        except Exception as error:  # the database or a bug, before execution: never raw
            problem = refusal_for(error, request.state.request_id)
        return self._respond(problem.body(), problem.status, media or JSON, problem.headers)

    def _respond(
        self,
        body: dict[str, Any],
        status: int,
        media: str,
        headers: dict[str, str] | None = None,
    ) -> Response:
        for error in body.get("errors") or ():
            self.metrics.error(str(error["extensions"]["code"]))
        return _respond(body, status, media, headers)

    def _wants_ide(self, request: Request) -> bool:
        accept = request.headers.get("accept", "")
        return (
            self.config.graphiql and "text/html" in accept and "query" not in request.query_params
        )

    async def _params(self, request: Request) -> Params:
        if request.method == "GET":
            raw: Any = dict(request.query_params)
            for part in ("variables", "extensions"):
                if isinstance(raw.get(part), str):
                    raw[part] = self._json(raw[part], f"the {part} parameter")
        else:
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != JSON:
                raise Refusal(415, f"POST bodies must be {JSON}.")
            raw = self._json((await self._body(request)).decode("utf-8", "replace"), "the body")
        if not isinstance(raw, dict):
            raise Refusal(400, "The body must be a JSON object with a query.")
        query, variables, name = raw.get("query"), raw.get("variables"), raw.get("operationName")
        if not isinstance(query, str) or not query.strip():
            raise Refusal(400, "The request has no query: send a GraphQL document.")
        if variables is not None and not isinstance(variables, dict):
            raise Refusal(400, "variables must be a JSON object.")
        if name is not None and not isinstance(name, str):
            raise Refusal(400, "operationName must be a string.")
        extensions = raw.get("extensions")
        if extensions is not None and not isinstance(extensions, dict):
            raise Refusal(400, "extensions must be a JSON object.")
        return Params(query, variables or {}, name)

    async def _body(self, request: Request) -> bytes:
        limit = self.config.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
        return b"".join(chunks)

    def _json(self, text: str, what: str) -> Any:
        return decode_json(text, what, self.config.max_json_values)

    async def _run(
        self, request: Request, principal: Principal, params: Params, media: str
    ) -> Response:
        prepared = self.documents.prepare(params.query)
        if prepared.document is None:
            return self._respond(
                {"errors": [_coded(e.formatted) for e in prepared.errors]},
                _request_error(media),
                media,
            )
        operation = get_operation_ast(prepared.document, params.operation_name)
        if operation is None:
            raise Refusal(
                400,
                "operationName must name one operation of the document."
                if params.operation_name
                else "The document has several operations: send operationName.",
            )
        if request.method == "GET" and operation.operation != OperationType.QUERY:
            raise Refusal(405, "Mutations are sent by POST.", headers={"Allow": "POST"})
        null = prepared.null_where_required(operation, params.variables)
        if null is not None:
            error = {"message": null, "extensions": {"code": "BAD_USER_INPUT"}}
            return self._respond({"errors": [error]}, _request_error(media), media)

        charge = await self._charge(principal, operation, prepared, params.variables)
        if not charge.allowed:
            retry = max(1, round(charge.retry_after_seconds + 0.49))
            raise Refusal(
                429,
                f"Rate limit exceeded: this request costs {charge.cost} points and the key has "
                f"{charge.remaining}; retry in {retry} s.",
                code="RATE_LIMITED",
                headers={"Retry-After": str(retry)},
                retryAfterSeconds=charge.retry_after_seconds,
                cost=charge.extension(),
            )

        async def known() -> Principal | None:
            return principal

        context = Context(
            request_id=request.state.request_id, authenticate=known, settings=self.config
        )
        with executing(prepared.document, self.documents.hide_suggestions):
            result = await schema.execute(
                params.query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
            )
        body, executed = _body_of(result)
        body.setdefault("extensions", {})["cost"] = charge.extension()
        status = 200 if executed or media == JSON else _request_error(media)
        return self._respond(body, status, media)

    async def _charge(
        self,
        principal: Principal,
        operation: OperationDefinitionNode,
        prepared: Prepared,
        variables: dict[str, Any],
    ) -> Charge:
        """The request's cost, charged to its key."""
        cost = query_cost(schema._schema, operation, prepared.fragments, variables)
        if cost > self.config.max_query_cost:
            raise Refusal(
                400,
                f"This query would cost {cost} points; the most one request may cost is "
                f"{self.config.max_query_cost}. Ask for smaller pages.",
                cost={"requested": cost, "maxQueryCost": self.config.max_query_cost},
            )
        return await self.budgets.spend(principal.key_id, cost)


_ALLOW_ALL = {"Allow": "GET, POST"}


def _too_large(limit: int) -> Refusal:
    return Refusal(413, f"The request body is larger than {limit} bytes.")


def _request_error(media: str) -> int:
    return 400 if media == GRAPHQL_RESPONSE else 200


def _coded(error: Mapping[str, Any], code: str = "BAD_USER_INPUT") -> dict[str, Any]:
    out = dict(error)
    extensions = out.get("extensions") or {}
    if not extensions.get("code"):
        out["extensions"] = {**extensions, "code": code}
    return out


def _body_of(result: ExecutionResult) -> tuple[dict[str, Any], bool]:
    """The response body, and whether execution started (a request error has no `data`)."""
    errors = result.errors or []
    executed = not (result.data is None and errors and all(e.path is None for e in errors))
    body: dict[str, Any] = {}
    if executed:
        body["data"] = result.data
    if errors:
        body["errors"] = [
            _coded(e.formatted, "BAD_USER_INPUT" if e.path is None else "INTERNAL_SERVER_ERROR")
            for e in errors
        ]
    if result.extensions:
        body["extensions"] = dict(result.extensions)
    return body, executed


def _respond(
    body: dict[str, Any], status: int, media: str, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        status_code=status,
        media_type=f"{media}; charset=utf-8",
        headers=headers,
    )
