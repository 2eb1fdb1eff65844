"""The demo workspace of `burnrate demo`: 90 days of realistic traffic, loaded through the
usage core's writes (the functions behind the GraphQL mutations, with their validation),
as the process itself: no key and no principal are involved.

Everything is deterministic (a seeded generator, keys derived from day and position), so a
load that was cut off can simply run again: what is stored counts as duplicates."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from models import Workspace
from models.rules.days import billing_period
from models.rules.enums import Channel, ConversationType, CreditType
from models.rules.health import Call, peak_concurrency
from resolvers import ingest, resources
from resolvers import workspace as workspaces
from resolvers.ids import to_global_id
from server.settings import Settings

DEMO_NAME = "Acme Support (demo)"
PLAN_CODE = "demo-growth"
TIMEZONE = "America/New_York"
DAYS = 90
BATCH = 1000

#: (external id, name, share of traffic, archived days ago)
ASSISTANTS = [
    ("sales", "Sales Concierge", 26, None),
    ("support", "Support Bot", 34, None),
    ("billing", "Billing Helper", 12, None),
    ("onboarding", "Onboarding Guide", 10, None),
    ("voice", "Voice Receptionist", 8, None),
    ("legacy", "Legacy FAQ", 10, 20),
]
CHANNELS = {
    "WEB_CHAT": 34,
    "WHATSAPP": 24,
    "PHONE": 11,
    "SMS": 8,
    "MESSENGER": 10,
    "INSTAGRAM": 8,
    "TELEGRAM": 5,
}
FIRST_NAMES = [
    "Ana", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kemi", "Liam", "Mara", "Nils", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tariq",
]  # fmt: skip


@dataclass
class DemoResult:
    workspace_id: int
    loaded: bool
    events: int = 0
    seconds: float = 0.0

    @property
    def global_id(self) -> str:
        return to_global_id("Workspace", self.workspace_id)


@dataclass
class _Traffic:
    events: list[ingest.Event] = field(default_factory=list)
    #: Live usage per local date: credits, text queries, voice minutes.
    credits: dict[date, Fraction] = field(default_factory=dict)
    queries: dict[date, int] = field(default_factory=dict)
    voice: dict[date, Fraction] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def count(self, day: date, credits: Decimal, queries: int, voice: Decimal) -> None:
        self.credits[day] = self.credits.get(day, Fraction(0)) + Fraction(credits)
        self.queries[day] = self.queries.get(day, 0) + queries
        self.voice[day] = self.voice.get(day, Fraction(0)) + Fraction(voice)


def _money(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 2)))


def _generate(now: datetime, assistant_ids: dict[str, str]) -> _Traffic:
    """90 local days of traffic ending now: weekday rhythm, business hours, slow growth,
    a three-day spike, phone bursts and playground tests."""
    rng = random.Random(42)
    tz = ZoneInfo(TIMEZONE)
    today = now.astimezone(tz).date()
    traffic = _Traffic()
    contacts = [f"contact-{n:04d}" for n in range(3000)]
    names = {c: f"{rng.choice(FIRST_NAMES)} {chr(65 + n % 26)}." for n, c in enumerate(contacts)}
    channels, channel_weights = zip(*CHANNELS.items(), strict=True)
    for offset in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=offset)
        weekday = day.weekday() < 5
        volume = 210 * (1.0 if weekday else 0.4) * (0.8 + 0.4 * (DAYS - offset) / DAYS)
        if 23 <= offset <= 25:
            volume *= 3  # a campaign went viral
        live = [a for a in ASSISTANTS if a[3] is None or offset > a[3]]
        for n in range(int(volume * rng.uniform(0.9, 1.1))):
            hour = min(23, max(0, int(rng.gauss(13, 3.5))))
            start = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=tz)
            channel = rng.choices(channels, channel_weights)[0]
            if channel == "PHONE" and rng.random() < 0.7:
                bot = "voice"
            else:
                bot = rng.choices([a[0] for a in live], [a[2] for a in live])[0]
            _conversation(traffic, rng, now, tz, f"demo-{day}-{n}", start, channel, bot,
                          rng.choice(contacts), names, assistant_ids)  # fmt: skip
        if weekday and offset % 3 == 0:  # a burst of overlapping calls
            start = datetime(day.year, day.month, day.day, 11, 0, tzinfo=tz)
            for n in range(rng.randint(5, 8)):
                _conversation(traffic, rng, now, tz, f"demo-{day}-burst-{n}",
                              start + timedelta(minutes=rng.randint(0, 10)), "PHONE", "voice",
                              f"+1212555{n:04d}", names, assistant_ids)  # fmt: skip
        for n in range(3):  # playground: tested, never counted
            start = datetime(day.year, day.month, day.day, 10 + n, 15, tzinfo=tz)
            _conversation(traffic, rng, now, tz, f"demo-{day}-playground-{n}", start,
                          "WEB_CHAT", rng.choice(live)[0], "playground-tester", names,
                          assistant_ids, playground=True)  # fmt: skip
    return traffic


def _conversation(
    traffic: _Traffic,
    rng: random.Random,
    now: datetime,
    tz: ZoneInfo,
    external_id: str,
    start: datetime,
    channel: str,
    bot: str,
    contact: str,
    names: dict[str, str],
    assistant_ids: dict[str, str],
    playground: bool = False,
) -> None:
    start = start.astimezone(UTC)
    if start > now - timedelta(minutes=1):
        return
    phone = channel == "PHONE"
    duration = timedelta(minutes=rng.randint(2, 25)) if phone else None
    ended = start + duration if duration and start + duration <= now else None
    conversation = ingest.ConversationSent(
        external_id=external_id,
        channel=Channel(channel),
        type=ConversationType.OUTBOUND if rng.random() < 0.15 else ConversationType.INBOUND,
        contact=ingest.Contact(contact, names.get(contact)),
        playground=playground,
        ended_at=ended,
    )
    at = start
    steps = rng.randint(1, 3) if phone else rng.randint(1, 6)
    for n in range(steps):
        if at > now - timedelta(seconds=30):
            break
        credits = _money(rng, 0.5, 3.0)
        queries = rng.choice([0, 0, 1, 2]) if channel in ("SMS", "WEB_CHAT") else 0
        voice = Decimal(0)
        if phone and duration is not None:
            voice = Decimal(str(round(duration.total_seconds() / 60 / steps, 2)))
        traffic.events.append(
            ingest.Event(
                idempotency_key=f"{external_id}-{n}",
                occurred_at=at,
                assistant_id=assistant_ids[bot],
                conversation=conversation,
                messages=0 if phone else rng.randint(1, 4),
                credits=credits,
                text_queries=queries,
                voice_minutes=voice,
            )
        )
        if not playground:
            traffic.count(at.astimezone(tz).date(), credits, queries, voice)
        last = at
        at += timedelta(minutes=rng.randint(1, 8))
    if phone and not playground:
        traffic.calls.append(Call(start, ended or last))


def _anchor_for(today: date) -> int:
    """An anchor day that puts today about two weeks into its billing period."""
    return (today.day - 13 - 1) % 28 + 1


def _amount(value: Fraction, places: int = 2) -> Decimal:
    return round(Decimal(value.numerator) / Decimal(value.denominator), places)


async def load_demo(
    settings: Settings,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Load the demo workspace unless the database already has workspaces (Tortoise must be
    initialised), within the limits of `settings`. Returns the demo workspace (or the first
    one) and what was loaded."""
    existing = await Workspace.filter(name=DEMO_NAME).first()
    if existing is None:
        first = await Workspace.all().order_by("id").first()
        if first is not None:
            return DemoResult(first.id, loaded=False)
    elif await _complete(existing):
        return DemoResult(existing.id, loaded=False)
    began = time.perf_counter()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    tz = ZoneInfo(TIMEZONE)
    today = now.astimezone(tz).date()
    anchor = _anchor_for(today)
    period = billing_period(today, anchor)

    await workspaces.upsert_plan(settings, PLAN_CODE, "Growth", [])
    workspace = existing or await workspaces.create_workspace(
        settings, DEMO_NAME, TIMEZONE, PLAN_CODE, anchor
    )
    since = now - timedelta(days=DAYS + 30)

    assistant_ids: dict[str, str] = {}
    for external_id, name, _, archived_days in ASSISTANTS:
        archived = now - timedelta(days=archived_days) if archived_days else None
        row = await resources.upsert_assistant(
            settings, workspace, external_id, name, since, archived
        )
        assistant_ids[external_id] = to_global_id("Assistant", row.id)

    traffic = _generate(now, assistant_ids)
    events = sorted(traffic.events, key=lambda e: e.occurred_at)
    for start in range(0, len(events), BATCH):
        await ingest.record_usage(settings, workspace, events[start : start + BATCH])
        if progress:
            progress(min(start + BATCH, len(events)), len(events))

    for external_id, name, seat, removed_days in (
        ("u-1", "Maya Lopez", True, None),
        ("u-2", "Omar Haddad", True, None),
        ("u-3", "Lena Fischer", False, None),
        ("u-4", "Tom Becker", False, None),
        ("u-5", "Ravi Patel", True, 30),
    ):
        removed = now - timedelta(days=removed_days) if removed_days else None
        await resources.upsert_team_member(
            settings, workspace, external_id, name, seat, since, removed
        )
    for number, released_days in (("+12125550100", None), ("+12125550101", None),
                                  ("+13125550199", 40)):  # fmt: skip
        released = now - timedelta(days=released_days) if released_days else None
        await resources.upsert_phone_number(settings, workspace, number, since, released)

    # Grants chosen from what was generated, so each band shows on today's page.
    def in_period(values: dict[date, Any]) -> Any:
        return sum((v for d, v in values.items() if period[0] <= d <= period[1]), 0)

    credits, queries, voice = (
        Fraction(in_period(traffic.credits)),
        in_period(traffic.queries),
        Fraction(in_period(traffic.voice)),
    )
    allotted_credits = credits / Fraction(965, 1000)  # CRITICAL, about 96.5 %
    top_up = Fraction(round(allotted_credits / 5))
    previous = billing_period(period[0] - timedelta(days=1), anchor)
    for key, credit_type, amount, day in (
        ("demo-top-up-credits", CreditType.CREDITS, _amount(top_up, 0), period[0]),
        ("demo-top-up-voice", CreditType.VOICE_MINUTES, Decimal(60), previous[0]),
    ):
        await resources.grant_top_up(settings, workspace, key, credit_type, amount, day)
    window = (
        datetime.combine(period[0], datetime.min.time(), tz).astimezone(UTC),
        datetime.combine(period[1] + timedelta(days=1), datetime.min.time(), tz).astimezone(UTC),
    )
    grants = {
        CreditType.CREDITS: _amount(allotted_credits - top_up),
        CreditType.TEXT_QUERIES: Decimal(max(1, math.ceil(queries / Fraction(85, 100)))),
        CreditType.VOICE_MINUTES: _amount(voice / Fraction(55, 100)),  # OK
        CreditType.CONCURRENT_CALLS: Decimal(peak_concurrency(traffic.calls, *window) + 4),
        CreditType.PHONE_NUMBERS: Decimal(1),  # two numbers in use: EXCEEDED, 200 %
        CreditType.HUMAN_AGENT_SEATS: Decimal(4),
        CreditType.CHATBOTS: Decimal(5),  # five live assistants: CRITICAL
        CreditType.TEAM_MEMBERS: Decimal(5),  # four members in use: WARNING
    }
    await workspaces.upsert_plan(
        settings,
        PLAN_CODE,
        "Growth",
        [workspaces.GrantSpec(t, grants[t]) for t in CreditType],
    )
    return DemoResult(workspace.id, True, len(events), time.perf_counter() - began)


async def _complete(workspace: Workspace) -> bool:
    """The last step of a load gives the plan all eight grants."""
    from models import PlanGrant

    return await PlanGrant.filter(plan_id=workspace.plan_id).count() == len(CreditType)
