"""Reads for the shelter pages, each in a fixed number of queries whatever the history size."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q

from shelter.choices import StayKind
from shelter.clock import StayClock
from shelter.models import RECENT_DAYS, Bed, Stay

CHART_DAYS = 90
RECENT_SHOWN = 20


@dataclass
class Tile:
    """One bed on the board, with the stay in it (if any) and that stay's clock."""

    bed: Bed
    stay: Stay | None = None
    clock: StayClock | None = None
    mismatch: str = ""  # the room is marked for another sex or age band
    shared: bool = False  # the room has more than one bed

    @property
    def place(self) -> str:
        """「101号室」, or 「105号室・105-A」 in a room with several beds."""
        room = self.bed.room.name
        return f"{room}・{self.bed.label}" if self.shared else room

    @property
    def alert(self) -> bool:
        return bool(self.clock and self.clock.alert)


@dataclass
class TileGroup:
    """Rooms of one kind (男子・女子・男女可), in layout order."""

    title: str
    tiles: list[Tile] = field(default_factory=list)


@dataclass
class Board:
    today: date
    groups: list[TileGroup]
    entrusted: list[tuple[Stay, StayClock]]
    occupied: int
    capacity: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.occupied, 0)

    @property
    def alerts(self) -> int:
        """Stays with an overdue deadline or a refused warrant (in beds and 委託)."""
        return sum(1 for t in self.tiles if t.alert) + sum(1 for _s, c in self.entrusted if c.alert)

    @property
    def tiles(self) -> list[Tile]:
        return [tile for group in self.groups for tile in group.tiles]


def active_beds():
    return (
        Bed.objects.filter(active=True, room__active=True)
        .select_related("room")
        .order_by("room__sort_order", "room__name", "sort_order", "label")
    )


def board(today: date) -> Board:
    """Every active bed in room order, who is in it, and the 委託 stays: three queries."""
    beds = list(active_beds())
    stays = list(Stay.objects.active().for_board().order_by("started_on", "pk"))
    by_bed = {s.bed_id: s for s in stays if s.kind == StayKind.SHELTER}
    per_room = Counter(bed.room_id for bed in beds)
    groups: dict[str, TileGroup] = {}
    for bed in beds:
        stay = by_bed.get(bed.pk)
        tile = Tile(bed, shared=per_room[bed.room_id] > 1)
        if stay is not None:
            tile.stay, tile.clock = stay, stay.clock(today)
            tile.mismatch = bed.room.mismatch(stay.child, today)
        title = f"{bed.room.get_sex_display()}の居室"
        groups.setdefault(bed.room.sex, TileGroup(title)).tiles.append(tile)
    entrusted = [(s, s.clock(today)) for s in stays if s.kind == StayKind.ENTRUSTED]
    return Board(
        today=today,
        groups=list(groups.values()),
        entrusted=entrusted,
        occupied=len(by_bed),
        capacity=len(beds),
    )


def recent_discharges(today: date, limit: int = RECENT_SHOWN) -> list[Stay]:
    since = today - timedelta(days=RECENT_DAYS)
    return list(
        Stay.objects.filter(ended_on__gte=since)
        .select_related("child", "bed")
        .order_by("-ended_on", "-pk")[:limit]
    )


def occupancy_series(today: date, days: int = CHART_DAYS) -> list[tuple[date, int]]:
    """Children in a bed on each of the last `days` days (a child leaves on the discharge day).

    One query for the stays overlapping the window, then a difference array in Python."""
    start = today - timedelta(days=days - 1)
    rows = (
        Stay.objects.filter(kind=StayKind.SHELTER, started_on__lte=today)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=start))
        .values_list("started_on", "ended_on")
    )
    delta = [0] * (days + 1)
    for started_on, ended_on in rows:
        first = max((started_on - start).days, 0)
        stop = days if ended_on is None else min((ended_on - start).days, days)
        if stop > first:
            delta[first] += 1
            delta[stop] -= 1
    series, running = [], 0
    for i in range(days):
        running += delta[i]
        series.append((start + timedelta(days=i), running))
    return series


def occupancy_chart(series: list[tuple[date, int]], capacity: int) -> dict:
    """Data for static/js/charts.js (a json_script block; no inline script)."""
    return {
        "labels": [f"{day.month}/{day.day}" for day, _count in series],
        "datasets": [
            {"label": "在所児童数", "data": [count for _day, count in series]},
            {"label": "定員", "data": [capacity] * len(series), "borderDash": [6, 4]},
        ],
    }


def summary(today: date) -> dict:
    """Occupancy and the most urgent deadlines, for the supervisor's home (two queries)."""
    capacity = active_beds().count()
    stays = list(Stay.objects.active().for_board())
    clocked = [(s, s.clock(today)) for s in stays]
    urgent = sorted(
        ((s, c) for s, c in clocked if c.alert or c.soon),
        key=lambda pair: (not pair[1].alert, min(_dues(pair[1]))),
    )
    return {
        "occupied": sum(1 for s in stays if s.kind == StayKind.SHELTER),
        "capacity": capacity,
        "entrusted": sum(1 for s in stays if s.kind == StayKind.ENTRUSTED),
        "urgent": urgent,
        "alerts": sum(1 for _s, c in clocked if c.alert),
    }


def _dues(clock: StayClock) -> list[date]:
    return [d for d in (clock.warrant_due, clock.appeal_due, clock.limit) if d is not None]
