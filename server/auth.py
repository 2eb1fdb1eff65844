"""API keys: creation, hashing, and resolving a request's key to a principal."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models import ApiKey
from models.rules.enums import Scope
from resolvers.access import Principal

KEY_PREFIX = "br_"
#: Random bytes in a key's secret (43 URL-safe base64 characters after the prefix).
KEY_BYTES = 32
#: The shape of every key `create_key` makes; any other token is refused without a lookup.
WELL_FORMED_KEY = re.compile(re.escape(KEY_PREFIX) + r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class NewKey:
    id: int
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def create_key(name: str, scopes: frozenset[Scope], workspace_id: int | None) -> NewKey:
    """Store a new key (its hash only) and return the secret, shown once."""
    secret = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
    key = await ApiKey.create(
        name=name,
        scopes=",".join(sorted(s.value for s in scopes)),
        workspace_id=workspace_id,
        secret_hash=hash_secret(secret),
    )
    return NewKey(id=key.id, secret=secret)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


#: How often a key's `last_used_at` is written, at most (per process).
LAST_USED_RESOLUTION = timedelta(minutes=1)
_last_written: dict[str, datetime] = {}  # by the key's hash


async def authenticate(authorization: str | None) -> Principal | None:
    """The principal behind an `Authorization: Bearer` header, or None (no key, a token not
    shaped like a key, an unknown key, a revoked one). Only a well-formed key costs a query.

    The lookup is by the SHA-256 of the secret (an index probe: timing reveals at most how
    a hash the caller cannot choose compares), and the stored hash is then compared in
    constant time. `last_used_at` is written at most once a minute per key and process.
    """
    token = bearer_token(authorization)
    if token is None or WELL_FORMED_KEY.fullmatch(token) is None:
        return None
    digest = hash_secret(token)
    key = await ApiKey.filter(secret_hash=digest, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.secret_hash, digest):
        return None
    now = datetime.now(UTC)
    written = _last_written.get(digest)
    if written is None or now - written >= LAST_USED_RESOLUTION:
        _last_written[digest] = now
        await ApiKey.filter(id=key.id).update(last_used_at=now)
    return Principal(
        key_id=key.id,
        name=key.name,
        scopes=frozenset(Scope(s) for s in key.scopes.split(",") if s),
        workspace_id=key.workspace_id,
    )


@dataclass(frozen=True)
class KeyRow:
    id: int
    name: str
    scopes: str
    workspace_id: int | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


async def list_keys() -> list[KeyRow]:
    """Every key, oldest first (secrets are never stored, so never shown)."""
    return [
        KeyRow(k.id, k.name, k.scopes, k.workspace_id, k.created_at, k.last_used_at, k.revoked_at)
        for k in await ApiKey.all().order_by("id")
    ]


async def revoke_key(key_id: int) -> bool:
    """Revoke a key now; False when no such key exists. Revoking twice keeps the first time."""
    if not await ApiKey.filter(id=key_id).exists():
        return False
    await ApiKey.filter(id=key_id, revoked_at__isnull=True).update(revoked_at=datetime.now(UTC))
    return True
