"""The child's views on the case file (DOMAIN §11): each decision's hearing, the views heard
afterwards where they could not be heard first, and how the decision was explained to the
child. Whoever may change the case records them; whoever may open it sees them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from casework import hearings as services
from casework.access import CASE_ROLES, fetch_or_404, require, require_roles
from casework.actions import perform, post_action
from casework.forms import ViewsAfterwardsForm, ViewsFeedbackForm
from casework.models import Case, ViewsHearing
from casework.views.cases import afterwards_prefix, case_context, case_for, feedback_prefix

CASE_PAGE = "casework:case_detail"


def _hearing_for(request: HttpRequest, case: Case, hearing_pk: int) -> ViewsHearing:
    """A hearing of this case the user may see (404 otherwise), with what they may do."""
    return fetch_or_404(
        ViewsHearing.objects.filter(case=case).select_related("case"), request.user, hearing_pk
    )


def _case_page_with(request: HttpRequest, case_pk: int, form) -> HttpResponse:
    case = case_for(request, case_pk)
    context = case_context(request, case, views_failed_form=form)
    context["failed_form"] = form
    return render(request, "casework/case_detail.html", context, status=400)


def _act(request, pk, hearing_pk, form_class, prefix_of, action, success, **form_kw):
    case = case_for(request, pk)
    hearing = _hearing_for(request, case, hearing_pk)
    require(hearing, "record")
    form = form_class(request.POST, prefix=prefix_of(hearing), **form_kw)
    done, _result = perform(request, form, lambda: action(hearing, form.cleaned_data), success)
    if done:
        return redirect(CASE_PAGE, pk=case.pk)
    return _case_page_with(request, case.pk, form)


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def views_afterwards(request: HttpRequest, pk: int, hearing_pk: int) -> HttpResponse:
    """The views heard after a decision that could not wait for them."""

    def action(hearing, data):
        return services.views_record_afterwards(actor=request.user, hearing=hearing, **data)

    return _act(
        request,
        pk,
        hearing_pk,
        ViewsAfterwardsForm,
        afterwards_prefix,
        action,
        "決定後に聴取した子どもの意見を記録しました。",
    )


@require_roles(*CASE_ROLES)
@post_action(CASE_PAGE)
def views_feedback(request: HttpRequest, pk: int, hearing_pk: int) -> HttpResponse:
    """How the decision and its reasons were explained to the child."""

    def action(hearing, data):
        return services.views_record_feedback(actor=request.user, hearing=hearing, **data)

    return _act(
        request,
        pk,
        hearing_pk,
        ViewsFeedbackForm,
        feedback_prefix,
        action,
        "子どもへの説明を記録しました。",
    )
