"""The ASGI application: /graphql, /healthz, /readyz."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult

from resolvers.context import Context
from schema.root import schema
from server import db
from server.auth import authenticate
from server.settings import Settings, settings

log = logging.getLogger("burnrate")


class BurnrateGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with Burnrate's typed per-request context."""

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        header = request.headers.get("authorization")
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex

        async def authenticator() -> Any:
            return await authenticate(header)

        return Context(request_id=request_id, authenticate=authenticator)

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        """Every error leaves with a code, also those raised before execution (a syntax error
        answered from the parser cache skips the extensions' error handling)."""
        for error in result.errors or []:
            if not (error.extensions or {}).get("code"):
                code = "BAD_USER_INPUT" if error.path is None else "INTERNAL_SERVER_ERROR"
                error.extensions = {**(error.extensions or {}), "code": code}
        return await super().process_result(request, result)


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(_: Request) -> Response:
    try:
        await db.connection().execute_query("SELECT 1")
    except Exception:
        log.warning("readiness check failed: database unreachable")
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "reachable"})


def create_app(config: Settings = settings, manage_database: bool = True) -> Starlette:
    """The app; with `manage_database` it opens and closes Tortoise in its lifespan."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if manage_database:
            await db.init(config.database_url)
        try:
            yield
        finally:
            if manage_database:
                await db.close()

    graphql = BurnrateGraphQL(schema, graphql_ide="graphiql" if config.graphiql else None)
    middleware = []
    if config.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(config.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type"],
            )
        )
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
