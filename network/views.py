"""The register's pages (/network/): the register, an entry, its end, the 実務者会議 sessions with
their agendas and the reviews recorded at them, and the handout printed for a member agency.

Lists are for the centre's workers and supervisors (403 for other roles); an entry or a session
outside the user's teams answers 404 whoever asks. Every detail view is access-logged. Bad input
re-renders the page with the message next to the field, saves nothing and answers 400.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from casework.access import fetch_or_404, get_or_404, log_access, require, require_roles
from casework.actions import perform, post_action
from casework.choices import AccessAction, Role
from casework.forms import Form
from casework.models import Case, Child
from network import services
from network.forms import (
    EndForm,
    EntryEditForm,
    EntryForm,
    HandoutForm,
    RegisterFilterForm,
    ReviewForm,
    SessionForm,
    active_agencies,
)
from network.models import AgendaItem, Entry, Review, Session
from network.selectors import handout_rows

READERS = (Role.NETWORK, Role.SUPERVISOR)
PER_PAGE = 50
ENTRY_PAGE = "network:entry_detail"
SESSION_PAGE = "network:session_detail"


# --- the register ------------------------------------------------------------------------------


@require_safe
@require_roles(*READERS)
def register(request: HttpRequest) -> HttpResponse:
    query = request.GET.copy()
    if "state" not in query:  # the register opens on the open entries, page after page
        query["state"] = "open"
    filters = RegisterFilterForm(query)
    data = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localdate()
    rows = Entry.objects.visible_to(request.user).for_list()
    if data.get("kind"):
        rows = rows.filter(kind=data["kind"])
    if data.get("state"):
        rows = rows.filter(state=data["state"])
    if data.get("due"):
        rows = rows.due_by(today)
    page = Paginator(rows.order_by("state", "next_review_on", "pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "today": today,
        "can_add": request.user.has_role(Role.NETWORK),
    }
    return render(request, "network/register.html", context)


@require_roles(Role.NETWORK)
def entry_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "network/entry_new.html", {"form": EntryForm(actor=request.user)})
    form = EntryForm(request.POST, actor=request.user)

    def create() -> Entry:
        d = form.cleaned_data
        child = form.new_child()
        return services.entry_create(
            actor=request.user,
            data=services.EntryData(
                kind=d["kind"],
                lead_agency=d["lead_agency"],
                agencies=list(d["agencies"]),
                reason=d["reason"],
                registered_on=d["registered_on"],
                next_review_on=d["next_review_on"],
                worker=d["worker"],
                team=d["team"],
                case=d["case_number"],
                mother_name=d["mother_name"],
                mother_name_kana=d["mother_name_kana"],
                expected_month=d["expected_month"],
            ),
            new_child=services.NewChild(**child) if child else None,
        )

    done, entry = perform(request, form, create, "要対協に登録しました。")
    if done:
        return redirect(ENTRY_PAGE, pk=entry.pk)
    return render(request, "network/entry_new.html", {"form": form}, status=400)


# --- an entry ----------------------------------------------------------------------------------


def _entry_for(request: HttpRequest, pk: int) -> Entry:
    queryset = Entry.objects.select_related("child", "case", "lead_agency", "worker", "team")
    return fetch_or_404(queryset, request.user, pk)


def _entry_context(request: HttpRequest, entry: Entry, **overrides) -> dict:
    user = request.user
    child = (
        Child.objects.visible_to(user).filter(pk=entry.child_id).exists()
        if entry.child_id
        else False
    )
    case = (
        Case.objects.visible_to(user).filter(pk=entry.case_id).exists() if entry.case_id else False
    )
    changeable = entry.may("change") and entry.is_open
    context = {
        "entry": entry,
        "agencies": [
            i.agency for i in entry.involvements.filter(active=True).select_related("agency")
        ],
        "reviews": list(entry.reviews.select_related("session", "lead_agency", "recorded_by")),
        "disclosures": list(
            entry.disclosures.select_related("session", "agency", "printed_by")[:50]
        ),
        "child_link": child,
        "case_link": case,
        "end_form": EndForm() if changeable else None,
        "can_edit": changeable,
        "today": timezone.localdate(),
    }
    context.update(overrides)
    return context


@require_safe
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_for(request, pk)
    log_access(request, entry)
    return render(request, "network/entry_detail.html", _entry_context(request, entry))


def _edit_initial(entry: Entry) -> dict:
    return {
        "lead_agency": entry.lead_agency_id,
        "agencies": list(
            entry.involvements.filter(active=True).values_list("agency_id", flat=True)
        ),
        "reason": entry.reason,
        "worker": entry.worker_id,
        "next_review_on": entry.next_review_on,
        "case_number": entry.case.number if entry.case_id else "",
    }


def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_for(request, pk)
    require(entry, "change")
    if request.method != "POST":
        form = EntryEditForm(initial=_edit_initial(entry), actor=request.user)
        log_access(request, entry)
        return render(request, "network/entry_edit.html", {"entry": entry, "form": form})
    form = EntryEditForm(request.POST, actor=request.user)
    done, _result = perform(
        request,
        form,
        lambda: services.entry_update(
            actor=request.user,
            entry=entry,
            lead_agency=form.cleaned_data["lead_agency"],
            agencies=list(form.cleaned_data["agencies"]),
            reason=form.cleaned_data["reason"],
            next_review_on=form.cleaned_data["next_review_on"],
            worker=form.cleaned_data["worker"],
            case=form.cleaned_data["case_number"],
        ),
        "登録内容を変更しました。",
    )
    if done:
        return redirect(ENTRY_PAGE, pk=entry.pk)
    context = {"entry": entry, "form": form}
    return render(request, "network/entry_edit.html", context, status=400)


@post_action(ENTRY_PAGE)
def entry_end(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_for(request, pk)
    require(entry, "change")
    form = EndForm(request.POST)
    done, _result = perform(
        request,
        form,
        lambda: services.entry_end(
            actor=request.user,
            entry=entry,
            end_kind=form.cleaned_data["end_kind"],
            ended_on=form.cleaned_data["ended_on"],
            reason=form.cleaned_data["reason"],
            moved_to=form.cleaned_data["moved_to"],
            handover=form.cleaned_data["handover"],
            case=form.cleaned_data["case_number"],
        ),
        "登録を終了しました。",
    )
    if done:
        return redirect(ENTRY_PAGE, pk=entry.pk)
    entry = _entry_for(request, pk)
    context = _entry_context(request, entry, end_form=form, failed_form=form)
    return render(request, "network/entry_detail.html", context, status=400)


# --- sessions -----------------------------------------------------------------------------------


def _sessions_context(request: HttpRequest, **overrides) -> dict:
    sessions = (
        Session.objects.visible_to(request.user)
        .select_related("team")
        .annotate(
            agenda=Count("items", filter=Q(items__active=True), distinct=True),
            reviewed=Count("reviews", distinct=True),
        )
        .order_by("-held_on", "-pk")
    )
    page = Paginator(sessions, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": "",
        "form": SessionForm(actor=request.user) if request.user.has_role(Role.NETWORK) else None,
        "today": timezone.localdate(),
    }
    context.update(overrides)
    return context


@require_safe
@require_roles(*READERS)
def session_list(request: HttpRequest) -> HttpResponse:
    return render(request, "network/sessions.html", _sessions_context(request))


@require_roles(Role.NETWORK)
@post_action(lambda request: reverse("network:session_list"))
def session_new(request: HttpRequest) -> HttpResponse:
    form = SessionForm(request.POST, actor=request.user)
    done, session = perform(
        request,
        form,
        lambda: services.session_create(actor=request.user, **form.cleaned_data),
        "実務者会議を登録しました。議題は進行管理の時期が来ている登録から作られています。",
    )
    if done:
        return redirect(SESSION_PAGE, pk=session.pk)
    context = _sessions_context(request, form=form, failed_form=form)
    return render(request, "network/sessions.html", context, status=400)


def _session_for(request: HttpRequest, pk: int) -> Session:
    return fetch_or_404(Session.objects.select_related("team"), request.user, pk)


def _session_context(request: HttpRequest, session: Session, **overrides) -> dict:
    reviews = Review.objects.select_related("lead_agency", "recorded_by")
    items = list(
        session.items.filter(active=True)
        .select_related("entry__child", "entry__lead_agency", "entry__worker")
        .prefetch_related(Prefetch("entry__reviews", queryset=reviews.filter(session=session)))
        .order_by("due_on", "entry_id")
    )
    today = timezone.localdate()
    can_change = session.may("change")
    failed = overrides.get("failed_form")
    failed_item = overrides.pop("failed_item", None)
    agencies = None
    for item in items:
        item.review = next(iter(item.entry.reviews.all()), None)
        item.form = None
        if can_change and item.review is None and item.entry.is_open and session.held_on <= today:
            if failed is not None and failed_item == item.pk:
                item.form = failed
            else:
                agencies = agencies if agencies is not None else list(active_agencies())
                item.form = ReviewForm(
                    prefix=f"review-{item.pk}",
                    held_on=session.held_on,
                    lead=item.entry.lead_agency_id,
                    agencies=agencies,
                )
    context = {
        "session": session,
        "items": items,
        "can_change": can_change,
        "handout_form": overrides.pop("handout_form", None) or HandoutForm(),
        "today": today,
        "reviewed": sum(1 for i in items if i.review is not None),
    }
    context.update(overrides)
    return context


@require_safe
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for(request, pk)
    log_access(request, session)
    return render(request, "network/session_detail.html", _session_context(request, session))


class ButtonForm(Form):
    """A button's POST: no fields of its own; a refusal's message shows at the top."""


@post_action(SESSION_PAGE)
def session_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    return _button(
        request,
        pk,
        lambda session: services.session_refresh(actor=request.user, session=session),
        "議題を更新しました。",
    )


@post_action(SESSION_PAGE)
def session_hold(request: HttpRequest, pk: int) -> HttpResponse:
    return _button(
        request,
        pk,
        lambda session: services.session_hold(actor=request.user, session=session),
        "開催済みにしました。議題はこの会議の記録として固定されます。",
    )


def _button(request: HttpRequest, pk: int, action, success: str) -> HttpResponse:
    session = _session_for(request, pk)
    require(session, "change")
    form = ButtonForm({})
    done, _result = perform(request, form, lambda: action(session), success)
    if done:
        return redirect(SESSION_PAGE, pk=session.pk)
    context = _session_context(request, _session_for(request, pk), failed_form=form)
    return render(request, "network/session_detail.html", context, status=400)


@post_action(lambda request, pk: reverse("network:session_list"))
def review_add(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_or_404(
        AgendaItem.objects.filter(
            session__in=Session.objects.visible_to(request.user), active=True
        ),
        pk,
    )
    session = _session_for(request, item.session_id)
    require(session, "change")
    entry = _entry_for(request, item.entry_id)
    form = ReviewForm(
        request.POST, prefix=f"review-{item.pk}", held_on=session.held_on, lead=entry.lead_agency_id
    )
    done, _result = perform(
        request,
        form,
        lambda: services.review_record(actor=request.user, item=item, **form.cleaned_data),
        "進行管理を記録しました。次回の進行管理が期限に登録されました。",
    )
    if done:
        return redirect(reverse(SESSION_PAGE, args=[session.pk]) + f"#item-{item.pk}")
    context = _session_context(request, session, failed_form=form, failed_item=item.pk)
    return render(request, "network/session_detail.html", context, status=400)


def handout(request: HttpRequest, pk: int) -> HttpResponse:
    """A session's handout for one member agency. POST prints it: each entry on it is recorded
    as a disclosure to that agency, then the page (A4) shows what was recorded. GET shows the
    latest handout printed for `?agency=` (nothing recorded: the print was); without one, back
    to the session's page."""
    if request.method == "POST":
        return _handout_print(request, pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    chosen = HandoutForm(request.GET)
    if not chosen.is_valid():
        return redirect(SESSION_PAGE, pk=pk)
    session = _session_for(request, pk)
    require(session, "change")
    agency = chosen.cleaned_data["agency"]
    batch = session.disclosures.filter(agency=agency).order_by("-printed_at").first()
    if batch is None:
        return redirect(SESSION_PAGE, pk=session.pk)
    shown = set(
        session.disclosures.filter(agency=agency, printed_at=batch.printed_at).values_list(
            "entry_id", flat=True
        )
    )
    log_access(request, session, AccessAction.VIEW)
    context = {
        "session": session,
        "agency": agency,
        "rows": handout_rows(session, agency, only=shown),
        "printed_at": batch.printed_at,
        "printed_by": batch.printed_by,
    }
    return render(request, "network/handout.html", context)


def _handout_print(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for(request, pk)
    require(session, "change")
    form = HandoutForm(request.POST)
    done, _rows = perform(
        request,
        form,
        lambda: services.handout_print(
            actor=request.user, session=session, agency=form.cleaned_data["agency"]
        ),
        "配付資料を作成しました。提供した内容と根拠が記録されました。",
    )
    if not done:
        context = _session_context(request, session, handout_form=form, failed_form=form)
        return render(request, "network/session_detail.html", context, status=400)
    url = reverse("network:handout", args=[session.pk])
    return redirect(f"{url}?agency={form.cleaned_data['agency'].pk}")
