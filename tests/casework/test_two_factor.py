"""Two-factor sign-in (issue 13, item 3): enrolment, the code after the password, backup codes,
the lockout and the access log over the second factor, and an administrator's reset in history.

The test settings switch the mandatory rule off so that the personas of other tests sign in
with a password; `required` below turns the production rule back on."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import twofactor
from casework.audit.chain import seal
from casework.choices import AccessAction
from casework.models import AccessLog, AuditLink

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-123"
PRODUCTION_ROLES = ["supervisor", "auditor", "admin"]


@pytest.fixture
def required():
    with override_settings(MIMAMORI_2FA_REQUIRED_ROLES=PRODUCTION_ROLES):
        yield


def code_at(key: str, offset_steps: int = 0) -> str:
    """The code an authenticator app shows now (or `offset_steps` periods later)."""
    totp = TOTP(bytes.fromhex(key))
    totp.time = time.time() + 30 * offset_steps
    return f"{totp.token():06d}"


def enrol(user) -> tuple[str, list[str]]:
    key = twofactor.new_secret()
    device, codes = twofactor.totp_enrol(user=user, key=key, code=code_at(key))
    assert device.confirmed
    return key, codes


def password_step(client: Client, user, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": user.username, "password": password})


def test_production_settings_require_a_second_factor_of_supervisors_auditors_and_admins():
    from config.settings import base

    assert sorted(base.MIMAMORI_2FA_REQUIRED_ROLES) == sorted(PRODUCTION_ROLES)
    assert base.MIMAMORI_2FA_FOR_EVERYONE is False
    assert "django_otp.middleware.OTPMiddleware" in base.MIDDLEWARE
    assert "casework.middleware.TwoFactorMiddleware" in base.MIDDLEWARE


@pytest.mark.parametrize("who", ["supervisor", "auditor", "admin_user"])
def test_a_role_that_must_use_two_factors_reaches_only_the_enrolment_page(
    who, request, required, client
):
    user = request.getfixturevalue(who)
    response = password_step(client, user)
    assert response.status_code == 302
    for url in ("/", "/cases/", "/audit/", "/dashboard/", "/admin/", "/reminders/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("two_factor"), url
    assert client.post("/reminders/", {}).status_code == 302
    page = client.get(reverse("two_factor"))
    assert page.status_code == 200
    assert "二段階認証が必須です" in page.content.decode()


def test_a_caseworker_is_not_asked_to_enrol_unless_the_setting_says_everyone(
    required, client, caseworker
):
    password_step(client, caseworker)
    assert client.get("/cases/").status_code == 200
    with override_settings(MIMAMORI_2FA_FOR_EVERYONE=True):
        assert client.get("/cases/")["Location"] == reverse("two_factor")


def test_enrolment_shows_an_inline_qr_code_and_the_secret_then_backup_codes_once(
    required, client, supervisor
):
    password_step(client, supervisor)
    page = client.get(reverse("two_factor"))
    body = page.content.decode()
    assert "<svg" in body and 'class="qr-code"' in body
    assert "http://" not in body.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    )
    key = client.session["mimamori_2fa_new_secret"]
    assert twofactor.secret_for_typing(key) in body

    wrong = client.post(reverse("two_factor"), {"code": "000000"})
    assert wrong.status_code == 400
    assert "確認コードが正しくありません" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=supervisor).exists()

    shown = client.post(reverse("two_factor"), {"code": code_at(key)})
    assert shown.status_code == 200
    body = shown.content.decode()
    assert "一度だけ表示" in body
    codes = re.findall(r"<li><code>([^<]+)</code></li>", body)
    assert len(codes) == twofactor.BACKUP_CODE_COUNT
    # Stored as keyed hashes, never as the codes themselves.
    stored = set(
        StaticToken.objects.filter(device__user=supervisor).values_list("token", flat=True)
    )
    assert len(stored) == twofactor.BACKUP_CODE_COUNT
    assert not stored & {c for c in codes} and not stored & {c.replace("-", "") for c in codes}
    # The session is verified: the user goes on to their pages.
    assert client.get("/dashboard/").status_code == 200
    # Enrolment is in the change history, without the secret, and chained.
    history = TOTPDevice.history.model.objects.get(user=supervisor)
    assert history.history_change_reason == "二段階認証の登録"
    assert history.history_user_id == supervisor.pk
    assert not hasattr(history, "key")
    seal()  # as right after the request's commit (the test's transaction never commits)
    assert AuditLink.objects.filter(
        history_label=history._meta.label, history_id=history.pk
    ).exists()


def test_sign_in_asks_for_the_code_after_the_password(required, client, supervisor):
    key, _codes = enrol(supervisor)
    response = password_step(client, supervisor)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login_verify"))
    assert client.get("/dashboard/").status_code == 302  # not signed in yet
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("login_verify"))
    assert page.status_code == 200 and "確認コード" in page.content.decode()

    response = client.post(reverse("login_verify"), {"code": code_at(key, 1)})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    log = AccessLog.objects.get(action=AccessAction.OTP_OK)
    assert log.user == supervisor and log.ip_address == "127.0.0.1"


def test_the_same_code_cannot_be_used_twice(required, client, supervisor):
    key, _codes = enrol(supervisor)
    code = code_at(key, 1)
    password_step(client, supervisor)
    assert client.post(reverse("login_verify"), {"code": code}).status_code == 302
    other = Client()
    password_step(other, supervisor)
    assert other.post(reverse("login_verify"), {"code": code}).status_code == 200


def test_a_wrong_code_is_refused_in_japanese_counted_and_logged(required, client, supervisor):
    enrol(supervisor)
    password_step(client, supervisor)
    response = client.post(reverse("login_verify"), {"code": "123456"})
    assert response.status_code == 200
    assert "確認コードが正しくありません" in response.content.decode()
    assert client.get("/dashboard/").status_code == 302
    assert AccessAttempt.objects.get(username=supervisor.username).failures_since_start == 1
    failed = AccessLog.objects.get(action=AccessAction.OTP_FAIL)
    assert failed.user == supervisor and failed.record_id == str(supervisor.pk)


def test_wrong_codes_lock_the_account_like_wrong_passwords(required, client, supervisor):
    key, _codes = enrol(supervisor)
    password_step(client, supervisor)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("login_verify"), {"code": "000000"}).status_code == 200
    locked = client.post(reverse("login_verify"), {"code": "000000"})
    assert locked.status_code in (403, 429)
    assert "ログインを一時停止しました" in locked.content.decode()
    # Locked: the password is refused now, and so is a right code.
    response = password_step(client, supervisor)
    assert response.status_code in (403, 429)
    assert client.post(reverse("login_verify"), {"code": code_at(key, 1)}).status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_a_backup_code_signs_in_once(required, client, supervisor):
    _key, codes = enrol(supervisor)
    password_step(client, supervisor)
    response = client.post(reverse("login_verify"), {"code": codes[0].upper()}, follow=True)
    assert response.status_code == 200
    assert "残りの予備コードは 9 個" in response.content.decode()
    client.post(reverse("logout"))
    password_step(client, supervisor)
    again = client.post(reverse("login_verify"), {"code": codes[0]})
    assert again.status_code == 200
    assert "確認コードが正しくありません" in again.content.decode()


def test_new_backup_codes_replace_the_old_ones(required, client, supervisor):
    _key, old = enrol(supervisor)
    password_step(client, supervisor)
    client.post(reverse("login_verify"), {"code": old[0]})
    response = client.post(reverse("two_factor_codes"))
    assert response.status_code == 200
    assert twofactor.backup_codes_left(supervisor) == twofactor.BACKUP_CODE_COUNT
    assert twofactor.verify(supervisor, old[1]) is None


def test_the_password_step_is_forgotten_after_five_minutes(required, client, supervisor):
    key, _codes = enrol(supervisor)
    password_step(client, supervisor)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.post(reverse("login_verify"), {"code": code_at(key, 1)})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_the_code_page_without_a_password_step_goes_to_the_login_page(client):
    response = client.get(reverse("login_verify"))
    assert response["Location"] == reverse("login")


@pytest.mark.parametrize(
    "value", ["", "\x00", "a" * 5000, "１２３４５６", "-1", "<script>", "１" * 40, "abcde-fghjk"]
)
def test_hostile_codes_never_break_the_code_page(value, required, client, supervisor):
    enrol(supervisor)
    password_step(client, supervisor)
    response = client.post(reverse("login_verify"), {"code": value})
    assert response.status_code == 200
    body = response.content.decode()
    assert "field__error" in body
    assert "This field" not in body and "Ensure this value" not in body


def test_an_auditor_may_enrol_although_auditors_change_nothing(required, client, auditor):
    password_step(client, auditor)
    client.get(reverse("two_factor"))
    key = client.session["mimamori_2fa_new_secret"]
    assert client.post(reverse("two_factor"), {"code": code_at(key)}).status_code == 200
    assert client.get(reverse("audit:changes")).status_code == 200


def test_an_administrator_resets_a_lost_phone_with_a_reason_an_auditor_can_read(
    required, admin_user, supervisor, auditor, login
):
    enrol(supervisor)
    enrol(admin_user)
    enrol(auditor)
    admin = Client()
    admin.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.get(user=admin_user)
    session = admin.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    url = reverse("two_factor_reset", args=[supervisor.pk])
    page = admin.get(url)
    assert page.status_code == 200 and "登録済み" in page.content.decode()
    refused = admin.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "リセットの理由を入力してください" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=supervisor).exists()

    done = admin.post(url, {"reason": "スマートフォン紛失（本人から電話）"})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=supervisor).exists()
    assert not StaticDevice.objects.filter(user=supervisor).exists()
    removed = TOTPDevice.history.model.objects.get(user=supervisor, history_type="-")
    assert removed.history_user == admin_user
    assert (
        removed.history_change_reason == "二段階認証のリセット：スマートフォン紛失（本人から電話）"
    )
    seal()  # as right after the request's commit
    assert AuditLink.objects.filter(
        history_label=removed._meta.label, history_id=removed.pk
    ).exists()

    # The auditor's desk shows it, by its Japanese name, with the reason.
    desk = Client()
    desk.force_login(auditor, backend="django.contrib.auth.backends.ModelBackend")
    session = desk.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=auditor).persistent_id
    session.save()
    body = desk.get(reverse("audit:changes")).content.decode()
    assert "二段階認証（認証アプリ）" in body
    assert "スマートフォン紛失（本人から電話）" in body

    # The supervisor signs in with the password alone and is sent to enrol again.
    client = Client()
    assert password_step(client, supervisor)["Location"] == reverse("home")
    assert client.get("/dashboard/")["Location"] == reverse("two_factor")


def test_a_reset_of_a_user_without_a_second_factor_is_refused(admin_user, caseworker, login):
    response = login(admin_user).post(
        reverse("two_factor_reset", args=[caseworker.pk]), {"reason": "確認"}
    )
    assert response.status_code == 400
    assert "登録していません" in response.content.decode()


@pytest.mark.parametrize("who", ["supervisor", "auditor", "caseworker"])
def test_only_an_administrator_may_reset(who, request, login, caseworker):
    client = login(request.getfixturevalue(who))
    url = reverse("two_factor_reset", args=[caseworker.pk])
    assert client.get(url).status_code == 403


def test_the_admin_user_page_links_to_the_reset(admin_user, supervisor, login):
    enrol(supervisor)
    page = login(admin_user).get(reverse("admin:casework_user_change", args=[supervisor.pk]))
    body = page.content.decode()
    assert reverse("two_factor_reset", args=[supervisor.pk]) in body
    assert "登録済み" in body


def test_a_session_without_the_code_is_ended_for_a_user_who_has_a_device(
    required, supervisor, login
):
    enrol(supervisor)
    client = login(supervisor)  # signed in without the second factor (not via the login page)
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get("/dashboard/")["Location"].startswith(reverse("login"))
