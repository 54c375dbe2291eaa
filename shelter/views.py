"""The bed board, admission, and a stay's page with its actions.

Every stay is fetched through the user's scope (404 outside it); each action then checks the
role (403). Bad input re-renders the page with the message next to the field, saves nothing
and answers 400.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from casework.access import CASE_ROLES, fetch_or_404, get_or_404, log_access, require, require_roles
from casework.actions import perform, post_action
from casework.models import Case
from casework.views.cases import case_context, case_for
from shelter import selectors, services
from shelter.choices import Attendance, StayKind, WarrantResult
from shelter.forms import (
    AdmitForm,
    AppealForm,
    ConsentForm,
    DecisionCancelForm,
    DischargeForm,
    ExtensionDecisionForm,
    ExtensionForm,
    MoveForm,
    ProtectionDecisionForm,
    SchoolForm,
    WarrantDecisionForm,
    WarrantRequestForm,
)
from shelter.models import BOARD_ROLES, ProtectionDecision, Stay

OPENABLE = {"move_form", "discharge_form", "consent_form"}
STAY_PAGE = "shelter:stay_detail"


@require_safe
@require_roles(*BOARD_ROLES)
def board(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    data = selectors.board(today)
    series = selectors.occupancy_series(today)
    return render(
        request,
        "shelter/board.html",
        {
            "board": data,
            "recent": selectors.recent_discharges(today),
            "series": series,
            "chart": selectors.occupancy_chart(series, data.capacity),
            "can_manage": request.user.has_role(*BOARD_ROLES),
        },
    )


# --- protection decisions and admission -------------------------------------------------------


@require_safe
@require_roles(*BOARD_ROLES)
def admit(request: HttpRequest) -> HttpResponse:
    """The pending protection decisions the user may carry out: shelter staff admit from this
    list (there is no lookup by case number, so nobody learns of a child out of their scope)."""
    decisions = list(
        ProtectionDecision.objects.restrict(request.user, "admit")
        .pending()
        .select_related("child", "decided_by")
        .order_by("decided_on", "pk")
    )
    taken = services.occupied_bed_ids()
    return render(
        request,
        "shelter/admit_list.html",
        {
            "decisions": decisions,
            "free": selectors.active_beds().exclude(pk__in=taken).count(),
            "bed": request.GET.get("bed", "")[:10],
        },
    )


def _decision_for(request: HttpRequest, pk: int) -> ProtectionDecision:
    queryset = ProtectionDecision.objects.select_related("child", "case", "decided_by")
    return fetch_or_404(queryset, request.user, pk)


@require_roles(*BOARD_ROLES)
def admit_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """A pending decision's admission form (GET) and the admission itself (POST)."""
    decision = _decision_for(request, pk)
    require(decision, "admit")
    taken = services.occupied_bed_ids()
    if request.method != "POST":
        initial = {"bed": request.GET.get("bed") or None}
        form = AdmitForm(initial=initial, taken_ids=taken, kind=decision.kind, child=decision.child)
        log_access(request, decision.child)  # who opened a child's admission is a record
        return _render_admit(request, decision, form, taken)
    form = AdmitForm(request.POST, taken_ids=taken, kind=decision.kind, child=decision.child)

    def action():
        data = form.cleaned_data
        return services.stay_admit(
            actor=request.user,
            decision=decision,
            bed=data.get("bed"),
            entrusted_to=data.get("entrusted_to", ""),
            started_on=data["started_on"],
            parental_consent=data["parental_consent"],
            planned_end_on=data["planned_end_on"],
            mismatch_reason=data.get("mismatch_reason", ""),
        )

    done, stay = perform(request, form, action, _admitted_message)
    if done:
        return redirect("shelter:board")
    return _render_admit(request, decision, form, taken, status=400)


def _render_admit(request, decision, form, taken, status=200) -> HttpResponse:
    context = {
        "decision": decision,
        "child": decision.child,
        "form": form,
        "free": selectors.active_beds().exclude(pk__in=taken).count(),
    }
    return render(request, "shelter/admit.html", context, status=status)


def _admitted_message(stay: Stay) -> str:
    """No name in the message: flash messages are kept in the session."""
    if stay.kind == StayKind.ENTRUSTED:
        return "委託一時保護を記録しました。"
    note = services.room_mismatch(stay.bed, stay.child, stay.started_on)
    done = f"ベッド {stay.bed} への入所を記録しました。"
    return done + ("（区分の違う部屋：理由をケース記録に残しました）" if note else "")


@require_roles(*CASE_ROLES)
@post_action("casework:case_detail")
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    """一時保護決定 on the case file (pk is the case's)."""
    case = fetch_or_404(Case.objects.select_related("child"), request.user, pk)
    form = ProtectionDecisionForm(request.POST, prefix="decision")
    done, _result = perform(
        request,
        form,
        lambda: services.protection_decide(
            actor=request.user, case=case, views=form.views_input(), **form.decision_data()
        ),
        "一時保護を決定しました。一時保護所の入所待ちに表示されます。",
    )
    if done:
        return redirect("casework:case_detail", pk=case.pk)
    return _case_page_with(request, case, decision_form=form)


def _decision_case_page(request: HttpRequest, pk: int) -> str:
    return reverse("casework:case_detail", args=[_decision_for(request, pk).case_id])


@require_roles(*CASE_ROLES)
@post_action(_decision_case_page)
def decision_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision_for(request, pk)
    require(decision, "cancel")
    form = DecisionCancelForm(request.POST, prefix="cancel")
    done, _result = perform(
        request,
        form,
        lambda: services.protection_cancel(
            actor=request.user, decision=decision, reason=form.cleaned_data["reason"]
        ),
        "一時保護決定を取り消しました（記録は残ります）。",
    )
    if done:
        return redirect("casework:case_detail", pk=decision.case_id)
    return _case_page_with(request, decision.case, cancel_form=form)


def _case_page_with(request: HttpRequest, case: Case, **forms_) -> HttpResponse:
    """Re-render the case file with the shelter panel's failed form (status 400)."""
    case = case_for(request, case.pk)
    context = case_context(request, case, **forms_)
    context["failed_form"] = next(iter(forms_.values()))
    return render(request, "casework/case_detail.html", context, status=400)


# --- a stay ---------------------------------------------------------------------------------


def _stay_for(request: HttpRequest, pk: int) -> Stay:
    queryset = Stay.objects.select_related(
        "child", "case", "bed", "bed__room", "created_by"
    ).prefetch_related("extensions", "assignments__bed")
    return fetch_or_404(queryset, request.user, pk)


def _forms_for(request: HttpRequest, stay: Stay) -> dict:
    """The forms the user may use on this stay now (None where the act does not apply)."""
    manage = stay.is_active and stay.may("manage")
    record = stay.is_active and stay.may("record")
    refused = stay.warrant_result == WarrantResult.REFUSED
    pending = next((e for e in stay.extensions.all() if e.approved is None), None)
    in_house = stay.kind == StayKind.SHELTER
    return {
        "move_form": MoveForm(taken_ids=services.occupied_bed_ids())
        if manage and in_house
        else None,
        "discharge_form": DischargeForm() if manage else None,
        "consent_form": ConsentForm(initial={"consent": "no" if stay.parental_consent else "yes"})
        if record
        else None,
        "warrant_request_form": WarrantRequestForm(initial={"requested_on": timezone.localdate()})
        if record and not stay.parental_consent and not stay.warrant_requested_on
        else None,
        "warrant_decision_form": WarrantDecisionForm(initial={"decided_on": timezone.localdate()})
        if record and stay.warrant_requested_on and not stay.warrant_result
        else None,
        "appeal_form": AppealForm(initial={"appeal_on": stay.appeal_on})
        if record and refused and not stay.appeal_result
        else None,
        "extension_form": ExtensionForm() if record and pending is None else None,
        "extension_decision_form": ExtensionDecisionForm(
            initial={"court_case_ref": pending.court_case_ref}
        )
        if record and pending
        else None,
        "pending_extension": pending,
        "school_form": SchoolForm(
            initial={
                "school": stay.school,
                "contacted_on": stay.school_contacted_on,
                "contact": stay.school_contact,
                "attendance": stay.attendance,
                "attendance_note": stay.attendance_note,
            }
        )
        if record
        else None,
    }


def _detail_context(request: HttpRequest, stay: Stay, **overrides) -> dict:
    user = request.user
    case_visible = (
        user.has_role(*CASE_ROLES)
        and Case.objects.visible_to(user).filter(pk=stay.case_id).exists()
    )
    context = {
        "stay": stay,
        "child": stay.child,
        "clock": stay.clock(),
        "assignments": list(stay.assignments.all()),
        "extensions": list(stay.extensions.all()),
        "case_visible": case_visible,
        "attendance_choices": Attendance,
        "open_form": request.GET.get("open") if request.GET.get("open") in OPENABLE else "",
    }
    context.update(_forms_for(request, stay))
    context.update(overrides)
    for key, value in context.items():
        if isinstance(value, forms.Form):
            value.auto_id = form_ids(key)  # two forms with a 請求日 keep apart ids
    return context


def form_ids(form_key: str) -> str:
    """Each form of the stay page gets its own id prefix (「warrant_request_requested_on」)."""
    return f"{form_key.removesuffix('_form')}_%s"


@require_safe
def stay_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stay = _stay_for(request, pk)
    log_access(request, stay)
    return render(request, "shelter/stay_detail.html", _detail_context(request, stay))


def _act(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    form_key: str,
    action: Callable[[Stay, forms.Form], object],
    success: str,
    *,
    manage: bool = False,
    to_board: bool = False,
    bind_stay: bool = False,
    **form_kwargs,
) -> HttpResponse:
    """Validate the form and run the service; on bad input re-render the stay, saving nothing.
    `bind_stay`: the form checks its dates against the stay too (all errors on one submit)."""
    stay = _stay_for(request, pk)
    require(stay, "manage" if manage else "record")  # an ended stay: the service says so
    if bind_stay:
        form_kwargs["stay"] = stay
    form = form_class(request.POST, **form_kwargs)
    done, _result = perform(request, form, lambda: action(stay, form), success)
    if done:
        if to_board:
            return redirect("shelter:board")
        return redirect("shelter:stay_detail", pk=stay.pk)
    stay = _stay_for(request, pk)
    context = _detail_context(request, stay, **{form_key: form})
    context["open_form"] = form_key
    context["failed_form"] = form
    return render(request, "shelter/stay_detail.html", context, status=400)


@require_roles(*BOARD_ROLES)
@post_action(STAY_PAGE)
def move(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.stay_move(actor=request.user, stay=stay, **form.cleaned_data)

    return _act(
        request,
        pk,
        MoveForm,
        "move_form",
        action,
        "ベッドを移動しました。",
        manage=True,
        to_board=True,
        taken_ids=services.occupied_bed_ids(),
    )


@require_roles(*BOARD_ROLES)
@post_action(STAY_PAGE)
def discharge(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.stay_discharge(
            actor=request.user, stay=stay, views=form.views_input(), **form.decision_data()
        )

    return _act(
        request,
        pk,
        DischargeForm,
        "discharge_form",
        action,
        "退所（一時保護の解除）を記録しました。",
        manage=True,
        to_board=True,
        bind_stay=True,
    )


@post_action(STAY_PAGE)
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.stay_record_consent(actor=request.user, stay=stay, **form.cleaned_data)

    return _act(request, pk, ConsentForm, "consent_form", action, "同意の有無を記録しました。")


@post_action(STAY_PAGE)
def warrant_request(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.stay_record_warrant_request(actor=request.user, stay=stay, **form.cleaned_data)

    return _act(
        request,
        pk,
        WarrantRequestForm,
        "warrant_request_form",
        action,
        "一時保護状の請求を記録しました。",
    )


@post_action(STAY_PAGE)
def warrant_decision(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.stay_record_warrant_decision(actor=request.user, stay=stay, **form.cleaned_data)

    return _act(
        request,
        pk,
        WarrantDecisionForm,
        "warrant_decision_form",
        action,
        "裁判官の判断を記録しました。",
    )


@post_action(STAY_PAGE)
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.stay_record_appeal(actor=request.user, stay=stay, **form.cleaned_data)

    return _act(request, pk, AppealForm, "appeal_form", action, "準抗告を記録しました。")


@post_action(STAY_PAGE)
def extension_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.extension_request(actor=request.user, stay=stay, **form.cleaned_data)

    return _act(request, pk, ExtensionForm, "extension_form", action, "延長を記録しました。")


@post_action(STAY_PAGE)
def extension_decide(request: HttpRequest, pk: int, extension_pk: int) -> HttpResponse:
    def action(stay, form):
        extension = get_or_404(stay.extensions.filter(approved__isnull=True), extension_pk)
        services.extension_decide(
            actor=request.user,
            extension=extension,
            approved=form.cleaned_data["decision"] == "approve",
            decided_on=form.cleaned_data["decided_on"],
            court_case_ref=form.cleaned_data["court_case_ref"],
        )

    return _act(
        request,
        pk,
        ExtensionDecisionForm,
        "extension_decision_form",
        action,
        "家庭裁判所の判断を記録しました。",
    )


@post_action(STAY_PAGE)
def school(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.stay_update_school(actor=request.user, stay=stay, **form.cleaned_data)

    return _act(request, pk, SchoolForm, "school_form", action, "学校との連携を記録しました。")
