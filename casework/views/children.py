"""A child's page: identity, household, the cases the viewer may open; supervisors also see who
viewed it. What is shown follows the child's rules (casework/models/children.py): the full
record, the daily-care facts (shelter), or the identity only (a consultation linked to a child
registered elsewhere)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from casework import handbooks, services
from casework.access import fetch_or_404, get_or_404, log_access, require
from casework.actions import perform, post_action
from casework.forms import (
    ChildForm,
    HandbookChangeForm,
    HandbookForm,
    HouseholdEndForm,
    HouseholdMemberForm,
    JudgmentForm,
    ReferralForm,
)
from casework.models import Case, Child, Deadline, Handbook
from casework.registry import child_panels
from casework.selectors import child_viewers
from casework.writes import CaseRuleError

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
        **handbook_context(child, full=full, can_edit=can_edit),
        "panels": [panel for panel in (p(request, child) for p in child_panels()) if panel],
    }
    context.update(overrides)
    return context


HANDBOOK_FORMS = {
    "handbook_form": HandbookForm,
    "judgment_form": JudgmentForm,
    "change_form": HandbookChangeForm,
    "referral_form": ReferralForm,
}


def handbook_context(child: Child, *, full: bool, can_edit: bool) -> dict:
    """The 愛の手帳 panel: the handbook, its judgments and changes, the next re-judgment (and
    whether it is open on the ledger), and the forms for those who may change the child."""
    if not full:
        return {"handbook": None}
    handbook = Handbook.objects.filter(child=child).first()
    context: dict = {"handbook": handbook, "handbook_editable": can_edit}
    if handbook is None:
        context["handbook_form"] = HandbookForm(prefix="handbook") if can_edit else None
        return context
    judgments = list(handbook.judgments.select_related("judged_by"))
    found = handbooks.next_judgment(child.birth_date, handbooks.last_judged_on(handbook))
    context.update(
        {
            "judgments": judgments,
            "changes": list(handbook.changes.all()),
            "referrals": list(handbook.referrals.all()),
            "next_judgment": found,
            "handbook_deadlines": list(
                Deadline.objects.open()
                .filter(subject_type=Handbook._meta.label, subject_id=str(handbook.pk))
                .order_by("due_at")
            ),
        }
    )
    if can_edit:
        context["judgment_form"] = JudgmentForm(prefix="judgment")
        context["change_form"] = HandbookChangeForm(prefix="change")
        context["referral_form"] = ReferralForm(prefix="referral")
    return context


def _handbook_action(request, pk, form_key, run, success):
    child = _editable_child(request, pk)
    form = HANDBOOK_FORMS[form_key](request.POST, prefix=form_key.removesuffix("_form"))
    done, _result = perform(request, form, lambda: run(child, form.cleaned_data), success)
    if done:
        return redirect(CHILD_PAGE, pk=child.pk)
    context = _child_context(request, child, **{form_key: form})
    context["failed_form"] = form
    return render(request, "casework/child_detail.html", context, status=400)


def _handbook_of(child: Child) -> Handbook:
    handbook = Handbook.objects.filter(child=child).first()
    if handbook is None:
        raise CaseRuleError("先に愛の手帳を登録してください。")
    return handbook


@post_action(CHILD_PAGE)
def handbook_register(request: HttpRequest, pk: int) -> HttpResponse:
    return _handbook_action(
        request,
        pk,
        "handbook_form",
        lambda child, data: handbooks.handbook_register(actor=request.user, child=child, **data),
        "愛の手帳を登録しました。",
    )


@post_action(CHILD_PAGE)
def handbook_judge(request: HttpRequest, pk: int) -> HttpResponse:
    return _handbook_action(
        request,
        pk,
        "judgment_form",
        lambda child, data: handbooks.handbook_judge(
            actor=request.user, handbook=_handbook_of(child), **data
        ),
        "判定を記録しました。次の再判定の予定を更新しました。",
    )


@post_action(CHILD_PAGE)
def handbook_change(request: HttpRequest, pk: int) -> HttpResponse:
    return _handbook_action(
        request,
        pk,
        "change_form",
        lambda child, data: handbooks.handbook_change(
            actor=request.user, handbook=_handbook_of(child), **data
        ),
        "程度の変化を記録しました。30日以内の再判定が期限に加わりました。",
    )


@post_action(CHILD_PAGE)
def handbook_refer(request: HttpRequest, pk: int) -> HttpResponse:
    return _handbook_action(
        request,
        pk,
        "referral_form",
        lambda child, data: handbooks.handbook_refer(
            actor=request.user, handbook=_handbook_of(child), **data
        ),
        "東京都心身障害者福祉センターへの引継ぎを記録しました。",
    )


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
