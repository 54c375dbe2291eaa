"""The ladder when a child cannot be seen (issue 14 item 3; DOMAIN §3; 児童虐待防止法 8条の2, 9条,
9条の2, 9条の3, 10条): the order of the steps, the refusal of a step out of order, the 48-hour
clock that keeps running until a direct sighting, the ledger and the supervisors' alert."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from casework.choices import DeadlineKind
from casework.models import AccessLog, Deadline, Notification
from intake import ladder, services
from intake.choices import AttemptOutcome, SafetyMethod, StepKind, StepOutcome
from intake.ladder import Record
from intake.models import LegalStep, SafetyConfirmation
from intake.services import IntakeRuleError
from tests.intake.conftest import tokyo

pytestmark = pytest.mark.django_db

K, OUT = StepKind, StepOutcome
ABSENT, REFUSED, SEEN = AttemptOutcome.ABSENT, AttemptOutcome.REFUSED, AttemptOutcome.SEEN


# --- the order, as a pure rule (DOMAIN §3) ----------------------------------------------------

# (attempt outcomes, steps so far, kind asked for, allowed?, why — the article)
ORDER = [
    # 8条の2 / 9条: only after a failed attempt (不在・拒否)
    ((), (), K.APPEARANCE, False, "no attempt yet"),
    (("not_seen",), (), K.APPEARANCE, False, "a phone call is not a failed visit"),
    ((ABSENT,), (), K.APPEARANCE, True, "8条の2 after nobody was at home"),
    ((REFUSED,), (), K.ENTRY, True, "9条 after the guardian refused"),
    ((ABSENT,), (), K.POLICE, True, "10条 may accompany any step after a failed attempt"),
    # 9条の2: 再出頭要求 only after a refused or obstructed 立入調査
    ((ABSENT,), (), K.REAPPEARANCE, False, "9条の2 needs a refused entry"),
    ((ABSENT,), ((K.ENTRY, ""),), K.REAPPEARANCE, False, "the entry has no outcome yet"),
    ((ABSENT,), ((K.ENTRY, OUT.ABSENT),), K.REAPPEARANCE, False, "nobody home is no refusal"),
    ((ABSENT,), ((K.APPEARANCE, OUT.NO_SHOW),), K.REAPPEARANCE, False, "9条の2 is after entry"),
    ((ABSENT,), ((K.ENTRY, OUT.REFUSED),), K.REAPPEARANCE, True, "9条の2"),
    # 9条の3: the permit — the older order (after a refused 再出頭要求) and, since the 2016
    # amendment (平成28年改正, in force 2016-10-01), directly after a refused 立入調査
    ((ABSENT,), (), K.PERMIT_REQUEST, False, "9条の3 needs a refusal first"),
    ((ABSENT,), ((K.APPEARANCE, OUT.NO_SHOW),), K.PERMIT_REQUEST, False, "not after 8条の2"),
    (
        (ABSENT,),
        ((K.ENTRY, OUT.REFUSED), (K.REAPPEARANCE, OUT.NO_SHOW)),
        K.PERMIT_REQUEST,
        True,
        "9条の3, the order DOMAIN §3 describes",
    ),
    ((ABSENT,), ((K.ENTRY, OUT.REFUSED),), K.PERMIT_REQUEST, True, "9条の3 since 平成28年改正"),
    # 臨検・捜索 only with a granted permit
    ((ABSENT,), ((K.ENTRY, OUT.REFUSED),), K.SEARCH, False, "no permit"),
    (
        (ABSENT,),
        ((K.ENTRY, OUT.REFUSED), (K.PERMIT_REQUEST, "")),
        K.SEARCH,
        False,
        "the judge has not decided",
    ),
    (
        (ABSENT,),
        ((K.ENTRY, OUT.REFUSED), (K.PERMIT_REQUEST, OUT.REJECTED)),
        K.SEARCH,
        False,
        "the permit was refused",
    ),
    (
        (ABSENT,),
        ((K.ENTRY, OUT.REFUSED), (K.PERMIT_REQUEST, OUT.GRANTED)),
        K.SEARCH,
        True,
        "9条の3 with the judge's permit",
    ),
    # a direct sighting ends the ladder
    ((ABSENT, SEEN), (), K.APPEARANCE, False, "seen at a later visit"),
    ((ABSENT,), ((K.APPEARANCE, OUT.APPEARED),), K.ENTRY, False, "seen at the appearance"),
    ((ABSENT,), ((K.ENTRY, OUT.SEEN),), K.POLICE, False, "seen at the entry"),
    (("absent",), (), "unknown", False, "not a step of the law"),
]


@pytest.mark.parametrize(("attempts", "steps", "kind", "ok", "why"), ORDER)
def test_the_order_of_the_steps(attempts, steps, kind, ok, why):
    record = Record.of(attempts, steps)
    assert ladder.allowed(kind, record) is ok, why
    if not ok:
        assert ladder.refusal(kind, record)  # a Japanese reason, never a silent no


PROPOSED = [
    ((), (), []),
    ((ABSENT,), (), [K.APPEARANCE, K.ENTRY, K.POLICE]),
    ((REFUSED,), ((K.APPEARANCE, OUT.NO_SHOW),), [K.APPEARANCE, K.ENTRY, K.POLICE]),
    ((ABSENT,), ((K.ENTRY, OUT.REFUSED),), [K.REAPPEARANCE, K.PERMIT_REQUEST, K.POLICE]),
    (
        (ABSENT,),
        ((K.ENTRY, OUT.REFUSED), (K.REAPPEARANCE, OUT.REFUSED)),
        [K.PERMIT_REQUEST, K.POLICE],
    ),
    ((ABSENT,), ((K.ENTRY, OUT.REFUSED), (K.PERMIT_REQUEST, "")), [K.POLICE]),
    ((ABSENT,), ((K.ENTRY, OUT.REFUSED), (K.PERMIT_REQUEST, OUT.GRANTED)), [K.SEARCH, K.POLICE]),
    ((ABSENT, SEEN), (), []),
    ((ABSENT,), ((K.SEARCH, OUT.SEEN),), []),
]


@pytest.mark.parametrize(("attempts", "steps", "expected"), PROPOSED)
def test_what_the_case_file_proposes_next(attempts, steps, expected):
    record = Record.of(attempts, steps)
    assert ladder.proposed(record) == expected
    assert all(ladder.allowed(kind, record) for kind in expected)


# --- services -------------------------------------------------------------------------------


def attempt(actor, consultation, outcome=ABSENT, **overrides):
    values = dict(
        seen_at=tokyo(2026, 11, 21, 10, 0),
        seen_by="佐藤 福祉司",
        agency="centre",
        place="自宅",
        method=SafetyMethod.HOME_VISIT if outcome == SEEN else SafetyMethod.VISIT_NO_CONTACT,
        outcome=outcome,
    )
    values.update(overrides)
    return services.safety_confirm(actor=actor, consultation=consultation, **values)


def step(actor, consultation, kind=K.APPEARANCE, worker=None, **overrides):
    values = dict(
        kind=kind,
        decided_on=date(2026, 11, 29),
        scheduled_at=tokyo(2026, 12, 1, 10, 0),
        addressee="山田 花子",
        place="港区児童相談所",
        worker=worker or actor,
        notes="",
    )
    values.update(overrides)
    return services.legal_step_record(actor=actor, consultation=consultation, **values)


def outcome(actor, legal_step, result, at=None):
    return services.legal_step_outcome(
        actor=actor, step=legal_step, outcome=result, outcome_at=at or tokyo(2026, 11, 29, 12, 0)
    )


def test_each_attempt_records_its_outcome_and_only_seen_is_a_sighting(accepted_report, caseworker):
    absent = attempt(caseworker, accepted_report, ABSENT)
    refused = attempt(caseworker, accepted_report, REFUSED)
    assert (absent.outcome, absent.seen_directly) == ("absent", False)
    assert (refused.outcome, refused.seen_directly) == ("refused", False)
    accepted_report.refresh_from_db()
    assert accepted_report.clock_open
    seen = attempt(caseworker, accepted_report, SEEN)
    assert seen.seen_directly
    accepted_report.refresh_from_db()
    assert not accepted_report.clock_open


@pytest.mark.parametrize(
    ("method", "result", "field"),
    [
        (SafetyMethod.HOME_VISIT, ABSENT, "outcome"),  # a direct method but nobody seen
        (SafetyMethod.VISIT_NO_CONTACT, SEEN, "method"),  # seen, by a method that is no sighting
        (SafetyMethod.PHONE, "maybe", "outcome"),
    ],
)
def test_an_outcome_that_contradicts_the_method_is_refused(
    accepted_report, caseworker, method, result, field
):
    with pytest.raises(IntakeRuleError) as excinfo:
        attempt(caseworker, accepted_report, result, method=method)
    assert field in excinfo.value.message_dict
    assert not SafetyConfirmation.objects.exists()


def test_the_database_keeps_a_sighting_and_the_outcome_seen_together(accepted_report, caseworker):
    from django.db import IntegrityError, transaction

    confirmation = attempt(caseworker, accepted_report, ABSENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        SafetyConfirmation.objects.filter(pk=confirmation.pk).update(outcome="seen")


def test_older_callers_get_the_outcome_the_method_implies():
    assert services.attempt_outcome_of(SafetyMethod.HOME_VISIT) == "seen"
    assert services.attempt_outcome_of(SafetyMethod.VISIT_NO_CONTACT) == "absent"
    assert services.attempt_outcome_of(SafetyMethod.PHONE) == "not_seen"


def test_no_step_before_a_failed_attempt_and_nothing_is_saved(accepted_report, caseworker):
    attempt(caseworker, accepted_report, "not_seen", method=SafetyMethod.PHONE)
    with pytest.raises(IntakeRuleError) as excinfo:
        step(caseworker, accepted_report)
    assert "不在または拒否" in excinfo.value.message_dict["kind"][0]
    assert not LegalStep.objects.exists()
    assert not Deadline.objects.filter(kind=DeadlineKind.SAFETY_STEP).exists()


def test_a_step_out_of_order_is_refused_in_japanese(accepted_report, caseworker):
    attempt(caseworker, accepted_report, REFUSED)
    with pytest.raises(IntakeRuleError) as excinfo:
        step(caseworker, accepted_report, K.REAPPEARANCE)
    assert "9条の2" in excinfo.value.message_dict["kind"][0]
    with pytest.raises(IntakeRuleError) as excinfo:
        step(caseworker, accepted_report, K.SEARCH)
    assert "許可状" in excinfo.value.message_dict["kind"][0]
    assert not LegalStep.objects.exists()


def test_the_whole_ladder_in_the_older_order(accepted_report, caseworker):
    """DOMAIN §3: 立入調査 refused, 再出頭要求 not answered, 許可状, 臨検・捜索 finds the child."""
    attempt(caseworker, accepted_report, ABSENT)
    entry = step(caseworker, accepted_report, K.ENTRY)
    step(caseworker, accepted_report, K.POLICE)
    outcome(caseworker, entry, OUT.REFUSED)
    again = step(caseworker, accepted_report, K.REAPPEARANCE)
    outcome(caseworker, again, OUT.NO_SHOW)
    permit = step(caseworker, accepted_report, K.PERMIT_REQUEST, place="東京家庭裁判所")
    outcome(caseworker, permit, OUT.GRANTED)
    search = step(caseworker, accepted_report, K.SEARCH)
    accepted_report.refresh_from_db()
    assert accepted_report.clock_open  # every step so far, and still no sighting
    outcome(caseworker, search, OUT.SEEN, at=tokyo(2026, 11, 29, 12, 30))
    accepted_report.refresh_from_db()
    assert not accepted_report.clock_open
    assert accepted_report.safety_confirmed_at == tokyo(2026, 11, 29, 12, 30)
    check = Deadline.objects.get(kind=DeadlineKind.SAFETY_CHECK, state="met")
    assert (check.evidence_type, check.evidence_id) == ("intake.LegalStep", str(search.pk))


def test_the_permit_directly_after_a_refused_entry_since_the_2016_amendment(
    accepted_report, caseworker
):
    attempt(caseworker, accepted_report, REFUSED)
    entry = step(caseworker, accepted_report, K.ENTRY)
    outcome(caseworker, entry, OUT.REFUSED)
    permit = step(caseworker, accepted_report, K.PERMIT_REQUEST)
    assert permit.kind == K.PERMIT_REQUEST


def test_the_clock_keeps_running_through_failed_attempts_and_steps(accepted_report, caseworker):
    attempt(caseworker, accepted_report, ABSENT)
    attempt(caseworker, accepted_report, REFUSED, seen_at=tokyo(2026, 11, 22, 10, 0))
    appearance = step(caseworker, accepted_report)
    outcome(caseworker, appearance, OUT.NO_SHOW)
    step(caseworker, accepted_report, K.ENTRY)
    accepted_report.refresh_from_db()
    assert accepted_report.clock_open and accepted_report.safety_confirmed_at is None
    assert Deadline.objects.get(kind=DeadlineKind.SAFETY_CHECK).state == "open"
    attempt(caseworker, accepted_report, SEEN, seen_at=tokyo(2026, 11, 29, 11, 0))
    accepted_report.refresh_from_db()
    assert not accepted_report.clock_open
    assert Deadline.objects.get(kind=DeadlineKind.SAFETY_CHECK).state == "met"


def test_a_sighting_ends_the_ladder_and_takes_pending_dates_off_the_ledger(
    accepted_report, caseworker
):
    attempt(caseworker, accepted_report, ABSENT)
    pending = step(caseworker, accepted_report)
    attempt(caseworker, accepted_report, SEEN, seen_at=tokyo(2026, 11, 29, 11, 0))
    deadline = Deadline.objects.get(kind=DeadlineKind.SAFETY_STEP, subject_id=str(pending.pk))
    assert deadline.state == "dismissed" and "目視" in deadline.reason
    with pytest.raises(IntakeRuleError) as excinfo:
        step(caseworker, accepted_report, K.ENTRY)
    assert "確認済み" in excinfo.value.message_dict["kind"][0]


def test_a_step_opens_its_date_on_the_ledger_and_its_outcome_meets_it(
    accepted_report, caseworker, supervisor
):
    attempt(caseworker, accepted_report, ABSENT)
    appearance = step(supervisor, accepted_report, worker=caseworker)
    deadline = Deadline.objects.get(kind=DeadlineKind.SAFETY_STEP)
    assert deadline.state == "open"
    assert deadline.due_at == tokyo(2026, 12, 1, 10, 0)
    assert (deadline.owner, deadline.case_id) == (caseworker, accepted_report.case_id)
    assert (deadline.subject_type, deadline.subject_id) == ("intake.LegalStep", str(appearance.pk))
    outcome(caseworker, appearance, OUT.NO_SHOW, at=tokyo(2026, 11, 29, 12, 0))
    deadline.refresh_from_db()
    assert deadline.state == "met" and deadline.met_at == tokyo(2026, 11, 29, 12, 0)
    assert "出頭要求" in deadline.evidence_label


def test_the_supervisor_is_alerted_at_each_step(accepted_report, caseworker, supervisor):
    attempt(caseworker, accepted_report, ABSENT)
    first = step(caseworker, accepted_report)
    second = step(caseworker, accepted_report, K.ENTRY)
    for each in (first, second):
        deadline = Deadline.objects.get(kind=DeadlineKind.SAFETY_STEP, subject_id=str(each.pk))
        told = set(Notification.objects.filter(deadline=deadline).values_list("recipient_id"))
        assert told == {(supervisor.pk,), (caseworker.pk,)}


def test_the_overdue_step_goes_to_supervisors_and_duty_daily():
    from casework.deadlines import DUTY, OWNER, SUPERVISORS, ladder

    steps = ladder(DeadlineKind.SAFETY_STEP)
    assert steps[0].audience == {OWNER, SUPERVISORS}
    assert steps[-1].audience == {SUPERVISORS, DUTY} and steps[-1].repeat == timedelta(days=1)


def test_an_outcome_must_fit_the_kind_and_is_recorded_once(accepted_report, caseworker):
    attempt(caseworker, accepted_report, ABSENT)
    appearance = step(caseworker, accepted_report)
    with pytest.raises(IntakeRuleError) as excinfo:
        outcome(caseworker, appearance, OUT.GRANTED)
    assert "outcome" in excinfo.value.message_dict
    outcome(caseworker, appearance, OUT.REFUSED)
    with pytest.raises(IntakeRuleError):
        outcome(caseworker, appearance, OUT.NO_SHOW)


def test_bad_dates_and_workers_are_refused(accepted_report, caseworker, other_worker):
    attempt(caseworker, accepted_report, ABSENT)
    with pytest.raises(IntakeRuleError) as excinfo:
        step(
            caseworker,
            accepted_report,
            decided_on=date(2026, 11, 1),
            worker=other_worker,
            addressee=" ",
        )
    errors = excinfo.value.message_dict
    assert {"decided_on", "worker", "addressee"} <= set(errors)
    with pytest.raises(IntakeRuleError) as excinfo:
        step(caseworker, accepted_report, scheduled_at=tokyo(2026, 11, 28, 10, 0))
    assert "scheduled_at" in excinfo.value.message_dict
    assert not LegalStep.objects.exists()


def test_only_those_who_may_confirm_record_steps(accepted_report, caseworker, other_worker):
    attempt(caseworker, accepted_report, ABSENT)
    with pytest.raises(PermissionDenied):
        step(other_worker, accepted_report, worker=caseworker)
    assert not LegalStep.objects.exists()


def test_steps_before_acceptance_follow_the_report_into_its_case(
    report, supervisor, caseworker, team_a
):
    attempt(supervisor, report, ABSENT)
    pending = step(supervisor, report)
    assert pending.case is None
    deadline = Deadline.objects.get(kind=DeadlineKind.SAFETY_STEP)
    assert deadline.case_id is None and deadline.team_id == team_a.pk
    case = services.consultation_accept(
        actor=supervisor, consultation=report, team=team_a, lead=caseworker
    )
    pending.refresh_from_db()
    deadline.refresh_from_db()
    assert pending.case == case and deadline.case_id == case.pk


def test_the_case_timeline_shows_the_steps(accepted_report, caseworker, login):
    attempt(caseworker, accepted_report, ABSENT)
    step(caseworker, accepted_report)
    page = login(caseworker).get(reverse("casework:case_detail", args=[accepted_report.case_id]))
    text = page.content.decode()
    assert "出頭要求：港区児童相談所" in text
    assert "安全確認（不在）" in text


# --- pages ----------------------------------------------------------------------------------


def test_the_case_file_proposes_the_next_steps_after_a_failed_attempt(
    accepted_report, caseworker, login
):
    client = login(caseworker)
    case_url = reverse("casework:case_detail", args=[accepted_report.case_id])
    new_url = reverse("intake:step_new", args=[accepted_report.pk, "appearance"])
    assert new_url not in client.get(case_url).content.decode()
    attempt(caseworker, accepted_report, ABSENT)
    assert new_url in client.get(case_url).content.decode()
    detail = client.get(reverse("intake:detail", args=[accepted_report.pk])).content.decode()
    assert new_url in detail and "立入調査を記録" in detail


def test_the_step_form_is_prefilled_from_the_record(accepted_report, caseworker, login):
    from casework import services as casework_services

    casework_services.household_add(
        actor=caseworker,
        child=accepted_report.child,
        data={"relationship": "mother", "name": "山田 花子", "is_guardian": True},
    )
    attempt(caseworker, accepted_report, ABSENT)
    page = login(caseworker).get(
        reverse("intake:step_new", args=[accepted_report.pk, "appearance"])
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert 'value="山田 花子"' in text and 'value="港区児童相談所"' in text
    assert "第8条の2第1項" in text


def test_posting_a_step_records_it_and_a_step_out_of_order_saves_nothing(
    accepted_report, caseworker, login
):
    attempt(caseworker, accepted_report, ABSENT)
    client = login(caseworker)
    data = {
        "decided_on": "2026-11-29",
        "scheduled_at": "2026-12-01T10:00",
        "place": "港区児童相談所",
        "addressee": "山田 花子",
        "worker": caseworker.pk,
    }
    refused = client.post(reverse("intake:step_new", args=[accepted_report.pk, "search"]), data)
    assert refused.status_code == 400
    assert "許可状" in refused.content.decode()
    assert not LegalStep.objects.exists()
    done = client.post(reverse("intake:step_new", args=[accepted_report.pk, "appearance"]), data)
    created = LegalStep.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("intake:step_detail", args=[created.pk])
    assert created.addressee == "山田 花子" and created.worker == caseworker


def test_an_unknown_kind_of_step_is_not_found(accepted_report, caseworker, login):
    url = reverse("intake:step_new", args=[accepted_report.pk, "arrest"])
    assert login(caseworker).get(url).status_code == 404


def test_the_printed_document_is_drawn_from_the_record_and_logged(
    accepted_report, caseworker, login
):
    attempt(caseworker, accepted_report, ABSENT)
    appearance = step(caseworker, accepted_report)
    page = login(caseworker).get(reverse("intake:step_print", args=[appearance.pk]))
    text = page.content.decode()
    assert "出頭要求告知書" in text and "山田 花子 様" in text
    assert "児童虐待の防止等に関する法律第8条の2第1項" in text
    assert "港区児童相談所長" in text and "令和8年12月1日" in text
    assert accepted_report.child.full_name in text
    assert AccessLog.objects.filter(
        record_type="intake.LegalStep", record_id=str(appearance.pk), user=caseworker
    ).exists()


def test_the_outcome_form_records_the_outcome(accepted_report, caseworker, login):
    attempt(caseworker, accepted_report, ABSENT)
    appearance = step(caseworker, accepted_report)
    client = login(caseworker)
    url = reverse("intake:step_outcome", args=[appearance.pk])
    bad = client.post(url, {"outcome": "granted", "outcome_at": "2026-11-29T12:00"})
    assert bad.status_code == 400
    ok = client.post(url, {"outcome": "no_show", "outcome_at": "2026-11-29T12:00"})
    assert ok.status_code == 302
    appearance.refresh_from_db()
    assert appearance.outcome == "no_show"


def test_the_chain_leaves_out_the_placeholder_of_a_column_added_later():
    """History rows sealed before intake 0007 carry outcome '' (the column did not exist): the
    canonical content leaves it out, so their seals hold; any real value is in it."""
    from casework.audit.chain import canonical
    from intake.models import SafetyConfirmation as Model

    history = Model.history.model
    assert canonical({"a": 1, "outcome": ""}, history) == canonical({"a": 1})
    assert canonical({"a": 1, "outcome": "absent"}, history) != canonical({"a": 1})


def test_the_ledger_links_the_step_to_its_record(accepted_report, caseworker, login):
    attempt(caseworker, accepted_report, ABSENT)
    appearance = step(caseworker, accepted_report)
    page = login(caseworker).get(reverse("casework:reminders"))
    assert reverse("intake:step_detail", args=[appearance.pk]) in page.content.decode()


def test_run_reminders_puts_a_step_missing_from_the_ledger_back_and_meets_a_done_one(
    accepted_report, caseworker, supervisor
):
    from casework.writes import save_with_history

    attempt(caseworker, accepted_report, ABSENT)
    first = step(caseworker, accepted_report)
    done = step(caseworker, accepted_report, K.ENTRY)
    missing = Deadline.objects.filter(subject_id=str(first.pk), kind=DeadlineKind.SAFETY_STEP)
    Notification.objects.filter(deadline__in=missing).delete()
    missing.delete()  # a step recorded before the ledger knew the kind
    done.outcome, done.outcome_at = OUT.REFUSED, tokyo(2026, 11, 29, 11, 0)
    save_with_history(done, actor=caseworker, reason="試験", fields=["outcome", "outcome_at"])
    assert services.sync_step_deadlines(timezone.now()) == {"出頭要求・立入調査等": 2}
    ledger = Deadline.objects.filter(kind=DeadlineKind.SAFETY_STEP)
    assert ledger.get(subject_id=str(first.pk)).state == "open"
    assert ledger.get(subject_id=str(done.pk)).state == "met"
    assert services.sync_step_deadlines(timezone.now()) == {"出頭要求・立入調査等": 0}
