"""A child's page: identity, household, the cases the viewer may open; supervisors also see who
viewed it. What is shown follows the child's rules (casework/models/children.py): the full
record, the daily-care facts (shelter), or the identity only (a consultation linked to a child
registered elsewhere)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from casework import services
from casework.access import fetch_or_404, get_or_404, log_access, require
from casework.actions import perform, post_action
from casework.forms import ChildForm, HouseholdEndForm, HouseholdMemberForm
from casework.models import Case, Child
from casework.registry import child_panels
from casework.selectors import child_viewers

CHILD_PAGE = "casework:child_detail"


def _child_for(request: HttpRequest, pk: int) -> Child:
    return fetch_or_404(Child.objects.all(), request.user, pk)


@require_safe
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child = _child_for(request, pk)
    log_access(request, child)
    return render(request, "casework/child_detail.html", _child_context(request, child))


def _child_context(request: HttpRequest, child: Child, **overrides) -> dict:
    user = request.user
    full = child.may("full")
    cases = (
        list(
            Case.objects.visible_to(user)
            .filter(child=child)
            .select_related("team", "lead")
            .order_by("-opened_on", "-seq")
        )
        if full
        else []
    )
    can_edit = child.may("change")
    supervised = user.supervises()
    context = {
        "child": child,
        "full": full,
        "care": full or child.may("care"),
        "can_edit": can_edit,
        "household_form": HouseholdMemberForm() if can_edit else None,
        "household": list(child.household.filter(active=True)) if full else [],
        "cases": cases,
        "viewers": list(child_viewers(child))
        if any(c.team_id in supervised for c in cases)
        else None,
        "panels": [panel for panel in (p(request, child) for p in child_panels()) if panel],
    }
    context.update(overrides)
    return context


def _editable_child(request: HttpRequest, pk: int) -> Child:
    child = _child_for(request, pk)
    require(child, "change")
    return child


def child_edit(request: HttpRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk)
    if request.method != "POST":
        form = ChildForm(instance=child)
        return render(request, "casework/child_edit.html", {"child": child, "form": form})
    form = ChildForm(request.POST, instance=Child.objects.get(pk=child.pk))

    def action():
        data = {name: form.cleaned_data[name] for name in ChildForm.Meta.fields}
        return services.child_update(
            actor=request.user, child=child, data=data, reason=form.cleaned_data["reason"]
        )

    done, _result = perform(request, form, action, "児童の情報を更新しました。")
    if done:
        return redirect(CHILD_PAGE, pk=child.pk)
    return render(request, "casework/child_edit.html", {"child": child, "form": form}, status=400)


@post_action(CHILD_PAGE)
def household_add(request: HttpRequest, pk: int) -> HttpResponse:
    child = _editable_child(request, pk)
    form = HouseholdMemberForm(request.POST)

    def action():
        data = {name: form.cleaned_data[name] for name in HouseholdMemberForm.Meta.fields}
        return services.household_add(actor=request.user, child=child, data=data)

    done, _result = perform(request, form, action, "世帯員を追加しました。")
    if done:
        return redirect(CHILD_PAGE, pk=child.pk)
    context = _child_context(request, child, household_form=form)
    return render(request, "casework/child_detail.html", context, status=400)


@post_action(CHILD_PAGE)
def household_end(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    child = _editable_child(request, pk)
    member = get_or_404(child.household.filter(active=True), member_id)
    form = HouseholdEndForm(request.POST)
    done, _result = perform(
        request,
        form,
        lambda: services.household_end(actor=request.user, member=member),
        "世帯員を「以前の世帯員」に変更しました（記録は残ります）。",
    )
    if done:
        return redirect(CHILD_PAGE, pk=child.pk)
    context = _child_context(request, child, household_end_form=form)
    return render(request, "casework/child_detail.html", context, status=400)
