"""Browser fixtures (make e2e): Playwright's sync API driving Debian's Chromium.

Nothing is downloaded: the browser is the system one (PLAYWRIGHT_CHROMIUM_EXECUTABLE, default
/usr/bin/chromium). Each test gets a fresh context as a Tokyo office PC sees the site: Japanese
locale, Asia/Tokyo, a 1366×768 screen. Console errors are collected on `page.console_errors`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
TIMEOUT_MS = 15_000


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects, so the markers below count
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a browser test against the live server, so it runs in a transactional
    database that is flushed afterwards. Serialized rollback puts back what the data migrations
    created (the role groups, the audit chain head), which the next test needs."""
    here = Path(__file__).parent
    for item in items:
        if here not in Path(item.fspath).parents:
            continue
        item.add_marker(pytest.mark.e2e)
        item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(f"Chromium not found at {executable} (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport=VIEWPORT, device_scale_factor=1
    )
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def e2e_login() -> Callable[[Page, object, str, str], None]:
    """e2e_login(page, live_server, username, password): log in through the real form."""

    def _login(page: Page, live_server, username: str, password: str) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("ユーザー名").fill(username)
        page.get_by_label("パスワード").fill(password)
        page.get_by_role("button", name="ログイン").click()
        expect(page.get_by_role("button", name="ログアウト")).to_be_visible()

    return _login
