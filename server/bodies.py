"""JSON from a request, decoded at a bounded cost.

`json.loads` is fast per byte, but some 4 MB bodies are not: 1.3 M empty lists took 343 ms,
1,000 integers of 4,000 digits 71 ms (Python converts long digit strings in quadratic time),
100,000 floats like `1.1e-300` 77 ms. So before and while decoding:

- the values are counted first, as the separators `,` `:` `[` `{` (those inside strings
  too, so the count is an upper bound), at C speed;
- an integer or float may have at most MAX_NUMBER_LENGTH characters, and a body at most
  MAX_FLOATS numbers with a fraction or exponent (no input of the API takes one; an `Int`
  accepts `5.0`);
- `NaN` and `Infinity`, which Python accepts and JSON does not have, are refused;
- nesting deeper than the interpreter's recursion limit is refused, not a crash.

Each refusal is a `Refusal` (400, BAD_USER_INPUT) naming the part of the request.
"""

from __future__ import annotations

import json
from typing import Any

from server.gate import Refusal

#: Longest number, in characters: a 64-bit integer has 20 with its sign.
MAX_NUMBER_LENGTH = 32
#: Most numbers with a fraction or exponent in one body (each costs up to ~0.7 µs).
MAX_FLOATS = 1_000


class _NotANumber(ValueError):
    pass


def decode_json(text: str, what: str, max_values: int) -> Any:
    values = sum(text.count(mark) for mark in ",:[{")
    if values > max_values:
        raise Refusal(400, f"{what} holds more than {max_values} JSON values.")
    try:
        return json.loads(
            text, parse_int=_integer, parse_float=_Floats(), parse_constant=_no_constant
        )
    except _NotANumber as error:
        raise Refusal(400, f"{what} holds {error}.") from None
    except RecursionError:
        raise Refusal(400, f"{what} is nested too deeply.") from None
    except ValueError:
        raise Refusal(400, f"{what} is not valid JSON.") from None


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _NotANumber(f"a number longer than {MAX_NUMBER_LENGTH} characters")
    return int(text)


class _Floats:
    def __init__(self) -> None:
        self.seen = 0

    def __call__(self, text: str) -> float:
        self.seen += 1
        if self.seen > MAX_FLOATS:
            raise _NotANumber(f"more than {MAX_FLOATS} numbers with a fraction or exponent")
        if len(text) > MAX_NUMBER_LENGTH:
            raise _NotANumber(f"a number longer than {MAX_NUMBER_LENGTH} characters")
        return float(text)


def _no_constant(text: str) -> Any:
    raise _NotANumber(f"{text}, which JSON does not have")
