"""Placements on casework's pages: the case file (proposing a home, with the matching aid) and
the child page. What a case's worker sees of a home is its name, type, district and contact —
through the placement, never the applicant's file (issue 10 §4). Fixed number of queries."""

from __future__ import annotations

from django.utils import timezone

from foster import selectors
from foster.forms import PipelineFilterForm, ProposeForm, WithdrawForm, offer_homes
from foster.models import Placement


def _placements_of(request, *, scoped: bool = True, **filters) -> list[Placement]:
    rows = Placement.objects.visible_to(request.user) if scoped else Placement.objects.all()
    return list(
        rows.with_allowed(request.user)
        .filter(**filters)
        .select_related("home", "proposed_by", "confirmed_by")
        .order_by("-planned_start", "-pk")
    )


def case_panel(request, case) -> dict | None:
    """里親委託 on the case file: the case's placements, and for who may change the open case
    while the child has no placement or proposal, the form to propose one with the matching
    aid (homes that may take a child now, with free places)."""
    # One query: the child's placements (those of this case are the panel's; any open one
    # elsewhere means nothing may be proposed here).
    of_child = _placements_of(request, child_id=case.child_id, scoped=False)
    placements = [p for p in of_child if p.case_id == case.pk]
    busy = any(p.state in ("proposed", "active") for p in of_child)
    can_propose = case.may("change") and not case.is_closed and not busy
    if not placements and not can_propose:
        return None
    forms = getattr(request, "panel_forms", {})
    failed = forms.get("withdraw_form")
    for placement in placements:
        if placement.is_proposed and placement.may("withdraw"):
            prefix = f"withdraw-{placement.pk}"
            placement.withdraw_form = (
                failed
                if failed is not None and failed.prefix == prefix
                else WithdrawForm(prefix=prefix)
            )
    context = {
        "title": "里親委託",
        "template": "foster/_case_panel.html",
        "top": False,
        "case": case,
        "placements": placements,
    }
    if can_propose:
        filters = PipelineFilterForm(
            {"foster_type": request.GET.get("foster_type", "")}, prefix=None
        )
        foster_type = filters.cleaned_data["foster_type"] if filters.is_valid() else ""
        matches = selectors.matching(timezone.localdate(), foster_type)
        form = forms.get("propose_form") or ProposeForm(prefix="placement", user=request.user)
        offer_homes(form.fields["home"], matches)
        context["propose_form"] = form
        context["matches"] = matches
        context["match_filter"] = filters
        context["today"] = timezone.localdate()
    return context


def child_panel(request, child) -> dict | None:
    placements = _placements_of(request, child=child)
    if not placements:
        return None
    return {"title": "里親委託", "template": "foster/_child_panel.html", "placements": placements}
