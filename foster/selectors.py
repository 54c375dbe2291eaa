"""Reads for the foster pages: the pipeline by stage, the funnel, homes with their places and
placements, the matching aid. Each runs a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q

from casework import rules
from foster.choices import ApplicantStatus, PlacementState, Stage
from foster.models import Applicant, CouncilSession, Home, Placement, Step

EXPIRING_DAYS = 183  # registrations expiring in the next 6 months are highlighted
COLUMN_ROWS = 30  # applicants shown per column (the count says how many there are)


@dataclass
class Column:
    stage: Stage
    applicants: list = field(default_factory=list)
    total: int = 0


def pipeline(user, foster_type: str = "") -> list[Column]:
    """Applications in progress, as columns by the stage they are at (the next one to record):
    one query."""
    columns = {stage: Column(stage) for stage in Stage}
    rows = Applicant.objects.visible_to(user).filter(status=ApplicantStatus.ACTIVE)
    if foster_type:
        rows = rows.filter(foster_type=foster_type)
    for applicant in rows.select_related("worker").order_by("stage", "opened_on", "pk"):
        column = columns[Stage(min(applicant.stage + 1, Stage.CERTIFICATION))]
        column.total += 1
        if len(column.applicants) < COLUMN_ROWS:
            column.applicants.append(applicant)
    return list(columns.values())


def closed_recently(user, limit: int = 20) -> list[Applicant]:
    return list(
        Applicant.objects.visible_to(user)
        .filter(status__in=[ApplicantStatus.WITHDRAWN, ApplicantStatus.DECLINED])
        .select_related("worker", "reopened_as")
        .order_by("-closed_on", "-pk")[:limit]
    )


def fiscal_bounds(fiscal_year: int) -> tuple[date, date]:
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)


def funnel(today: date) -> dict:
    """How many applications passed each stage in this fiscal year and the last (one query)."""
    this_year = rules.fiscal_year_of(today)
    start, _end = fiscal_bounds(this_year - 1)
    _start, end = fiscal_bounds(this_year)
    counts = {(fy, stage): 0 for fy in (this_year - 1, this_year) for stage in Stage}
    rows = (
        Step.objects.filter(done_on__range=(start, end))
        .values("stage")
        .annotate(
            last=Count("pk", filter=Q(done_on__lt=date(this_year, 4, 1))),
            this=Count("pk", filter=Q(done_on__gte=date(this_year, 4, 1))),
        )
    )
    for row in rows:
        counts[(this_year - 1, row["stage"])] = row["last"]
        counts[(this_year, row["stage"])] = row["this"]
    table = [
        {"stage": stage, "this": counts[(this_year, stage)], "last": counts[(this_year - 1, stage)]}
        for stage in Stage
    ]
    return {"fiscal_year": this_year, "rows": table}


def funnel_chart(data: dict) -> dict:
    """Data for static/js/charts.js (a horizontal bar per stage, this year against last)."""
    from casework.wareki import fiscal_year_label

    fy = data["fiscal_year"]
    return {
        "labels": [str(row["stage"].label) for row in data["rows"]],
        "datasets": [
            {"label": f"{fiscal_year_label(fy)}", "data": [row["this"] for row in data["rows"]]},
            {
                "label": f"{fiscal_year_label(fy - 1)}",
                "data": [row["last"] for row in data["rows"]],
            },
        ],
    }


def recent_sessions(limit: int = 8) -> list[CouncilSession]:
    return list(
        CouncilSession.objects.annotate(deliberated=Count("steps")).order_by("-held_on", "-pk")[
            :limit
        ]
    )


def current_placements() -> Prefetch:
    return Prefetch(
        "placements",
        queryset=Placement.objects.current().select_related("child").order_by("started_on", "pk"),
        to_attr="current",
    )


def homes(user, today: date, *, foster_type: str = "", expiring: bool = False):
    """Registered homes with their current placements and free places (three queries), those
    expiring soonest first."""
    rows = (
        Home.objects.visible_to(user)
        .active()
        .select_related("worker")
        .annotate(placed=Count("placements", filter=Q(placements__state=PlacementState.ACTIVE)))
        .prefetch_related(current_placements())
        .order_by("expires_on", "pk")
    )
    if foster_type:
        rows = rows.filter(foster_type=foster_type)
    if expiring:
        rows = rows.filter(expires_on__lte=today + timedelta(days=EXPIRING_DAYS))
    return rows


def expiring_soon(home: Home, today: date) -> bool:
    return home.expires_on is not None and home.expires_on <= today + timedelta(days=EXPIRING_DAYS)


def pending_proposals(user, home: Home | None = None) -> list[Placement]:
    rows = Placement.objects.visible_to(user).with_allowed(user).proposed()
    if home is not None:
        rows = rows.filter(home=home)
    return list(
        rows.select_related("child", "home", "proposed_by", "case").order_by("proposed_at", "pk")
    )


def matching(today: date, foster_type: str = "") -> list[Home]:
    """The matching aid: homes that may take a child now, with free places, their district and
    the children already placed (age and sex only) — two queries."""
    rows = (
        Home.objects.taking_on(today)
        .annotate(placed=Count("placements", filter=Q(placements__state=PlacementState.ACTIVE)))
        .prefetch_related(current_placements())
        .order_by("foster_type", "pk")
    )
    if foster_type:
        rows = rows.filter(foster_type=foster_type)
    found = []
    for home in rows:
        home.free = home.capacity - home.placed
        if home.free > 0:
            found.append(home)
    return found
