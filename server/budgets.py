"""Each API key's budget of points: a leaky bucket, full at `limit`, refilled at
`restore_per_second`. A request is charged its cost when it starts; one that would overdraw
the bucket is refused and charged nothing.

With `BURNRATE_REDIS_URL` the buckets live in Redis, one per key for every process and
machine: one EVALSHA per request runs the bucket atomically on Redis' own clock (`TIME`), so
the processes' clocks do not matter, and a bucket's key expires when it would be full again
(a missing key is a full bucket). Without it each process keeps its own buckets.

When Redis fails (refused, timed out, a bad answer) the request is still served: it is
charged to this process' own bucket, so a key stays limited per process (fail open, but not
unlimited). The failure is counted in /metrics and logged at most once a minute, and Redis is
not tried again for `redis_retry_seconds`: a dead Redis costs one short timeout per pause,
not one per request.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from server.masking import mask_url, passwords, scrub
from server.settings import Settings

log = logging.getLogger("burnrate.budgets")

STORE_ERRORS = Counter(
    "burnrate_budget_store_errors_total",
    "Calls to the budget store (Redis) that failed: refused, timed out or a bad answer.",
)
FALLBACKS = Counter(
    "burnrate_budget_store_fallbacks_total",
    "Requests charged to the process' own bucket because the budget store was unavailable.",
)
#: At most one line about an unavailable budget store per this many seconds.
LOG_EVERY_SECONDS = 60.0


@dataclass
class Charge:
    """The outcome of charging one request to its key's budget."""

    cost: int
    allowed: bool
    remaining: int
    limit: int
    restore_per_second: float
    retry_after_seconds: float = 0.0

    def extension(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "requested": self.cost,
            "remaining": self.remaining,
            "limit": self.limit,
            "restorePerSecond": self.restore_per_second,
        }
        if not self.allowed:
            out["retryAfterSeconds"] = self.retry_after_seconds
        return out


def _outcome(cost: int, allowed: bool, points: float, limit: int, rate: float) -> Charge:
    """The charge, from the points left after it (allowed) or the points there were."""
    if allowed:
        return Charge(cost, True, int(points), limit, rate)
    wait = (cost - points) / rate if rate > 0 else math.inf
    return Charge(
        cost,
        False,
        int(points),
        limit,
        rate,
        retry_after_seconds=math.ceil(wait * 10) / 10 if math.isfinite(wait) else 3600.0,
    )


class BudgetStore(Protocol):
    async def spend(self, key_id: int, cost: int) -> Charge: ...

    async def close(self) -> None: ...


@dataclass
class _Bucket:
    points: float
    at: float


@dataclass
class Budgets:
    """The buckets kept in this process."""

    limit: int
    restore_per_second: float
    _buckets: dict[int, _Bucket] = field(default_factory=dict)

    def charge(self, key_id: int, cost: int, now: float | None = None) -> Charge:
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key_id)
        if bucket is None:
            bucket = self._buckets[key_id] = _Bucket(float(self.limit), now)
        bucket.points = min(
            float(self.limit), bucket.points + (now - bucket.at) * self.restore_per_second
        )
        bucket.at = now
        allowed = cost <= bucket.points
        if allowed:
            bucket.points -= cost
        return _outcome(cost, allowed, bucket.points, self.limit, self.restore_per_second)

    async def spend(self, key_id: int, cost: int) -> Charge:
        return self.charge(key_id, cost)

    async def close(self) -> None:
        return None


# KEYS[1] the bucket; ARGV limit, restore per second, cost. Returns {allowed, points}: the
# points left after an allowed charge, or those there were when refused (as text: Redis
# would truncate a Lua number to an integer).
_SCRIPT = """
local limit = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'points', 'at')
local points = tonumber(bucket[1]) or limit
local at = tonumber(bucket[2]) or now
points = math.min(limit, points + math.max(0, now - at) * rate)
local allowed = 0
if cost <= points then
  points = points - cost
  allowed = 1
end
if points >= limit then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'points', string.format('%.6f', points),
             'at', string.format('%.6f', now))
  if rate > 0 then
    redis.call('PEXPIRE', KEYS[1], math.ceil((limit - points) / rate * 1000))
  else
    redis.call('PERSIST', KEYS[1])
  end
end
return {allowed, string.format('%.6f', points)}
"""


class RedisUrlError(ValueError):
    """BURNRATE_REDIS_URL is not a URL Burnrate can use."""


def check_redis_url(url: str) -> None:
    """Accept `redis://`, `rediss://` (TLS) and `unix://` URLs; refuse the rest with a
    message naming the setting and the URL without its password."""
    shown = f"BURNRATE_REDIS_URL {mask_url(url)!r}"
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        raise RedisUrlError(f"{shown} is not a valid URL: use redis://HOST:PORT/DB") from None
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise RedisUrlError(f"{shown} is not supported: use redis://HOST:PORT/DB")
    if parts.scheme != "unix" and not parts.hostname:
        raise RedisUrlError(f"{shown} names no host: use redis://HOST:PORT/DB")
    if parts.scheme != "unix" and not parts.path.strip("/").isdigit() and parts.path.strip("/"):
        raise RedisUrlError(f"{shown}: the database must be a number")


class RedisBudgets:
    """The buckets kept in Redis, with this process' own buckets while Redis is away."""

    def __init__(self, config: Settings) -> None:
        check_redis_url(config.redis_url)
        self.local = Budgets(config.rate_limit_points, config.rate_limit_restore_per_second)
        self.prefix = f"{config.redis_prefix}budget:"
        self.retry_seconds = config.redis_retry_seconds
        self.shown_url = mask_url(config.redis_url)
        self.secrets = passwords([config.redis_url])
        self.client = Redis.from_url(
            config.redis_url,
            socket_timeout=config.redis_timeout_seconds,
            socket_connect_timeout=config.redis_timeout_seconds,
            retry=Retry(NoBackoff(), 0),
        )
        self.script = self.client.register_script(_SCRIPT)
        self.healthy = True
        self.down_until = 0.0
        self.logged_at = -math.inf
        self.failures_unlogged = 0

    async def spend(self, key_id: int, cost: int) -> Charge:
        now = time.monotonic()
        if self.healthy or now >= self.down_until:
            if not self.healthy:
                self.down_until = now + self.retry_seconds  # one probe at a time
            limit, rate = self.local.limit, self.local.restore_per_second
            try:
                allowed, points = await self.script(
                    keys=[f"{self.prefix}{key_id}"], args=[limit, rate, cost]
                )
            except (RedisError, OSError) as error:  # OSError: refused, timed out
                self._failed(error, now)
            else:
                self._recovered()
                return _outcome(cost, bool(allowed), float(points), limit, rate)
        FALLBACKS.inc()
        return self.local.charge(key_id, cost)

    def _failed(self, error: BaseException, now: float) -> None:
        STORE_ERRORS.inc()
        self.healthy = False
        self.down_until = now + self.retry_seconds
        self.failures_unlogged += 1
        if now - self.logged_at >= LOG_EVERY_SECONDS:
            log.warning(
                "budget store unavailable (%s): %s: %s; %d failure(s) since the last report; "
                "charging this process' own buckets, trying again every %g s",
                self.shown_url,
                type(error).__name__,
                scrub(str(error), self.secrets),
                self.failures_unlogged,
                self.retry_seconds,
            )
            self.logged_at = now
            self.failures_unlogged = 0

    def _recovered(self) -> None:
        if not self.healthy:
            log.info("budget store available again (%s)", self.shown_url)
            self.healthy = True

    async def close(self) -> None:
        await self.client.aclose()


def budget_store(config: Settings) -> BudgetStore:
    """Redis' shared buckets when BURNRATE_REDIS_URL is set, else this process' own."""
    if config.redis_url:
        return RedisBudgets(config)
    return Budgets(config.rate_limit_points, config.rate_limit_restore_per_second)
