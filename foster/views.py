"""The foster pages: the pipeline, an applicant's stage timeline, the homes and a home, and the
actions on them. Foster staff change; supervisors read (issue 10 §6). A placement is proposed
from the case file by its worker or supervisor and confirmed here by the foster team.

Every record is fetched through the user's scope; every detail view is access-logged. Bad input
re-renders the page with the message next to the field, saves nothing and answers 400.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from casework.access import CASE_ROLES, fetch_or_404, log_access, require, require_roles
from casework.actions import perform, post_action
from casework.choices import Role
from casework.forms import hearer_options
from casework.models import Case
from casework.views.cases import case_context, case_for
from foster import selectors, services
from foster.choices import Course, Stage
from foster.forms import (
    ApplicantForm,
    CapacityForm,
    CloseForm,
    ConfirmForm,
    EndForm,
    HomeVisitForm,
    MemberForm,
    PipelineFilterForm,
    ProposeForm,
    RenewalTrainingForm,
    RenewForm,
    ReopenForm,
    SessionForm,
    StepForm,
    StudyVisitForm,
    TrainingForm,
    WithdrawForm,
)
from foster.models import Applicant, Home, Placement

READERS = (Role.FOSTER, Role.SUPERVISOR)
FOSTER = Role.FOSTER
HOMES_PER_PAGE = 50


# --- the pipeline -------------------------------------------------------------------------


def _pipeline_context(request: HttpRequest, **overrides) -> dict:
    filters = PipelineFilterForm(request.GET or None)
    foster_type = filters.cleaned_data.get("foster_type", "") if filters.is_valid() else ""
    funnel = selectors.funnel(timezone.localdate())
    context = {
        "filters": filters,
        "columns": selectors.pipeline(request.user, foster_type),
        "closed": selectors.closed_recently(request.user),
        "sessions": selectors.recent_sessions(),
        "funnel": funnel,
        "funnel_chart": selectors.funnel_chart(funnel),
        "can_change": request.user.has_role(FOSTER),
        "session_form": SessionForm(),
    }
    context.update(overrides)
    return context


@require_safe
@require_roles(*READERS)
def pipeline(request: HttpRequest) -> HttpResponse:
    return render(request, "foster/pipeline.html", _pipeline_context(request))


@require_roles(FOSTER)
@post_action(lambda request: reverse("foster:pipeline"))
def session_add(request: HttpRequest) -> HttpResponse:
    form = SessionForm(request.POST)
    done, _result = perform(
        request,
        form,
        lambda: services.council_session_create(actor=request.user, **form.cleaned_data),
        "児童福祉審議会を登録しました。",
    )
    if done:
        return redirect("foster:pipeline")
    context = _pipeline_context(request, session_form=form, failed_form=form)
    return render(request, "foster/pipeline.html", context, status=400)


@require_roles(FOSTER)
def applicant_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = ApplicantForm(actor=request.user)
        return render(request, "foster/applicant_new.html", {"form": form})
    form = ApplicantForm(request.POST, actor=request.user)
    done, applicant = perform(
        request,
        form,
        lambda: services.applicant_create(
            actor=request.user, data=services.ApplicantData(**form.cleaned_data)
        ),
        "申込みを受け付けました。",
    )
    if done:
        return redirect("foster:applicant_detail", pk=applicant.pk)
    return render(request, "foster/applicant_new.html", {"form": form}, status=400)


# --- an applicant -------------------------------------------------------------------------

APPLICANT_PAGE = "foster:applicant_detail"


def _applicant_for(request: HttpRequest, pk: int) -> Applicant:
    queryset = Applicant.objects.select_related("worker", "previous", "reopened_as", "home")
    return fetch_or_404(queryset, request.user, pk)


def _stage_rows(applicant: Applicant, steps: list) -> list[dict]:
    by_stage = {step.stage: step for step in steps}
    rows = []
    for stage in Stage:
        step = by_stage.get(stage)
        state = "done" if step else ("next" if stage == applicant.next_stage else "todo")
        if applicant.is_closed and not step and stage == applicant.closed_at_stage:
            state = "closed"
        rows.append({"stage": stage, "step": step, "state": state})
    return rows


def _applicant_context(request: HttpRequest, applicant: Applicant, **overrides) -> dict:
    steps = list(applicant.steps.select_related("worker", "session"))
    can_change = applicant.may("change")
    active = can_change and applicant.is_active
    reopenable = can_change and applicant.is_closed and not hasattr(applicant, "reopened_as")
    context = {
        "applicant": applicant,
        "stages": _stage_rows(applicant, steps),
        "members": list(applicant.members.all()),
        "trainings": list(applicant.trainings.all()),
        "study_visits": list(applicant.study_visits.select_related("worker")),
        "home": getattr(applicant, "home", None),
        "can_change": can_change,
        "step_form": StepForm(next_stage=applicant.next_stage) if active else None,
        "training_form": TrainingForm() if active else None,
        "study_form": StudyVisitForm() if active else None,
        "member_form": MemberForm() if can_change else None,
        "close_form": CloseForm() if active else None,
        "reopen_form": ReopenForm() if reopenable else None,
    }
    if context["training_form"] is not None:
        context["training_form"].fields["course"].choices = [
            c for c in context["training_form"].fields["course"].choices if c[0] != Course.RENEWAL
        ]
    context.update(overrides)
    return context


@require_safe
@require_roles(*READERS)
def applicant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _applicant_for(request, pk)
    log_access(request, applicant)
    return render(request, "foster/applicant_detail.html", _applicant_context(request, applicant))


def _applicant_act(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    key: str,
    action: Callable[[Applicant, forms.Form], object],
    success: str,
    *,
    to: Callable[[object], str] | None = None,
) -> HttpResponse:
    applicant = _applicant_for(request, pk)
    require(applicant, "change")
    form = form_class(request.POST)
    done, result = perform(request, form, lambda: action(applicant, form), success)
    if done:
        return redirect(to(result) if to else reverse(APPLICANT_PAGE, args=[applicant.pk]))
    applicant = _applicant_for(request, pk)
    context = _applicant_context(request, applicant, **{key: form})
    context["failed_form"] = form
    return render(request, "foster/applicant_detail.html", context, status=400)


@require_roles(FOSTER)
@post_action(APPLICANT_PAGE)
def step_record(request: HttpRequest, pk: int) -> HttpResponse:
    def action(applicant, form):
        return services.step_record(actor=request.user, applicant=applicant, **form.cleaned_data)

    return _applicant_act(request, pk, StepForm, "step_form", action, "段階を記録しました。")


@require_roles(FOSTER)
@post_action(APPLICANT_PAGE)
def training_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(applicant, form):
        return services.training_record(
            actor=request.user, applicant=applicant, **form.cleaned_data
        )

    return _applicant_act(
        request, pk, TrainingForm, "training_form", action, "研修の受講を記録しました。"
    )


@require_roles(FOSTER)
@post_action(APPLICANT_PAGE)
def study_visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(applicant, form):
        return services.study_visit_add(
            actor=request.user, applicant=applicant, **form.cleaned_data
        )

    return _applicant_act(
        request, pk, StudyVisitForm, "study_form", action, "家庭調査の訪問を記録しました。"
    )


@require_roles(FOSTER)
@post_action(APPLICANT_PAGE)
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(applicant, form):
        return services.member_add(actor=request.user, applicant=applicant, **form.cleaned_data)

    return _applicant_act(request, pk, MemberForm, "member_form", action, "世帯員を追加しました。")


@require_roles(FOSTER)
@post_action(APPLICANT_PAGE)
def applicant_close(request: HttpRequest, pk: int) -> HttpResponse:
    def action(applicant, form):
        return services.applicant_close(
            actor=request.user, applicant=applicant, **form.cleaned_data
        )

    return _applicant_act(
        request,
        pk,
        CloseForm,
        "close_form",
        action,
        "辞退・不認定を記録しました（記録は残ります）。",
    )


@require_roles(FOSTER)
@post_action(APPLICANT_PAGE)
def applicant_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def action(applicant, form):
        return services.applicant_reopen(
            actor=request.user, previous=applicant, opened_on=form.cleaned_data["opened_on"]
        )

    return _applicant_act(
        request,
        pk,
        ReopenForm,
        "reopen_form",
        action,
        "新たな申込みとして再開しました。",
        to=lambda new: reverse(APPLICANT_PAGE, args=[new.pk]),
    )


# --- homes --------------------------------------------------------------------------------

HOME_PAGE = "foster:home_detail"


@require_safe
@require_roles(*READERS)
def home_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filters = PipelineFilterForm(request.GET or None)
    foster_type = filters.cleaned_data.get("foster_type", "") if filters.is_valid() else ""
    expiring = request.GET.get("expiring") == "1"
    rows = selectors.homes(request.user, today, foster_type=foster_type, expiring=expiring)
    page = Paginator(rows, HOMES_PER_PAGE).get_page(request.GET.get("page"))
    homes = [(home, selectors.expiring_soon(home, today)) for home in page.object_list]
    query = "&".join(
        f"{k}={v}"
        for k, v in (("foster_type", foster_type), ("expiring", "1" if expiring else ""))
        if v
    )
    return render(
        request,
        "foster/home_list.html",
        {
            "homes": homes,
            "page": page,
            "query": query,
            "filters": filters,
            "expiring": expiring,
            "today": today,
            "proposals": selectors.pending_proposals(request.user),
        },
    )


def _home_for(request: HttpRequest, pk: int) -> Home:
    queryset = Home.objects.select_related("worker", "applicant")
    return fetch_or_404(queryset, request.user, pk)


def _home_context(request: HttpRequest, home: Home, **overrides) -> dict:
    today = timezone.localdate()
    placements = list(
        home.placements.exclude(state="proposed")
        .select_related("child", "slot", "confirmed_by")
        .order_by("-started_on", "-pk")
    )
    current = [p for p in placements if p.is_active]
    can_change = home.may("change") and home.status == "active"
    context = {
        "home": home,
        "today": today,
        "expiring": selectors.expiring_soon(home, today),
        "expired": home.is_expired(today),
        "current": current,
        "past": [p for p in placements if not p.is_active],
        "free": max(home.capacity - len(current), 0),
        "proposals": selectors.pending_proposals(request.user, home),
        "renewals": list(home.renewals.all()),
        "trainings": list(home.applicant.trainings.filter(course=Course.RENEWAL)),
        "visits": list(home.visits.select_related("worker")),
        "can_change": can_change,
        "capacity_form": CapacityForm(initial={"capacity": home.capacity}) if can_change else None,
        "training_form": RenewalTrainingForm() if can_change else None,
        "renew_form": RenewForm() if can_change and home.expires_on else None,
        "visit_form": HomeVisitForm() if home.may("change") else None,
    }
    context.update(overrides)
    failed = context.get("failed_form")

    def row_form(form_class: type[forms.Form], prefix: str) -> forms.Form:
        if failed is not None and failed.prefix == prefix:
            return failed
        return form_class(prefix=prefix)

    for proposal in context["proposals"]:
        if proposal.may("confirm"):
            proposal.confirm_form = row_form(ConfirmForm, f"confirm-{proposal.pk}")
        if proposal.may("withdraw"):
            proposal.withdraw_form = row_form(WithdrawForm, f"withdraw-{proposal.pk}")
    if request.user.has_role(FOSTER) and current:
        options = hearer_options()  # one staff list for every end form's 意見聴取 section
        for placement in current:
            prefix = f"end-{placement.pk}"
            placement.end_form = (
                failed
                if failed is not None and failed.prefix == prefix
                else EndForm(prefix=prefix, hearers=options)
            )
    return context


@require_safe
@require_roles(*READERS)
def home_detail(request: HttpRequest, pk: int) -> HttpResponse:
    home = _home_for(request, pk)
    log_access(request, home)
    return render(request, "foster/home_detail.html", _home_context(request, home))


def _home_page_with(request: HttpRequest, home_pk: int, key: str, form: forms.Form) -> HttpResponse:
    home = _home_for(request, home_pk)
    context = _home_context(request, home, failed_form=form, **({key: form} if key else {}))
    context["open_form"] = key
    return render(request, "foster/home_detail.html", context, status=400)


def _home_act(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    key: str,
    action: Callable[[Home, forms.Form], object],
    success: str,
) -> HttpResponse:
    home = _home_for(request, pk)
    require(home, "change")
    form = form_class(request.POST)
    done, _result = perform(request, form, lambda: action(home, form), success)
    if done:
        return redirect(HOME_PAGE, pk=home.pk)
    return _home_page_with(request, pk, key, form)


@require_roles(FOSTER)
@post_action(HOME_PAGE)
def home_capacity(request: HttpRequest, pk: int) -> HttpResponse:
    def action(home, form):
        return services.home_set_capacity(actor=request.user, home=home, **form.cleaned_data)

    return _home_act(
        request, pk, CapacityForm, "capacity_form", action, "受託できる人数を変更しました。"
    )


@require_roles(FOSTER)
@post_action(HOME_PAGE)
def renewal_training(request: HttpRequest, pk: int) -> HttpResponse:
    def action(home, form):
        return services.training_record(
            actor=request.user,
            applicant=home.applicant,
            course=Course.RENEWAL,
            attended_on=form.cleaned_data["attended_on"],
        )

    return _home_act(
        request, pk, RenewalTrainingForm, "training_form", action, "更新研修の受講を記録しました。"
    )


@require_roles(FOSTER)
@post_action(HOME_PAGE)
def home_renew(request: HttpRequest, pk: int) -> HttpResponse:
    def action(home, form):
        return services.home_renew(actor=request.user, home=home, **form.cleaned_data)

    return _home_act(request, pk, RenewForm, "renew_form", action, "登録を更新しました。")


@require_roles(FOSTER)
@post_action(HOME_PAGE)
def home_visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(home, form):
        return services.home_visit_add(actor=request.user, home=home, **form.cleaned_data)

    return _home_act(request, pk, HomeVisitForm, "visit_form", action, "訪問を記録しました。")


# --- placements ---------------------------------------------------------------------------


@require_roles(*CASE_ROLES)
@post_action("casework:case_detail")
def placement_propose(request: HttpRequest, pk: int) -> HttpResponse:
    """A placement proposed on the case file (pk is the case's)."""
    case = fetch_or_404(Case.objects.select_related("child"), request.user, pk)
    form = ProposeForm(request.POST, prefix="placement")
    done, _result = perform(
        request,
        form,
        lambda: services.placement_propose(
            actor=request.user, case=case, views=form.views_input(), **form.decision_data()
        ),
        "里親委託を提案しました。里親担当の確認を待っています。",
    )
    if done:
        return redirect("casework:case_detail", pk=case.pk)
    return _case_page_with(request, case, propose_form=form)


def _case_page_with(request: HttpRequest, case: Case, **forms_) -> HttpResponse:
    case = case_for(request, case.pk)
    context = case_context(request, case, **forms_)
    context["failed_form"] = next(iter(forms_.values()))
    return render(request, "casework/case_detail.html", context, status=400)


def _placement_for(request: HttpRequest, pk: int) -> Placement:
    queryset = Placement.objects.select_related("case", "child", "home")
    return fetch_or_404(queryset, request.user, pk)


def _placement_page(request: HttpRequest, pk: int) -> str:
    placement = _placement_for(request, pk)
    if request.user.has_role(FOSTER):
        return reverse(HOME_PAGE, args=[placement.home_id])
    return reverse("casework:case_detail", args=[placement.case_id])


@require_roles(FOSTER)
@post_action(_placement_page)
def placement_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    placement = _placement_for(request, pk)
    require(placement, "confirm")
    form = ConfirmForm(request.POST, prefix=f"confirm-{placement.pk}")
    done, _result = perform(
        request,
        form,
        lambda: services.placement_confirm(
            actor=request.user, placement=placement, **form.cleaned_data
        ),
        "委託を確定しました。",
    )
    if done:
        return redirect(HOME_PAGE, pk=placement.home_id)
    return _home_page_with(request, placement.home_id, "", form)


@require_roles(FOSTER)
@post_action(_placement_page)
def placement_end(request: HttpRequest, pk: int) -> HttpResponse:
    placement = _placement_for(request, pk)
    require(placement, "end")
    form = EndForm(request.POST, prefix=f"end-{placement.pk}")
    done, _result = perform(
        request,
        form,
        lambda: services.placement_end(
            actor=request.user,
            placement=placement,
            views=form.views_input(),
            **form.decision_data(),
        ),
        "委託の終了を記録しました。",
    )
    if done:
        return redirect(HOME_PAGE, pk=placement.home_id)
    return _home_page_with(request, placement.home_id, "", form)


@require_roles(FOSTER, *CASE_ROLES)
@post_action(_placement_page)
def placement_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    placement = _placement_for(request, pk)
    require(placement, "withdraw")
    form = WithdrawForm(request.POST, prefix=f"withdraw-{placement.pk}")
    done, _result = perform(
        request,
        form,
        lambda: services.placement_withdraw(
            actor=request.user, placement=placement, reason=form.cleaned_data["reason"]
        ),
        "委託の提案を取り下げました（記録は残ります）。",
    )
    if request.user.has_role(FOSTER):
        if done:
            return redirect(HOME_PAGE, pk=placement.home_id)
        return _home_page_with(request, placement.home_id, "", form)
    if done:
        return redirect("casework:case_detail", pk=placement.case_id)
    return _case_page_with(request, placement.case, withdraw_form=form)
