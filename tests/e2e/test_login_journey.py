"""Journey: a worker logs in through the real form, sees their name, and logs out; a wrong password
gets a Japanese message; the login page is styled from our own static files, with no CSP errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pass-for-tests-123"
SCREENSHOT = "/tmp/mimamori-login.png"  # noqa: S108 - a throwaway file for a human to look at


def csp_violations(page: Page) -> list[str]:
    return [text for text in page.console_errors if "Content Security Policy" in text]


def fill_login_form(page: Page, username: str, password: str) -> None:
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def test_caseworker_logs_in_sees_their_name_and_logs_out(page, live_server, caseworker):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1, name="ログイン")).to_be_visible()

    fill_login_form(page, caseworker.username, PASSWORD)

    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    header = page.locator(".site-header")
    expect(header).to_contain_text(caseworker.display_name)
    expect(page.get_by_role("navigation", name="メインメニュー")).to_be_visible()

    page.get_by_role("button", name="ログアウト").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("button", name="ログイン")).to_be_visible()
    expect(header).not_to_contain_text(caseworker.display_name)
    page.goto(f"{live_server.url}/cases/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/cases/$"))
    assert csp_violations(page) == []


def test_wrong_password_is_refused_with_a_japanese_message(page, live_server, caseworker):
    page.goto(f"{live_server.url}/accounts/login/")

    fill_login_form(page, caseworker.username, "not-the-password")

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("ユーザー名またはパスワードが正しくありません")
    expect(page.get_by_role("button", name="ログアウト")).to_have_count(0)
    assert csp_violations(page) == []


def test_login_page_is_styled_by_our_stylesheets_without_csp_errors(page, live_server):
    stylesheets: dict[str, int] = {}
    page.on(
        "response",
        lambda r: stylesheets.__setitem__(r.url, r.status) if r.url.endswith(".css") else None,
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.wait_for_load_state("networkidle")

    for name in (
        "vendor/design-tokens/tokens.css",
        "css/base.css",
        "css/forms.css",
        "css/page.css",
        "css/widgets.css",
        "css/print.css",
    ):
        url = f"{live_server.url}/static/{name}"
        assert stylesheets.get(url) == 200, f"{url} answered {stylesheets.get(url)}"
    # The DADS tokens are loaded and our rules use them: the primary button is DADS blue-900
    # with white text, the page text is solid-gray-800, Japanese line-breaking is strict.
    token = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--color-primitive-blue-900')"
    )
    assert token.strip() == "#0017c1"
    button = page.get_by_role("button", name="ログイン")
    expect(button).to_have_css("background-color", "rgb(0, 23, 193)")
    expect(button).to_have_css("color", "rgb(255, 255, 255)")
    assert button.bounding_box()["height"] >= 44
    body = page.locator("body")
    expect(body).to_have_css("color", "rgb(51, 51, 51)")
    expect(body).to_have_css("line-break", "strict")
    # htmx is served from static/vendor and configured not to inject inline styles.
    assert page.evaluate("window.htmx && window.htmx.config.includeIndicatorStyles") is False
    page.screenshot(path=SCREENSHOT, full_page=True)

    # The skip link is hidden until focused, then shown above everything else.
    skip = page.get_by_role("link", name="本文へ移動")
    expect(skip).not_to_be_in_viewport()
    skip.focus()
    expect(skip).to_be_in_viewport()
    # Not only no CSP violation: nothing at all goes wrong in the console (missing file, script).
    assert page.console_errors == [], "\n".join(page.console_errors)
