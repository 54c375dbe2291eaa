"""Auditors read; they never change anything (PRODUCT §2)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from casework import twofactor
from casework.choices import Role

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def auditor_may_post() -> tuple[str, ...]:
    """Signing out, the language, and their own second factor: an auditor changes nothing else."""
    return tuple(
        reverse(name) for name in ("logout", "set_language", "two_factor", "two_factor_codes")
    )


# Where a user who must enrol a second factor may go before doing so.
ENROLMENT_PATHS = ("two_factor", "two_factor_codes", "logout", "set_language", "login")


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
            and request.path not in auditor_may_post()
        ):
            raise PermissionDenied
        return self.get_response(request)


class TwoFactorMiddleware:
    """Users who must sign in with a second factor reach no page until they have one.

    After the password, a user of a role that needs a second factor (settings
    MIMAMORI_2FA_REQUIRED_ROLES, or everyone with MIMAMORI_2FA_FOR_EVERYONE) and has none is
    sent to the enrolment page; nothing else answers until the app is confirmed. A session
    that is not verified although the user has a device (it was signed in some other way, or
    the device was replaced) is ended: sign in again, with the code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and twofactor.required_for(user)
            and request.path not in {reverse(name) for name in ENROLMENT_PATHS}
            and not request.path.startswith(settings.STATIC_URL)
        ):
            if twofactor.has_second_factor(user):
                logout(request)
                return redirect_to_login(request.get_full_path())
            return redirect("two_factor")
        return self.get_response(request)
