"""Consultations on casework's pages: the case timeline, the child page, the supervisor's home.

Each runs a fixed number of queries. The timeline source runs only for a case the viewer may
already open; the child panel lists the child's consultations through the viewer's scope.
The reporter never appears on any of them.
"""

from __future__ import annotations

from casework.choices import Role
from casework.templatetags.wareki import wareki_datetime
from casework.timeline import TimelineItem
from intake import ladder
from intake.choices import StepKind
from intake.models import DETAIL_ROLES, INTAKE_ROLES, Consultation, LegalStep, SafetyConfirmation
from intake.selectors import visible_clocks

PANEL_ROWS = 50
CHILD_ROWS = 20


def _clock_text(consultation: Consultation) -> str:
    if consultation.safety_due_at is None:
        return ""
    due = wareki_datetime(consultation.safety_due_at)
    if consultation.safety_confirmed_at is None:
        return f"期限 {due}（未確認）"
    return f"確認済 {wareki_datetime(consultation.safety_confirmed_at)}（期限 {due}）"


def consultation_timeline(case, limit: int) -> list[TimelineItem]:
    """The consultation the case came from, each safety confirmation and each legal step of the
    ladder (issue 14 item 3). Three queries."""
    items = []
    consultations = case.consultations.select_related("route", "received_by").order_by(
        "-received_at"
    )[:limit]
    for c in consultations:
        items.append(
            TimelineItem(
                at=c.received_at,
                kind="consultation",
                label="相談受付",
                text=f"{c.number} {c.category_label}"
                f"（{c.channel_label}・経路：{c.route}・緊急度：{c.urgency_label}）",
                actor=str(c.received_by),
                details={"虐待の種別": "、".join(c.abuse_type_labels), "安全確認": _clock_text(c)},
            )
        )
    confirmations = (
        SafetyConfirmation.objects.filter(consultation__case=case)
        .select_related("recorded_by")
        .order_by("-seen_at")[:limit]
    )
    for s in confirmations:
        items.append(
            TimelineItem(
                at=s.seen_at,
                kind="safety",
                label="安全確認" if s.seen_directly else f"安全確認（{s.outcome_label}）",
                text=f"{s.get_method_display()}：{s.place}",
                actor=str(s.recorded_by),
                details={"確認した人": s.seen_by, "機関": s.agency_label, "様子": s.notes},
            )
        )
    steps = (
        LegalStep.objects.filter(consultation__case=case)
        .select_related("worker")
        .order_by("-scheduled_at")[:limit]
    )
    for step in steps:
        due = wareki_datetime(step.scheduled_at)
        outcome = (
            f"{step.outcome_label}（{wareki_datetime(step.outcome_at)}）"
            if step.outcome
            else "結果未記録"
        )
        items.append(
            TimelineItem(
                at=step.scheduled_at,
                kind="legal_step",
                label=step.kind_label,
                text=f"{step.kind_label}：{step.place}（期日 {due}）",
                actor=str(step.worker),
                details={"相手方": step.addressee, "結果": outcome, "備考": step.notes},
            )
        )
    return items


def child_panel(request, child) -> dict | None:
    user = request.user
    if not user.has_role(*DETAIL_ROLES):
        return None
    consultations = list(
        Consultation.objects.visible_to(user)
        .filter(child=child)
        .select_related("route", "team")
        .order_by("-received_at")[:CHILD_ROWS]
    )
    can_new = user.has_role(*INTAKE_ROLES)
    if not consultations and not can_new:
        return None
    return {
        "title": "相談受付",
        "template": "intake/panels/child_consultations.html",
        "consultations": consultations,
        "can_new": can_new,
        "child": child,
    }


def safety_clock_panel(request) -> dict | None:
    """Every open 48-hour clock the supervisor may open, most urgent first (at the top)."""
    if not request.user.has_role(Role.SUPERVISOR):
        return None
    clocks = visible_clocks(request.user)
    shown = list(clocks[:PANEL_ROWS])
    total = clocks.count()  # always: the same queries whatever the number of clocks
    return {
        "title": "48時間以内の安全確認（未確認の虐待通告）",
        "template": "intake/panels/safety_clocks.html",
        "top": True,
        "clocks": shown,
        "total": total,
    }


def case_clock_panel(request, case) -> dict | None:
    """The case file's open 48-hour clocks, with the way to record the confirmation (registered
    only if casework offers case-page panels)."""
    clocks = list(case.consultations.open_clocks().order_by("safety_due_at"))
    if not clocks:
        return None
    may = request.user.has_role(Role.SUPERVISOR, Role.CASEWORKER)
    for clock in clocks:  # the next legal step(s) after a failed attempt, as buttons
        record = ladder.Record.of(
            clock.safety_confirmations.values_list("outcome", flat=True),
            clock.legal_steps.values_list("kind", "outcome"),
        )
        clock.proposed = [StepKind(k) for k in ladder.proposed(record)] if may else []
    return {
        "title": "48時間以内の安全確認",
        "template": "intake/panels/case_clocks.html",
        "top": True,
        "clocks": clocks,
    }
