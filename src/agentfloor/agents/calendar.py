"""Bookable appointment slots: a grid over weekly opening hours, minus what is already booked.

`SlotCalendar` holds a tenant's appointment settings, checked when it is built (opening hours
per weekday in the flow timetable syntax, slot length, time zone, resources such as rooms or
advisers, how far ahead one may book), and answers the questions the appointment skills ask:
which slots are free (the first few, or the few nearest a time the customer asked for), is this
exact start bookable, and how to say a slot to a person ("Tuesday 1 December at 14:00").

Hand-written because no library gives a bookable slot grid over opening hours and existing
bookings: `zoneinfo` supplies the time-zone rules and `flows.hours` the timetable syntax, and
what is left is the grid itself. Slots are laid out in local wall time from the start of each
opening range, so a 09:00 slot stays at 09:00 across a daylight-saving change; a wall time
that does not exist that day (the hour skipped in spring) has no slot, and a wall time that
happens twice (autumn) has one, at its first occurrence. A slot lasts `slot_minutes` of real
time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Final, TypeAlias
from zoneinfo import ZoneInfo

from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.flows.hours import parse_hours, timezone_problem
from agentfloor.flows.model import OpenHours

__all__ = ["Booking", "FreeSlot", "SlotCalendar"]

Booking: TypeAlias = tuple[str, float, float]  # (resource, start, end): epoch s, end exclusive

_DAY_S: Final = 86_400
_MAX_SLOT_MINUTES: Final = 24 * 60
_MAX_HORIZON_DAYS: Final = 366


@dataclass(frozen=True, slots=True)
class FreeSlot:
    """A bookable slot: which resource, and when (epoch seconds, `end` exclusive)."""

    resource: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class SlotCalendar:
    """One tenant's appointment grid; the settings are checked when it is built.

    Attributes:
        hours: The weekly timetable as in a `business_hours` block (`flows.hours`):
            `{"mon-fri": "09:00-17:00", "sat": ["10:00-12:00", "13:00-15:00"], "sun": "closed"}`,
            in local wall time.
        timezone: IANA name the hours are in (`Europe/London`).
        slot_minutes: Length of one appointment, 5 to 1440; slots start every `slot_minutes`
            from the start of each opening range and must end by its end.
        resources: What can be booked in parallel (rooms, advisers); one booking each per slot.
        horizon_days: How far ahead of now a slot may start, 1 to 366 days.
        closed_dates: ISO dates (`2026-12-25`) with no slots.

    Raises:
        InvalidInput: On construction, every problem with the settings, each at its field
            (`hours.mon`, `timezone`, `closed_dates[0]`...).
    """

    hours: Mapping[str, object]
    timezone: str = "UTC"
    slot_minutes: int = 30
    resources: Sequence[str] = ("default",)
    horizon_days: int = 30
    closed_dates: Iterable[str] = frozenset()
    _open: tuple[OpenHours, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        problems: list[ProblemDetail] = []
        intervals, hour_problems = parse_hours(self.hours)
        problems += [ProblemDetail(f"hours{sub}", why) for sub, why in hour_problems]
        if (why := timezone_problem(self.timezone)) is not None:
            problems.append(ProblemDetail("timezone", why))
        if not _whole(self.slot_minutes, 5, _MAX_SLOT_MINUTES):
            problems.append(ProblemDetail("slot_minutes", "a whole number of minutes, 5 to 1440"))
        names = tuple(self.resources)
        if not names or any(not isinstance(n, str) or not n.strip() for n in names):
            problems.append(ProblemDetail("resources", "name at least one resource"))
        elif len(set(names)) != len(names):
            problems.append(ProblemDetail("resources", "a resource is named twice"))
        if not _whole(self.horizon_days, 1, _MAX_HORIZON_DAYS):
            problems.append(ProblemDetail("horizon_days", "a whole number of days, 1 to 366"))
        closed: set[str] = set()
        for index, day in enumerate(self.closed_dates):
            try:
                closed.add(date.fromisoformat(str(day)).isoformat())
            except ValueError:
                problems.append(ProblemDetail(f"closed_dates[{index}]", f"{day!r} is not a date"))
        if problems:
            raise InvalidInput("the appointment calendar settings are wrong", problems=problems)
        # Normal forms of what was given (frozen: set through object.__setattr__).
        object.__setattr__(self, "resources", names)
        object.__setattr__(self, "closed_dates", frozenset(closed))
        object.__setattr__(self, "_open", intervals)

    def free_slots(
        self,
        booked: Iterable[Booking],
        after: float,
        count: int,
        resource: str | None = None,
        near: float | None = None,
    ) -> list[FreeSlot]:
        """Up to `count` free slots, in time order, starting at or after `after` (now).

        Args:
            booked: Existing bookings as (resource, start, end).
            after: The earliest start (now, epoch seconds); the horizon counts from here.
            count: How many slots at most.
            resource: Only this resource; None: any, one slot per start time (the first free
                resource in `resources` order).
            near: Pick the slots whose starts are nearest this time (a time the customer
                asked for that is taken); None: the earliest ones.
        """
        if count <= 0 or (resource is not None and resource not in self.resources):
            return []
        taken = _by_resource(booked)
        free = (slot for slot in self._slots(after, resource, taken) if slot.start >= after)
        if near is None:
            found: list[FreeSlot] = []
            for slot in free:
                found.append(slot)
                if len(found) == count:
                    break
            return found
        nearest = sorted(free, key=lambda slot: (abs(slot.start - near), slot.start))[:count]
        return sorted(nearest, key=lambda slot: slot.start)

    def is_bookable(
        self, booked: Iterable[Booking], resource: str | None, start: float, *, now: float
    ) -> FreeSlot | None:
        """Return the slot starting exactly at `start` if it can be booked, else None.

        It must lie on the slot grid inside opening hours, not before `now`, within the
        horizon, and be free for `resource` (None: the first free resource).
        """
        if start < now or start >= now + self.horizon_days * _DAY_S:
            return None
        if resource is not None and resource not in self.resources:
            return None
        day = datetime.fromtimestamp(start, self._zone).date()
        taken = _by_resource(booked)
        for slot in self._day_slots(day, resource, taken):
            if slot.start == start:
                return slot
        return None

    def describe(self, slot: FreeSlot | float) -> str:
        """Say when a slot (or an epoch time) is, in the calendar's zone.

        For example "Tuesday 1 December at 14:00".
        """
        start = slot.start if isinstance(slot, FreeSlot) else slot
        local = datetime.fromtimestamp(start, self._zone)
        return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"

    def describe_choices(self, slots: Sequence[FreeSlot]) -> str:
        """Say several slots as one phrase: "Monday 2 March at 09:00, 09:30 or 10:00".

        A slot on the same day as the one before is said by its time only. Empty: "".
        """
        said: list[str] = []
        previous: date | None = None
        for slot in slots:
            local = datetime.fromtimestamp(slot.start, self._zone)
            said.append(f"{local:%H:%M}" if local.date() == previous else self.describe(slot))
            previous = local.date()
        if len(said) < 2:
            return "".join(said)
        return f"{', '.join(said[:-1])} or {said[-1]}"

    def moment(self, day: str, clock: str) -> float | None:
        """Return the epoch time of a local date (`2026-03-14`) and time (`14:30`).

        Slots give them in this form. None when either is not in it, or when the wall time
        does not exist that day (the hour skipped when the clocks go forward); a wall time
        that happens twice gives the first.
        """
        try:
            when = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock))
        except ValueError:
            return None
        return self._epoch(when)

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances by name

    def _epoch(self, wall: datetime) -> float | None:
        local = wall.replace(tzinfo=self._zone, fold=0)
        epoch = local.timestamp()
        back = datetime.fromtimestamp(epoch, self._zone)
        if back.replace(tzinfo=None) != wall:
            return None  # in the gap: the clocks jumped over this wall time
        return epoch

    def _slots(
        self, after: float, resource: str | None, taken: Mapping[str, list[tuple[float, float]]]
    ) -> Iterator[FreeSlot]:
        """Free slots from the day of `after` to the horizon, in time order."""
        first = datetime.fromtimestamp(after, self._zone).date()
        limit = after + self.horizon_days * _DAY_S
        for offset in range(self.horizon_days + 1):
            for slot in self._day_slots(first + timedelta(days=offset), resource, taken):
                if slot.start >= limit:
                    return
                yield slot

    def _day_slots(
        self, day: date, resource: str | None, taken: Mapping[str, list[tuple[float, float]]]
    ) -> Iterator[FreeSlot]:
        """Yield the free slots of one local day, in time order."""
        if day.isoformat() in self.closed_dates:
            return
        length_s = self.slot_minutes * 60
        for minute in self._grid(day):
            wall = datetime.combine(day, time()) + timedelta(minutes=minute)
            start = self._epoch(wall)
            if start is None:
                continue
            end = start + length_s
            for name in self.resources if resource is None else (resource,):
                if not any(s < end and start < e for s, e in taken.get(name, ())):
                    yield FreeSlot(name, start, end)
                    break

    def _grid(self, day: date) -> list[int]:
        """Minutes after local midnight at which slots start on `day`, ascending."""
        minutes: set[int] = set()
        for hours in self._open:
            if hours.weekday == day.weekday():
                last = hours.end_min - self.slot_minutes
                minutes.update(range(hours.start_min, last + 1, self.slot_minutes))
        return sorted(minutes)


def _by_resource(booked: Iterable[Booking]) -> dict[str, list[tuple[float, float]]]:
    taken: dict[str, list[tuple[float, float]]] = {}
    for resource, start, end in booked:
        taken.setdefault(resource, []).append((start, end))
    return taken


def _whole(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
