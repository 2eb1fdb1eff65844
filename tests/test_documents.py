"""Prepared documents (server/documents.py): parsed once per request, cached within a byte
budget, errors located as graphql-core locates them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from graphql import Source
from graphql.language import parser
from hypothesis import given
from hypothesis import strategies as st
from strawberry.schema import schema as strawberry_schema

from schema.root import schema
from server.app import create_app
from server.documents import CACHEABLE_FRACTION, Documents, _LinedSource
from server.settings import Settings
from tests.api import Api
from tests.conftest import TEST_SETTINGS
from tests.dashboard import DASHBOARD


@given(st.text(alphabet="ab \n\r", max_size=40), st.data())
def test_errors_are_located_as_graphql_core_locates_them(body: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(body)))
    assert _LinedSource(body).get_location(position) == Source(body).get_location(position)


async def test_a_document_is_parsed_once_then_cached(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = 0
    original = parser.Parser.parse_document

    def counted(self: parser.Parser) -> object:
        nonlocal parsed
        parsed += 1
        return original(self)

    validated = 0

    def strawberrys(*args: object) -> list[object]:
        nonlocal validated
        validated += 1
        return []

    monkeypatch.setattr(parser.Parser, "parse_document", counted)
    monkeypatch.setattr(strawberry_schema, "validate_document", strawberrys)
    query = "query Once { viewer { name } }"
    assert await api.ok(query) == {"viewer": {"name": "test admin"}}
    assert parsed == 1  # the endpoint's parse is the one Strawberry executes
    assert await api.ok(query) == {"viewer": {"name": "test admin"}}
    assert parsed == 1  # cached
    assert validated == 0  # Strawberry does not validate it again


@asynccontextmanager
async def _app(**changes: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Documents]]:
    app = create_app(replace(TEST_SETTINGS, **changes), manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://burnrate.test") as client:
        yield client, app.state.graphql.documents


async def test_the_cache_holds_no_more_than_its_bytes(admin_key: str) -> None:
    budget = 4_000_000
    headers = {"Authorization": f"Bearer {admin_key}"}
    async with _app(document_cache_bytes=budget, max_document_length=budget) as (client, documents):
        for n in range(60):  # ~140 kB each by the estimate
            query = DASHBOARD.replace("query Dashboard", f"query Dashboard{n}")
            await client.post("/graphql", json={"query": query, "variables": {"id": "x"}},
                              headers=headers)  # fmt: skip
        assert documents.cache.used <= budget
        assert 0 < len(documents.cache.items) < 60
        # a document larger than 1/16 of the cache is prepared every time, never kept
        padded = "{ __typename } #" + "p" * (budget // CACHEABLE_FRACTION)
        answer = await client.post("/graphql", json={"query": padded}, headers=headers)
        assert answer.json()["data"] == {"__typename": "Query"}
        assert padded not in documents.cache.items


async def test_without_a_key_nothing_is_cached(clean: None) -> None:
    async with _app() as (client, documents):
        for n in range(20):
            answer = await client.post("/graphql", json={"query": f"query Q{n} {{ __typename }}"})
            assert answer.status_code == 401
        assert not documents.cache.items


def test_each_limit_is_a_setting() -> None:
    documents = Documents(schema._schema, Settings(max_tokens=3))
    [error] = documents.prepare("{ viewer { name } }").errors
    assert error.message.endswith("more than 3 tokens. Parsing aborted.")
