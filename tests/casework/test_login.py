"""Login, logout, lockout (django-axes) and the 30-minute idle session."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-123"


def test_login_page_is_japanese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="ja">' in body
    assert "ユーザー名" in body and "パスワード" in body


def test_caseworker_logs_in_and_out(client, caseworker):
    response = client.post(reverse("login"), {"username": "cw_a", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/cases/").status_code == 200
    assert client.get(reverse("logout")).status_code == 405  # logout only by POST
    client.post(reverse("logout"))
    assert client.get("/cases/").status_code == 302


def test_wrong_password_shows_a_japanese_message(client, caseworker):
    response = client.post(reverse("login"), {"username": "cw_a", "password": "wrong"})
    assert response.status_code == 200
    assert "ユーザー名またはパスワードが正しくありません" in response.content.decode()


def test_repeated_failures_lock_the_account_with_a_japanese_message(client, caseworker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "cw_a", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "cw_a", "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert "ログインを一時停止しました" in response.content.decode()
    assert client.get("/cases/").status_code == 302  # still not logged in


def test_lockout_is_per_account(client, caseworker, coworker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "cw_a", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "cw_a2", "password": PASSWORD})
    assert response.status_code == 302


def test_session_expires_after_30_idle_minutes_and_cookies_are_httponly(client, caseworker):
    client.post(reverse("login"), {"username": "cw_a", "password": PASSWORD})
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_login_records_last_login_without_an_empty_history_row(client, caseworker):
    before = caseworker.history.count()
    client.post(reverse("login"), {"username": "cw_a", "password": PASSWORD})
    caseworker.refresh_from_db()
    assert caseworker.last_login is not None
    assert caseworker.history.count() == before


def test_favicon_is_served_without_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")


def test_an_overlong_user_name_is_refused_before_the_lockout_records_it(client):
    """Found by the form fuzzing on PostgreSQL: django-axes stored the attempted name in a
    255-character column and the login page answered 500."""
    response = client.post(reverse("login"), {"username": "a" * 5000, "password": "x"})
    assert response.status_code == 200
    assert "ユーザー名が長すぎます" in response.content.decode()
