"""Personas (PRODUCT §2): one user per role in team A, plus a worker and supervisor of team B."""

from __future__ import annotations

import os
from contextlib import contextmanager, suppress
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from tests.factories import TeamFactory, UserFactory, member_of, open_case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in e2e tests


@pytest.fixture(autouse=True)
def audit_witness(settings, tmp_path):
    """Each test its own witness file: its database starts a fresh chain, so the checkpoints
    of another test's chain must not be held against it."""
    settings.MIMAMORI_AUDIT_WITNESS = str(tmp_path / "audit-witness.log")
    return tmp_path / "audit-witness.log"


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
def team_network(db):
    """The 子ども家庭支援センター's team (the 要対協 register's, issue 14)."""
    return TeamFactory(name="子ども家庭支援センター")


@pytest.fixture
def network_user(team_network):
    return member_of(
        UserFactory(username="network_a", display_name="木下 支援員", roles=["network"]),
        team_network,
    )


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
    "network_user",
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


def foster_records(*, supervisor, team, lead) -> dict:
    """The foster programme's part of the world: an application in progress, a certified home
    with a child placed in it, and a proposal waiting for the foster team, by `foster_a`."""
    from datetime import date

    from foster import services as foster_services
    from tests.factories import ChildFactory, UserFactory, open_case, propose_placement
    from tests.foster.conftest import certified_home, new_applicant, take_to

    worker = UserFactory(username="foster_a", display_name="中村 里親担当", roles=["foster"])
    applicant = take_to(worker, new_applicant(worker, name="申込 花子"), 2)
    home = certified_home(worker, name="白金 里親家庭")
    placed = open_case(actor=supervisor, child=ChildFactory(), team=team, lead=lead)
    proposal = propose_placement(
        actor=lead, case=placed, home=home, planned_start=date(2026, 7, 1), needs="卵アレルギー"
    )
    placement = foster_services.placement_confirm(
        actor=worker, placement=proposal, started_on=date(2026, 7, 1)
    )
    waiting = open_case(actor=supervisor, child=ChildFactory(), team=team, lead=lead)
    proposal = propose_placement(
        actor=lead, case=waiting, home=home, planned_start=date(2026, 8, 1)
    )
    return {
        "applicant": applicant,
        "home": home,
        "placement": placement,
        "proposal": proposal,
        "placed_case": placed,
    }


def network_records(*, worker, team) -> dict:
    """The register's part of the world: a member agency, a child's entry of the centre's team
    (due today) and a 実務者会議 planned for today with that entry on its agenda."""
    from django.utils import timezone as tz

    from network import services as network_services
    from network.models import Agency

    today = tz.localdate()
    school = Agency.objects.create(name="港区立白金小学校", kind="school")
    entry = network_services.entry_create(
        actor=worker,
        data=network_services.EntryData(
            kind="support",
            lead_agency=school,
            reason="保育園から見守りの依頼",
            registered_on=today,
            next_review_on=today,
            worker=worker,
            team=team,
        ),
        new_child=network_services.NewChild(
            "林", "結衣", "はやし", "ゆい", today.replace(year=today.year - 7), "F", "芝浦"
        ),
    )
    session = network_services.session_create(
        actor=worker, team=team, held_on=today, title="実務者会議（定例）"
    )
    return {
        "agency": school,
        "entry": entry,
        "session": session,
        "agenda_item": session.items.get(entry=entry),
    }


@pytest.fixture
def world(
    team_a, team_b, supervisor, caseworker, intake_user, shelter_user, other_worker, network_user
) -> dict:
    from casework import services as casework_services
    from casework.models import HouseholdMember
    from intake import services as intake_services
    from intake.models import Route as ReferralRoute
    from shelter import services as shelter_services
    from shelter.layout import ensure_default_layout
    from tests.factories import (
        ChildFactory,
        UserFactory,
        decide_and_admit,
        decide_protection,
        member_of,
        open_case,
    )

    ensure_default_layout()
    now = timezone.now()
    data = intake_services.ConsultationData(
        team=team_a,
        received_at=now - timedelta(hours=3),
        channel="hotline",
        route=ReferralRoute.objects.effective_on(now.date()).first(),
        category=1,
        urgency="high",
        summary="近隣から泣き声の通報",
        abuse_types=["physical"],
        reporter=intake_services.Reporter(name="近隣 住民"),
    )
    consultation = intake_services.consultation_create(
        actor=intake_user, data=data, new_child=ChildFactory.build()
    )
    case = intake_services.consultation_accept(
        actor=supervisor, consultation=consultation, team=team_a, lead=caseworker
    )
    started = timezone.localdate() - timedelta(days=3)
    stay = decide_and_admit(
        actor=shelter_user, case=case, started_on=case.opened_on, parental_consent=False
    )
    extension = shelter_services.extension_request(
        actor=shelter_user,
        stay=stay,
        requested_on=max(started, stay.started_on),
        parental_consent=False,
    )
    waiting = open_case(actor=supervisor, child=ChildFactory(), team=team_a, lead=caseworker)
    decision = decide_protection(
        actor=caseworker, case=waiting, decided_on=waiting.opened_on, grounds="abuse"
    )
    reader = member_of(UserFactory(username="cw_reader", roles=["caseworker"]), team_b)
    share = casework_services.case_share(actor=supervisor, case=case, user=reader, reason="引継ぎ")
    member = casework_services.household_add(
        actor=caseworker, child=case.child, data={"relationship": "mother", "name": "山田 花子"}
    )
    assert isinstance(member, HouseholdMember)
    from datetime import date

    from casework.handbooks import handbook_register
    from casework.models import BranchNotice, Deadline, ViewsHearing

    handbook_register(
        actor=caseworker,
        child=case.child,
        number="第123456号",
        degree=3,
        issued_on=date(2020, 4, 1),
    )
    child = case.child
    casework_services.child_update(
        actor=caseworker,
        child=child,
        data={f: getattr(child, f) for f in casework_services.CHILD_FIELDS} | {"address": "1-2-3"},
        reason="転居",
    )
    foster = foster_records(supervisor=supervisor, team=team_a, lead=caseworker)
    network = network_records(worker=network_user, team=network_user.teams.get())
    return {
        **foster,
        **network,
        "deadline": Deadline.objects.get(kind="warrant_request", case=case),
        "notice": BranchNotice.objects.get(child=case.child),
        "case": case,
        "consultation": consultation,
        "stay": stay,
        "extension": extension,
        "decision": decision,
        "hearing": ViewsHearing.objects.get(case=waiting),
        "share": share,
        "member": member,
    }


# --- PostgreSQL as in production: migrate as the owner, run as the application's role ----------
#
# On PostgreSQL the suite creates two roles (once per cluster; the configured user must be a
# superuser, as `postgres` is on a fresh machine): `mimamori_owner`, which creates the test
# database and runs the migrations, and `mimamori_app`, which owns nothing and gets only the
# grants of casework/dbroles.py. Tests connect as the owner with the session role set to the
# application's (`-c role=mimamori_app`), so every statement is checked against the
# application's privileges; `as_owner()` switches back for what an operator (rotation) or an
# attacker with the owner's access does. Tables are flushed as the owner.

PG_OWNER = "mimamori_owner"
PG_APP = "mimamori_app"


def _pg_roles_active() -> bool:
    from django.conf import settings

    return getattr(settings, "MIMAMORI_DB_APP_ROLE", "") == PG_APP


def _ensure_pg_roles(settings_dict: dict) -> None:
    import psycopg

    params = {
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
        # Made by an earlier run, or by another worktree at the same moment: fine.
        already = (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation)
        for role, extra in ((PG_OWNER, "CREATEDB"), (PG_APP, "")):
            with suppress(*already):
                conn.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS {extra}")
        with suppress(*already):
            conn.execute(f"GRANT {PG_APP} TO {PG_OWNER}")
        # A test database left by a run before separate roles belongs to the superuser; the
        # owner could not drop it to start afresh, so hand it over.
        test_name = (settings_dict.get("TEST") or {}).get("NAME") or f"test_{settings_dict['NAME']}"
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [test_name])
        if found.fetchone():
            conn.execute(f'ALTER DATABASE "{test_name}" OWNER TO {PG_OWNER}')


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """Before the test database is made: on PostgreSQL, make it (and migrate) as the owner."""
    from django.conf import settings
    from django.db import connections

    connection = connections["default"]
    if connection.vendor != "postgresql" or os.environ.get("MIMAMORI_TEST_SINGLE_ROLE"):
        return
    _ensure_pg_roles(connection.settings_dict)
    connection.close()
    connection.settings_dict["USER"] = PG_OWNER
    connection.settings_dict["PASSWORD"] = ""
    settings.MIMAMORI_DB_APP_ROLE = PG_APP


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After migrate (as the owner, which also granted the app role): connect as the app."""
    from django.db import connections

    connection = connections["default"]
    if not _pg_roles_active():
        yield
        return
    options = connection.settings_dict.setdefault("OPTIONS", {})
    before = options.get("options", "")
    options["options"] = f"{before} -c role={PG_APP}".strip()
    with django_db_blocker.unblock():
        connection.close()
    _flush_as_owner()
    yield
    options["options"] = before  # the owner drops the test database
    with django_db_blocker.unblock():
        connection.close()


def _flush_as_owner() -> None:
    """Django empties the tables after a transactional test with TRUNCATE (which the app role
    may not do and the triggers refuse), then may reinstall triggers (post_migrate): run the
    whole flush as the owner, the truncate triggers told to stand by."""
    import pgtrigger
    from django.core.management.commands import flush
    from django.db.backends.postgresql.operations import DatabaseOperations

    from casework.audit.triggers import TRUNCATE_TRIGGER

    original = flush.Command.handle
    if getattr(original, "_as_owner", False):
        return
    original_flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        from casework.audit.chain import history_models
        from casework.models import AccessLog, AuditLink, ChainHead, PowerChange

        models = [*history_models(), AuditLink, AccessLog, PowerChange, ChainHead]
        with pgtrigger.ignore(*(f"{m._meta.label}:{TRUNCATE_TRIGGER}" for m in models)):
            original_flush(self, sql_list)

    def handle(self, **options):
        from django.db import connections

        connection = connections[options.get("database") or "default"]
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {PG_OWNER}")
        try:
            return original(self, **options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {PG_APP}")

    handle._as_owner = True
    flush.Command.handle = handle
    DatabaseOperations.execute_sql_flush = execute_sql_flush


@contextmanager
def as_owner():
    """Act as the database owner (an operator's command, or an attacker with raw access to
    the owner's role); a no-op unless the suite runs under separate roles."""
    from django.db import connection

    if not _pg_roles_active() or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {PG_OWNER}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {PG_APP}")
