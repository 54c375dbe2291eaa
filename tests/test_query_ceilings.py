"""Every list, dashboard and detail page runs a fixed number of queries (STYLE habit 4).

Each page is measured twice on data shaped like a real centre — many teams (the supervisor
and the intake desk serve more of them each time), many workers in each, cases led by many
different workers, abuse reports with open 48-hour clocks accepted into
those cases, safety confirmations, a shelter in use with past stays, a case with a long
record, access and history logs — first with a little of everything, then with much more.
The count must not move, and it must stay under the page's fixed ceiling below: a new N+1 (a
lead's name read per row, a clock per stay) fails here even when the test data has a single
lead.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _history_models() -> int:
    from casework.audit.chain import history_models

    return len(history_models())


HISTORY_MODELS = _history_models()  # kinds of record with history: fixed by the schema


def _legal_step(w: dict):
    from tests.test_access_matrix import legal_step

    return legal_step(w)


# page -> (persona, url builder, fixed ceiling)
PAGES = {
    "case_list_worker": ("caseworker", lambda w: reverse("casework:case_list"), 12),
    "case_list_open": (
        "supervisor",
        lambda w: reverse("casework:case_list") + "?status=open&district=芝浦港南",
        11,
    ),
    "case_detail": (
        "caseworker",
        lambda w: reverse("casework:case_detail", args=[w["case"].pk]),
        # + the foster panel: the child's placements, the matching aid's homes and children;
        # + the ladder's steps on the timeline;
        # + the child's views (意見聴取): the case's hearings, the staff list of a views form
        26,
    ),
    "child_detail": (
        "caseworker",
        lambda w: reverse("casework:child_detail", args=[w["case"].child_id]),
        21,  # + the child's placements
    ),
    "dashboard": ("supervisor", lambda w: reverse("casework:dashboard"), 19),
    "intake_queue": ("intake_user", lambda w: reverse("intake:queue"), 10),
    "intake_queue_all": ("supervisor", lambda w: reverse("intake:queue") + "?status=all", 12),
    "intake_detail": (
        "supervisor",
        lambda w: reverse("intake:detail", args=[w["consultation"].pk]),
        15,  # + the ladder's steps
    ),
    "intake_step": (
        "supervisor",
        lambda w: reverse("intake:step_detail", args=[_legal_step(w).pk]),
        11,
    ),
    "intake_step_print": (
        "caseworker",
        lambda w: reverse("intake:step_print", args=[_legal_step(w).pk]),
        11,
    ),
    "statistics": ("supervisor", lambda w: reverse("reports:consultations"), 10),
    "board": ("shelter_user", lambda w: reverse("shelter:board"), 11),
    "admit_list": ("shelter_user", lambda w: reverse("shelter:admit"), 9),
    "stay_detail": (
        "shelter_user",
        lambda w: reverse("shelter:stay_detail", args=[w["stay"].pk]),
        14,  # + the staff list of the discharge form's 意見聴取 section (施設入所)
    ),
    # bounded: one query per kind of record on the page, plus eight
    "audit_changes": ("auditor", lambda w: reverse("audit:changes"), 8 + HISTORY_MODELS),
    "audit_access": ("auditor", lambda w: reverse("audit:access"), 9),
    "audit_deadlines": ("auditor", lambda w: reverse("audit:deadlines"), 10),
    "audit_views": ("auditor", lambda w: reverse("audit:views"), 8),
    # the waiting case: its 一時保護 decision and the child's views, owed hearings growing
    "case_detail_views": (
        "caseworker",
        lambda w: reverse("casework:case_detail", args=[w["hearing"].case_id]),
        26,  # one staff list for every owed hearing's form and the propose form's; the ladder
    ),
    "reminders_worker": ("caseworker", lambda w: reverse("casework:reminders"), 9),
    "reminders_team": ("supervisor", lambda w: reverse("casework:reminders") + "?state=all", 10),
    "branch_notices": ("intake_user", lambda w: reverse("intake:notices"), 9),
    "foster_pipeline": ("foster_user", lambda w: reverse("foster:pipeline"), 11),
    "foster_pipeline_supervisor": ("supervisor", lambda w: reverse("foster:pipeline"), 12),
    "foster_applicant": (
        "foster_user",
        lambda w: reverse("foster:applicant_detail", args=[w["applicant"].pk]),
        14,
    ),
    "foster_homes": ("foster_user", lambda w: reverse("foster:home_list"), 11),
    "foster_homes_expiring": (
        "supervisor",
        lambda w: reverse("foster:home_list") + "?expiring=1&foster_type=nurturing",
        12,
    ),
    "foster_home": (
        "foster_user",
        lambda w: reverse("foster:home_detail", args=[w["home"].pk]),
        16,
    ),
    "case_detail_placement": (
        "caseworker",
        lambda w: reverse("casework:case_detail", args=[w["placed_case"].pk]),
        23,  # + the ladder's steps on the timeline; the case's hearings (意見聴取), the staff
        # list of the views form
    ),
    "network_register": ("network_user", lambda w: reverse("network:register"), 12),
    "network_register_due": (
        "network_user",
        lambda w: reverse("network:register") + "?kind=support&state=open&due=on",
        12,
    ),
    "network_entry": (
        "network_user",
        lambda w: reverse("network:entry_detail", args=[w["entry"].pk]),
        14,
    ),
    "network_sessions": ("network_user", lambda w: reverse("network:session_list"), 12),
    "network_session": (
        "network_user",
        lambda w: reverse("network:session_detail", args=[w["session"].pk]),
        14,
    ),
}

# The auditor's feed reads each page's rows with one query per kind of record on the page:
# bounded by the number of history models (a constant), not equal from page to page.
BOUNDED = {"audit_changes"}

_serial = itertools.count(1)


def grow(world: dict, n: int, team_a, team_b, supervisor, intake_user) -> None:
    """Add n of everything, spread over many workers (each a different lead)."""
    from django.contrib.auth.models import Permission

    from casework import rules
    from casework.models import (
        AccessLog,
        Case,
        CaseNote,
        CaseUserObjectPermission,
        CaseWorker,
        Child,
    )
    from intake.models import Consultation, LegalStep, Route, SafetyConfirmation
    from shelter.models import Stay
    from tests.factories import ChildFactory, TeamFactory, UserFactory, member_of

    tag = next(_serial)
    # New teams each time (a centre has many): the supervisor and the intake desk serve them
    # too, so a query per team, per lead or per clock shows up as a count that moves.
    teams = [team_a, team_b] + [
        TeamFactory(name=f"相談係{tag}-{k}") for k in range(max(2, n // 10))
    ]
    for team in teams[2:]:
        member_of(supervisor, team, supervisor=True)
        member_of(intake_user, team)
    workers = [
        member_of(
            UserFactory(
                username=f"w{tag}_{i}", display_name=f"職員{tag}-{i}", roles=["caseworker"]
            ),
            teams[i % len(teams)],
        )
        for i in range(max(2 * len(teams), n // 5))
    ]
    children = Child.objects.bulk_create(
        [ChildFactory.build(name_index=f"grow-{tag}-{i}", town="芝浦") for i in range(n)]
    )
    today = timezone.localdate()
    start = Case.objects.filter(fiscal_year=2026).order_by("-seq").values_list("seq", flat=True)
    first = (start.first() or 0) + 1
    cases = Case.objects.bulk_create(
        [
            Case(
                fiscal_year=2026,
                seq=first + i,
                child=child,
                team=w.memberships.first().team,
                lead=w,
                category=1,
                opened_on=date(2026, 5, 1) + timedelta(days=i % 150),
                summary="概要",
            )
            for i, (child, w) in enumerate(zip(children, itertools.cycle(workers), strict=False))
        ]
    )
    perms = list(Permission.objects.filter(codename__in=["view_case", "change_case"]))
    CaseUserObjectPermission.objects.bulk_create(
        [
            CaseUserObjectPermission(user=c.lead, permission=p, content_object=c)
            for c in cases
            for p in perms
        ]
    )
    CaseWorker.objects.bulk_create(
        [CaseWorker(case=c, user=c.lead, role="welfare", is_lead=True) for c in cases]
    )
    # Abuse reports with open clocks, accepted into those cases (and as many still open).
    routes = list(Route.objects.all())
    now = timezone.now()
    reports = []
    for i, case in enumerate(cases):
        received = now - timedelta(hours=1 + i % 40)
        for accepted in (True, False):
            reports.append(
                Consultation(
                    received_at=received,
                    channel="hotline",
                    route=routes[i % len(routes)],
                    category=1,
                    urgency="high",
                    summary="概要",
                    child=case.child,
                    received_by=intake_user,
                    team=case.team,
                    abuse_physical=True,
                    safety_due_at=rules.safety_check_due(received),
                    case=case if accepted else None,
                    status="accepted" if accepted else "open",
                )
            )
    Consultation.objects.bulk_create(reports)
    SafetyConfirmation.objects.bulk_create(
        [
            SafetyConfirmation(
                consultation=world["consultation"],
                seen_at=now - timedelta(minutes=i),
                seen_by="職員",
                agency="centre",
                place="自宅",
                method="home_visit",
                seen_directly=True,
                outcome="seen",
                recorded_by=supervisor,
            )
            for i in range(n)
        ]
    )
    # The ladder's steps on the report the pages look at, each by another worker.
    LegalStep.objects.bulk_create(
        [
            LegalStep(
                consultation=world["consultation"],
                case=world["case"],
                kind=("appearance", "entry")[(i // 2) % 2],
                decided_on=now.date(),
                scheduled_at=now + timedelta(hours=i),
                addressee="保護者",
                place="港区児童相談所",
                worker=workers[i % len(workers)],
                recorded_by=supervisor,
                outcome="refused" if i % 2 else "",
                outcome_at=now if i % 2 else None,
            )
            for i in range(n)
        ]
    )
    # A long record on the case the pages look at, and long logs.
    CaseNote.objects.bulk_create(
        [
            CaseNote(
                case=world["case"],
                kind="phone",
                occurred_at=now - timedelta(minutes=i),
                author=workers[i % len(workers)],
                body=f"電話 {i}",
            )
            for i in range(n)
        ]
    )
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=workers[i % len(workers)],
                record_type="casework.Case",
                record_id=str(cases[i].pk),
                path="/",
            )
            for i in range(n)
        ]
    )
    # The child's views (意見聴取) of many decisions, heard by many workers: on the many cases,
    # and on the waiting case the pages look at (owed ones each offer a form there).
    from casework.models import ViewsHearing

    waiting = world["hearing"].case
    ViewsHearing.objects.bulk_create(
        [
            ViewsHearing(
                case=waiting if i % 2 else c,
                child_id=waiting.child_id if i % 2 else c.child_id,
                decision_kind=("protection", "foster", "end")[i % 3],
                decided_on=today - timedelta(days=i),
                decided_by=workers[i % len(workers)],
                subject_type="grow.Decision",
                subject_id=f"{tag}-{i}",
                recorded_by=workers[i % len(workers)],
                **(
                    {"timing": "after", "deferral_kind": "urgent", "due_on": today}
                    if i % 4 in (1, 2)
                    else {
                        "timing": "before",
                        "heard_on": today - timedelta(days=i),
                        "heard_by": workers[(i + 1) % len(workers)],
                        "method": "play",
                        "child_views": f"意見 {i}",
                    }
                ),
            )
            for i, c in enumerate(cases)
        ]
    )
    # Past stays (ended long ago), each of another child.
    Stay.objects.bulk_create(
        [
            Stay(
                child=c.child,
                case=c,
                grounds="abuse",
                kind="entrusted",
                started_on=today - timedelta(days=400 + i),
                ended_on=today - timedelta(days=300 + i),
                destination="home",
            )
            for i, c in enumerate(cases)
        ]
    )
    # Deadlines of many owners and teams, open and closed, with their notifications; notices.
    from casework.models import BranchNotice, Deadline, Notification

    due = now + timedelta(hours=6)
    deadlines = Deadline.objects.bulk_create(
        [
            Deadline(
                kind="warrant_request" if i % 2 else "handbook_rejudgment",
                key=f"grow-{tag}-{i}",
                subject_type="casework.Case",
                subject_id=str(c.pk),
                case=c,
                child=c.child,
                team=c.team,
                owner=c.lead,
                due_at=due - timedelta(hours=i),
                opens_at=now - timedelta(days=1),
                state="open" if i % 3 else "met",
                met_at=None if i % 3 else now,
                evidence_type="" if i % 3 else "casework.Case",
                evidence_id="" if i % 3 else str(c.pk),
                evidence_label="" if i % 3 else "記録",
            )
            for i, c in enumerate(cases)
        ]
    )
    Notification.objects.bulk_create(
        [
            Notification(deadline=d, recipient=d.owner, step="overdue", key=f"grow-{tag}-{d.pk}")
            for d in deadlines
        ]
    )
    BranchNotice.objects.bulk_create(
        [
            BranchNotice(
                child=c.child,
                kind="address",
                district="芝浦港南",
                branch_office="芝浦港南地区総合支所",
                created_by=intake_user,
            )
            for c in cases
        ]
    )
    grow_foster(tag, n, cases, workers)
    grow_network(tag, n, world, cases)
    # History rows by many users (the auditor's desk).
    for w in workers[:5]:
        w.display_name += "（改）"
        w.save()


def grow_foster(tag: int, n: int, cases: list, workers: list) -> None:
    """A foster programme the size of a centre's: many foster workers, applications at every
    stage (and closed ones), steps, council sessions, homes of every type with places, children
    placed in them (each from one of the new cases) and proposals waiting, visits."""
    from foster.models import (
        Applicant,
        CouncilSession,
        Home,
        HomeSlot,
        HomeVisit,
        Placement,
        Step,
    )
    from tests.factories import UserFactory

    today = timezone.localdate()
    staff = [
        UserFactory(username=f"f{tag}_{i}", display_name=f"里親担当{tag}-{i}", roles=["foster"])
        for i in range(max(2, n // 10))
    ]
    types = ["nurturing", "specialist", "adoptive", "kinship"]
    applicants = Applicant.objects.bulk_create(
        [
            Applicant(
                name=f"申込 {tag}-{i}",
                name_kana="もうしこみ",
                town="白金",
                foster_type=types[i % 4],
                heard_from="leaflet",
                worker=staff[i % len(staff)],
                opened_on=today - timedelta(days=300),
                stage=i % 7 if i % 5 else 6,
                status="certified" if i % 5 == 0 else ("withdrawn" if i % 7 == 1 else "active"),
                closed_on=today - timedelta(days=10) if i % 7 == 1 and i % 5 else None,
                created_by=staff[0],
            )
            for i in range(2 * n)
        ]
    )
    session = CouncilSession.objects.create(
        held_on=today - timedelta(days=100), title=f"審議会{tag}", created_by=staff[0]
    )
    Step.objects.bulk_create(
        [
            Step(
                applicant=a,
                stage=stage,
                done_on=today - timedelta(days=300 - 10 * stage),
                worker=staff[0],
                outcome="approved" if stage == 5 else "completed",
                session=session if stage == 5 else None,
                recorded_by=staff[0],
            )
            for a in applicants
            for stage in range(1, a.stage + 1)
        ]
    )
    certified = [a for a in applicants if a.status == "certified"]
    homes = Home.objects.bulk_create(
        [
            Home(
                applicant=a,
                name=f"家庭 {tag}-{i}",
                phone="03-0000-0000",
                town="高輪",
                foster_type=a.foster_type,
                capacity=2,
                registered_on=today - timedelta(days=200),
                expires_on=None if a.foster_type == "kinship" else today + timedelta(days=i * 20),
                worker=staff[i % len(staff)],
            )
            for i, a in enumerate(certified)
        ]
    )
    slots = HomeSlot.objects.bulk_create(
        [HomeSlot(home=h, number=k) for h in homes for k in (1, 2)]
    )
    Placement.objects.bulk_create(
        [
            Placement(
                child=c.child,
                case=c,
                home=slot.home,
                slot=slot if i % 3 else None,
                state="active" if i % 3 else "proposed",
                planned_start=today - timedelta(days=30),
                started_on=today - timedelta(days=30) if i % 3 else None,
                needs="配慮",
                proposed_by=c.lead,
            )
            for i, (c, slot) in enumerate(zip(cases, slots, strict=False))
        ]
    )
    HomeVisit.objects.bulk_create(
        [
            HomeVisit(
                home=h,
                visited_on=today - timedelta(days=5),
                worker=staff[0],
                seen="里母",
                findings="良好",
            )
            for h in homes
        ]
    )


def grow_network(tag: int, n: int, world: dict, cases: list) -> None:
    """A register the size of a centre's: many centre workers in several centre teams (the
    world's worker in each), agencies, entries of every kind (many on the world's session's
    agenda, half reviewed there), earlier sessions with reviews, disclosures of the world's
    entry to many agencies."""
    from network.models import Agency, AgendaItem, Disclosure, Entry, EntryAgency, Review, Session
    from tests.factories import TeamFactory, UserFactory, member_of

    today = timezone.localdate()
    worker = world["entry"].worker
    teams = [world["entry"].team] + [
        TeamFactory(name=f"子ども家庭支援センター{tag}-{k}") for k in range(max(1, n // 20))
    ]
    for team in teams[1:]:
        member_of(worker, team)
    staff = [
        member_of(
            UserFactory(username=f"n{tag}_{i}", display_name=f"支援員{tag}-{i}", roles=["network"]),
            teams[i % len(teams)],
        )
        for i in range(max(2, n // 5))
    ]
    agencies = Agency.objects.bulk_create(
        [Agency(name=f"機関{tag}-{i}", kind="school") for i in range(max(3, n // 4))]
    )
    kinds = ["protection", "support", "pregnant"]
    entries = Entry.objects.bulk_create(
        [
            Entry(
                kind=kinds[i % 3],
                child=None if i % 3 == 2 else cases[i % len(cases)].child,
                case=cases[i % len(cases)] if i % 3 == 0 else None,
                mother_name="" if i % 3 != 2 else f"妊婦 {tag}-{i}",
                mother_name_kana="" if i % 3 != 2 else "にんぷ たろう",
                expected_month=None if i % 3 != 2 else today.replace(day=1),
                lead_agency=agencies[i % len(agencies)],
                reason="理由",
                registered_on=today - timedelta(days=100),
                next_review_on=today - timedelta(days=i % 5),
                worker=staff[i % len(staff)],
                team=teams[i % len(teams)],
                created_by=staff[0],
            )
            for i in range(2 * n)
        ]
    )
    EntryAgency.objects.bulk_create(
        [
            EntryAgency(entry=e, agency=agencies[(i + 1) % len(agencies)])
            for i, e in enumerate(entries)
        ]
    )
    session = world["session"]
    mine = [e for e in entries if e.team_id == session.team_id]
    AgendaItem.objects.bulk_create(
        [AgendaItem(session=session, entry=e, due_on=e.next_review_on) for e in mine]
    )
    Review.objects.bulk_create(
        [
            Review(
                entry=e,
                session=session,
                situation="状況",
                lead_agency=e.lead_agency,
                policy="方針",
                next_review_on=today + timedelta(days=90),
                recorded_by=worker,
            )
            for e in mine[::2]
        ]
    )
    earlier = Session.objects.bulk_create(
        [
            Session(
                team=teams[i % len(teams)],
                held_on=today - timedelta(days=30 * (i + 1)),
                title=f"会議{tag}-{i}",
                created_by=worker,
            )
            for i in range(max(2, n // 10))
        ]
    )
    entry = world["entry"]
    Review.objects.bulk_create(
        [
            Review(
                entry=entry,
                session=s,
                situation="状況",
                lead_agency=agencies[0],
                policy="方針",
                next_review_on=today,
                recorded_by=worker,
            )
            for s in earlier
        ]
    )
    AgendaItem.objects.bulk_create(
        [AgendaItem(session=s, entry=entry, due_on=s.held_on) for s in earlier]
    )
    Disclosure.objects.bulk_create(
        [
            Disclosure(
                session=session,
                entry=entry,
                agency=a,
                shown="登録番号",
                basis="art25_2",
                printed_by=worker,
            )
            for a in agencies
        ]
    )
    EntryAgency.objects.bulk_create(
        [EntryAgency(entry=entry, agency=a) for a in agencies[1:]], ignore_conflicts=True
    )


def count_queries(client, url: str) -> int:
    client.get(url)  # warm per-process caches (content types, permission ids)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_runs_a_fixed_number_of_queries_under_its_ceiling(
    page,
    world,
    persona,
    login,
    team_a,
    team_b,
    supervisor,
    intake_user,
    django_assert_max_num_queries,
):
    who, build, ceiling = PAGES[page]
    client = login(persona(who))
    url = build(world)
    grow(world, 4, team_a, team_b, supervisor, intake_user)
    few = count_queries(client, url)
    grow(world, 60, team_a, team_b, supervisor, intake_user)
    many = count_queries(client, url)
    if page in BOUNDED:
        assert few <= ceiling
    else:
        assert many == few, f"{page}: {few} queries with a little data, {many} with much more"
    with django_assert_max_num_queries(ceiling):
        client.get(url)
