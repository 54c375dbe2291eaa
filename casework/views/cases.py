"""The case list and the case file, with the actions the user may take on it."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from casework import services
from casework.access import (
    CASE_READERS,
    CASE_ROLES,
    fetch_or_404,
    get_or_404,
    log_access,
    require,
    require_roles,
)
from casework.actions import perform, post_action
from casework.choices import CaseStatus, Role
from casework.forms import (
    AddWorkerForm,
    CaseFilterForm,
    ClosureForm,
    DecisionForm,
    NoteForm,
    PlanForm,
    SchoolLiaisonForm,
    ShareForm,
    StatusForm,
    TransferForm,
    ViewsAfterwardsForm,
    ViewsFeedbackForm,
    hearer_options,
)
from casework.models import Case, ViewsHearing
from casework.registry import case_panels
from casework.selectors import case_list as select_cases
from casework.selectors import filter_workers, home_deadlines, name_search_for
from casework.timeline import build_timeline

PAGE_SIZE = 50
# Several forms share a page: distinct element ids keep every <label for> pointing at its field.
AUTO_IDS = {
    "note_form": "note_%s",
    "status_form": "status_%s",
    "plan_form": "planreq_%s",
    "closure_form": "closurereq_%s",
    "transfer_form": "transfer_%s",
    "worker_form": "worker_%s",
    "school_form": "school_%s",
    "share_form": "share_%s",
}
CASE_PAGE = "casework:case_detail"


# A search by a child's name is sent by POST: the list's URL (and so every server and proxy
# log) carries only `name=1`, and the session keeps the keyed hashes of the name's parts and the
# birth date, never the name itself.
SESSION_KEY = "case_name_search"


@require_http_methods(["GET", "HEAD", "POST"])
@require_roles(*CASE_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    workers = filter_workers(request.user)
    if request.method == "POST":
        form = CaseFilterForm(request.POST, workers=workers)
        if form.is_valid():
            data = form.cleaned_data
            query = {k: v for k, v in request.POST.items() if v and k in FILTER_IN_URL}
            if data.get("kana") or data.get("birth_date"):
                request.session[SESSION_KEY] = {
                    "search": name_search_for(data["kana"]) if data.get("kana") else None,
                    "birth_date": data["birth_date"].isoformat() if data.get("birth_date") else "",
                }
                query["name"] = "1"
            else:
                request.session.pop(SESSION_KEY, None)
            return redirect(f"{reverse('casework:case_list')}?{urlencode(query)}")
        return _render_list(request, form, {}, Case.objects.none(), status=400)
    params = request.GET.copy()
    for key in ("kana", "birth_date"):  # a name travels only by POST (never in a URL)
        params.pop(key, None)
    form = CaseFilterForm(params or None, workers=workers)
    data = dict(form.cleaned_data) if form.is_bound and form.is_valid() else {}
    searching = request.GET.get("name") == "1" and SESSION_KEY in request.session
    if searching:
        kept = request.session[SESSION_KEY]
        data["name_search"] = kept.get("search")
        if kept.get("birth_date"):
            data["birth_date"] = date.fromisoformat(kept["birth_date"])
    if form.is_bound and not form.is_valid():
        queryset = Case.objects.none()
    else:
        queryset = select_cases(request.user, data)
    return _render_list(request, form, {"searching_by_name": searching}, queryset)


# The filters a list's URL may carry (the name and birth date never do).
FILTER_IN_URL = ("status", "category", "worker", "district", "number", "quiet")


def _render_list(request, form, extra: dict, queryset, status: int = 200) -> HttpResponse:
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), **extra}
    if not request.user.has_role(Role.SUPERVISOR):  # a supervisor's home is the dashboard
        context.update(home_deadlines(request.user))
        context["show_deadlines"] = True
    return render(request, "casework/case_list.html", context, status=status)


def case_for(request: HttpRequest, pk: int) -> Case:
    queryset = Case.objects.select_related(
        "child",
        "team",
        "lead",
        "plan_requested_by",
        "plan_approved_by",
        "closure_requested_by",
        "closure_approved_by",
    )
    return fetch_or_404(queryset, request.user, pk)


def case_context(request: HttpRequest, case: Case, **forms) -> dict:
    """Everything the case file shows. `forms` replace the page's blank forms (a failed one
    keeps its errors); panels of other apps find theirs in `request.panel_forms`."""
    user = request.user
    request.panel_forms = forms
    can_change = case.may("change") and not case.is_closed
    is_sup = case.may("supervise") and not case.is_closed
    moves = sorted(services.MANUAL_MOVES.get(case.status, set()))
    workers = list(case.workers.filter(active=True).select_related("user").order_by("-is_lead"))
    ctx = {
        "case": case,
        "child": case.child,
        "workers": workers,
        "shares": list(case.shares.filter(active=True).select_related("user"))
        if case.may("supervise")
        else [],
        "timeline": build_timeline(case),
        "can_change": can_change,
        "is_supervisor": is_sup,
        "moves": [(m, CaseStatus(m).label) for m in moves] if can_change else [],
        "show_plan_form": can_change
        and case.status in services.PLAN_STATUSES
        and case.plan_state != services.PENDING,
        "show_plan_decision": is_sup
        and case.plan_state == services.PENDING
        and not case.is_own_request(user, "plan"),
        "show_closure_form": can_change and case.closure_state != services.PENDING,
        "show_closure_decision": is_sup
        and case.closure_state == services.PENDING
        and not case.is_own_request(user, "closure"),
        "note_form": NoteForm(auto_id=AUTO_IDS["note_form"]),
        "status_form": StatusForm(
            initial={"expected": case.status, "to": moves[0] if moves else ""},
            auto_id=AUTO_IDS["status_form"],
            step_reason=services.STEP_REASON.get(moves[0], "") if moves else "",
        ),
        "plan_form": PlanForm(auto_id=AUTO_IDS["plan_form"]),
        "plan_decision_form": DecisionForm(prefix="plan"),
        "closure_form": ClosureForm(auto_id=AUTO_IDS["closure_form"]),
        "closure_decision_form": DecisionForm(prefix="closure"),
        "transfer_form": TransferForm(
            initial={"team": case.team_id, "expected_lead": case.lead_id},
            auto_id=AUTO_IDS["transfer_form"],
        )
        if is_sup
        else None,
        "worker_form": AddWorkerForm(case=case, auto_id=AUTO_IDS["worker_form"])
        if is_sup
        else None,
        "share_form": ShareForm(case=case, auto_id=AUTO_IDS["share_form"])
        if case.may("supervise")
        else None,
        "school_form": SchoolLiaisonForm(auto_id=AUTO_IDS["school_form"]),
        "panels": [panel for panel in (p(request, case) for p in case_panels()) if panel],
    }
    ctx["hearings"] = case_hearings(request, case, forms.pop("views_failed_form", None))
    ctx.update(forms)
    return ctx


# --- the child's views (意見聴取, DOMAIN §11) on the case file ------------------------


def afterwards_prefix(hearing: ViewsHearing) -> str:
    return f"views-after-{hearing.pk}"


def feedback_prefix(hearing: ViewsHearing) -> str:
    return f"views-feedback-{hearing.pk}"


def case_hearings(request: HttpRequest, case: Case, failed=None) -> list[ViewsHearing]:
    """The case's hearings, newest decision first, each with the forms the user may use on
    it (`failed`: a refused form, shown again with its errors). One query, plus the staff list
    of each outstanding hearing's form."""
    rows = list(
        ViewsHearing.objects.with_allowed(request.user)
        .filter(case=case)
        .select_related("heard_by", "decided_by")
        .order_by("-decided_on", "-pk")
    )

    def form(form_class, prefix: str, **kw):
        if failed is not None and failed.prefix == prefix:
            return failed
        return form_class(prefix=prefix, **kw)

    options = None
    if any(h.is_outstanding and h.may("record") for h in rows):
        options = hearer_options()  # one staff list for every outstanding hearing's form
    for hearing in rows:
        hearing.afterwards_form = hearing.feedback_form = None
        if not hearing.may("record"):
            continue
        if hearing.is_outstanding:
            hearing.afterwards_form = form(
                ViewsAfterwardsForm, afterwards_prefix(hearing), user=request.user, hearers=options
            )
        hearing.feedback_form = form(ViewsFeedbackForm, feedback_prefix(hearing))
    return rows


@require_safe
@require_roles(*CASE_READERS)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk)
    log_access(request, case)
    return render(request, "casework/case_detail.html", case_context(request, case))


def _act(request, pk, form_class, form_key, action, success, next_url=None, *, need, **form_kwargs):
    """Check the user may take this kind of action (`need`: change or supervise; 403 before
    any validation), validate the form, run the service; on bad input re-render the case file,
    saving nothing. `success` is a message or a function of the service's result (never a
    personal value)."""
    case = case_for(request, pk)
    require(case, need)
    if form_key in AUTO_IDS:
        form_kwargs.setdefault("auto_id", AUTO_IDS[form_key])
    form = form_class(request.POST, **form_kwargs)
    done, _result = perform(request, form, lambda: action(case, form), success)
    if done:
        if next_url is not None:
            return redirect(next_url(case))
        return redirect(CASE_PAGE, pk=case.pk)
    case = case_for(request, pk)
    context = case_context(request, case, **{form_key: form})
    context["open_form"] = form_key
    context["failed_form"] = form  # its errors are summarised at the top of the page
    return render(request, "casework/case_detail.html", context, status=400)


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case, form):
        return services.note_add(actor=request.user, case=case, **form.cleaned_data)

    return _act(request, pk, NoteForm, "note_form", action, "記録を追加しました。", need="change")


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def status_move(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case, form):
        return services.case_move_status(actor=request.user, case=case, **form.cleaned_data)

    return _act(
        request,
        pk,
        StatusForm,
        "status_form",
        action,
        lambda case: f"状態を「{case.get_status_display()}」に変更しました。",
        need="change",
    )


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def plan_propose(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case, form):
        return services.case_propose_plan(actor=request.user, case=case, **form.cleaned_data)

    return _act(
        request, pk, PlanForm, "plan_form", action, "援助方針の承認を申請しました。", need="change"
    )


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def plan_decide(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case, form):
        return services.case_decide_plan(
            actor=request.user,
            case=case,
            approve=form.approve,
            comment=form.cleaned_data["comment"],
        )

    return _act(
        request,
        pk,
        DecisionForm,
        "plan_decision_form",
        action,
        lambda case: (
            "援助方針を承認しました。"
            if case.plan_state == services.APPROVED
            else "援助方針を差し戻しました。"
        ),
        prefix="plan",
        need="supervise",
    )


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def closure_request(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case, form):
        return services.case_request_closure(actor=request.user, case=case, **form.cleaned_data)

    return _act(
        request,
        pk,
        ClosureForm,
        "closure_form",
        action,
        "終結の承認を申請しました。",
        need="change",
    )


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def closure_decide(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case, form):
        return services.case_decide_closure(
            actor=request.user,
            case=case,
            approve=form.approve,
            closed_on=form.cleaned_data["closed_on"],
            comment=form.cleaned_data["comment"],
        )

    return _act(
        request,
        pk,
        DecisionForm,
        "closure_decision_form",
        action,
        lambda case: (
            "終結を承認しました（ケースは終結です）。"
            if case.is_closed
            else "終結申請を差し戻しました。"
        ),
        prefix="closure",
        need="supervise",
    )


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case, form):
        return services.case_transfer(actor=request.user, case=case, **form.cleaned_data)

    def next_url(case):
        # After a transfer to another team the supervisor may no longer see the case.
        if Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
            return reverse(CASE_PAGE, args=[case.pk])
        return reverse("casework:case_list")

    return _act(
        request,
        pk,
        TransferForm,
        "transfer_form",
        action,
        "ケースを移管しました。",
        next_url=next_url,
        need="supervise",
    )


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def worker_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk)

    def action(case, form):
        return services.case_add_worker(actor=request.user, case=case, **form.cleaned_data)

    return _act(
        request,
        pk,
        AddWorkerForm,
        "worker_form",
        action,
        "担当者を追加しました。",
        case=case,
        need="supervise",
    )


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def share_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for(request, pk)

    def action(case, form):
        return services.case_share(actor=request.user, case=case, **form.cleaned_data)

    return _act(
        request,
        pk,
        ShareForm,
        "share_form",
        action,
        "閲覧のみの共有を記録しました。",
        case=case,
        need="supervise",
    )


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def share_end(request: HttpRequest, pk: int, share_pk: int) -> HttpResponse:
    from django.contrib import messages

    case = case_for(request, pk)
    require(case, "supervise")
    share = get_or_404(case.shares.filter(active=True), share_pk)
    try:
        services.case_unshare(actor=request.user, share=share)
    except services.CaseRuleError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "共有を終了しました。")
    return redirect(CASE_PAGE, pk=case.pk)


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def school_add(request: HttpRequest, pk: int) -> HttpResponse:
    def action(case, form):
        return services.school_liaison_add(actor=request.user, case=case, **form.cleaned_data)

    return _act(
        request,
        pk,
        SchoolLiaisonForm,
        "school_form",
        action,
        "学校との連携を記録しました。",
        need="change",
    )
