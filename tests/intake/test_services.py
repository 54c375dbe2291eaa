"""The intake services refuse what the law refuses, with the Japanese message, saving nothing."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from casework.choices import Category
from casework.models import Case, CaseEvent, Child
from intake import services
from intake.choices import AbuseType, Agency, ConsultationStatus, Outcome, SafetyMethod
from intake.models import Consultation, Route, SafetyConfirmation
from intake.services import IntakeRuleError, Reporter
from tests.factories import ChildFactory
from tests.intake.conftest import tokyo

pytestmark = pytest.mark.django_db


def rule_messages(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- age rules ------------------------------------------------------------------------------

AGE_CASES = [
    # (birth date, received on, accepted?)
    (date(2008, 11, 21), date(2026, 11, 20), True),  # 17 until tomorrow
    (date(2008, 11, 20), date(2026, 11, 20), False),  # 18 today
    (date(2008, 2, 29), date(2026, 2, 28), True),  # leap-day birth: 18 on 1 March
    (date(2008, 2, 29), date(2026, 3, 1), False),
]


@pytest.mark.parametrize(("birth", "received_on", "accepted"), AGE_CASES)
def test_a_person_of_18_or_more_is_refused_with_the_law_cited(
    birth, received_on, accepted, make_consultation
):
    child = ChildFactory.build(birth_date=birth)
    received_at = tokyo(received_on.year, received_on.month, received_on.day, 10, 0)
    if accepted:
        make_consultation(new_child=child, received_at=received_at)
        assert Consultation.objects.count() == 1
        return
    with pytest.raises(IntakeRuleError) as excinfo:
        make_consultation(new_child=child, received_at=received_at)
    assert rule_messages(excinfo)["birth_date"] == [
        "18歳以上の方の相談は受け付けられません（児童福祉法4条）。"
    ]
    assert not Consultation.objects.exists()
    assert not Child.objects.exists()  # nothing saved, not even the new child


SHOHO_CASES = [
    # (birth date, act date, accepted?)
    (date(2012, 11, 21), date(2026, 11, 20), True),  # 13 on the day of the act
    (date(2012, 11, 20), date(2026, 11, 20), False),  # 14 on the day of the act
    (date(2012, 11, 20), date(2026, 11, 19), True),  # the day before the 14th birthday
    (date(2012, 2, 29), date(2026, 2, 28), True),  # leap-day birth reaches 14 on 1 March
    (date(2012, 2, 29), date(2026, 3, 1), False),
]


@pytest.mark.parametrize(("birth", "act", "accepted"), SHOHO_CASES)
def test_shoho_needs_a_child_under_14_at_the_time_of_the_act(
    birth, act, accepted, make_consultation
):
    child = ChildFactory.build(birth_date=birth)
    kwargs = dict(
        new_child=child,
        category=Category.SHOHO,
        act_date=act,
        received_at=tokyo(2026, 3, 5, 9, 0) if act.month < 4 else tokyo(2026, 11, 25, 9, 0),
    )
    if accepted:
        assert make_consultation(**kwargs).act_date == act
        return
    with pytest.raises(IntakeRuleError) as excinfo:
        make_consultation(**kwargs)
    assert rule_messages(excinfo)["act_date"] == [
        "触法行為等相談は行為時14歳未満の児童が対象です（刑法41条）。"
        "ぐ犯等相談などを選んでください。"
    ]
    assert not Consultation.objects.exists()


def test_shoho_without_the_date_of_the_act_is_refused(make_consultation):
    with pytest.raises(IntakeRuleError) as excinfo:
        make_consultation(category=Category.SHOHO)
    assert "行為の日を入力してください" in rule_messages(excinfo)["act_date"][0]


def test_a_14_year_old_may_still_be_the_subject_of_a_guhan_consultation(make_consultation):
    child = ChildFactory.build(birth_date=date(2011, 1, 1))
    consultation = make_consultation(new_child=child, category=Category.GUHAN)
    assert consultation.act_date is None


def test_the_age_rule_uses_an_existing_childs_birth_date(make_consultation):
    adult = ChildFactory(birth_date=date(2000, 1, 1))
    with pytest.raises(IntakeRuleError) as excinfo:
        make_consultation(child=adult)
    assert "birth_date" in rule_messages(excinfo)


# --- abuse reports and the 48-hour clock ----------------------------------------------------

CLOCK_CASES = [
    # received (Asia/Tokyo) -> due
    (tokyo(2026, 11, 20, 23, 40), tokyo(2026, 11, 22, 23, 40)),  # at night, across midnight
    (tokyo(2026, 10, 31, 18, 5), tokyo(2026, 11, 2, 18, 5)),  # across a month end
    (tokyo(2025, 12, 31, 22, 0), tokyo(2026, 1, 2, 22, 0)),  # across the year end
    (tokyo(2024, 2, 28, 9, 30), tokyo(2024, 3, 1, 9, 30)),  # across a leap day
    (tokyo(2025, 2, 28, 9, 30), tokyo(2025, 3, 2, 9, 30)),  # a common year
]


@pytest.mark.parametrize(("received", "due"), CLOCK_CASES)
def test_an_abuse_report_starts_the_48_hour_clock_at_the_moment_of_receipt(
    received, due, make_consultation
):
    consultation = make_consultation(category=Category.ABUSE, received_at=received)
    consultation.refresh_from_db()
    assert consultation.safety_due_at == due
    assert consultation.clock_open


def test_other_categories_have_no_clock(make_consultation):
    assert make_consultation(category=Category.PARENTING).safety_due_at is None


def test_an_abuse_report_needs_at_least_one_type_and_may_have_several(make_consultation):
    with pytest.raises(IntakeRuleError) as excinfo:
        make_consultation(category=Category.ABUSE, abuse_types=("none",))
    assert "虐待の種別" in rule_messages(excinfo)["abuse_types"][0]
    report = make_consultation(
        category=Category.ABUSE, abuse_types=(AbuseType.PSYCHOLOGICAL, AbuseType.NEGLECT)
    )
    assert report.abuse_types == [AbuseType.NEGLECT, AbuseType.PSYCHOLOGICAL]


def test_an_anonymous_report_keeps_no_name_or_contact(make_consultation):
    reporter = Reporter(anonymous=True, name="言いかけた名前", relation="近隣", contact="03-x")
    report = make_consultation(category=Category.ABUSE, reporter=reporter)
    report.refresh_from_db()
    assert (report.reporter_name, report.reporter_contact) == ("", "")
    assert report.reporter_relation == "近隣"


def test_a_named_reporter_needs_a_name(make_consultation):
    with pytest.raises(IntakeRuleError) as excinfo:
        make_consultation(reporter=Reporter(anonymous=False, name=" "))
    assert "匿名" in rule_messages(excinfo)["reporter_name"][0]


def test_reporter_and_summary_are_encrypted_at_rest(make_consultation):
    from django.db import connection

    report = make_consultation(category=Category.ABUSE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reporter_name, reporter_contact, summary FROM intake_consultation WHERE id=%s",
            [report.pk],
        )
        row = cursor.fetchone()
    assert all(value.startswith("mm2$") for value in row)
    assert "近所" not in "".join(row)


def test_a_route_outside_its_effective_period_is_refused(make_consultation):
    old = Route.objects.get(code="police")
    old.valid_to = date(2026, 3, 31)
    old.save()
    with pytest.raises(IntakeRuleError) as excinfo:
        make_consultation(route_code="police", received_at=tokyo(2026, 4, 1, 0, 5))
    assert "経路" in rule_messages(excinfo)["route"][0]
    make_consultation(route_code="police", received_at=tokyo(2026, 3, 31, 23, 55))


def test_a_receipt_in_the_future_is_refused(make_consultation):
    with pytest.raises(IntakeRuleError) as excinfo:
        make_consultation(received_at=timezone.now() + timedelta(hours=2))
    assert "未来" in rule_messages(excinfo)["received_at"][0]


def test_only_intake_staff_and_supervisors_of_the_team_record_consultations(
    make_consultation, caseworker, other_supervisor
):
    with pytest.raises(PermissionDenied):
        make_consultation(actor=caseworker)
    with pytest.raises(PermissionDenied):
        make_consultation(actor=other_supervisor)  # not a member of team A


def test_history_records_who_recorded_the_consultation_and_the_new_child(report, intake_user):
    assert report.history.get().history_user == intake_user
    assert report.history.get().history_change_reason == "相談受付"
    assert report.child.history.get().history_user == intake_user
    assert report.child.created_by == intake_user


# --- acceptance ------------------------------------------------------------------------------


def test_a_supervisor_accepts_a_report_into_a_case_led_by_a_caseworker(
    report, supervisor, caseworker, team_a
):
    case = services.consultation_accept(
        actor=supervisor, consultation=report, team=team_a, lead=caseworker
    )
    report.refresh_from_db()
    assert report.status == ConsultationStatus.ACCEPTED
    assert report.case == case
    assert (case.child, case.team, case.lead) == (report.child, team_a, caseworker)
    assert case.category == Category.ABUSE
    assert case.opened_on == date(2026, 11, 20)
    assert caseworker.has_perm("casework.view_case", case)
    assert CaseEvent.objects.filter(case=case, kind="intake_accepted").exists()


def test_a_consultation_is_accepted_only_once(report, supervisor, caseworker, team_a):
    services.consultation_accept(
        actor=supervisor, consultation=report, team=team_a, lead=caseworker
    )
    stale = Consultation.objects.get(pk=report.pk)
    stale.status = ConsultationStatus.OPEN  # as a second supervisor's page still shows it
    with pytest.raises(IntakeRuleError):
        services.consultation_accept(
            actor=supervisor, consultation=stale, team=team_a, lead=caseworker
        )
    assert Case.objects.count() == 1


@pytest.mark.parametrize("who", ["caseworker", "intake_user", "other_supervisor"])
def test_only_a_supervisor_of_the_receiving_team_accepts(who, request, report, team_a):
    actor = request.getfixturevalue(who)
    lead = request.getfixturevalue("caseworker")
    with pytest.raises(PermissionDenied):
        services.consultation_accept(actor=actor, consultation=report, team=team_a, lead=lead)
    assert not Case.objects.exists()


def test_the_lead_must_belong_to_the_team(report, supervisor, other_worker, team_a):
    with pytest.raises(IntakeRuleError) as excinfo:
        services.consultation_accept(
            actor=supervisor, consultation=report, team=team_a, lead=other_worker
        )
    assert "の職員ではありません" in excinfo.value.message_dict["lead"][0]
    assert not Case.objects.exists()


def test_a_consultation_closed_without_a_case_records_why(make_consultation, supervisor):
    consultation = make_consultation()
    services.consultation_decline(
        actor=supervisor,
        consultation=consultation,
        outcome=Outcome.ADVICE,
        note="育児相談窓口を案内",
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.NOT_ACCEPTED
    assert consultation.outcome == Outcome.ADVICE
    assert consultation.decided_by == supervisor


def test_a_referral_names_the_agency(make_consultation, supervisor):
    with pytest.raises(IntakeRuleError) as excinfo:
        services.consultation_decline(
            actor=supervisor, consultation=make_consultation(), outcome=Outcome.REFERRAL
        )
    assert "紹介先" in excinfo.value.message_dict["note"][0]


# --- safety confirmation ----------------------------------------------------------------------


def confirm(actor, consultation, **overrides):
    values = dict(
        seen_at=tokyo(2026, 11, 21, 10, 0),
        seen_by="佐藤 福祉司",
        agency=Agency.CENTRE,
        place="自宅",
        method=SafetyMethod.HOME_VISIT,
        notes="外傷なし。",
    )
    values.update(overrides)
    return services.safety_confirm(actor=actor, consultation=consultation, **values)


def test_a_direct_sighting_by_the_caseworker_stops_the_clock(accepted_report, caseworker):
    confirm(caseworker, accepted_report)
    accepted_report.refresh_from_db()
    assert accepted_report.safety_confirmed_at == tokyo(2026, 11, 21, 10, 0)
    assert not accepted_report.clock_open
    assert not Consultation.objects.open_clocks().exists()


def test_a_partner_agency_may_confirm_and_must_be_named(report, supervisor):
    with pytest.raises(IntakeRuleError) as excinfo:
        confirm(supervisor, report, agency=Agency.PARTNER)
    assert "協力機関" in excinfo.value.message_dict["agency_name"][0]
    confirm(supervisor, report, agency=Agency.PARTNER, agency_name="港区子ども家庭支援センター")
    assert SafetyConfirmation.objects.get().agency_label.endswith("（港区子ども家庭支援センター）")


@pytest.mark.parametrize(
    "method", [SafetyMethod.PHONE, SafetyMethod.VISIT_NO_CONTACT, SafetyMethod.HEARSAY]
)
def test_a_contact_attempt_is_recorded_but_does_not_stop_the_clock(report, supervisor, method):
    """Issue 12 item 12 (DOMAIN §3: the 48-hour rule asks for direct sight): a call, a visit
    with nobody home or word from a school is evidence of the effort and is kept; the clock
    runs on until a direct sighting."""
    attempt = confirm(supervisor, report, method=method)
    assert not attempt.seen_directly
    report.refresh_from_db()
    assert report.clock_open and report.safety_confirmed_at is None
    sighting = confirm(supervisor, report, seen_at=tokyo(2026, 11, 21, 15, 0))
    assert sighting.seen_directly
    report.refresh_from_db()
    assert not report.clock_open
    assert report.safety_confirmed_at == tokyo(2026, 11, 21, 15, 0)


def test_the_database_refuses_a_sighting_by_a_method_that_is_not_one(report, supervisor):
    from django.db import IntegrityError, transaction

    attempt = confirm(supervisor, report, method=SafetyMethod.PHONE)
    attempt.seen_directly = True
    with pytest.raises(IntegrityError), transaction.atomic():
        attempt.save(update_fields=["seen_directly"])


def test_a_sighting_before_the_report_is_refused(report, supervisor):
    with pytest.raises(IntakeRuleError):
        confirm(supervisor, report, seen_at=tokyo(2026, 11, 20, 23, 0))


def test_a_late_confirmation_still_stops_the_clock_and_shows_it_was_late(report, supervisor):
    late = confirm(supervisor, report, seen_at=tokyo(2026, 11, 23, 8, 0))
    assert not late.within_deadline
    report.refresh_from_db()
    assert not report.clock_open


@pytest.mark.parametrize("who", ["intake_user", "coworker", "other_worker", "other_supervisor"])
def test_who_may_not_record_a_safety_confirmation(who, request, accepted_report):
    with pytest.raises(PermissionDenied):
        confirm(request.getfixturevalue(who), accepted_report)
