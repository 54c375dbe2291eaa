"""A child's page: identity, household, cases; supervisors also see who viewed it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from casework.access import get_visible_or_404, is_supervisor_of, log_access
from casework.choices import Role
from casework.models import Case, Child
from casework.registry import child_panels
from casework.selectors import child_viewers


def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child = get_visible_or_404(Child.objects.visible_to(request.user), pk)
    log_access(request, child)
    user = request.user
    visible_ids = set(
        Case.objects.visible_to(user).filter(child=child).values_list("pk", flat=True)
    )
    cases = list(child.cases.select_related("team", "lead").order_by("-opened_on"))
    sees_case_files = user.has_role(Role.CASEWORKER, Role.SUPERVISOR)
    supervisor_of_child = user.has_role(Role.SUPERVISOR) and any(
        is_supervisor_of(user, c.team_id) for c in cases
    )
    context = {
        "child": child,
        "household": list(child.household.filter(active=True)) if sees_case_files else [],
        "cases": [(c, c.pk in visible_ids) for c in cases] if sees_case_files else [],
        "sees_case_files": sees_case_files,
        "viewers": list(child_viewers(child)) if supervisor_of_child else None,
        "panels": [panel for panel in (p(request, child) for p in child_panels()) if panel],
    }
    return render(request, "casework/child_detail.html", context)
