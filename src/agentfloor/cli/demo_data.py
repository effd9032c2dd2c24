"""Deterministic demo data: the set-up records, GB customers and the history each one has had.

Everything comes from `random.Random` seeded per customer, so customer 17 is the same person with
the same history whatever `--customers` is, and a second `agentfloor demo` can tell what exists.
Phone numbers come from the ranges Ofcom reserves for drama (never given to a real line), restricted
to those libphonenumber accepts as valid GB numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from agentfloor.interactions.model import Channel, Direction
from agentfloor.interactions.states import InteractionState
from agentfloor.routing.model import Activity, WorkerKind

__all__ = [
    "DISPOSITIONS",
    "QUEUES",
    "WORKERS",
    "DemoCustomer",
    "DemoInteraction",
    "DemoStep",
    "WorkerSpec",
    "demo_customer",
    "demo_history",
]

S = InteractionState

QUEUES: tuple[tuple[str, str, str], ...] = (
    ("Billing", '"billing" IN worker.skills', "Invoices, payments and refunds."),
    ("Sales", '"sales" IN worker.skills AND worker.levels.sales >= 2', "New orders and upgrades."),
    ("Support", '"support" IN worker.skills', "Faults, set-up and how-to questions."),
)

DISPOSITIONS: tuple[tuple[str, str], ...] = (
    ("resolved", "Resolved"),
    ("callback", "Callback booked"),
    ("sale", "Sale"),
    ("no-sale", "No sale"),
    ("escalated", "Escalated"),
)


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """A demo worker."""

    name: str
    kind: WorkerKind
    activity: Activity
    skills: tuple[str, ...]
    levels: dict[str, int]
    languages: tuple[str, ...]

    @property
    def attributes(self) -> dict[str, Any]:
        """The worker's routing attributes."""
        return {
            "skills": list(self.skills),
            "levels": dict(self.levels),
            "languages": list(self.languages),
        }


H, A = WorkerKind.HUMAN, WorkerKind.AI
WORKERS: tuple[WorkerSpec, ...] = (
    WorkerSpec(
        "Priya Shah",
        H,
        Activity.AVAILABLE,
        ("billing", "support"),
        {"billing": 3, "support": 2},
        ("en", "hi"),
    ),
    WorkerSpec("Tom Hughes", H, Activity.AVAILABLE, ("sales",), {"sales": 3}, ("en",)),
    WorkerSpec(
        "Aoife Byrne",
        H,
        Activity.BREAK,
        ("support", "sales"),
        {"support": 3, "sales": 2},
        ("en", "ga"),
    ),
    WorkerSpec("Kwame Mensah", H, Activity.AVAILABLE, ("billing",), {"billing": 2}, ("en", "fr")),
    WorkerSpec("Zofia Nowak", H, Activity.OFFLINE, ("support",), {"support": 1}, ("en", "pl")),
    WorkerSpec(
        "Callum Reid",
        H,
        Activity.AVAILABLE,
        ("sales", "billing"),
        {"sales": 2, "billing": 1},
        ("en",),
    ),
    WorkerSpec(
        "Ada (AI)",
        A,
        Activity.AVAILABLE,
        ("billing", "support"),
        {"billing": 2, "support": 2},
        ("en", "fr", "de"),
    ),
    WorkerSpec("Lovelace (AI)", A, Activity.AVAILABLE, ("sales",), {"sales": 1}, ("en", "es")),
)
CAPACITY = {"voice": 1, "chat": 3}

FIRST = (
    "Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Noah", "Mia", "Jack", "Ivy",
    "Leo", "Freya", "Arthur", "Lily", "Muhammad", "Florence", "Oscar", "Grace", "Charlie", "Sophia",
    "Jacob", "Rosie", "Thomas", "Evie", "Alfie", "Poppy", "Ewan", "Niamh", "Rhys", "Siobhan",
    "Amir", "Zara", "Kofi", "Chloe", "Dylan", "Megan", "Rohan", "Aisha", "Finlay", "Eilidh",
)  # fmt: skip
LAST = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Thomas", "Clarke", "Jackson", "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper",
    "Hill", "Ward", "Hughes", "Moore", "Khan", "Campbell", "Kaur", "Murphy", "Okafor", "Begum",
)  # fmt: skip
DOMAINS = ("example.com", "example.org", "example.net")
CITIES = (
    "London", "Leeds", "Sheffield", "Leicester", "Bristol", "Reading", "Birmingham",
    "Edinburgh", "Glasgow", "Liverpool", "Manchester", "Newcastle", "Belfast", "Cardiff",
)  # fmt: skip
# Drama ranges, in the order of CITIES; each is followed by three digits.
PHONE_RANGES = (
    "020 7946 0", "0113 496 0", "0114 496 0", "0116 496 0", "0117 496 0", "0118 496 0",
    "0121 496 0", "0131 496 0", "0141 496 0", "0151 496 0", "0161 496 0", "0191 498 0",
    "028 9649 6", "029 2018 0",
)  # fmt: skip
FIRST_PHONE = "020 7946 0958"  # the number the README's curl example looks up
PLANS = ("agent", "agent", "agent", "ai", "abandoned", "outbound", "email", "sms")
REASONS = {
    "Billing": ("refund request", "payment failed", "invoice query", "change of address"),
    "Sales": ("upgrade", "new order", "price check", "cancel subscription"),
    "Support": ("router offline", "password reset", "set-up help", "slow connection"),
}
NOTES = (
    "Customer prefers a call back after 5pm.",
    "Explained the charges on the last invoice; customer satisfied.",
    "Sent the set-up guide by e-mail.",
    "Asked to be contacted by e-mail only.",
    "Promised a goodwill credit of 10 GBP on next bill.",
    "Escalated to second line; ticket reference in attributes.",
)
DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    """A demo customer; `start_s` is when it was created, in seconds after the demo's start."""

    index: int
    external_id: str
    name: str
    phone: str | None
    email: str
    chat_id: str | None
    attributes: dict[str, Any]
    start_s: float


@dataclass(frozen=True, slots=True)
class DemoStep:
    """One thing that happens to an interaction at `at_s`: state, assign, disposition or note."""

    at_s: float
    action: str
    value: str


@dataclass(frozen=True, slots=True)
class DemoInteraction:
    """A past interaction of a demo customer and the steps of its life."""

    channel: Channel
    direction: Direction
    queue: str
    reason: str
    at_s: float
    steps: tuple[DemoStep, ...] = field(default=())


@cache
def _phone_pool(seed: int) -> tuple[str, ...]:
    numbers = [
        f"{prefix}{n:03d}"
        for prefix in PHONE_RANGES
        for n in range(1000)
        if f"{prefix}{n:03d}" != FIRST_PHONE
    ]
    random.Random(seed).shuffle(numbers)
    return (FIRST_PHONE, *numbers)


def demo_customer(seed: int, index: int, span_s: float) -> DemoCustomer:
    """Return demo customer `index` (0-based), created somewhere in the first `span_s` seconds."""
    rng = random.Random(f"{seed}:customer:{index}")
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if index == 0:
        first, last = "Ann", "Smith"
    pool = _phone_pool(seed)
    has_phone = rng.random() < 0.9 or index == 0  # some customers only ever e-mail
    phone = pool[index] if has_phone and index < len(pool) else None
    city = CITIES[PHONE_RANGES.index(phone[:-3])] if phone else rng.choice(CITIES)
    email = f"{first}.{last}{index}@{rng.choice(DOMAINS)}".lower()
    chat_id = f"web-{rng.getrandbits(40):010x}" if rng.random() < 0.3 else None
    attributes: dict[str, Any] = {
        "city": city,
        "tier": rng.choice(("standard", "standard", "plus", "gold")),
        "marketing_opt_in": rng.random() < 0.4,
    }
    return DemoCustomer(
        index=index,
        external_id=f"DEMO-{index + 1:05d}",
        name=f"{first} {last}",
        phone=phone,
        email=email,
        chat_id=chat_id,
        attributes=attributes,
        start_s=rng.uniform(0, span_s),
    )


def demo_history(seed: int, customer: DemoCustomer, end_s: float) -> list[DemoInteraction]:
    """Return 0-5 past interactions of the customer, all finished before `end_s`."""
    rng = random.Random(f"{seed}:history:{customer.index}")
    count = rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 5))
    room = max(end_s - customer.start_s - 3600, 120)  # an hour for the last one to finish
    starts = sorted(customer.start_s + rng.uniform(60, room) for _ in range(count))
    return [_interaction(rng, at) for at in starts]


def _interaction(rng: random.Random, at: float) -> DemoInteraction:
    plan = rng.choice(PLANS)
    queue = "Sales" if plan == "outbound" else rng.choice(("Billing", "Sales", "Support"))
    channel = {"email": Channel.EMAIL, "sms": Channel.SMS, "ai": Channel.CHAT}.get(
        plan, rng.choice((Channel.VOICE, Channel.VOICE, Channel.CHAT))
    )
    if plan == "outbound":
        channel = Channel.VOICE
    direction = Direction.OUTBOUND if plan == "outbound" else Direction.INBOUND
    steps: list[DemoStep] = []
    t = at

    def step(action: str, value: str, low: float, high: float) -> None:
        nonlocal t
        t += rng.uniform(low, high)
        steps.append(DemoStep(t, action, value))

    human = rng.choice([w.name for w in WORKERS if w.kind is WorkerKind.HUMAN])
    if plan == "ai":
        ai = next(w.name for w in WORKERS if w.kind is WorkerKind.AI and queue.lower() in w.levels)
        step("assign", ai, 1, 3)
        step("state", S.IN_FLOW, 0, 1)
        step("state", S.COMPLETED, 30, 240)
        step("disposition", "resolved", 0, 1)
    elif plan == "abandoned":
        step("state", S.IN_FLOW, 1, 5)
        step("state", S.QUEUED, 10, 60)
        step("state", S.ABANDONED, 20, 400)
    elif plan == "outbound":
        step("assign", human, 0, 1)
        step("state", S.CONNECTED, 5, 30)
        step("state", S.WRAP_UP, 60, 600)
        step("disposition", rng.choice(("sale", "no-sale", "no-sale", "callback")), 5, 60)
        step("state", S.COMPLETED, 5, 60)
    else:
        if plan != "email":
            step("state", S.IN_FLOW, 1, 5)
        step("state", S.QUEUED, 5, 60)
        step("state", S.OFFERED, 5, 600 if plan == "email" else 120)
        step("assign", human, 0, 1)
        step("state", S.CONNECTED, 2, 15)
        step("state", S.WRAP_UP, 60, 900)
        step("disposition", rng.choice(("resolved", "resolved", "callback", "escalated")), 5, 60)
        step("state", S.COMPLETED, 5, 60)
    if rng.random() < 0.35 and plan != "abandoned":
        step("note", rng.choice(NOTES), 0, 30)
    return DemoInteraction(channel, direction, queue, rng.choice(REASONS[queue]), at, tuple(steps))
