"""The ASGI application: /graphql, /healthz, /readyz, /metrics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from models.sql import connection
from server import db, graphiql
from server.graphql_http import GraphQLEndpoint
from server.observe import Metrics, Observe, configure_logging, metrics_endpoint
from server.page_config import page_routes
from server.settings import Settings, settings

log = logging.getLogger("burnrate")
WEB = Path(__file__).resolve().parent.parent / "web"


async def healthz(_: Request) -> Response:
    """Liveness: the process answers. Never looks at the database."""
    return JSONResponse({"status": "ok"})


def readiness(config: Settings) -> Route:
    async def readyz(_: Request) -> Response:
        """Readiness: the database answers `SELECT 1` within the connect timeout."""
        try:
            await asyncio.wait_for(
                connection().execute_query("SELECT 1"), config.db_connect_timeout_seconds + 1
            )
        except Exception:
            log.warning("readiness check failed: database unreachable")
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"}, status_code=503
            )
        return JSONResponse({"status": "ok", "database": "reachable"})

    return Route("/readyz", readyz)


def create_app(config: Settings = settings, manage_database: bool = True) -> Starlette:
    """The app; with `manage_database` (a served app) it configures logging for this process
    and opens and closes Tortoise in its lifespan."""
    if manage_database:
        configure_logging(config.log_format)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if manage_database:
            await db.init(config.database_url, served=config)
        try:
            yield
        finally:
            if manage_database:
                await db.close()

    metrics = Metrics()
    graphql = GraphQLEndpoint(config, metrics=metrics)
    middleware = [Middleware(Observe, metrics=metrics)]
    if config.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(config.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", "accept", "x-request-id"],
                expose_headers=["x-request-id", "retry-after"],
            )
        )
    app = Starlette(
        routes=[
            Route("/graphql", graphql.handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            Route("/healthz", healthz),
            readiness(config),
            Route("/metrics", metrics_endpoint(metrics)),
            *graphiql.routes(),
            # The reference Usage page (web/): plain files, no build step.
            *page_routes(config),
            Mount("/", app=StaticFiles(directory=WEB, html=True), name="web"),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.metrics = metrics
    app.state.graphql = graphql
    return app
