"""Personas (PRODUCT §2): one user per role in team A, plus a worker and supervisor of team B."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.test import Client

from tests.factories import TeamFactory, UserFactory, member_of, open_case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in e2e tests


@pytest.fixture
def team_a(db):
    return TeamFactory(name="相談第一係")


@pytest.fixture
def team_b(db):
    return TeamFactory(name="相談第二係")


@pytest.fixture
def caseworker(team_a):
    return member_of(
        UserFactory(
            username="cw_a", display_name="佐藤 福祉司", profession="welfare", roles=["caseworker"]
        ),
        team_a,
    )


@pytest.fixture
def coworker(team_a):
    return member_of(
        UserFactory(
            username="cw_a2", display_name="鈴木 心理司", profession="psych", roles=["caseworker"]
        ),
        team_a,
    )


@pytest.fixture
def other_worker(team_b):
    return member_of(
        UserFactory(
            username="cw_b", display_name="高橋 福祉司", profession="welfare", roles=["caseworker"]
        ),
        team_b,
    )


@pytest.fixture
def supervisor(team_a):
    return member_of(
        UserFactory(
            username="sv_a", display_name="田中 SV", profession="welfare", roles=["supervisor"]
        ),
        team_a,
        supervisor=True,
    )


@pytest.fixture
def other_supervisor(team_b):
    return member_of(
        UserFactory(
            username="sv_b", display_name="伊藤 SV", profession="welfare", roles=["supervisor"]
        ),
        team_b,
        supervisor=True,
    )


@pytest.fixture
def intake_user(team_a):
    return member_of(
        UserFactory(username="intake_a", display_name="渡辺 受付", roles=["intake"]), team_a
    )


@pytest.fixture
def other_intake(team_b):
    """A second intake worker, in team B."""
    return member_of(
        UserFactory(username="intake_b", display_name="井上 受付", roles=["intake"]), team_b
    )


@pytest.fixture
def shelter_user(db):
    return UserFactory(username="shelter_a", display_name="山本 保育士", roles=["shelter"])


@pytest.fixture
def foster_user(db):
    return UserFactory(username="foster_a", display_name="中村 里親担当", roles=["foster"])


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor_a", display_name="小林 監査", roles=["auditor"])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin_a", display_name="加藤 管理", roles=["admin"], is_staff=True)


@pytest.fixture
def case(supervisor, team_a, caseworker):
    """An open case in team A led by `caseworker`."""
    return open_case(actor=supervisor, team=team_a, lead=caseworker)


@pytest.fixture
def other_case(other_supervisor, team_b, other_worker):
    return open_case(actor=other_supervisor, team=team_b, lead=other_worker)


@pytest.fixture
def login():
    """login(user) -> a test Client logged in as that user (or anonymous for None)."""

    def _login(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


PERSONAS = (
    "caseworker",
    "coworker",
    "other_worker",
    "supervisor",
    "other_supervisor",
    "intake_user",
    "other_intake",
    "shelter_user",
    "foster_user",
    "auditor",
    "admin_user",
    "anonymous",
)


@pytest.fixture
def persona(request):
    """Resolve a persona name to a user (None for anonymous)."""

    def _persona(name: str):
        return None if name == "anonymous" else request.getfixturevalue(name)

    return _persona


@contextmanager
def rolled_back():
    """A block whose writes are undone at the end, marked like the per-test transaction of
    Django's TestCase so that durable services (casework/services.py) may run inside it."""
    block = transaction.atomic()
    block._from_testcase = True
    with block:
        yield
        transaction.set_rollback(True)
