"""Helpers for the 要対協 register's tests: agencies, entries and sessions through the services."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from network import services
from network.models import Agency, Entry

_n = iter(range(1, 100000))


def agency(name: str = "", kind: str = "school") -> Agency:
    return Agency.objects.create(name=name or f"機関{next(_n)}", kind=kind)


def child_entry(
    worker,
    *,
    team=None,
    registered_on: date | None = None,
    next_review_on: date | None = None,
    lead: Agency | None = None,
    agencies=(),
    kind: str = "support",
    family: str = "森",
    kana: str = "もり",
    birth: date = date(2018, 4, 2),
) -> Entry:
    today = timezone.localdate()
    registered_on = registered_on or today
    n = next(_n)
    return services.entry_create(
        actor=worker,
        data=services.EntryData(
            kind=kind,
            lead_agency=lead or agency(),
            agencies=list(agencies),
            reason="見守りの依頼",
            registered_on=registered_on,
            next_review_on=next_review_on or registered_on,
            worker=worker,
            team=team or worker.teams.get(),
        ),
        new_child=services.NewChild(
            family,
            f"太郎{n}",
            kana,
            f"たろう{'あいうえおかきくけこ'[n % 10]}{n}",
            birth,
            "M",
            "白金",
        ),
        today=max(today, registered_on),
    )


def session_on(worker, day: date, *, team=None, title: str = "実務者会議"):
    return services.session_create(
        actor=worker, team=team or worker.teams.get(), held_on=day, title=title
    )


def review(worker, session, entry, **kw):
    item = session.items.get(entry=entry, active=True)
    return services.review_record(
        actor=worker,
        item=item,
        situation=kw.pop("situation", "登校は安定"),
        lead_agency=kw.pop("lead_agency", entry.lead_agency),
        policy=kw.pop("policy", "見守りを継続"),
        today=kw.pop("today", max(timezone.localdate(), session.held_on)),
        **kw,
    )


@pytest.fixture
def other_network_user(db):
    """The centre's worker of another team (another centre's register)."""
    from tests.factories import TeamFactory, UserFactory, member_of

    return member_of(
        UserFactory(username="network_b", display_name="大西 支援員", roles=["network"]),
        TeamFactory(name="子ども家庭支援センター（分室）"),
    )


@pytest.fixture
def network_supervisor(team_network):
    from tests.factories import UserFactory, member_of

    return member_of(
        UserFactory(username="sv_net", display_name="統括 支援", roles=["supervisor"]),
        team_network,
        supervisor=True,
    )
