"""Auditors read; they never change anything (PRODUCT §2)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from casework.choices import Role

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ReadOnlyAuditorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.method not in SAFE_METHODS
            and user is not None
            and user.is_authenticated
            and user.has_role(Role.AUDITOR)
            and request.path != reverse("logout")
        ):
            raise PermissionDenied
        return self.get_response(request)
