"""Demo data for the shelter (ISSUE 5 §7): the 12-bed layout and stays at every stage.

Everything goes through the services with the shelter1 user as the actor, so the history and
the audit chain are recorded as they would be in use. Idempotent: stays are only added when
there are none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from casework.choices import CaseStatus
from casework.models import Case
from casework.seed.views import demo_heard_afterwards, demo_views
from shelter import services
from shelter.choices import Destination, Grounds, StayKind, WarrantResult
from shelter.layout import ensure_default_layout
from shelter.models import Bed, Stay
from shelter.selectors import active_beds


@dataclass(frozen=True)
class Plan:
    """A demo stay: days ago it started, what happened, and when (days ago)."""

    started: int
    grounds: str = Grounds.ABUSE
    consent: bool = False
    requested: int | None = None
    decided: int | None = None
    result: str = ""
    appeal: int | None = None
    extension: tuple[int, int] | None = None  # (requested, approved) days ago, court approval
    moved: int | None = None
    ended: int | None = None
    destination: str = ""
    entrusted_to: str = ""


PENDING_DECISIONS = 2  # decided today, waiting for the shelter to record the admission

DISCHARGED = [
    Plan(90, consent=True, ended=35, destination=Destination.FOSTER),
    Plan(
        70,
        requested=66,
        decided=64,
        result=WarrantResult.GRANTED,
        ended=9,
        destination=Destination.CHILDRENS_HOME,
    ),
    Plan(55, Grounds.GUARDIAN_ABSENT, consent=True, ended=25, destination=Destination.INFANT_HOME),
    Plan(
        40,
        requested=36,
        decided=35,
        result=WarrantResult.GRANTED,
        ended=12,
        destination=Destination.HOME,
    ),
    Plan(30, Grounds.CHILD_ASKS, consent=True, ended=20, destination=Destination.OTHER),
]
CURRENT = [
    # extended past two months with the family court's approval
    Plan(75, requested=72, decided=70, result=WarrantResult.GRANTED, extension=(20, 16)),
    # the two-month limit is near; the parents consent
    Plan(50, Grounds.GUARDIAN_ASKS, consent=True, moved=10),
    Plan(20, requested=17, decided=15, result=WarrantResult.GRANTED),  # warrant granted
    Plan(10, Grounds.DANGER, consent=True),  # consent: no warrant due
    Plan(8),  # warrant not requested: overdue (demo of the red state)
    Plan(6, requested=4, decided=2, result=WarrantResult.REFUSED, appeal=1),  # appeal pending
    Plan(5, Grounds.REFERRAL),  # warrant not yet requested, deadline tomorrow
    Plan(4, requested=2),  # requested, awaiting the judge
    Plan(12, consent=True, entrusted_to="協力医療機関（小児科病棟）"),  # 委託一時保護
]


# Plans (by days since protection began) whose child could not be heard before the decision.
DEFERRED_VIEWS = {8: "owed", 6: "late", 4: "next_day"}


def _candidates(count: int, today: date) -> list[Case]:
    """Open cases (opened before any demo stay began) whose child has never stayed and is well
    under 18, oldest first (stable)."""
    youngest_possible = date(today.year - 17, today.month, 1)
    return list(
        Case.objects.exclude(status=CaseStatus.CLOSED)
        .exclude(child__stays__isnull=False)
        .filter(child__birth_date__gt=youngest_possible)
        .filter(opened_on__lte=today - timedelta(days=100))
        .select_related("child")
        .order_by("opened_on", "pk")[:count]
    )


def _run(plan: Plan, case: Case, actor, today: date) -> Stay:
    def ago(days: int) -> date:
        return today - timedelta(days=days)

    # 意見聴取 (DOMAIN §11): heard before the decision, except the night-time emergencies
    # (heard the next day; one of them late; one still owed — on the ledger, overdue).
    deferred = plan.started in DEFERRED_VIEWS
    decision = services.protection_decide(
        actor=case.lead,
        case=case,
        decided_on=ago(plan.started),
        grounds=plan.grounds,
        kind=StayKind.ENTRUSTED if plan.entrusted_to else StayKind.SHELTER,
        views=demo_views(case, ago(plan.started), plan.started, deferred=deferred),
        today=today,
    )
    if deferred and DEFERRED_VIEWS[plan.started] != "owed":
        demo_heard_afterwards(
            decision, plan.started, today, late=DEFERRED_VIEWS[plan.started] == "late"
        )
    admission = {
        "actor": actor,
        "decision": decision,
        "started_on": ago(plan.started),
        "parental_consent": plan.consent,
        "entrusted_to": plan.entrusted_to,
        "today": today,
    }
    try:
        stay = services.stay_admit(**admission)
    except services.StayRuleError as refused:
        if services.NO_FITTING_BED not in refused.messages:
            raise
        # No free bed in a room for this child: staff choose one and record why (issue 12).
        taken = services.occupied_bed_ids(on=ago(plan.started))
        bed = next(b for b in active_beds() if b.pk not in taken)
        stay = services.stay_admit(
            **admission, bed=bed, mismatch_reason="区分の合う部屋が満床のため、個室対応で受け入れ"
        )
    if plan.requested is not None:
        services.stay_record_warrant_request(
            actor=actor, stay=stay, requested_on=ago(plan.requested), today=today
        )
    if plan.decided is not None:
        services.stay_record_warrant_decision(
            actor=actor, stay=stay, result=plan.result, decided_on=ago(plan.decided), today=today
        )
    if plan.appeal is not None:
        services.stay_record_appeal(actor=actor, stay=stay, appeal_on=ago(plan.appeal), today=today)
    if plan.extension is not None:
        requested, approved = plan.extension
        extension = services.extension_request(
            actor=actor,
            stay=stay,
            requested_on=ago(requested),
            parental_consent=False,
            court_case_ref=f"令和{today.year - 2018}年（家）第{100 + case.seq}号",
            today=ago(requested),
        )
        services.extension_decide(
            actor=actor, extension=extension, approved=True, decided_on=ago(approved)
        )
    if plan.moved is not None:
        busy = services.occupied_bed_ids(on=ago(plan.moved))
        free = Bed.objects.filter(active=True).exclude(pk__in=busy).order_by("pk").first()
        if free is not None:
            services.stay_move(actor=actor, stay=stay, bed=free, moved_on=ago(plan.moved))
    if plan.ended is not None:
        services.stay_discharge(
            actor=actor,
            stay=stay,
            ended_on=ago(plan.ended),
            destination=plan.destination,
            reason="援助方針に基づき一時保護を解除",
            views=demo_views(case, ago(plan.ended), plan.started)
            if plan.destination in services.INSTITUTIONS
            else None,
            today=today,
        )
    return stay


def seed_shelter(context: dict) -> str:
    today: date = context["today"]
    actor = context["users"]["shelter1"]
    beds = ensure_default_layout(actor=actor)
    layout = f"ベッド {Bed.objects.filter(active=True).count()} 床" + (
        f"（{beds} 床を新設）" if beds else ""
    )
    if Stay.objects.exists():
        in_house = Stay.objects.in_house().count()
        return f"一時保護所: {layout}、既存の記録を使用（在所 {in_house} 名）"
    plans = DISCHARGED + CURRENT
    cases = _candidates(len(plans), today)
    added = 0
    for plan, case in zip(plans, cases, strict=False):
        _run(plan, case, actor, today)
        added += 1
    waiting = 0
    for case in _candidates(len(plans) + PENDING_DECISIONS, today)[len(plans) :]:
        services.protection_decide(
            actor=case.lead,
            case=case,
            decided_on=today,
            grounds=Grounds.ABUSE,
            views=demo_views(case, today, waiting, deferred=waiting == 0),
            today=today,
        )
        waiting += 1
    active = Stay.objects.active()
    in_house, entrusted = active.filter(kind=StayKind.SHELTER).count(), active.count()
    ended = Stay.objects.filter(ended_on__isnull=False).count()
    return (
        f"一時保護所: {layout}、一時保護 {added} 件を追加"
        f"（在所 {in_house} 名・委託 {entrusted - in_house} 件・退所 {ended} 件"
        f"・入所待ち {waiting} 名）"
    )
