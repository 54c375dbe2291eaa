"""run_reminders (PRODUCT §5, issue 11): the same records across several `--now` dates, the
escalation ladders, idempotency, and two processes at once."""

from __future__ import annotations

import io
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections

from casework.choices import DeadlineKind as K
from casework.models import Deadline, DutyAssignment, Notification
from tests.factories import ChildFactory, UserFactory, open_case

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def run(now: datetime) -> str:
    out = io.StringIO()
    call_command("run_reminders", now=now.isoformat(), stdout=out)
    return out.getvalue()


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def steps(deadline: Deadline) -> list[tuple[str, int]]:
    rows = Notification.objects.filter(deadline=deadline).order_by("created_at", "pk")
    return [(n.step, n.recipient_id) for n in rows]


@pytest.fixture
def holder(supervisor, team_a, caseworker):
    """A child born 2019-08-03 with a 愛の手帳 judged on 2020-04-01; their case led by
    `caseworker`. Next re-judgment: the 3rd birthday, 2022-08-03 (DOMAIN §6)."""
    from casework.handbooks import handbook_judge, handbook_register

    with time_machine.travel(at(2020, 4, 2, 10, 0)):
        child = ChildFactory(birth_date=date(2019, 8, 3))
        open_case(
            actor=supervisor, child=child, team=team_a, lead=caseworker, opened_on=date(2020, 4, 1)
        )
        handbook = handbook_register(
            actor=caseworker, child=child, number="第1号", degree=3, issued_on=date(2020, 4, 1)
        )
        handbook_judge(actor=caseworker, handbook=handbook, judged_on=date(2020, 4, 1), degree=3)
    return handbook


def test_a_rejudgment_appears_90_days_ahead_escalates_and_closes_with_the_judgment(
    holder, caseworker, supervisor
):
    from casework.handbooks import handbook_judge

    run(at(2022, 5, 1, 9, 0))  # 94 days before the 3rd birthday: not yet shown
    assert not Deadline.objects.exists()
    run(at(2022, 5, 10, 9, 0))
    deadline = Deadline.objects.get(kind=K.HANDBOOK_REJUDGMENT)
    assert deadline.owner == caseworker and timezone_day(deadline.due_at) == date(2022, 8, 4)
    assert steps(deadline) == [("lead", caseworker.pk)]
    run(at(2022, 7, 10, 9, 0))  # within 30 days
    run(at(2022, 8, 5, 9, 0))  # overdue: the worker and the team's supervisor
    run(at(2022, 8, 6, 9, 0))  # the weekly repeat has not come round yet: nothing new
    run(at(2022, 8, 12, 9, 0))  # a week after the due time: again
    assert [s for s, _ in steps(deadline)] == ["lead", "30d"] + ["overdue"] * 4
    assert {r for s, r in steps(deadline) if s == "overdue"} == {caseworker.pk, supervisor.pk}
    with time_machine.travel(at(2022, 8, 19, 10, 0)):
        judgment = handbook_judge(
            actor=caseworker, handbook=holder, judged_on=date(2022, 8, 19), degree=3
        )
    deadline.refresh_from_db()
    assert deadline.state == "met" and deadline.evidence_id == str(judgment.pk)
    assert deadline.outcome_label == "期限後に完了"
    run(at(2022, 9, 1, 9, 0))  # the next one (6: 2026-04-01) is years away: nothing new
    assert Deadline.objects.count() == 1


def test_deadlines_opened_in_a_batch_keep_their_history_in_the_audit_chain(holder):
    """run_reminders opens handbook deadlines in batches (bulk inserts): each still has its
    creation in history, with a reason, and the chain verifies."""
    from casework.audit.chain import seal

    seal()  # the holder's records, as their commit would have (written years ago in test time)
    run(at(2022, 5, 10, 9, 0))
    deadline = Deadline.objects.get(kind=K.HANDBOOK_REJUDGMENT)
    created = deadline.history.get()
    assert created.history_type == "+" and created.history_change_reason == "期限の作成"
    call_command("verify_audit", stdout=io.StringIO())


def timezone_day(value: datetime) -> date:
    return value.astimezone(TOKYO).date()


def test_at_18_the_due_item_is_a_referral_to_the_tokyo_centre(supervisor, team_a, caseworker):
    from casework.handbooks import handbook_judge, handbook_refer, handbook_register

    with time_machine.travel(at(2021, 5, 1, 10, 0)):
        child = ChildFactory(birth_date=date(2008, 9, 1))
        open_case(actor=supervisor, child=child, team=team_a, lead=caseworker)
        handbook = handbook_register(
            actor=caseworker, child=child, number="第2号", degree=2, issued_on=date(2020, 4, 30)
        )
        # judged after junior-high entry (2021-04-01): the next date is the 18th birthday
        handbook_judge(actor=caseworker, handbook=handbook, judged_on=date(2021, 5, 1), degree=2)
    run(at(2026, 7, 1, 9, 0))
    referral = Deadline.objects.get(kind=K.HANDBOOK_REFERRAL)
    assert timezone_day(referral.due_at) == date(2026, 9, 2)
    with time_machine.travel(at(2026, 9, 3, 10, 0)):
        from casework.services import CaseRuleError

        with pytest.raises(CaseRuleError, match="東京都心身障害者福祉センター"):
            handbook_judge(
                actor=caseworker, handbook=handbook, judged_on=date(2026, 9, 3), degree=2
            )
        handbook_refer(actor=caseworker, handbook=handbook, referred_on=date(2026, 9, 3))
    referral.refresh_from_db()
    assert referral.state == "met"


@pytest.fixture
def duty(team_b):
    """The centre's 当番 tonight: a worker of another team."""
    officer = UserFactory(username="touban", roles=["caseworker"])
    DutyAssignment.objects.create(
        user=officer, starts_at=at(2026, 11, 1, 0, 0), ends_at=at(2026, 12, 31, 0, 0)
    )
    return officer


def test_the_48_hour_ladder_reaches_the_supervisor_then_the_duty_officer_and_stops_when_seen_to(
    intake_user, team_a, supervisor, duty
):
    from casework.deadlines import deadline_acknowledge
    from intake.models import Route
    from intake.services import ConsultationData, Reporter, consultation_create

    received = at(2026, 11, 20, 23, 0)
    with time_machine.travel(received + timedelta(minutes=5)):
        report = consultation_create(
            actor=intake_user,
            data=ConsultationData(
                team=team_a,
                received_at=received,
                channel="hotline",
                route=Route.objects.first(),
                category=1,
                urgency="high",
                summary="深夜の通告",
                abuse_types=["neglect"],
                reporter=Reporter(anonymous=True),
            ),
            new_child=ChildFactory.build(),
        )
    deadline = Deadline.objects.get(kind=K.SAFETY_CHECK)
    for hours in (1, 25, 43, 49, 50.5, 51.2):
        run(received + timedelta(hours=hours))
    names = [s for s, _ in steps(deadline)]
    # nobody holds the report yet: its team's supervisors are told from the start; at six
    # hours left the duty officer too; overdue, both every hour (three hours run here)
    assert names == ["received", "24h", "6h", "6h"] + ["overdue"] * 6
    assert {r for s, r in steps(deadline) if s == "6h"} == {supervisor.pk, duty.pk}
    with time_machine.travel(received + timedelta(hours=51, minutes=30)):
        deadline_acknowledge(actor=supervisor, deadline=deadline)
    before = Notification.objects.count()
    run(received + timedelta(hours=53.5))
    assert Notification.objects.count() == before  # acknowledged: the hourly repeat stops
    assert report.pk


def test_running_twice_at_the_same_moment_changes_nothing_the_second_time(holder, mailoutbox):
    holder.created_by.email = "cw@example.org"
    holder.created_by.save()
    first = run(at(2022, 7, 10, 9, 0))
    counts = (Deadline.objects.count(), Notification.objects.count(), len(mailoutbox))
    second = run(at(2022, 7, 10, 9, 0))
    assert (Deadline.objects.count(), Notification.objects.count(), len(mailoutbox)) == counts
    assert "期限を追加 1 件" in first and "期限を追加 0 件" in second
    assert "通知 0 件、メール 0 件" in second


def test_a_bad_now_is_refused_in_japanese():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--now"):
        call_command("run_reminders", now="yesterday")


@pytest.mark.pg
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL connections")
def test_two_processes_at_once_never_duplicate_a_deadline_a_notification_or_a_mail(
    supervisor, team_a, caseworker, mailoutbox
):
    from casework.handbooks import handbook_register

    caseworker.email = "cw@example.org"
    caseworker.save()
    with time_machine.travel(at(2020, 4, 2, 10, 0)):
        for i in range(12):
            child = ChildFactory(birth_date=date(2019, 8, 1 + i))
            open_case(actor=supervisor, child=child, team=team_a, lead=caseworker)
            handbook_register(
                actor=caseworker,
                child=child,
                number=f"第{i}号",
                degree=3,
                issued_on=date(2020, 4, 1),
            )
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def one_run() -> None:
        try:
            barrier.wait()
            run(at(2022, 7, 20, 9, 0))
        except BaseException as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert Deadline.objects.filter(kind=K.HANDBOOK_REJUDGMENT).count() == 12
    notifications = Notification.objects.count()
    assert notifications == 12  # the "30d" step (the lead step superseded), once each
    assert len(mailoutbox) == notifications


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # before the 30-day step: that step's start is next
        (at(2022, 6, 1, 9, 0), at(2022, 7, 5, 23, 59, 59)),
        # in the 30-day step: the overdue step at the due time
        (at(2022, 7, 10, 9, 0), at(2022, 8, 4, 23, 59, 59)),
        # overdue: the next weekly repeat
        (at(2022, 8, 5, 9, 0), at(2022, 8, 11, 23, 59, 59)),
        (at(2022, 8, 12, 9, 0), at(2022, 8, 18, 23, 59, 59)),
    ],
)
def test_a_deadline_says_when_its_ladder_next_has_something_to_do(now, expected):
    """run_reminders passes a deadline by until then (a re-run over 100,000 open deadlines
    does not walk them all): the next step's start, or the next repeat of an overdue one."""
    from casework.deadlines import next_change

    deadline = Deadline(kind=K.HANDBOOK_REJUDGMENT, due_at=at(2022, 8, 4, 23, 59, 59))
    assert next_change(deadline, now) == expected


def test_plans_and_closures_waiting_without_a_deadline_get_one_each_in_a_batch(
    supervisor, team_a, caseworker
):
    """Requests made before the ledger existed (or seeded in bulk): run_reminders opens one
    approval deadline per waiting request, and a second run opens none."""
    from casework.audit.chain import verify

    cases = [open_case(actor=supervisor, team=team_a, lead=caseworker) for _ in range(3)]
    Deadline.objects.filter(kind__in=[K.PLAN_APPROVAL, K.CLOSURE_APPROVAL]).delete()
    for case, fields in zip(
        cases,
        [{"plan_state": "pending"}, {"closure_state": "pending"}, {"plan_state": "approved"}],
        strict=True,
    ):
        type(case).objects.filter(pk=case.pk).update(**fields)
    now = datetime.now(TOKYO)
    run(now)
    opened = Deadline.objects.filter(kind__in=[K.PLAN_APPROVAL, K.CLOSURE_APPROVAL], state="open")
    assert sorted((d.kind, d.case_id, d.team_id) for d in opened) == sorted(
        [(K.PLAN_APPROVAL, cases[0].pk, team_a.pk), (K.CLOSURE_APPROVAL, cases[1].pk, team_a.pk)]
    )
    assert all(d.due_at > now + timedelta(days=6) for d in opened)
    run(now)
    assert opened.count() == 2
    assert verify().ok
