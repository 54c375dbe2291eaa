"""Stays on casework's pages: the case timeline, the child page and the supervisor's home.

Each runs a fixed number of queries. The timeline source only runs for a case the viewer may
already open, and the child panel filters the child's stays through the viewer's scope.
"""

from __future__ import annotations

from django.utils import timezone

from casework.choices import Role
from casework.timeline import TimelineItem, day_moment
from casework.wareki import wareki_safe
from shelter import selectors
from shelter.choices import StayKind
from shelter.models import ProtectionDecision, Stay


def where(stay: Stay) -> str:
    if stay.kind == StayKind.ENTRUSTED:
        return f"委託先：{stay.entrusted_to}"
    if stay.bed_id:
        return f"{stay.bed.room.name}・ベッド {stay.bed}"
    return "一時保護所"


def stay_timeline(case, limit: int) -> list[TimelineItem]:
    """One item per stay, at its start day, with where the child is and the deadlines."""
    stays = (
        case.stays.select_related("bed", "bed__room", "created_by")
        .prefetch_related("extensions")
        .order_by("-started_on", "-pk")[:limit]
    )
    items = []
    for stay in stays:
        clock = stay.clock()
        end = wareki_safe(stay.ended_on, weekday=False) if stay.ended_on else "保護中"
        period = f"{wareki_safe(stay.started_on, weekday=False)}〜{end}"
        details = {
            "理由": stay.get_grounds_display(),
            "保護日数": f"{clock.day_in_care}日" + ("目" if stay.is_active else "間"),
            "一時保護状": clock.warrant_label,
        }
        if stay.is_active:
            details["保護期間の末日"] = wareki_safe(clock.limit, weekday=False) + (
                f"（延長 {clock.extensions} 回）" if clock.extensions else ""
            )
        else:
            details["退所先"] = stay.get_destination_display()
        items.append(
            TimelineItem(
                at=day_moment(stay.started_on),
                date_only=True,
                kind="stay",
                label=stay.get_kind_display(),
                text=f"一時保護（{where(stay)}）{period}",
                actor=str(stay.created_by or ""),
                details=details,
            )
        )
    return items


def child_panel(request, child) -> dict | None:
    stays = list(
        Stay.objects.visible_to(request.user)
        .filter(child=child)
        .select_related("bed", "bed__room")
        .prefetch_related("extensions")
        .order_by("-started_on", "-pk")
    )
    if not stays:
        return None
    return {
        "title": "一時保護",
        "template": "shelter/_child_panel.html",
        "stays": [(stay, stay.clock()) for stay in stays],
    }


def dashboard_panel(request) -> dict | None:
    if not request.user.has_role(Role.SUPERVISOR):
        return None
    return {
        "title": "一時保護所",
        "template": "shelter/_dashboard_panel.html",
        "top": False,
        **selectors.summary(timezone.localdate()),
    }


def decision_panel(request, case) -> dict | None:
    """一時保護決定 on the case file: the pending decision (and how to cancel it), or the form to
    decide one — for those who may change the case, while no stay or decision is open. Two
    queries."""
    from shelter.forms import DecisionCancelForm, ProtectionDecisionForm

    pending = (
        ProtectionDecision.objects.with_allowed(request.user)
        .filter(case=case, state="pending")
        .select_related("decided_by")
        .first()
    )
    can_decide = case.may("change") and not case.is_closed
    in_care = Stay.objects.active().filter(child_id=case.child_id).exists()
    if pending is None and (not can_decide or in_care):
        return None
    forms = getattr(request, "panel_forms", {})
    return {
        "title": "一時保護",
        "template": "shelter/_decision_panel.html",
        "top": True,
        "pending": pending,
        "decision_form": forms.get("decision_form")
        or ProtectionDecisionForm(prefix="decision", user=request.user)
        if pending is None
        else None,
        "cancel_form": forms.get("cancel_form") or DecisionCancelForm(prefix="cancel")
        if pending is not None and pending.may("cancel")
        else None,
        "case": case,
    }
