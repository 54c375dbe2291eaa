"""Intake fixtures: consultations made through the service, as the intake desk makes them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from casework.choices import Category
from intake.choices import AbuseType, Channel, Urgency
from intake.models import Consultation, Route
from intake.services import ConsultationData, Reporter, consultation_create
from tests.factories import ChildFactory

TOKYO = ZoneInfo("Asia/Tokyo")
REPORTER = Reporter(name="近所 花子", relation="近隣住民", contact="090-1111-2222")


NOW = datetime(2026, 11, 29, 13, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture(autouse=True)
def _now():
    """The clock stands at 13:00 on 29 November 2026 (Tokyo), and runs on from there."""
    with time_machine.travel(NOW, tick=True):
        yield


def tokyo(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def abuse_report(team, route) -> ConsultationData:
    """A neighbour's hotline report of a crying, shouted-at child (the benchmarks' intake)."""
    return ConsultationData(
        team=team,
        received_at=tokyo(2026, 11, 20, 23, 40),
        channel=Channel.HOTLINE,
        route=route,
        category=Category.ABUSE,
        urgency=Urgency.HIGH,
        summary="隣の部屋から子どもの泣き声と怒鳴り声がする。",
        abuse_types=("physical",),
        reporter=Reporter(name="近所 花子", relation="近隣住民", contact="090-1111-2222"),
    )


def route(code: str = "neighbour") -> Route:
    return Route.objects.get(code=code)


@pytest.fixture
def make_consultation(intake_user, team_a):
    """make_consultation(**overrides) -> a consultation recorded through the service."""

    def _make(
        *,
        actor=None,
        team=None,
        child=None,
        new_child=None,
        category: int = Category.PARENTING,
        received_at: datetime | None = None,
        route_code: str = "neighbour",
        channel: str = Channel.PHONE,
        abuse_types=(),
        act_date: date | None = None,
        reporter: Reporter | None = None,
        summary: str = "夜間に泣き声が続いているとの連絡。",
    ):
        if category == Category.ABUSE and not abuse_types:
            abuse_types = (AbuseType.NEGLECT,)
        data = ConsultationData(
            team=team or team_a,
            received_at=received_at or tokyo(2026, 11, 20, 23, 40),
            channel=channel,
            route=route(route_code),
            category=category,
            urgency=Urgency.HIGH,
            summary=summary,
            act_date=act_date,
            abuse_types=abuse_types,
            reporter=reporter or REPORTER,
        )
        if child is None and new_child is None:
            new_child = ChildFactory.build()
        return consultation_create(
            actor=actor or intake_user, data=data, child=child, new_child=new_child
        )

    return _make


@pytest.fixture
def report(make_consultation):
    """An abuse report received at 23:40 on 20 November 2026, clock running."""
    return make_consultation(category=Category.ABUSE, abuse_types=(AbuseType.PHYSICAL,))


@pytest.fixture
def accepted_report(report, supervisor, caseworker, team_a):
    from intake.services import consultation_accept

    consultation_accept(actor=supervisor, consultation=report, team=team_a, lead=caseworker)
    report.refresh_from_db()
    return report


def bulk_consultations(n: int, *, team, user, category: int = Category.ABUSE, start=None):
    """Many consultations at once (no history), half of them abuse reports with open clocks."""
    from datetime import timedelta

    from casework import rules
    from casework.models import Child

    start = start or tokyo(2026, 11, 1, 9, 0)
    children = Child.objects.bulk_create(
        [ChildFactory.build(name_index=f"bulk-intake-{i}-{start.timestamp()}") for i in range(n)]
    )
    routes = list(Route.objects.all())
    rows = []
    for i, child in enumerate(children):
        received = start + timedelta(minutes=i)
        cat = category if i % 2 == 0 else Category.PARENTING
        rows.append(
            Consultation(
                received_at=received,
                channel=Channel.PHONE,
                route=routes[i % len(routes)],
                category=cat,
                urgency=Urgency.MEDIUM,
                summary="概要",
                child=child,
                received_by=user,
                team=team,
                abuse_neglect=cat == Category.ABUSE,
                safety_due_at=rules.safety_check_due(received) if cat == Category.ABUSE else None,
                reporter_name="大量 通告者",
            )
        )
    return Consultation.objects.bulk_create(rows, batch_size=500)


@pytest.fixture
def form_data(team_a):
    def _data(**overrides):
        data = {
            "team": team_a.pk,
            "received_at": "2026-11-28T23:40",
            "channel": "hotline",
            "route": route("other").pk,
            "category": "1",
            "abuse_types": ["physical", "psychological"],
            "urgency": "high",
            "summary": "夜中に子どもの叫び声と物が壊れる音がする。",
            "reporter_anonymous": "on",
            "child-family_name": "森",
            "child-given_name": "陽葵",
            "child-family_name_kana": "もり",
            "child-given_name_kana": "ひまり",
            "child-birth_date": "2019-08-03",
            "child-sex": "F",
            "child-town": "芝浦",
            "child-address": "",
            "child-school": "",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return _data
