"""意見聴取等措置 (DOMAIN §11; 児童福祉法33条の3の3): no 一時保護 and no placement decision
(里親委託, its end) without the child's views heard before it, or the reason they could not
be and the views heard promptly afterwards (on the deadline ledger); the advocate rule; the
auditor's compliance page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from casework.choices import DeadlineKind
from casework.deadlines import LADDERS, OWNER, SUPERVISORS, deadline_key
from casework.hearings import (
    ViewsInput,
    afterwards_due,
    views_record_afterwards,
    views_record_feedback,
)
from casework.models import CaseEvent, Deadline, ViewsHearing
from casework.writes import CaseRuleError
from foster import services as foster_services
from foster.models import Placement
from shelter import services as shelter_services
from shelter.models import ProtectionDecision
from tests.factories import (
    ChildFactory,
    decide_protection,
    end_placement,
    open_case,
    propose_placement,
    views_after,
    views_before,
    views_post,
)
from tests.foster.conftest import certified_home

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 2)


def afterwards_deadline(hearing: ViewsHearing) -> Deadline:
    return Deadline.objects.get(key=deadline_key(DeadlineKind.VIEWS_AFTERWARDS, hearing))


def record_afterwards(hearing, worker, heard_on, **kw):
    data = {
        "heard_by": worker,
        "method": "cards",
        "advocate_offered": True,
        "advocate_used": False,
        "child_views": "ここにいたい。",
    }
    data.update(kw)
    return views_record_afterwards(
        actor=worker, hearing=hearing, heard_on=heard_on, today=TODAY, **data
    )


# --- the promptly-afterwards period: a pure function (DOMAIN §11 「速やかに」) -------------------


@pytest.mark.parametrize(
    ("decided_on", "days", "due"),
    [
        (date(2026, 12, 1), 3, date(2026, 12, 4)),  # the decision day is not counted
        (date(2026, 12, 30), 3, date(2027, 1, 2)),  # over the year's end
        (date(2028, 2, 27), 3, date(2028, 3, 1)),  # a leap February
        (date(2026, 12, 1), 1, date(2026, 12, 2)),  # a stricter local practice
        (date(2026, 12, 1), 0, date(2026, 12, 1)),  # the same day
    ],
)
def test_views_heard_afterwards_are_due_days_after_the_decision(decided_on, days, due):
    assert afterwards_due(decided_on, days) == due


def test_the_period_is_the_centres_setting(settings):
    settings.MIMAMORI_VIEWS_AFTERWARDS_DAYS = 5
    assert afterwards_due(date(2026, 12, 1)) == date(2026, 12, 6)


def test_the_ladder_tells_the_owner_then_owner_and_supervisors_daily():
    first, overdue = LADDERS[DeadlineKind.VIEWS_AFTERWARDS]
    assert first.audience == {OWNER}
    assert overdue.audience == {OWNER, SUPERVISORS} and overdue.repeat == timedelta(days=1)
    assert overdue.before_due == timedelta(0)


# --- the gate: 一時保護 ------------------------------------------------------------------------


def test_protection_without_views_is_refused_and_nothing_is_saved(case, caseworker):
    with pytest.raises(CaseRuleError, match="子どもの意見聴取を記録してください") as refused:
        shelter_services.protection_decide(
            actor=caseworker, case=case, decided_on=case.opened_on, grounds="abuse"
        )
    assert refused.value.field == "views_timing"
    assert not ProtectionDecision.objects.exists() and not ViewsHearing.objects.exists()


def test_protection_with_views_heard_before_records_the_hearing(case, caseworker):
    decision = decide_protection(
        actor=caseworker,
        case=case,
        decided_on=case.opened_on,
        grounds="abuse",
        views=views_before(caseworker, case.opened_on, advocate_offered=True, advocate_used=True),
    )
    hearing = ViewsHearing.objects.get()
    assert (hearing.subject_type, hearing.subject_id) == (
        "shelter.ProtectionDecision",
        str(decision.pk),
    )
    assert hearing.decision_kind == "protection" and hearing.timing == "before"
    assert hearing.heard_by == caseworker and hearing.advocate_used
    assert hearing.child_views.startswith("家に帰るのはこわい")
    assert not Deadline.objects.filter(kind=DeadlineKind.VIEWS_AFTERWARDS).exists()
    event = CaseEvent.objects.get(case=case, kind="views_heard")
    assert "の前に子どもの意見を聴取" in event.words and "支援員：利用" in event.words


def test_views_heard_after_the_decision_day_are_not_views_heard_before(case, caseworker):
    with pytest.raises(CaseRuleError, match="決定日以前") as refused:
        decide_protection(
            actor=caseworker,
            case=case,
            decided_on=case.opened_on,
            grounds="abuse",
            views=views_before(caseworker, case.opened_on + timedelta(days=1)),
            today=case.opened_on + timedelta(days=1),
        )
    assert refused.value.field == "views_heard_on"
    assert not ProtectionDecision.objects.exists()


@pytest.mark.parametrize(
    ("views", "field"),
    [
        (ViewsInput(timing="before"), "views_heard_on"),
        (ViewsInput(timing="after"), "views_deferral_kind"),
        (ViewsInput(timing="after", deferral_kind="age"), "views_deferral_reason"),
        (
            ViewsInput(timing="after", deferral_kind="weather", deferral_reason="x"),
            "views_deferral_kind",
        ),
        (ViewsInput(timing="sometime"), "views_timing"),
    ],
)
def test_an_incomplete_views_section_is_refused(case, caseworker, views, field):
    with pytest.raises(CaseRuleError) as refused:
        decide_protection(
            actor=caseworker, case=case, decided_on=case.opened_on, grounds="abuse", views=views
        )
    assert refused.value.field == field
    assert not ProtectionDecision.objects.exists() and not ViewsHearing.objects.exists()


def test_an_urgent_protection_opens_the_views_afterwards_deadline(case, caseworker, supervisor):
    decide_protection(
        actor=supervisor,
        case=case,
        decided_on=case.opened_on,
        grounds="abuse",
        views=views_after("urgent"),
    )
    hearing = ViewsHearing.objects.get()
    assert hearing.timing == "after" and hearing.is_outstanding
    assert hearing.deferral_reason == "夜間の緊急保護で聴取の時間がなかった"
    assert hearing.due_on == case.opened_on + timedelta(days=3)
    deadline = afterwards_deadline(hearing)
    assert deadline.state == "open" and deadline.statutory
    assert deadline.owner == case.lead and deadline.team_id == case.team_id  # the case's lead
    assert timezone.localtime(deadline.due_at).date() == hearing.due_on + timedelta(days=1)


def test_views_heard_afterwards_meet_the_deadline_with_the_hearing(case, caseworker):
    decide_protection(
        actor=caseworker,
        case=case,
        decided_on=TODAY - timedelta(days=2),
        grounds="abuse",
        views=views_after("condition"),
        today=TODAY,
    )
    hearing = ViewsHearing.objects.get()
    record_afterwards(hearing, caseworker, TODAY - timedelta(days=1))
    hearing.refresh_from_db()
    assert hearing.heard_on == TODAY - timedelta(days=1) and not hearing.is_outstanding
    assert not hearing.is_late
    deadline = afterwards_deadline(hearing)
    assert deadline.state == "met" and deadline.met_at <= deadline.due_at
    assert (deadline.evidence_type, deadline.evidence_id) == (
        "casework.ViewsHearing",
        str(hearing.pk),
    )
    with pytest.raises(CaseRuleError, match="すでに聴取済み"):
        record_afterwards(hearing, caseworker, TODAY)


def test_views_heard_after_the_due_day_are_late(case, caseworker):
    decided = TODAY - timedelta(days=10)
    decide_protection(
        actor=caseworker,
        case=case,
        decided_on=max(decided, case.opened_on),
        grounds="abuse",
        views=views_after(),
        today=TODAY,
    )
    hearing = ViewsHearing.objects.get()
    record_afterwards(hearing, caseworker, TODAY)
    hearing.refresh_from_db()
    assert hearing.is_late
    deadline = afterwards_deadline(hearing)
    assert deadline.state == "met" and deadline.met_at > deadline.due_at
    assert "期限後" in CaseEvent.objects.get(case=case, kind="views_heard_afterwards").words


def test_views_heard_afterwards_are_not_dated_before_the_decision(case, caseworker):
    decide_protection(
        actor=caseworker,
        case=case,
        decided_on=TODAY - timedelta(days=1),
        grounds="abuse",
        views=views_after(),
        today=TODAY,
    )
    hearing = ViewsHearing.objects.get()
    with pytest.raises(CaseRuleError, match="決定日") as refused:
        record_afterwards(hearing, caseworker, TODAY - timedelta(days=2))
    assert refused.value.field == "heard_on"
    assert afterwards_deadline(hearing).state == "open"


def test_the_feedback_to_the_child_is_recorded(case, caseworker):
    decide_protection(actor=caseworker, case=case, decided_on=case.opened_on, grounds="abuse")
    hearing = ViewsHearing.objects.get()
    with pytest.raises(CaseRuleError, match="決定日"):
        views_record_feedback(
            actor=caseworker,
            hearing=hearing,
            feedback_on=case.opened_on - timedelta(days=1),
            feedback="説明した",
        )
    views_record_feedback(
        actor=caseworker, hearing=hearing, feedback_on=case.opened_on, feedback="絵を使って説明した"
    )
    hearing.refresh_from_db()
    assert hearing.feedback == "絵を使って説明した" and hearing.feedback_on == case.opened_on


def test_a_worker_outside_the_case_records_nothing(case, caseworker, other_worker):
    from django.core.exceptions import PermissionDenied

    decide_protection(
        actor=caseworker, case=case, decided_on=case.opened_on, grounds="abuse", views=views_after()
    )
    hearing = ViewsHearing.objects.get()
    with pytest.raises(PermissionDenied):
        record_afterwards(hearing, other_worker, case.opened_on)


# --- the gate: 里親委託 and its end (措置の解除) -------------------------------------------


def test_a_foster_placement_proposal_without_views_is_refused(case, caseworker, foster_user):
    home = certified_home(foster_user)
    with pytest.raises(CaseRuleError, match="子どもの意見聴取を記録してください"):
        foster_services.placement_propose(
            actor=caseworker, case=case, home=home, planned_start=TODAY, today=TODAY
        )
    assert not Placement.objects.exists() and not ViewsHearing.objects.exists()


def test_a_foster_placement_with_views_before_and_its_end_with_views_afterwards(
    case, caseworker, foster_user
):
    home = certified_home(foster_user)
    proposal = propose_placement(
        actor=caseworker, case=case, home=home, planned_start=date(2026, 7, 1), today=TODAY
    )
    proposed = ViewsHearing.objects.get(decision_kind="foster")
    assert proposed.subject_id == str(proposal.pk) and proposed.decided_on == TODAY
    placement = foster_services.placement_confirm(
        actor=foster_user, placement=proposal, started_on=date(2026, 7, 1), today=TODAY
    )
    with pytest.raises(CaseRuleError, match="子どもの意見聴取を記録してください"):
        foster_services.placement_end(
            actor=foster_user,
            placement=placement,
            ended_on=date(2026, 11, 1),
            end_kind="home",
            reason="家庭復帰",
            today=TODAY,
        )
    placement.refresh_from_db()
    assert placement.is_active and not ViewsHearing.objects.filter(decision_kind="end").exists()
    end_placement(
        actor=foster_user,
        placement=placement,
        ended_on=date(2026, 11, 30),
        end_kind="home",
        reason="家庭復帰",
        views=views_after("urgent", "里親の急病で即日の措置解除となった"),
        today=TODAY,
    )
    ended = ViewsHearing.objects.get(decision_kind="end")
    assert ended.subject_id == str(placement.pk) and ended.is_outstanding
    deadline = afterwards_deadline(ended)
    assert deadline.owner == case.lead  # the foster team ended it; the case's lead hears the child
    record_afterwards(ended, caseworker, date(2026, 12, 1))
    assert afterwards_deadline(ended).state == "met"


# --- the advocate: used implies offered (意見表明等支援事業, 6条の3第17項) ------------------


def test_an_advocate_used_but_not_offered_is_refused_by_the_service(case, caseworker):
    with pytest.raises(CaseRuleError, match="支援員を案内したこと") as refused:
        decide_protection(
            actor=caseworker,
            case=case,
            decided_on=case.opened_on,
            grounds="abuse",
            views=views_before(caseworker, case.opened_on, advocate_used=True),
        )
    assert refused.value.field == "views_advocate_offered"


def test_an_advocate_used_but_not_offered_is_refused_by_the_database(case, caseworker):
    decide_protection(actor=caseworker, case=case, decided_on=case.opened_on, grounds="abuse")
    hearing = ViewsHearing.objects.get()
    hearing.advocate_offered, hearing.advocate_used = False, True
    with pytest.raises(IntegrityError), transaction.atomic():
        hearing.save(update_fields=["advocate_offered", "advocate_used"])


def test_a_hearing_before_the_decision_needs_its_day_in_the_database(case, caseworker):
    decide_protection(actor=caseworker, case=case, decided_on=case.opened_on, grounds="abuse")
    hearing = ViewsHearing.objects.get()
    hearing.heard_on = hearing.decided_on + timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        hearing.save(update_fields=["heard_on"])


# --- over HTTP: the decision form's views section, the case file -------------------------------


def test_the_decision_form_records_views_not_heard_first_and_the_case_file_offers_the_rest(
    case, caseworker, login
):
    client = login(caseworker)
    data = {
        "decision-decided_on": case.opened_on.isoformat(),
        "decision-grounds": "abuse",
        "decision-kind": "shelter",
        "decision-views_timing": "after",
    }
    response = client.post(reverse("shelter:decision_add", args=[case.pk]), data)
    assert response.status_code == 400
    assert "事前に聴取できなかった理由を選んでください" in response.content.decode()
    assert not ProtectionDecision.objects.exists()
    data |= {"decision-views_deferral_kind": "age", "decision-views_deferral_reason": "生後3か月"}
    response = client.post(reverse("shelter:decision_add", args=[case.pk]), data)
    assert response.status_code == 302
    hearing = ViewsHearing.objects.get()
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "事後の聴取：" in page and "決定後に聴取した意見を記録" in page
    url = reverse("casework:views_afterwards", args=[case.pk, hearing.pk])
    prefix = f"views-after-{hearing.pk}"
    response = client.post(url, {f"{prefix}-heard_on": timezone.localdate().isoformat()})
    assert response.status_code == 400 and "聴取の方法を選んでください" in response.content.decode()
    response = client.post(
        url,
        {
            f"{prefix}-heard_on": timezone.localdate().isoformat(),
            f"{prefix}-heard_by": caseworker.pk,
            f"{prefix}-method": "through",
            f"{prefix}-child_views": "（乳児のため、保護者・保育士を通じて様子を確認）",
        },
    )
    assert response.status_code == 302
    hearing.refresh_from_db()
    assert hearing.method == "through" and afterwards_deadline(hearing).state == "met"


def test_a_hearing_of_another_case_is_not_found(case, other_case, caseworker, other_worker, login):
    decide_protection(actor=caseworker, case=case, decided_on=case.opened_on, grounds="abuse")
    hearing = ViewsHearing.objects.get()
    url = reverse("casework:views_feedback", args=[other_case.pk, hearing.pk])
    assert login(other_worker).post(url, {}).status_code == 404


# --- the auditor's compliance page ----------------------------------------------------------------


@pytest.fixture
def decisions(supervisor, team_a, caseworker):
    """Decisions of FY2026 (from 2026-04-01): 一時保護 heard before ×2, heard afterwards in
    time, heard afterwards late, still owed (overdue); one 一時保護 of FY2025."""

    def protect(decided_on, views):
        case = open_case(
            actor=supervisor,
            child=ChildFactory(),
            team=team_a,
            lead=caseworker,
            opened_on=date(2025, 4, 1),
        )
        decide_protection(
            actor=caseworker,
            case=case,
            decided_on=decided_on,
            grounds="abuse",
            views=views,
            today=TODAY,
        )
        return ViewsHearing.objects.get(case=case)

    protect(date(2026, 5, 1), views_before(caseworker, date(2026, 5, 1)))
    protect(
        date(2026, 6, 1),
        views_before(caseworker, date(2026, 5, 30), advocate_offered=True, advocate_used=True),
    )
    # heard on the due day itself (decided 1 July + 3 days): in time
    record_afterwards(protect(date(2026, 7, 1), views_after()), caseworker, date(2026, 7, 4))
    record_afterwards(protect(date(2026, 8, 1), views_after()), caseworker, date(2026, 8, 10))
    protect(date(2026, 11, 1), views_after())
    protect(date(2026, 3, 31), views_before(caseworker, date(2026, 3, 31)))


def row(table, kind):
    return next(r for r in table if r["kind"] == kind)


def test_the_compliance_page_counts_a_fiscal_year(decisions, auditor, login):
    response = login(auditor).get(reverse("audit:views"), {"fiscal_year": 2026})
    assert response.status_code == 200
    assert "{#" not in response.content.decode()  # the filters' comment is not shown as text
    protection = row(response.context["table"], "protection")
    assert protection["total"] == 5
    assert protection["before"] == 2
    assert protection["after_on_time"] == 1
    assert protection["after_late"] == 1
    assert protection["outstanding"] == 1 and protection["outstanding_overdue"] == 1
    assert protection["advocate_offered"] == 3 and protection["advocate_used"] == 1
    assert row(response.context["table"], "")["total"] == 5  # the total row
    assert row(response.context["table"], "foster")["total"] == 0


def test_the_compliance_page_counts_a_period_and_exports_csv(decisions, auditor, login):
    client = login(auditor)
    query = {"date_from": "2026-03-01", "date_to": "2026-06-30"}
    response = client.get(reverse("audit:views"), query)
    assert row(response.context["table"], "protection")["total"] == 3
    csv = client.get(reverse("audit:views"), query | {"format": "csv"})
    assert csv["Content-Type"] == "text/csv"
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("期間,決定の種類,決定,事前に聴取")
    assert lines[1] == "2026-03-01〜2026-06-30,一時保護,3,3,0,0,0,0,1,1,0"


def test_the_compliance_page_refuses_a_year_and_a_period_together(auditor, login):
    response = login(auditor).get(
        reverse("audit:views"), {"fiscal_year": 2026, "date_from": "2026-04-01"}
    )
    assert response.status_code == 400
    assert "どちらか一方を指定してください" in response.content.decode()


def test_the_compliance_page_is_for_auditors_only(caseworker, supervisor, login):
    for user in (caseworker, supervisor):
        assert login(user).get(reverse("audit:views")).status_code == 403


def test_run_reminders_opens_the_deadline_of_a_hearing_owed_without_one(case, caseworker):
    from casework.hearings import sync_views_deadlines

    # loaded in bulk (no service, so no deadline yet)
    (hearing,) = ViewsHearing.objects.bulk_create(
        [
            ViewsHearing(
                case=case,
                child_id=case.child_id,
                decision_kind="protection",
                decided_on=case.opened_on,
                decided_by=caseworker,
                subject_type="legacy.Decision",
                subject_id="1",
                timing="after",
                deferral_kind="urgent",
                due_on=case.opened_on + timedelta(days=3),
                recorded_by=caseworker,
            )
        ]
    )
    assert sync_views_deadlines(timezone.now()) == {"意見聴取": 1}
    deadline = afterwards_deadline(hearing)
    assert deadline.state == "open" and deadline.owner == case.lead
    assert sync_views_deadlines(timezone.now()) == {"意見聴取": 0}


# --- the gate: 施設入所 (a discharge from protection to a 乳児院 or 児童養護施設) ------------


@pytest.fixture
def stay(case, shelter_user):
    from shelter.layout import ensure_default_layout
    from tests.factories import decide_and_admit

    ensure_default_layout()
    return decide_and_admit(
        actor=shelter_user, case=case, started_on=TODAY - timedelta(days=10), parental_consent=True
    )


def discharge(stay, shelter_user, destination, views=None):
    return shelter_services.stay_discharge(
        actor=shelter_user,
        stay=stay,
        ended_on=TODAY,
        destination=destination,
        reason="援助方針に基づく",
        views=views,
        today=TODAY,
    )


def test_a_discharge_to_a_childrens_home_without_views_is_refused(stay, shelter_user):
    before = ViewsHearing.objects.count()
    with pytest.raises(CaseRuleError, match="子どもの意見聴取を記録してください"):
        discharge(stay, shelter_user, "childrens_home")
    stay.refresh_from_db()
    assert stay.is_active and ViewsHearing.objects.count() == before


def test_a_discharge_to_an_institution_records_the_institution_decisions_views(
    stay, shelter_user, caseworker
):
    discharge(stay, shelter_user, "infant_home", views_after("age", "生後2か月の乳児"))
    hearing = ViewsHearing.objects.get(decision_kind="institution")
    assert (hearing.subject_type, hearing.subject_id) == ("shelter.Stay", str(stay.pk))
    assert afterwards_deadline(hearing).owner == stay.case.lead


def test_a_discharge_home_is_not_a_placement_decision(stay, shelter_user):
    discharge(stay, shelter_user, "home")
    assert not ViewsHearing.objects.filter(decision_kind="institution").exists()


def test_the_discharge_form_asks_for_the_views_when_the_child_goes_to_an_institution(
    stay, shelter_user, login
):
    url = reverse("shelter:discharge", args=[stay.pk])
    data = {"ended_on": timezone.localdate().isoformat(), "destination": "childrens_home"}
    response = login(shelter_user).post(url, data | {"reason": "施設入所の措置"})
    assert response.status_code == 400
    assert "施設入所の決定です" in response.content.decode()
    stay.refresh_from_db()
    assert stay.is_active
    views = views_post("x", stay.case.lead, timezone.localdate())
    data |= {k.removeprefix("x-"): v for k, v in views.items()}
    response = login(shelter_user).post(url, data | {"reason": "施設入所の措置"})
    assert response.status_code == 302
    assert ViewsHearing.objects.filter(decision_kind="institution").exists()
