"""Journey (issue 13): a supervisor, who must use two factors, is taken to enrolment after the
password, scans — here: reads — the key, confirms with a code and gets backup codes; signs
out; signs in with the password and a code; then with the password and a backup code."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pass-for-tests-123"


def code_for(secret: str, steps_ahead: int = 0) -> str:
    """What the authenticator app shows for the key typed from the page."""
    text = secret.replace(" ", "")
    key = base64.b32decode(text + "=" * (-len(text) % 8))
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def password_step(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("button", name="ログイン")).to_be_visible()


def test_supervisor_enrols_then_signs_in_with_a_code_and_with_a_backup_code(
    page, live_server, settings, supervisor
):
    settings.MIMAMORI_2FA_REQUIRED_ROLES = ["supervisor", "auditor", "admin"]

    # The password alone leads to enrolment, and nowhere else.
    password_step(page, live_server, supervisor.username)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/$"))
    expect(page.get_by_role("heading", level=1, name="二段階認証")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("二段階認証が必須です")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/$"))

    expect(page.locator("svg.qr-code")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()

    # A wrong code first: a Japanese message next to the field, nothing saved.
    page.get_by_label("確認コード").fill("000000")
    page.get_by_role("button", name="登録する").click()
    expect(page.locator(".field__error")).to_contain_text("確認コードが正しくありません")

    page.get_by_label("確認コード").fill(code_for(secret))
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_role("heading", level=1, name="予備コード")).to_be_visible()
    codes = page.locator(".backup-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    page.get_by_role("link", name="保管しました。ホームへ進む").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    sign_out(page)

    # The password, then the app's code (the next one: a code is never accepted twice).
    password_step(page, live_server, supervisor.username)
    expect(page).to_have_url(re.compile(r"/accounts/login/verify/"))
    expect(page.get_by_role("heading", level=1, name="確認コードの入力")).to_be_visible()
    page.get_by_label("確認コード").fill(code_for(secret, steps_ahead=1))
    page.get_by_role("button", name="確認してログイン").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator(".site-header")).to_contain_text(supervisor.display_name)
    sign_out(page)

    # The password, then a backup code: it works once, and the page says how many are left.
    password_step(page, live_server, supervisor.username)
    page.get_by_label("確認コード").fill(codes[0])
    page.get_by_role("button", name="確認してログイン").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator(".messages")).to_contain_text("残りの予備コードは 9 個")
    sign_out(page)

    password_step(page, live_server, supervisor.username)
    page.get_by_label("確認コード").fill(codes[0])
    page.get_by_role("button", name="確認してログイン").click()
    expect(page.locator(".field__error")).to_contain_text("確認コードが正しくありません")
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
