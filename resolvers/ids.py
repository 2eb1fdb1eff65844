"""Global (Relay) ids: base64 of "TypeName:primaryKey"."""

from __future__ import annotations

import base64
import binascii


def to_global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode("ascii")


def from_global_id(global_id: str) -> tuple[str, int] | None:
    """The type name and key of an id, or None when it is not one of ours."""
    try:
        raw = base64.b64decode(global_id.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    type_name, sep, key = raw.partition(":")
    if not sep or not key.isdigit() or len(key) > 18:
        return None
    return type_name, int(key)


def decode_id(global_id: str, type_name: str) -> int | None:
    """The primary key of an id of the given type; None for any other id."""
    decoded = from_global_id(global_id)
    if decoded is None or decoded[0] != type_name:
        return None
    return decoded[1]
