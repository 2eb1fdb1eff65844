"""A small GraphQL client for tests, speaking HTTP to the real ASGI app."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from models.rules.enums import Scope
from server.auth import create_key


class GraphQLFailure(AssertionError):
    pass


@dataclass
class Api:
    http: httpx.AsyncClient
    key: str | None
    headers: dict[str, str] = field(default_factory=dict)

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = dict(self.headers)
        if self.key is not None:
            headers["Authorization"] = f"Bearer {self.key}"
        payload = {"query": query, "variables": variables or {}}
        try:
            encoded = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: JSON can still escape it
            encoded = json.dumps(payload).encode("ascii")
        headers["Content-Type"] = "application/json"
        response = await self.http.post("/graphql", content=encoded, headers=headers)
        assert response.status_code in (200, 400, 401), response.text
        body: dict[str, Any] = response.json()
        return body

    async def ok(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = await self.post(query, variables)
        if body.get("errors"):
            raise GraphQLFailure(f"unexpected errors: {body['errors']}")
        data: dict[str, Any] = body["data"]
        return data

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """The errors of a failing call, checked for what no client may ever see."""
        body = await self.post(query, variables)
        errors: list[dict[str, Any]] | None = body.get("errors")
        if not errors:
            raise GraphQLFailure(f"expected an error, got {body}")
        data = body.get("data")
        assert data is None or all(v is None for v in data.values()), body
        for error in errors:
            text = str(error)
            for leak in ("Traceback", "SELECT ", "INSERT ", "sqlite3", "asyncpg", 'File "'):
                assert leak not in text, f"error leaks {leak!r}: {error}"
            assert error.get("extensions", {}).get("code"), error
        return errors

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The single error of a failing call."""
        errors = await self.errors(query, variables)
        assert len(errors) == 1, errors
        return errors[0]

    async def code(self, query: str, variables: dict[str, Any] | None = None) -> str:
        return str((await self.error(query, variables))["extensions"]["code"])

    def as_key(self, key: str | None) -> Api:
        return Api(self.http, key)

    async def workspace_key(self, workspace_id: str, *scopes: Scope) -> Api:
        from resolvers.ids import decode_id

        pk = decode_id(workspace_id, "Workspace")
        assert pk is not None
        created = await create_key("test workspace key", frozenset(scopes), pk)
        return self.as_key(created.secret)
