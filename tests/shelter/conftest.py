"""Shelter fixtures: the default 12-bed layout, children with open cases, an admit helper."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from shelter.choices import Grounds, StayKind
from shelter.layout import ensure_default_layout
from shelter.models import Bed
from tests.factories import ChildFactory, decide_and_admit, open_case


@pytest.fixture
def layout(db) -> list[Bed]:
    """The default layout: 10 rooms, 12 beds (8 single rooms, 2 twin rooms)."""
    ensure_default_layout()
    return list(Bed.objects.order_by("pk"))


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def new_case(supervisor, team_a, caseworker):
    """new_case(**child fields) -> an open team-A case (led by `caseworker`) for a new child."""

    def _make(**child):
        return open_case(
            actor=supervisor,
            child=ChildFactory(**child),
            team=team_a,
            lead=caseworker,
            opened_on=date(2026, 1, 5),
        )

    return _make


@pytest.fixture
def admit(shelter_user, layout, today):
    """admit(case, bed=None, started_on=today, consent=False, kind=一時保護所) -> Stay."""

    def _admit(case, *, bed=None, started_on=None, consent=False, kind=StayKind.SHELTER, **kw):
        return decide_and_admit(
            actor=kw.pop("actor", shelter_user),
            case=case,
            grounds=kw.pop("grounds", Grounds.ABUSE),
            started_on=started_on or today,
            parental_consent=consent,
            bed=bed,
            kind=kind,
            today=kw.pop("on", None),
            **kw,
        )

    return _admit
