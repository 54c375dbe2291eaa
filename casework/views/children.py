"""A child's page: identity, household, cases; supervisors also see who viewed it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casework import services
from casework.access import get_visible_or_404, is_supervisor_of, log_access
from casework.choices import Role
from casework.forms import ChildForm, HouseholdMemberForm
from casework.models import Case, Child
from casework.registry import child_panels
from casework.selectors import child_viewers


def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child = get_visible_or_404(Child.objects.visible_to(request.user), pk)
    log_access(request, child)
    return render(request, "casework/child_detail.html", _child_context(request, child))


def _child_context(request: HttpRequest, child: Child) -> dict:
    user = request.user
    visible_ids = set(
        Case.objects.visible_to(user).filter(child=child).values_list("pk", flat=True)
    )
    cases = list(child.cases.select_related("team", "lead").order_by("-opened_on"))
    sees_case_files = user.has_role(Role.CASEWORKER, Role.SUPERVISOR)
    supervisor_of_child = user.has_role(Role.SUPERVISOR) and any(
        is_supervisor_of(user, c.team_id) for c in cases
    )
    can_edit = sees_case_files and services.can_edit_child(user, child)
    return {
        "child": child,
        "can_edit": can_edit,
        "household_form": HouseholdMemberForm() if can_edit else None,
        "household": list(child.household.filter(active=True)) if sees_case_files else [],
        "cases": [(c, c.pk in visible_ids) for c in cases] if sees_case_files else [],
        "sees_case_files": sees_case_files,
        # Shelter staff get what daily care needs (PRODUCT §2): not where the family lives.
        "sees_address": sees_case_files or user.has_role(Role.INTAKE),
        "viewers": list(child_viewers(child)) if supervisor_of_child else None,
        "panels": [panel for panel in (p(request, child) for p in child_panels()) if panel],
    }


def _editable_child(request: HttpRequest, pk: int) -> Child:
    child = get_visible_or_404(Child.objects.visible_to(request.user), pk)
    if not services.can_edit_child(request.user, child):
        raise PermissionDenied
    return child


def child_edit(request: HttpRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk)
    form = ChildForm(request.POST or None, instance=child)
    if request.method == "POST":
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in ChildForm.Meta.fields}
            services.child_update(
                actor=request.user, child=child, data=data, reason=form.cleaned_data["reason"]
            )
            messages.success(request, "児童の情報を更新しました。")
            return redirect("casework:child_detail", pk=child.pk)
        child.refresh_from_db()
        return render(
            request, "casework/child_edit.html", {"child": child, "form": form}, status=400
        )
    return render(request, "casework/child_edit.html", {"child": child, "form": form})


@require_POST
def household_add(request: HttpRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk)
    form = HouseholdMemberForm(request.POST)
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in HouseholdMemberForm.Meta.fields}
        services.household_add(actor=request.user, child=child, data=data)
        messages.success(request, "世帯員を追加しました。")
        return redirect("casework:child_detail", pk=child.pk)
    context = _child_context(request, child)
    context["household_form"] = form
    return render(request, "casework/child_detail.html", context, status=400)


@require_POST
def household_end(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    child = _editable_child(request, pk)
    member = get_visible_or_404(child.household.filter(active=True), member_id)
    services.household_end(
        actor=request.user, member=member, reason=request.POST.get("reason", "")[:200]
    )
    messages.success(request, "世帯員を「以前の世帯員」に変更しました（記録は残ります）。")
    return redirect("casework:child_detail", pk=child.pk)
