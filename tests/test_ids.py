"""Ids and cursors are canonical: one spelling per object or row (resolvers/ids.py,
resolvers/pagination.py). Pure tables; through the API in tests/test_malformed_inputs.py."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from resolvers.errors import BadUserInput
from resolvers.ids import decode_id, decode_key, from_global_id, key_max, to_global_id
from resolvers.pagination import decode_cursor, encode_cursor, instant_part, key_part, text_part
from schema.root import NODES
from tests.spellings import b64, packed


@pytest.mark.parametrize("type_name", list(NODES))
def test_each_type_s_key_range_is_its_id_column_s(type_name: str) -> None:
    assert key_max(type_name) == NODES[type_name][0]._meta.pk.constraints["le"]


@pytest.mark.parametrize(
    ("type_name", "pk"),
    [("Workspace", 1), ("Workspace", 2**31 - 1), ("Conversation", 2**63 - 1), ("TopUp", 10)],
)
def test_ids_round_trip(type_name: str, pk: int) -> None:
    global_id = to_global_id(type_name, pk)
    assert from_global_id(global_id) == (type_name, pk)
    assert decode_id(global_id, type_name) == pk
    assert decode_key(global_id, type_name) == pk == decode_key(str(pk), type_name)


@pytest.mark.parametrize(
    "global_id",
    [
        b64("Workspace:2147483648"),
        b64("Assistant:999999999999999999"),
        b64("Conversation:9223372036854775808"),
        b64("Workspace:01"),
        b64("Workspace:0"),
        b64("Workspace:-1"),
        b64("Workspace:+1"),
        b64("Workspace: 1"),
        b64("Workspace:1 "),
        b64("Workspace:²"),
        b64("Workspace:١"),
        b64("Workspace:１"),
        b64("Workspace:1\x00"),
        b64("Workspace:"),
        b64("Workspace"),
        b64(":1"),
        "V29ya3NwYWNlOjE",  # Workspace:1 without its padding
        "V29ya3NwYWNlOjF=",  # Workspace:1 with other spare bits
        "V29ya3NwYWNlOjE=\n",
        "V29ya3NwYWNlOjE=\x00",
        "V29ya3NwYWNlOjE=\ud800",
        "V29ya3NwYWNlOjE==",
        "",
        "%%%",
        "A" * 10_000,
    ],
)
def test_other_spellings_name_nothing(global_id: str) -> None:
    assert from_global_id(global_id) is None
    assert decode_id(global_id, "Workspace") is None


@pytest.mark.parametrize(
    "typed", ["01", "+1", " 1", "1 ", "²", "١", "１", "0", "-1", "2147483648", "", "1.0"]
)
def test_typed_keys_are_ascii_digits_within_range(typed: str) -> None:
    assert decode_key(typed, "Workspace") is None


ACTIVITY = (instant_part, key_part("Conversation"))


def test_cursors_round_trip() -> None:
    for parts, values in (
        ((key_part("Workspace"),), [2**31 - 1]),
        ((text_part, key_part("Assistant")), ["Ünïcode 😀\tname", 3]),
        (ACTIVITY, ["2026-11-22T09:30:00.000001+00:00", 2**63 - 1]),
    ):
        assert decode_cursor(encode_cursor(*values), *parts) == values


@pytest.mark.parametrize(
    "cursor",
    [
        packed("2026-11-22T09:30:00Z", 1),
        packed("2026-11-22T10:30:00+01:00", 1),
        packed("2026-11-22T09:30:00.000000+00:00", 1),
        packed("9999-12-31T23:59:59+00:00", 1),
        packed("0001-01-01T00:00:00+05:00", 1),
        packed("2026-11-22T09:30:00+00:00", 2**63),
        packed("2026-11-22T09:30:00+00:00", 0),
        packed("2026-11-22T09:30:00+00:00", True),
        packed("2026-11-22T09:30:00+00:00", 1.0),
        packed("2026-11-22T09:30:00+00:00"),
        base64.urlsafe_b64encode(b'["2026-11-22T09:30:00+00:00",1]').decode(),
        packed("2026-11-22T09:30:00+00:00", 1) + "\x00",
        "",
    ],
)
def test_activity_cursors_are_the_server_s_spelling(cursor: str) -> None:
    with pytest.raises(BadUserInput):
        decode_cursor(cursor, *ACTIVITY)


@pytest.mark.parametrize("name", ["a\x00b", "\ud800", "x" * 201, 7, None])
def test_name_cursors_hold_text_the_inputs_accept(name: Any) -> None:
    with pytest.raises(BadUserInput):
        decode_cursor(packed(name, 1), text_part, key_part("Assistant"))
