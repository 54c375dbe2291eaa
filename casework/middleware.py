"""Auditors read; they never change anything (PRODUCT §2)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from casework.choices import Role

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class NoStoreMiddleware:
    """No page of this application may be kept by a browser or a proxy: every response that
    reaches Django (pages, reveals, exports — static files are served before it) is marked
    `Cache-Control: no-store`, so a shared office PC's back button or disk cache keeps nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


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
            and request.path not in (reverse("logout"), reverse("set_language"))
        ):
            raise PermissionDenied
        return self.get_response(request)
