"""Global (Relay) ids: base64 of "TypeName:primaryKey".

Each object has one id: standard base64 with padding of the type name, a colon and the key
in ASCII digits without leading zeros, within the range of the type's key column. Any other
spelling (other base64 bits or padding, `Workspace:01`, `Workspace:١`, a key too large for
its column) names nothing, so it is NOT_FOUND like an id that does not exist."""

from __future__ import annotations

import base64
import binascii
import re

#: The largest key of each type's id column: 32-bit integers, 64-bit for conversations
#: (tests/test_ids.py checks this against the models).
INT_KEY_MAX = 2**31 - 1
KEY_MAX: dict[str, int] = {"Conversation": 2**63 - 1}
_KEY = re.compile(r"[1-9][0-9]{0,18}")
_TYPE = re.compile(r"[A-Z][A-Za-z]*")
#: Longer than any id this server writes (the longest type name and a 19-digit key).
_MAX_ID_LENGTH = 64


def key_max(type_name: str) -> int:
    return KEY_MAX.get(type_name, INT_KEY_MAX)


def to_global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode("ascii")


def from_global_id(global_id: str) -> tuple[str, int] | None:
    """The type name and key of an id, or None when it is not the canonical id of a key."""
    if len(global_id) > _MAX_ID_LENGTH:
        return None
    try:
        raw = base64.b64decode(global_id.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    type_name, sep, key = raw.partition(":")
    pk = parse_key(key, type_name) if sep and _TYPE.fullmatch(type_name) else None
    if pk is None or to_global_id(type_name, pk) != global_id:
        return None
    return type_name, pk


def parse_key(text: str, type_name: str) -> int | None:
    """A key written in ASCII digits without leading zeros, within its column's range."""
    if not _KEY.fullmatch(text):
        return None
    pk = int(text)
    return pk if pk <= key_max(type_name) else None


def decode_id(global_id: str, type_name: str) -> int | None:
    """The primary key of an id of the given type; None for any other id."""
    decoded = from_global_id(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]


def decode_key(text: str, type_name: str) -> int | None:
    """A key a person typed (the CLI's `--workspace`): its global id, or the plain number."""
    return parse_key(text, type_name) or decode_id(text, type_name)
