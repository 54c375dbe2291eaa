"""The bed board, admission, and a stay's page with its actions.

Every stay is fetched through the user's scope (404 outside it); each action then checks the
role (403). Bad input re-renders the page with the message next to the field, saves nothing
and answers 400.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.access import CASE_ROLES, get_visible_or_404, log_access, require_roles
from casework.actions import apply_rule_error, perform
from casework.models import Case
from casework.services import CaseRuleError
from shelter import selectors, services
from shelter.access import BOARD_ROLES, can_manage_beds, can_record, may_record
from shelter.choices import Attendance, StayKind, WarrantResult
from shelter.forms import (
    AdmitForm,
    AppealForm,
    CaseNumberField,
    ConsentForm,
    DischargeForm,
    ExtensionDecisionForm,
    ExtensionForm,
    MoveForm,
    SchoolForm,
    WarrantDecisionForm,
    WarrantRequestForm,
)
from shelter.models import Stay

OPENABLE = {"move_form", "discharge_form", "consent_form"}


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
            "can_manage": can_manage_beds(request.user),
        },
    )


# --- admission ------------------------------------------------------------------------------


@require_roles(*BOARD_ROLES)
def admit(request: HttpRequest) -> HttpResponse:
    """Step 1 (GET): find the child by case number and check who it is. Step 2 (POST): admit."""
    taken = services.occupied_bed_ids()
    context: dict = {"free": selectors.active_beds().exclude(pk__in=taken).count()}
    if request.method == "POST":
        form = AdmitForm(request.POST, taken_ids=taken)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    stay = services.stay_admit(
                        actor=request.user,
                        case=data["case_number"],
                        kind=data["kind"],
                        bed=data["bed"],
                        entrusted_to=data["entrusted_to"],
                        grounds=data["grounds"],
                        started_on=data["started_on"],
                        parental_consent=data["parental_consent"],
                        planned_end_on=data["planned_end_on"],
                    )
            except CaseRuleError as error:
                apply_rule_error(form, error)
            else:
                messages.success(request, _admitted_message(stay))
                return redirect("shelter:board")
        case = form.cleaned_data.get("case_number")
        context.update({"form": form, "case": case, "number": request.POST.get("case_number")})
        return render(request, "shelter/admit.html", context, status=400)

    number = request.GET.get("case_number", "").strip()
    case, lookup_error = None, ""
    if number:
        try:
            case = CaseNumberField().clean(number)
        except ValidationError as error:
            lookup_error = error.messages[0]
        else:
            log_access(request, case.child)  # who looked a child up is itself a record
    initial = {"case_number": number, "bed": request.GET.get("bed") or None}
    form = AdmitForm(initial=initial, taken_ids=taken)
    context.update({"form": form, "case": case, "number": number, "lookup_error": lookup_error})
    status = 400 if lookup_error else 200
    return render(request, "shelter/admit.html", context, status=status)


def _admitted_message(stay: Stay) -> str:
    if stay.kind == StayKind.ENTRUSTED:
        return f"{stay.child} さんの委託一時保護（{stay.entrusted_to}）を記録しました。"
    note = services.room_mismatch(stay.bed, stay.child, stay.started_on)
    return f"{stay.child} さんがベッド {stay.bed} に入所しました。" + (
        f"（注意：{note}）" if note else ""
    )


# --- a stay ---------------------------------------------------------------------------------


def _stay_for(request: HttpRequest, pk: int) -> Stay:
    queryset = (
        Stay.objects.visible_to(request.user)
        .select_related("child", "case", "bed", "bed__room", "created_by")
        .prefetch_related("extensions", "assignments__bed")
    )
    return get_visible_or_404(queryset, pk)


def _forms_for(request: HttpRequest, stay: Stay) -> dict:
    """The forms the user may use on this stay now (None where the act does not apply)."""
    user = request.user
    manage = stay.is_active and can_manage_beds(user)
    record = can_record(user, stay)
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
    return context


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
    **form_kwargs,
) -> HttpResponse:
    """Validate the form and run the service; on bad input re-render the stay, saving nothing."""
    stay = _stay_for(request, pk)
    allowed = can_manage_beds if manage else may_record
    if not allowed(request.user, stay):
        raise PermissionDenied  # an ended stay is refused by the service, with a message
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


@require_POST
@require_roles(*BOARD_ROLES)
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


@require_POST
@require_roles(*BOARD_ROLES)
def discharge(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.stay_discharge(actor=request.user, stay=stay, **form.cleaned_data)

    return _act(
        request,
        pk,
        DischargeForm,
        "discharge_form",
        action,
        "退所（一時保護の解除）を記録しました。",
        manage=True,
        to_board=True,
    )


@require_POST
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.stay_record_consent(actor=request.user, stay=stay, **form.cleaned_data)

    return _act(request, pk, ConsentForm, "consent_form", action, "同意の有無を記録しました。")


@require_POST
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


@require_POST
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


@require_POST
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.stay_record_appeal(actor=request.user, stay=stay, **form.cleaned_data)

    return _act(request, pk, AppealForm, "appeal_form", action, "準抗告を記録しました。")


@require_POST
def extension_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.extension_request(actor=request.user, stay=stay, **form.cleaned_data)

    return _act(request, pk, ExtensionForm, "extension_form", action, "延長を記録しました。")


@require_POST
def extension_decide(request: HttpRequest, pk: int, extension_pk: int) -> HttpResponse:
    def action(stay, form):
        extension = get_visible_or_404(stay.extensions.filter(approved__isnull=True), extension_pk)
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


@require_POST
def school(request: HttpRequest, pk: int) -> HttpResponse:
    def action(stay, form):
        services.stay_update_school(actor=request.user, stay=stay, **form.cleaned_data)

    return _act(request, pk, SchoolForm, "school_form", action, "学校との連携を記録しました。")
