"""Keyboard only (issue 12 item 14): the skip link comes first, every step of login → case →
note and of a new consultation is reached with Tab and shows its focus, and a failed submit
puts focus on the error summary."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.factories import ChildFactory, open_case

PASSWORD = "pass-for-tests-123"


def tab_to(page: Page, matches: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches the CSS selector `matches`; each stop must
    show a visible focus indicator (an outline or a box shadow)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {
                    matches: el.matches(arguments_selector),
                    visible: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
                             || style.boxShadow !== 'none',
                    tag: el.tagName + (el.id ? '#' + el.id : '') + ' ' + style.outlineStyle
                         + ' ' + style.outlineWidth + ' ' + style.boxShadow
                         + ' fw=' + el.matches(':focus-within'),
                };
            }""".replace("arguments_selector", repr(matches)),
        )
        assert focused["visible"], f"no visible focus on {focused['tag']}"
        if focused["matches"]:
            return
    raise AssertionError(f"{matches} not reached with Tab")


def test_login_case_note_by_keyboard(page, live_server, caseworker, supervisor, team_a):
    caseworker.set_password(PASSWORD)
    caseworker.save()
    case = open_case(actor=supervisor, child=ChildFactory(), team=team_a, lead=caseworker)
    page.goto(f"{live_server.url}/accounts/login/")
    # The sign-in page starts in the user name (autofocus); Shift+Tab reaches the skip link.
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.type(caseworker.username)
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/cases/")
    page.keyboard.press("Tab")  # the first stop on every page: 本文へ移動
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    tab_to(page, f'a[href="/cases/{case.pk}/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    tab_to(page, "details.action:has(#note_body) > summary")
    page.keyboard.press("Enter")
    tab_to(page, "#note_body")
    page.keyboard.type("電話で母と話した。")
    tab_to(page, "details.action:has(#note_body) button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("記録を追加しました。")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("電話で母と話した。")


def test_a_failed_new_consultation_moves_focus_to_the_error_summary(
    page, live_server, intake_user, team_a
):
    intake_user.set_password(PASSWORD)
    intake_user.save()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(intake_user.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{live_server.url}/intake/new/")
    tab_to(page, "main form[action$='/intake/new/'] button[type=submit]", limit=200)
    page.keyboard.press("Enter")
    page.locator(".error-summary").wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    # The first link of the summary is the next Tab stop, and it leads to its field.
    page.keyboard.press("Tab")
    href = page.evaluate("document.activeElement.getAttribute('href')")
    assert href and href.startswith("#id_")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == href[1:]
