"""The auditor's desk (placeholder until the audit views land)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from casework.access import require_roles
from casework.choices import Role


@require_roles(Role.AUDITOR)
def changes(request: HttpRequest) -> HttpResponse:
    return render(request, "audit/changes.html", {})


@require_roles(Role.AUDITOR)
def access_log(request: HttpRequest) -> HttpResponse:
    return render(request, "audit/access.html", {})
