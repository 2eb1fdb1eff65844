"""`schema.graphql` is the printed schema: this fails when code and file drift."""

from __future__ import annotations

from pathlib import Path

from schema.root import sdl

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == sdl(), (
        "schema.graphql is out of date: run `make schema` and commit the result"
    )
