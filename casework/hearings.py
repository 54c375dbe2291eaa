"""意見聴取等措置 (児童福祉法33条の3の3, DOMAIN §11): the gate every placement decision passes, and
the writes that complete a hearing afterwards.

A deciding service (shelter.services.protection_decide, foster.services.placement_propose and
placement_end) takes a `ViewsInput` and calls `check_views` before it changes anything and
`record_decision_views` once its decision row exists, inside its own transaction: a decision
without views heard before it, or without the reason they could not be, is refused in Japanese
and nothing is saved. A hearing put off ("heard afterwards") opens a VIEWS_AFTERWARDS deadline
on the ledger, owned by the case's lead; `views_record_afterwards` meets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from casework.choices import (
    DeadlineKind,
    Role,
    ViewsDecision,
    ViewsDeferral,
    ViewsMethod,
    ViewsTiming,
)
from casework.deadlines import done_on, end_of_day, meet_deadline, open_deadline, subject_ref
from casework.models import Case, User, ViewsHearing
from casework.wareki import wareki_safe
from casework.writes import CaseRuleError, case_event, lock, lock_case, save_with_history, service

NO_VIEWS = (
    "子どもの意見聴取を記録してください。決定の前に聴取した内容か、事前に聴取できなかった理由の"
    "どちらかがないと決定できません（児童福祉法33条の3の3）。"
)
HEARD_BY_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.SHELTER, Role.FOSTER)


@dataclass(frozen=True)
class ViewsInput:
    """The views section of a decision form: heard before (when, by whom, how, advocate, what
    the child said), or not possible first (why)."""

    timing: str = ""
    heard_on: date | None = None
    heard_by: User | None = None
    method: str = ""
    advocate_offered: bool = False
    advocate_used: bool = False
    child_views: str = ""
    deferral_kind: str = ""
    deferral_reason: str = ""


def afterwards_due(decided_on: date, days: int | None = None) -> date:
    """The last day for views heard afterwards: 「速やかに」 read by the centre's practice as
    MIMAMORI_VIEWS_AFTERWARDS_DAYS days after the decision day (the decision day not counted)."""
    days = settings.MIMAMORI_VIEWS_AFTERWARDS_DAYS if days is None else days
    return decided_on + timedelta(days=days)


def _check_heard(
    *,
    heard_on: date | None,
    heard_by: User | None,
    method: str,
    advocate_offered: bool,
    advocate_used: bool,
    child_views: str,
    today: date,
    prefix: str,
) -> None:
    """How the views were heard: the same checks before a decision and afterwards."""
    if heard_on is None:
        raise CaseRuleError("聴取日を入力してください。", f"{prefix}heard_on")
    if heard_on > today:
        raise CaseRuleError("聴取日に未来の日付は入力できません。", f"{prefix}heard_on")
    if heard_by is None or not heard_by.is_active:
        raise CaseRuleError("聴取した職員を選んでください。", f"{prefix}heard_by")
    if method not in ViewsMethod.values:
        raise CaseRuleError("聴取の方法を選んでください。", f"{prefix}method")
    if advocate_used and not advocate_offered:
        raise CaseRuleError(
            "意見表明等支援員を利用した場合は、支援員を案内したことも記録してください。",
            f"{prefix}advocate_offered",
        )
    if not child_views.strip():
        raise CaseRuleError(
            "子どもが話したこと（意見・意向）を入力してください。話さなかった場合はその様子を記録します。",
            f"{prefix}child_views",
        )


def check_views(views: ViewsInput | None, *, decided_on: date, today: date) -> None:
    """Refuse a decision (before anything is saved) without views heard before it or the reason
    they could not be. Messages name the decision form's `views_*` fields."""
    if views is None or views.timing not in ViewsTiming.values:
        raise CaseRuleError(NO_VIEWS, "views_timing")
    if views.timing == ViewsTiming.AFTER:
        if views.deferral_kind not in ViewsDeferral.values:
            raise CaseRuleError(
                "事前に聴取できなかった理由（緊急・年齢・心身の状況）を選んでください。",
                "views_deferral_kind",
            )
        if not views.deferral_reason.strip():
            raise CaseRuleError(
                "事前に聴取できなかった事情を入力してください。", "views_deferral_reason"
            )
        return
    _check_heard(
        heard_on=views.heard_on,
        heard_by=views.heard_by,
        method=views.method,
        advocate_offered=views.advocate_offered,
        advocate_used=views.advocate_used,
        child_views=views.child_views,
        today=today,
        prefix="views_",
    )
    if views.heard_on > decided_on:  # type: ignore[operator]
        raise CaseRuleError(
            "決定の前の聴取日は決定日以前にしてください。決定の後に聴取する場合は"
            "「事前に聴取できなかった」を選び、その理由を入力してください。",
            "views_heard_on",
        )


def record_decision_views(
    *,
    actor: User,
    case: Case,
    decision_kind: str,
    decided_on: date,
    subject: models.Model,
    views: ViewsInput,
) -> ViewsHearing:
    """The hearing of a decision just saved by the calling service (after `check_views`), in
    its transaction; a deferred one opens its VIEWS_AFTERWARDS deadline."""
    subject_type, subject_id = subject_ref(subject)
    after = views.timing == ViewsTiming.AFTER
    hearing = ViewsHearing(
        case=case,
        child_id=case.child_id,
        decision_kind=decision_kind,
        decided_on=decided_on,
        decided_by=actor,
        subject_type=subject_type,
        subject_id=subject_id,
        timing=views.timing,
        recorded_by=actor,
    )
    if after:
        hearing.deferral_kind = views.deferral_kind
        hearing.deferral_reason = views.deferral_reason.strip()
        hearing.due_on = afterwards_due(decided_on)
    else:
        hearing.heard_on, hearing.heard_by, hearing.method = (
            views.heard_on,
            views.heard_by,
            views.method,
        )
        hearing.advocate_offered = views.advocate_offered
        hearing.advocate_used = views.advocate_used
        hearing.child_views = views.child_views.strip()
    label = ViewsDecision(decision_kind).label
    try:
        with transaction.atomic():
            save_with_history(hearing, actor=actor, reason=f"{label}の決定に伴う意見聴取")
    except IntegrityError as exc:
        raise CaseRuleError("この決定の意見聴取はすでに記録されています。") from exc
    if after:
        open_afterwards_deadline(hearing, case=case, actor=actor)
    case_event(
        case=case,
        actor=actor,
        kind="views_deferred" if after else "views_heard",
        params={
            "decision": str(label),
            "decided_on": decided_on.isoformat(),
            **(
                {
                    "due_on": hearing.due_on.isoformat(),
                    "why": str(hearing.get_deferral_kind_display()),
                }
                if after
                else {
                    "heard_on": hearing.heard_on.isoformat(),
                    "method": str(hearing.get_method_display()),
                    "advocate": _advocate(hearing),
                }
            ),
        },
    )
    return hearing


def _advocate(hearing: ViewsHearing) -> str:
    if hearing.advocate_used:
        return "利用"
    return "案内のみ" if hearing.advocate_offered else "案内なし"


def open_afterwards_deadline(hearing: ViewsHearing, *, case: Case, actor: User | None) -> None:
    """The views still owed after the decision: the case's lead owns it, the team's supervisors
    back it up (statutory: 33条の3の3 ただし書 「速やかに」)."""
    open_deadline(
        kind=DeadlineKind.VIEWS_AFTERWARDS,
        subject=hearing,
        due_at=end_of_day(hearing.due_on),
        actor=actor,
        owner=case.lead,
        team_id=case.team_id,
        case_id=case.pk,
        child_id=case.child_id,
    )


def _locked_hearing(actor: User, hearing: ViewsHearing | int) -> ViewsHearing:
    pk = hearing.pk if isinstance(hearing, ViewsHearing) else hearing
    case_id = ViewsHearing.objects.values_list("case_id", flat=True).get(pk=pk)
    lock_case(case_id, actor)
    return lock(ViewsHearing.objects.select_related("case", "case__lead"), pk, actor=actor)


@service
def views_record_afterwards(
    *,
    actor: User,
    hearing: ViewsHearing,
    heard_on: date,
    heard_by: User | None,
    method: str,
    advocate_offered: bool,
    advocate_used: bool,
    child_views: str,
    today: date | None = None,
) -> ViewsHearing:
    """The views heard after the decision: completes the hearing and meets its deadline (the
    hearing is the evidence; met on the day heard, so a late hearing shows as late)."""
    today = today or timezone.localdate()
    hearing = _locked_hearing(actor, hearing)
    if not hearing.may("record"):
        raise PermissionDenied
    if not hearing.is_outstanding:
        raise CaseRuleError("この決定の意見はすでに聴取済みとして記録されています。")
    _check_heard(
        heard_on=heard_on,
        heard_by=heard_by,
        method=method,
        advocate_offered=advocate_offered,
        advocate_used=advocate_used,
        child_views=child_views,
        today=today,
        prefix="",
    )
    if heard_on < hearing.decided_on:
        raise CaseRuleError(
            f"事後の聴取日は決定日（{wareki_safe(hearing.decided_on)}）以降にしてください。",
            "heard_on",
        )
    hearing.heard_on, hearing.heard_by, hearing.method = heard_on, heard_by, method
    hearing.advocate_offered, hearing.advocate_used = advocate_offered, advocate_used
    hearing.child_views = child_views.strip()
    save_with_history(
        hearing,
        actor=actor,
        reason="決定後の意見聴取",
        fields=[
            "heard_on",
            "heard_by",
            "method",
            "advocate_offered",
            "advocate_used",
            "child_views",
        ],
    )
    meet_deadline(
        kind=DeadlineKind.VIEWS_AFTERWARDS,
        subject=hearing,
        evidence=hearing,
        met_at=done_on(heard_on),
        label=f"意見聴取（{wareki_safe(heard_on, weekday=False)}・{hearing.get_method_display()}）",
        actor=actor,
    )
    case_event(
        case=hearing.case,
        actor=actor,
        kind="views_heard_afterwards",
        on=heard_on,
        params={
            "decision": str(hearing.get_decision_kind_display()),
            "decided_on": hearing.decided_on.isoformat(),
            "heard_on": heard_on.isoformat(),
            "method": str(hearing.get_method_display()),
            "advocate": _advocate(hearing),
            "late": heard_on > hearing.due_on if hearing.due_on else False,
        },
    )
    return hearing


@service
def views_record_feedback(
    *,
    actor: User,
    hearing: ViewsHearing,
    feedback_on: date,
    feedback: str,
    today: date | None = None,
) -> ViewsHearing:
    """How the decision and its reasons were explained to the child (a second entry corrects
    the first; history keeps both)."""
    today = today or timezone.localdate()
    hearing = _locked_hearing(actor, hearing)
    if not hearing.may("record"):
        raise PermissionDenied
    if feedback_on > today:
        raise CaseRuleError("説明した日に未来の日付は入力できません。", "feedback_on")
    if feedback_on < hearing.decided_on:
        raise CaseRuleError(
            f"説明した日は決定日（{wareki_safe(hearing.decided_on)}）以降にしてください。",
            "feedback_on",
        )
    if not feedback.strip():
        raise CaseRuleError("子どもにどのように説明したかを入力してください。", "feedback")
    hearing.feedback_on, hearing.feedback = feedback_on, feedback.strip()
    save_with_history(
        hearing,
        actor=actor,
        reason="決定と理由の子どもへの説明",
        fields=["feedback_on", "feedback"],
    )
    case_event(
        case=hearing.case,
        actor=actor,
        kind="views_feedback",
        on=feedback_on,
        params={
            "decision": str(hearing.get_decision_kind_display()),
            "feedback_on": feedback_on.isoformat(),
        },
    )
    return hearing


def sync_views_deadlines(now: datetime) -> dict[str, int]:
    """run_reminders: every hearing still owed has its VIEWS_AFTERWARDS deadline (a hearing
    loaded or restored without one gets it; one already on the ledger, in any state, is left
    as it is)."""
    from casework.deadlines import exclusive_run, new_deadline, open_many
    from casework.models import Deadline

    have = set(
        Deadline.objects.filter(kind=DeadlineKind.VIEWS_AFTERWARDS).values_list(
            "subject_id", flat=True
        )
    )
    owed = (
        ViewsHearing.objects.outstanding()
        .select_related("case", "case__lead")
        .defer("deferral_reason", "child_views", "feedback", "case__summary", "case__plan_detail")
        .order_by("pk")
    )
    rows = [
        new_deadline(
            kind=DeadlineKind.VIEWS_AFTERWARDS,
            subject=hearing,
            due_at=end_of_day(hearing.due_on),
            opens_at=now,
            owner=hearing.case.lead,
            team_id=hearing.case.team_id,
            case_id=hearing.case_id,
            child_id=hearing.case.child_id,
        )
        for hearing in owed.iterator(chunk_size=500)
        if str(hearing.pk) not in have
    ]
    opened = 0
    if rows:
        with exclusive_run():
            opened = open_many(rows)
    return {"意見聴取": opened}
