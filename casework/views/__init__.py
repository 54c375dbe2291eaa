"""Home: each role lands on its own page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from casework.choices import Role

# The first role (in this order) that a user holds decides their home page.
HOME_BY_ROLE = (
    (Role.SUPERVISOR, "casework:dashboard"),
    (Role.CASEWORKER, "casework:case_list"),
    (Role.INTAKE, "intake:queue"),
    (Role.SHELTER, "shelter:board"),
    (Role.FOSTER, "foster:pipeline"),
    (Role.NETWORK, "network:register"),
    (Role.AUDITOR, "audit:changes"),
    (Role.ADMIN, "admin:index"),
)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    for role, url_name in HOME_BY_ROLE:
        if request.user.has_role(role):
            try:
                return redirect(reverse(url_name))
            except NoReverseMatch:
                continue
    return render(request, "casework/no_role.html")
