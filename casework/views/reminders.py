"""/reminders/: the deadline ledger as each user may see it; acknowledge, dismiss with a reason."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from casework import deadlines
from casework.access import fetch_or_404, require, require_roles
from casework.actions import perform, post_action
from casework.choices import Role
from casework.forms import AcknowledgeForm, DeadlineFilterForm, DismissForm
from casework.models import Deadline
from casework.selectors import deadline_list

REMINDER_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.INTAKE, Role.FOSTER, Role.NETWORK)
PAGE_SIZE = 50
LIST = "casework:reminders"


def _page(request: HttpRequest, **forms) -> HttpResponse:
    form = DeadlineFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = deadline_list(request.user, data) if not form.errors else Deadline.objects.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "dismiss_form": DismissForm(),
        **forms,
    }
    if forms:
        context["failed_form"] = next(iter(forms.values()))
    return render(request, "casework/reminders.html", context, status=400 if forms else 200)


@require_safe
@require_roles(*REMINDER_ROLES)
def reminders(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_roles(*REMINDER_ROLES)
@post_action(lambda request, pk: "/reminders/")
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    deadline = fetch_or_404(Deadline.objects.all(), request.user, pk)
    require(deadline, "acknowledge")
    form = AcknowledgeForm(request.POST)
    done, _ = perform(
        request,
        form,
        lambda: deadlines.deadline_acknowledge(actor=request.user, deadline=deadline),
        "確認を記録しました。繰り返しの通知は止まります。",
    )
    return (
        redirect(request.POST.get("next") == "home" and "home" or LIST)
        if done
        else _page(request, acknowledge_form=form)
    )


@require_roles(*REMINDER_ROLES)
@post_action(lambda request, pk: "/reminders/")
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    deadline = fetch_or_404(Deadline.objects.all(), request.user, pk)
    require(deadline, "dismiss")
    form = DismissForm(request.POST)
    done, _ = perform(
        request,
        form,
        lambda: deadlines.deadline_dismiss(
            actor=request.user, deadline=deadline, reason=form.cleaned_data["reason"]
        ),
        "期限を取り下げました（理由とともに記録されています）。",
    )
    if done:
        return redirect(LIST)
    return _page(request, dismiss_form=form)
