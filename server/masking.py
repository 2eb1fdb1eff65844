"""Passwords never leave in a message: URLs are shown with `***` in place of the password,
and any text (an exception's message, a traceback, a log line) has the configured URLs'
passwords replaced before it is printed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

MASK = "***"
_QUERY_SECRET = re.compile(r"((?:^|[?&;])(?:password|passwd|pass|pwd)=)([^&;#]*)", re.IGNORECASE)
# When a URL does not parse: everything between `scheme://user:` and the last `@`.
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:@/]*:)(.*)@")
#: Shorter passwords are masked inside URLs only: replacing them in free text would
#: garble it without hiding anything worth hiding.
_SHORTEST_SCRUBBED = 4


def mask_url(url: str) -> str:
    """`url` with its password (in the user part or a `password=` parameter) as `***`."""
    try:
        parts = urlsplit(url)
        has_password = parts.password is not None
    except ValueError:
        masked = _USERINFO.sub(rf"\g<1>{MASK}@", url, count=1)
    else:
        masked = url
        if has_password:
            userinfo, _, hostport = parts.netloc.rpartition("@")
            user = userinfo.split(":", 1)[0]
            start = url.index(parts.netloc)
            masked = f"{url[:start]}{user}:{MASK}@{hostport}{url[start + len(parts.netloc) :]}"
    return _QUERY_SECRET.sub(rf"\g<1>{MASK}", masked)


def passwords(urls: Iterable[str]) -> list[str]:
    """The passwords the URLs carry, as written and decoded, longest first."""
    found: set[str] = set()
    for url in urls:
        if not url:
            continue
        try:
            raw = urlsplit(url).netloc.rpartition("@")[0].partition(":")[2]
        except ValueError:
            match = _USERINFO.match(url)
            raw = match.group(2) if match else ""
        candidates = [raw, *(value for _, value in _QUERY_SECRET.findall(url))]
        for value in candidates:
            found |= {value, unquote(value)}
    return sorted((p for p in found if len(p) >= _SHORTEST_SCRUBBED), key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every one of `secrets` replaced by `***`."""
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text
