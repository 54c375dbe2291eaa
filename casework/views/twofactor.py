"""Two-factor sign-in: the password step, the code step, enrolment, and an administrator's reset.

The password step does not sign a user with a second factor in: it remembers them in the
session for a few minutes and asks for the code. Only the code signs them in, so django-axes
sees one successful login (and forgives earlier failures) only after both factors; a wrong code
is a failed login for django-axes like a wrong password, and is in the access log.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from casework import twofactor
from casework.access import log_sign_in, require_roles
from casework.choices import AccessAction, Role
from casework.forms import EnrolForm, LoginForm, SecondFactorForm, TwoFactorResetForm
from casework.models import User

PENDING = "mimamori_2fa_pending"
NEW_SECRET = "mimamori_2fa_new_secret"  # noqa: S105 - a session key name


class PasswordLoginView(auth_views.LoginView):
    """Step one. A user without a second factor is signed in as before (the middleware then
    sends those who must enrol to the enrolment page); a user with one is asked for the code."""

    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not twofactor.has_second_factor(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
        }
        url = reverse("login_verify")
        next_url = self.get_redirect_url()
        return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)


def _pending_user(request: HttpRequest) -> tuple[User, str] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > settings.MIMAMORI_2FA_PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or pending.get("backend") not in settings.AUTHENTICATION_BACKENDS:
        return None
    return user, pending["backend"]


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


@login_not_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    """Step two: the authenticator app's code or a backup code."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    pending = _pending_user(request)
    if pending is None:
        return redirect("login")
    user, backend = pending
    credentials = {"username": user.username}
    if AxesProxyHandler.is_locked(request, credentials):
        request.session.pop(PENDING, None)
        return get_lockout_response(request, credentials=credentials)
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.verify(user, form.cleaned_data["code"])
        if device is not None:
            return _signed_in(request, user, backend, device)
        # A wrong code is a failed login for django-axes, like a wrong password.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        log_sign_in(request, user, AccessAction.OTP_FAIL)
        if getattr(request, "axes_locked_out", False):
            request.session.pop(PENDING, None)
            return get_lockout_response(request, credentials=credentials)
        form.add_error(
            "code", _("確認コードが正しくありません。認証アプリの最新の6桁を入力してください。")
        )
    return render(
        request,
        "registration/login_verify.html",
        {"form": form, "next": _next_url(request)},
    )


def _signed_in(request: HttpRequest, user: User, backend: str, device) -> HttpResponse:
    next_url = _next_url(request)
    del request.session[PENDING]
    login(request, user, backend)  # django-axes records the login and forgives this address
    otp_login(request, device)
    log_sign_in(request, user, AccessAction.OTP_OK)
    if isinstance(device, StaticDevice):
        messages.warning(
            request,
            _(
                "予備コードでログインしました。残りの予備コードは %(n)d 個です。"
                "使ったコードは二度と使えません。"
            )
            % {"n": twofactor.backup_codes_left(user)},
        )
    return redirect(next_url)


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """The user's own second factor: enrol an authenticator app (QR code and the secret to
    type), see how many backup codes are left, get new ones."""
    user = request.user
    enrolled = twofactor.has_second_factor(user)
    context: dict = {
        "enrolled": enrolled,
        "required": twofactor.required_for(user),
        "codes_left": twofactor.backup_codes_left(user) if enrolled else 0,
    }
    key = request.session.get(NEW_SECRET)
    if not twofactor.valid_secret(key):
        key = twofactor.new_secret()
        request.session[NEW_SECRET] = key
    form = EnrolForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = twofactor.totp_enrol(user=user, key=key, code=form.cleaned_data["code"])
            if result is not None:
                device, codes = result
                request.session.pop(NEW_SECRET, None)
                otp_login(request, device)
                return _show_codes(request, codes, enrolled_now=True)
            form.add_error(
                "code",
                _(
                    "確認コードが正しくありません。認証アプリに表示されている最新の6桁を"
                    "入力してください（時計が大きくずれていても合いません）。"
                ),
            )
        status = 400
    uri = twofactor.provisioning_uri(user, key)
    context |= {
        "form": form,
        "qr_svg": twofactor.qr_svg(uri),
        "secret": twofactor.secret_for_typing(key),
    }
    return render(request, "registration/two_factor.html", context, status=status)


@require_POST
def two_factor_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes, shown once; the old ones stop working."""
    try:
        codes = twofactor.backup_codes_renew(user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("two_factor")
    return _show_codes(request, codes, enrolled_now=False)


def _show_codes(request: HttpRequest, codes: list[str], *, enrolled_now: bool) -> HttpResponse:
    """The one time the backup codes are shown: the page is answered to the POST that made
    them and never stored (Cache-Control: no-store on every page)."""
    return render(
        request,
        "registration/backup_codes.html",
        {"codes": codes, "enrolled_now": enrolled_now},
    )


@require_roles(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator removes a user's second factor (a lost phone), with a reason; the user
    enrols again at their next sign-in."""
    target = User.objects.filter(pk=pk).first()
    if target is None:
        raise Http404
    form = TwoFactorResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            count = twofactor.two_factor_reset(
                user=target, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error("reason", exc.messages)
        else:
            messages.success(
                request,
                _("%(user)s さんの二段階認証をリセットしました（%(n)d 件の登録を削除）。")
                % {"user": target, "n": count},
            )
            return redirect("admin:casework_user_change", target.pk)
    return render(
        request,
        "registration/two_factor_reset.html",
        {
            "form": form,
            "target": target,
            "enrolled": twofactor.has_second_factor(target),
            "codes_left": twofactor.backup_codes_left(target),
        },
        status=400 if form.is_bound else 200,
    )
