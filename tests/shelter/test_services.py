"""Services: admit, move, discharge and the legal records, with their refusals in Japanese."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from casework.models import CaseEvent
from shelter import services
from shelter.choices import Destination, StayKind, WarrantResult
from shelter.models import BedAssignment, Stay
from shelter.services import StayRuleError

pytestmark = pytest.mark.django_db


def test_admission_takes_the_chosen_bed_and_records_history_and_a_case_event(
    admit, new_case, layout, shelter_user
):
    case = new_case()
    stay = admit(case, bed=layout[3])
    assert stay.bed == layout[3]
    assignment = BedAssignment.objects.get(stay=stay)
    assert (assignment.bed, assignment.from_date, assignment.to_date) == (
        layout[3],
        stay.started_on,
        None,
    )
    assert stay.history.get().history_user == shelter_user
    event = CaseEvent.objects.filter(case=case, kind="stay_admitted").get()
    assert "ベッド 104" in event.words


def test_admission_without_a_bed_picks_a_free_bed_in_a_room_for_the_childs_sex_and_age(
    admit, new_case, today
):
    girl = new_case(sex="F", birth_date=today - timedelta(days=10 * 365))
    stay = admit(girl)
    assert stay.bed.room.sex == "F"
    assert stay.bed.room.age_band == "school"
    toddler = new_case(sex="M", birth_date=today - timedelta(days=3 * 365))
    assert admit(toddler).bed.room.age_band == "infant"


def test_admission_into_an_occupied_bed_is_refused_as_bed_in_use(admit, new_case, layout):
    admit(new_case(), bed=layout[0])
    with pytest.raises(StayRuleError, match="ベッド使用中") as info:
        admit(new_case(), bed=layout[0])
    assert info.value.field == "bed"
    assert Stay.objects.count() == 1


def test_the_thirteenth_child_is_refused_as_full(admit, new_case, layout):
    for bed in layout:
        admit(new_case(), bed=bed)
    with pytest.raises(StayRuleError, match="満床") as info:
        admit(new_case())
    assert "12/12" in str(info.value.messages)
    assert Stay.objects.in_house().count() == 12


def test_entrusted_protection_takes_no_bed_and_does_not_count_toward_capacity(
    admit, new_case, layout
):
    for bed in layout:
        admit(new_case(), bed=bed)
    stay = admit(new_case(), kind=StayKind.ENTRUSTED, entrusted_to="協力病院")
    assert stay.bed is None
    assert Stay.objects.in_house().count() == 12
    assert Stay.objects.active().count() == 13


def test_entrusted_protection_needs_the_place(admit, new_case):
    with pytest.raises(StayRuleError, match="委託先"):
        admit(new_case(), kind=StayKind.ENTRUSTED)


def test_a_child_already_in_protection_cannot_be_admitted_again(admit, new_case, supervisor):
    case = new_case()
    admit(case)
    with pytest.raises(StayRuleError, match="すでに一時保護中"):
        admit(case)


def test_a_closed_case_cannot_be_admitted(admit, new_case):
    case = new_case()
    case.status = "closed"
    case.save()
    with pytest.raises(StayRuleError, match="終結"):
        admit(case)


def test_start_date_cannot_be_in_the_future(admit, new_case, today):
    with pytest.raises(StayRuleError, match="未来"):
        admit(new_case(), started_on=today + timedelta(days=1))


def test_only_shelter_staff_and_supervisors_admit(admit, new_case, caseworker, auditor):
    for user in (caseworker, auditor):
        with pytest.raises(PermissionDenied):
            admit(new_case(), actor=user)


def test_a_backdated_admission_cannot_overlap_an_earlier_stay_in_that_bed(
    admit, new_case, layout, shelter_user, today
):
    first = admit(new_case(), bed=layout[0], started_on=today - timedelta(days=20))
    services.stay_discharge(
        actor=shelter_user,
        stay=first,
        ended_on=today - timedelta(days=5),
        destination=Destination.HOME,
        reason="家庭復帰",
    )
    with pytest.raises(StayRuleError, match="ベッド使用中"):
        admit(new_case(), bed=layout[0], started_on=today - timedelta(days=10))
    assert admit(new_case(), bed=layout[0], started_on=today - timedelta(days=5)).bed == layout[0]


def test_move_closes_the_old_assignment_and_frees_the_old_bed(
    admit, new_case, layout, shelter_user, today
):
    stay = admit(new_case(), bed=layout[0], started_on=today - timedelta(days=3))
    services.stay_move(actor=shelter_user, stay=stay, bed=layout[1], moved_on=today)
    stay.refresh_from_db()
    assert stay.bed == layout[1]
    periods = list(stay.assignments.values_list("bed_id", "from_date", "to_date"))
    assert periods == [
        (layout[0].pk, today - timedelta(days=3), today),
        (layout[1].pk, today, None),
    ]
    assert admit(new_case(), bed=layout[0]).bed == layout[0]


def test_move_into_an_occupied_bed_is_refused(admit, new_case, layout, shelter_user, today):
    stay = admit(new_case(), bed=layout[0])
    admit(new_case(), bed=layout[1])
    with pytest.raises(StayRuleError, match="ベッド使用中"):
        services.stay_move(actor=shelter_user, stay=stay, bed=layout[1], moved_on=today)


def test_move_to_the_same_bed_or_before_the_current_bed_is_refused(
    admit, new_case, layout, shelter_user, today
):
    stay = admit(new_case(), bed=layout[0])
    with pytest.raises(StayRuleError, match="同じベッド"):
        services.stay_move(actor=shelter_user, stay=stay, bed=layout[0], moved_on=today)
    with pytest.raises(StayRuleError, match="保護開始日"):
        services.stay_move(
            actor=shelter_user, stay=stay, bed=layout[1], moved_on=today - timedelta(days=1)
        )


def test_discharge_frees_the_bed_and_keeps_the_record(admit, new_case, layout, shelter_user, today):
    stay = admit(new_case(), bed=layout[0])
    services.stay_discharge(
        actor=shelter_user, stay=stay, ended_on=today, destination=Destination.HOME, reason="帰宅"
    )
    stay.refresh_from_db()
    assert (stay.ended_on, stay.destination, stay.discharge_reason) == (today, "home", "帰宅")
    assert stay.assignments.get().to_date == today
    assert Stay.objects.in_house().count() == 0
    assert admit(new_case(), bed=layout[0]).bed == layout[0]
    with pytest.raises(StayRuleError, match="すでに解除"):
        services.stay_discharge(
            actor=shelter_user, stay=stay, ended_on=today, destination="home", reason="x"
        )


def test_discharge_needs_a_reason_and_a_date_within_the_stay(admit, new_case, shelter_user, today):
    stay = admit(new_case())
    with pytest.raises(StayRuleError, match="理由"):
        services.stay_discharge(
            actor=shelter_user, stay=stay, ended_on=today, destination="home", reason=" "
        )
    with pytest.raises(StayRuleError, match="保護開始日"):
        services.stay_discharge(
            actor=shelter_user,
            stay=stay,
            ended_on=today - timedelta(days=1),
            destination="home",
            reason="帰宅",
        )


def test_consent_then_warrant_is_no_longer_due(admit, new_case, shelter_user, today):
    stay = admit(new_case())
    assert stay.clock(today).warrant_due == today + timedelta(days=6)
    services.stay_record_consent(actor=shelter_user, stay=stay, consent=True, on=today)
    stay.refresh_from_db()
    assert stay.parental_consent
    assert stay.clock(today).warrant_due is None
    with pytest.raises(StayRuleError, match="同じ"):
        services.stay_record_consent(actor=shelter_user, stay=stay, consent=True, on=today)


def test_a_refused_warrant_requires_discharge_or_an_appeal(admit, new_case, shelter_user, today):
    stay = admit(new_case(), started_on=today - timedelta(days=3))
    with pytest.raises(StayRuleError, match="先に"):
        services.stay_record_warrant_decision(
            actor=shelter_user, stay=stay, result="refused", decided_on=today
        )
    services.stay_record_warrant_request(
        actor=shelter_user, stay=stay, requested_on=today - timedelta(days=2)
    )
    services.stay_record_warrant_decision(
        actor=shelter_user, stay=stay, result=WarrantResult.REFUSED, decided_on=today
    )
    stay.refresh_from_db()
    clock = stay.clock(today)
    assert clock.needs_discharge and clock.alert
    assert clock.appeal_due == today + timedelta(days=3)
    with pytest.raises(StayRuleError, match="却下"):
        services.extension_request(
            actor=shelter_user, stay=stay, requested_on=today, parental_consent=True
        )
    services.stay_record_appeal(actor=shelter_user, stay=stay, appeal_on=today)
    stay.refresh_from_db()
    assert not stay.clock(today).needs_discharge
    services.stay_record_appeal(actor=shelter_user, stay=stay, appeal_on=today, result="refused")
    stay.refresh_from_db()
    assert stay.clock(today).needs_discharge


def test_an_appeal_after_three_days_is_refused(admit, new_case, shelter_user, today):
    stay = admit(new_case(), started_on=today - timedelta(days=6))
    services.stay_record_warrant_request(
        actor=shelter_user, stay=stay, requested_on=today - timedelta(days=6)
    )
    services.stay_record_warrant_decision(
        actor=shelter_user, stay=stay, result="refused", decided_on=today - timedelta(days=4)
    )
    with pytest.raises(StayRuleError, match="3日以内"):
        services.stay_record_appeal(actor=shelter_user, stay=stay, appeal_on=today)


def test_extension_with_consent_extends_the_limit_by_the_next_two_month_period(
    admit, new_case, shelter_user, today
):
    from casework import rules

    started = today - timedelta(days=50)
    stay = admit(new_case(), started_on=started, consent=True)
    first_end = rules.protection_limit(started)
    ext = services.extension_request(
        actor=shelter_user, stay=stay, requested_on=today, parental_consent=True
    )
    assert (ext.period_start, ext.period_end) == rules.next_extension_period(first_end)
    assert ext.approved is True
    assert stay.clock(today).limit == ext.period_end


def test_extension_against_the_parents_waits_for_the_family_court(
    admit, new_case, shelter_user, caseworker, today
):
    started = today - timedelta(days=70)
    stay = admit(new_case(), started_on=started, consent=True)
    ext = services.extension_request(
        actor=caseworker,  # the case's worker may file it
        stay=stay,
        requested_on=today - timedelta(days=15),
        parental_consent=False,
        court_case_ref="令和8年（家）第1号",
    )
    clock = stay.clock(today)
    assert clock.extension_pending and ext.approved is None
    assert not clock.limit_overdue  # protection continues while the court decides
    with pytest.raises(StayRuleError, match="判断待ち"):
        services.extension_request(
            actor=shelter_user, stay=stay, requested_on=today, parental_consent=True
        )
    services.extension_decide(actor=shelter_user, extension=ext, approved=True, decided_on=today)
    stay.refresh_from_db()
    assert stay.clock(today).limit == ext.period_end


def test_extension_must_be_filed_before_the_period_ends(admit, new_case, shelter_user, today):
    stay = admit(new_case(), started_on=today - timedelta(days=80), consent=True)
    with pytest.raises(StayRuleError, match="末日"):
        services.extension_request(
            actor=shelter_user, stay=stay, requested_on=today, parental_consent=True
        )


def test_school_liaison_is_recorded_encrypted(admit, new_case, shelter_user, today):
    stay = admit(new_case())
    services.stay_update_school(
        actor=shelter_user,
        stay=stay,
        school="港区立芝浦小学校",
        contacted_on=today,
        contact="教頭 田中",
        attendance="in_shelter",
        attendance_note="保護所内の学習を出席扱いとする",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT attendance_note FROM shelter_stay WHERE id = %s", [stay.pk])
        assert "出席" not in cursor.fetchone()[0]  # ciphertext at rest
    stay.refresh_from_db()
    assert stay.attendance_note == "保護所内の学習を出席扱いとする"


def test_caseworker_of_another_team_cannot_record_on_the_stay(admit, new_case, other_worker, today):
    stay = admit(new_case())
    with pytest.raises(PermissionDenied):
        services.stay_record_consent(actor=other_worker, stay=stay, consent=True, on=today)
