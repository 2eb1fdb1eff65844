"""API keys: creation, hashing, and resolving a request's key to a principal."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from models import ApiKey
from models.enums import Scope
from resolvers.access import Principal

KEY_PREFIX = "br_"


@dataclass(frozen=True)
class NewKey:
    id: int
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def create_key(name: str, scopes: frozenset[Scope], workspace_id: int | None) -> NewKey:
    """Store a new key (its hash only) and return the secret, shown once."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
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


async def authenticate(authorization: str | None) -> Principal | None:
    """The principal behind an `Authorization: Bearer` header, or None."""
    token = bearer_token(authorization)
    if token is None or len(token) > 200:
        return None
    key = await ApiKey.filter(secret_hash=hash_secret(token), revoked_at__isnull=True).first()
    if key is None:
        return None
    return Principal(
        key_id=key.id,
        name=key.name,
        scopes=frozenset(Scope(s) for s in key.scopes.split(",") if s),
        workspace_id=key.workspace_id,
    )
