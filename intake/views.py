"""The intake queue, the new-consultation form (with the duplicate check) and the detail page
with its actions: accept (受理), close without a case, reveal the reporter, safety confirmation."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from casework.access import (
    client_ip,
    fetch_or_404,
    get_or_404,
    log_access,
    require,
    require_roles,
)
from casework.actions import perform, post_action
from casework.choices import AccessAction, Role
from casework.models import AccessLog, Case, Child
from casework.writes import CaseRuleError
from intake import documents, ladder, selectors, services
from intake.choices import StepKind
from intake.forms import (
    AcceptForm,
    ConsultationForm,
    DeclineForm,
    LegalStepForm,
    NewChildForm,
    QueueFilterForm,
    SafetyForm,
    StepOutcomeForm,
)
from intake.models import DETAIL_ROLES, INTAKE_ROLES, Consultation, LegalStep
from intake.services import IntakeRuleError

PAGE_SIZE = 50
CHILD_FIELDS = {"birth_date"}  # rule errors that belong next to the child's fields


@require_safe
@require_roles(*INTAKE_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    team_ids = selectors.queue_teams(request.user)
    form = QueueFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        rest = Consultation.objects.none()
    else:
        data = form.cleaned_data if form.is_bound else {"status": "open"}
        rest = selectors.queue_rest(team_ids, data)
    clocks = selectors.queue_clocks(team_ids)
    shown = list(clocks[: selectors.CLOCKS_SHOWN])
    total = clocks.count()  # always: the same queries whatever the number of clocks
    page = Paginator(rest, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "intake/queue.html",
        {
            "form": form,
            "clocks": shown,
            "clock_total": total,
            "page": page,
            "query": query.urlencode(),
        },
    )


# --- new consultation -----------------------------------------------------------------------


def _apply_errors(error: IntakeRuleError, form: forms.Form, child_form: forms.Form | None):
    """Put each rule message next to its field (the child's fields when a child is entered)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.message_dict.items():
        if name in CHILD_FIELDS and child_form is not None:
            child_form.add_error(name, errors)
        elif name in form.fields:
            form.add_error(name, errors)
        else:
            form.add_error(None, errors)


def _render_new(request, form, child_form, *, known=None, candidates=None, status=200):
    return render(
        request,
        "intake/new.html",
        {
            "form": form,
            "child_form": child_form,
            "known": known,
            "candidates": candidates or [],
        },
        status=status,
    )


@require_roles(*INTAKE_ROLES)
def new(request: HttpRequest) -> HttpResponse:
    """Step 1: consultation + child. If the child may already be on record, step 2 shows the
    candidates and the worker links one or confirms a new child; nothing is merged."""
    user = request.user
    if request.method != "POST":
        known = None
        if request.GET.get("child"):
            known = fetch_or_404(Child.objects.all(), user, request.GET["child"])
        return _render_new(
            request, ConsultationForm(user=user), NewChildForm(prefix="child"), known=known
        )

    form = ConsultationForm(request.POST, user=user)
    choice = request.POST.get("child", "")
    known, child_form = None, None
    if choice.startswith("known:"):
        known = fetch_or_404(Child.objects.all(), user, choice.removeprefix("known:"))
    else:
        child_form = NewChildForm(request.POST, prefix="child")
    valid = [form.is_valid(), child_form is None or child_form.is_valid()]
    # The rules run even when a field is missing, so that every error shows at once; a field
    # that already has an error gets no second one.
    data = form.to_data()
    birth = known.birth_date if known else child_form.cleaned_data.get("birth_date")
    errors = {
        name: messages_
        for name, messages_ in services.check_rules(data, birth).items()
        if name not in form.errors and (child_form is None or name not in child_form.errors)
    }
    if errors:
        _apply_errors(IntakeRuleError(errors), form, child_form)
    if errors or not all(valid):
        return _render_new(request, form, child_form, known=known, status=400)

    if child_form is not None:
        typed = child_form.cleaned_data
        try:
            candidates = selectors.duplicate_candidates(
                request, typed["family_name_kana"], typed["given_name_kana"], typed["birth_date"]
            )
        except selectors.ProbingRefused as refused:
            form.add_error(None, str(refused))
            return _render_new(request, form, child_form, status=429)
        if choice.startswith("link:"):
            wanted = choice.removeprefix("link:")
            match = next((c for c in candidates if str(c.child.pk) == wanted), None)
            known = match.child if match else None
            if match is not None and not match.in_scope:
                known.identity_hidden = True  # registered elsewhere: shown by district only
            if known is None:
                form.add_error(None, "選んだ児童が見つかりません。もう一度選んでください。")
                return _render_new(request, form, child_form, candidates=candidates, status=400)
        elif choice != "new" and candidates:
            return _render_new(request, form, child_form, candidates=candidates)

    try:
        consultation = services.consultation_create(
            actor=user,
            data=data,
            child=known,
            new_child=None if known else child_form.save(commit=False),
        )
    except IntakeRuleError as error:
        _apply_errors(error, form, None if known else child_form)
        return _render_new(request, form, child_form, known=known, status=400)
    messages.success(request, f"{consultation.number} として受け付けました。")
    return redirect("intake:detail", pk=consultation.pk)


# --- detail and actions ---------------------------------------------------------------------


def _consultation_for(request: HttpRequest, pk: int) -> Consultation:
    queryset = Consultation.objects.select_related(
        "route", "team", "received_by", "decided_by", "case", "case__team", "case__lead"
    )
    return fetch_or_404(queryset, request.user, pk)


def _detail_context(request: HttpRequest, consultation: Consultation, **forms) -> dict:
    user = request.user
    decide = consultation.may("decide") and consultation.is_open
    confirm = consultation.may("confirm")
    # The child as this user may see them: the full record, or the identity only.
    child = Child.objects.with_allowed(user).get(pk=consultation.child_id)
    case_visible = (
        consultation.case_id is not None
        and user.has_role(Role.CASEWORKER, Role.SUPERVISOR)
        and Case.objects.visible_to(user).filter(pk=consultation.case_id).exists()
    )
    confirmations = list(
        consultation.safety_confirmations.select_related("recorded_by").order_by("seen_at")
    )
    steps = list(consultation.legal_steps.select_related("worker").order_by("scheduled_at", "pk"))
    record = ladder.Record.of(
        [c.outcome for c in confirmations], [(s.kind, s.outcome) for s in steps]
    )
    context = {
        "consultation": consultation,
        "child": child,
        "child_full": child.may("full"),
        "child_visible": Child.objects.visible_to(user).filter(pk=child.pk).exists(),
        "case_visible": case_visible,
        "confirmations": confirmations,
        "steps": steps,
        "proposed": [StepKind(k) for k in ladder.proposed(record)] if confirm else [],
        "ladder_ended": record.sighted,
        "may_reveal": consultation.may("reveal"),
        "reveal": False,
        "can_decide": decide,
        "can_confirm": confirm,
        "accept_form": AcceptForm(user=user, initial_team=consultation.team_id) if decide else None,
        "decline_form": DeclineForm() if decide else None,
        "safety_form": SafetyForm() if confirm else None,
    }
    context.update(forms)
    return context


@require_safe
@require_roles(*DETAIL_ROLES)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _consultation_for(request, pk)
    log_access(request, consultation)
    return render(request, "intake/detail.html", _detail_context(request, consultation))


@require_roles(*DETAIL_ROLES)
@post_action("intake:detail")
def reveal_reporter(request: HttpRequest, pk: int) -> HttpResponse:
    """A deliberate click shows who reported; the reveal is written to the access log."""
    consultation = _consultation_for(request, pk)
    require(consultation, "reveal")
    log_access(request, consultation, action=AccessAction.REVEAL)
    context = _detail_context(request, consultation)
    context["reveal"] = True
    return render(request, "intake/detail.html", context)


def _act(request, pk, form_class, form_key, action, success, next_url=None, *, need, **form_kwargs):
    """Check the user may act (`need`; 403 before any validation), validate the form, run the
    service; on bad input re-render the page, saving nothing."""
    consultation = _consultation_for(request, pk)
    require(consultation, need)
    form = form_class(request.POST, **form_kwargs)
    done, result = perform(request, form, lambda: action(consultation, form), success)
    if done:
        if next_url is not None:
            return redirect(next_url(result))
        return redirect("intake:detail", pk=consultation.pk)
    consultation = _consultation_for(request, pk)
    context = _detail_context(request, consultation, **{form_key: form})
    context["open_form"] = form_key
    context["failed_form"] = form
    return render(request, "intake/detail.html", context, status=400)


@require_roles(Role.SUPERVISOR)
@post_action("intake:detail")
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    def action(consultation, form):
        return services.consultation_accept(
            actor=request.user, consultation=consultation, **form.cleaned_data
        )

    return _act(
        request,
        pk,
        AcceptForm,
        "accept_form",
        action,
        "受理し、ケースを開きました。",
        next_url=lambda case: reverse("casework:case_detail", args=[case.pk]),
        user=request.user,
        need="decide",
    )


@require_roles(Role.SUPERVISOR)
@post_action("intake:detail")
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    def action(consultation, form):
        return services.consultation_decline(
            actor=request.user, consultation=consultation, **form.cleaned_data
        )

    return _act(
        request,
        pk,
        DeclineForm,
        "decline_form",
        action,
        "ケース化せずに終了しました。",
        need="decide",
    )


@require_roles(Role.SUPERVISOR, Role.CASEWORKER)
@post_action("intake:detail")
def safety_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(consultation, form):
        data = dict(form.cleaned_data)
        data["outcome"] = data.pop("attempt_outcome")
        try:
            return services.safety_confirm(actor=request.user, consultation=consultation, **data)
        except IntakeRuleError as error:
            if not hasattr(error, "error_dict"):
                raise
            renamed = {
                ("attempt_outcome" if name == "outcome" else name): found
                for name, found in error.message_dict.items()
            }
            raise IntakeRuleError(renamed) from error

    return _act(
        request,
        pk,
        SafetyForm,
        "safety_form",
        action,
        lambda found: (
            "安全確認を記録しました。"
            if found.seen_directly
            else "接触の試みを記録しました。直接目視の確認まで48時間の期限は続きます。"
        ),
        need="confirm",
    )


# --- notices to the branch offices (総合支所) -------------------------------------------------


@require_safe
@require_roles(*INTAKE_ROLES)
def notices(request: HttpRequest) -> HttpResponse:
    """Changes of address or name of 愛の手帳 holders, to be notified to the branch office of
    the child's district (DOMAIN §6, §8): the intake desk sends them and marks them sent."""
    from casework.models import BranchNotice

    show_sent = request.GET.get("sent") == "1"
    rows = BranchNotice.objects.select_related("child", "created_by", "sent_by").order_by(
        "-created_at", "-pk"
    )
    rows = rows.filter(sent_at__isnull=not show_sent)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=request.user,
                record_type=Child._meta.label,
                record_id=str(notice.child_id),
                ip_address=client_ip(request),
                path=request.get_full_path()[:500],
            )
            for notice in page
        ]
    )
    return render(
        request,
        "intake/notices.html",
        {"page": page, "show_sent": show_sent, "query": "sent=1" if show_sent else ""},
    )


@require_roles(*INTAKE_ROLES)
@post_action(lambda request, pk: reverse("intake:notices"))
def notice_sent(request: HttpRequest, pk: int) -> HttpResponse:
    from casework.handbooks import branch_notice_sent
    from casework.models import BranchNotice

    notice = get_or_404(BranchNotice.objects.all(), pk)
    try:
        branch_notice_sent(actor=request.user, notice=notice)
    except CaseRuleError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "送付済みにしました。")
    return redirect("intake:notices")


# --- the ladder when the child cannot be seen (issue 14 item 3) ------------------------------

STEP_ROLES = (Role.SUPERVISOR, Role.CASEWORKER)  # as for safety confirmations


def _step_initial(request: HttpRequest, consultation: Consultation, kind: str) -> dict:
    """The form pre-filled from the record: the child's guardian, the place the kind of step
    happens at, the case's lead (or the user) and today."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from casework.models import HouseholdMember

    user = request.user
    child = Child.objects.with_allowed(user).get(pk=consultation.child_id)
    addressee, address = "", ""
    if child.may("full"):
        guardian = (
            HouseholdMember.objects.filter(child_id=child.pk, is_guardian=True, active=True)
            .order_by("pk")
            .first()
        )
        addressee = guardian.name if guardian else ""
        address = f"港区{child.get_town_display()}{child.address}"
    place = {
        StepKind.APPEARANCE: documents.centre_name(),
        StepKind.REAPPEARANCE: documents.centre_name(),
        StepKind.ENTRY: address,
        StepKind.SEARCH: address,
        StepKind.PERMIT_REQUEST: "東京家庭裁判所",
        StepKind.POLICE: "所轄警察署長",
    }.get(kind, "")
    tomorrow = timezone.localdate() + timedelta(days=1)
    at = timezone.make_aware(datetime.combine(tomorrow, time(10, 0)))
    worker = consultation.case.lead_id if consultation.case_id else user.pk
    return {
        "decided_on": timezone.localdate(),
        "scheduled_at": timezone.localtime(at).strftime("%Y-%m-%dT%H:%M"),
        "place": place,
        "addressee": addressee,
        "worker": worker,
    }


def _step_kind(kind: str) -> StepKind:
    if kind not in StepKind.values:
        raise Http404
    return StepKind(kind)


def _step_team(consultation: Consultation):
    return consultation.case.team if consultation.case_id else consultation.team


@require_roles(*STEP_ROLES)
def step_new(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The form of a legal step, pre-filled from the record; a step the ladder does not allow
    now is explained (and refused if posted)."""
    consultation = _consultation_for(request, pk)
    require(consultation, "confirm")
    kind = _step_kind(kind)
    team = _step_team(consultation)
    refusal = ladder.refusal(kind, services.ladder_record(consultation))
    status = 200
    if request.method == "POST":
        form = LegalStepForm(request.POST, team=team)

        def action():
            return services.legal_step_record(
                actor=request.user, consultation=consultation, kind=kind, **form.cleaned_data
            )

        done, step = perform(request, form, action, f"{kind.label}を記録しました。")
        if done:
            return redirect("intake:step_detail", pk=step.pk)
        status = 400
    else:
        form = LegalStepForm(team=team, initial=_step_initial(request, consultation, kind))
    document = documents.document_for(kind)
    return render(
        request,
        "intake/step_new.html",
        {
            "consultation": consultation,
            "kind": kind,
            "form": form,
            "refusal": refusal,
            "document": document,
        },
        status=status,
    )


def _step_for(request: HttpRequest, pk: int) -> tuple[LegalStep, Consultation]:
    """The step, if the user may see its consultation (else 404)."""
    step = get_or_404(LegalStep.objects.select_related("worker", "recorded_by"), pk)
    consultation = _consultation_for(request, step.consultation_id)
    step.consultation = consultation
    return step, consultation


def _render_step(request, step, consultation, form=None, status=200):
    may = consultation.may("confirm") and request.user.has_role(*STEP_ROLES)
    if form is None and may and step.pending:
        form = StepOutcomeForm(kind=step.kind)
    return render(
        request,
        "intake/step_detail.html",
        {
            "step": step,
            "consultation": consultation,
            "document": documents.document_for(step.kind),
            "outcome_form": form if step.pending and may else None,
        },
        status=status,
    )


@require_safe
@require_roles(*DETAIL_ROLES)
def step_detail(request: HttpRequest, pk: int) -> HttpResponse:
    step, consultation = _step_for(request, pk)
    log_access(request, step)
    return _render_step(request, step, consultation)


@require_roles(*STEP_ROLES)
@post_action("intake:step_detail")
def step_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    step, consultation = _step_for(request, pk)
    require(consultation, "confirm")
    form = StepOutcomeForm(request.POST, kind=step.kind)

    def action():
        return services.legal_step_outcome(actor=request.user, step=step, **form.cleaned_data)

    done, _result = perform(request, form, action, "結果を記録しました。")
    if done:
        return redirect("intake:step_detail", pk=step.pk)
    step, consultation = _step_for(request, pk)
    return _render_step(request, step, consultation, form=form, status=400)


@require_safe
@require_roles(*DETAIL_ROLES)
def step_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The step's document on A4 (出頭要求告知書, 臨検・捜索許可状請求書…), drawn from the record;
    printing it is a view of the record and is logged."""
    step, consultation = _step_for(request, pk)
    log_access(request, step)
    child = Child.objects.with_allowed(request.user).get(pk=consultation.child_id)
    return render(
        request,
        "intake/step_print.html",
        {
            "step": step,
            "consultation": consultation,
            "child": child,
            "child_full": child.may("full"),
            "document": documents.document_for(step.kind),
            "body": documents.body_text(step.kind),
            "centre": documents.centre_name(),
        },
    )
