"""Other spellings of ids and cursors, for the tests that send them."""

from __future__ import annotations

import base64
import json
from typing import Any

from resolvers.ids import decode_id


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


def odd_ids(global_id: str, type_name: str) -> list[str]:
    """Other spellings of an existing object's id, and ids out of the column's range."""
    pk = decode_id(global_id, type_name)
    assert pk is not None
    arabic = str(pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    superscript = str(pk).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    raw = base64.b64decode(global_id)
    padded = global_id.endswith("=")
    same_bytes = [
        variant
        for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        if padded
        and (variant := global_id.rstrip("=")[:-1] + c + "=" * global_id.count("=")) != global_id
        and base64.b64decode(variant) == raw
    ]
    # Padded ids have spare bits to set and padding to drop; the others take extra padding.
    spellings = [same_bytes[0], global_id.rstrip("=")] if padded else [global_id + "=="]
    return [
        b64(f"{type_name}:999999999999999999"),
        b64(f"{type_name}:2147483648"),
        b64(f"{type_name}:9223372036854775808"),
        b64(f"{type_name}:{10**40}"),
        b64(f"{type_name}:{arabic}"),
        b64(f"{type_name}:{superscript}"),
        b64(f"{type_name}:²"),
        b64(f"{type_name}:0{pk}"),
        b64(f"{type_name}:+{pk}"),
        b64(f"{type_name}: {pk}"),
        b64(f"{type_name}:{pk}\x00"),
        b64(f"{type_name}:{pk}\n"),
        b64(f"{type_name}:-{pk}"),
        b64(f"{type_name}:0"),
        *spellings,
        global_id + "\x00",
        global_id + "\ud800",
        global_id + "\n",
        " " + global_id,
        "\ud800",
        "\x00",
        "",
        "A" * 100_000,
    ]


def cursor(raw: str | bytes) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode("ascii")


def packed(*values: Any) -> str:
    return cursor(json.dumps(list(values)))
