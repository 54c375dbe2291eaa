"""Lockout without denial of service (issue 13, item 6): failures count against the pair (user
name, client address) with a limit of 5 and against the user name alone with a limit of 20, so
a stranger cannot lock a caseworker out from another machine. The client's address comes from
X-Forwarded-For only when the request comes from a configured trusted proxy."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from casework.access import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-123"
PROXY = "10.0.0.2"


def attempt(username: str, password: str, address: str):
    return Client(REMOTE_ADDR=address).post(
        reverse("login"), {"username": username, "password": password}
    )


def locked(response) -> bool:
    return response.status_code in (403, 429) and "ログインを一時停止しました" in (
        response.content.decode()
    )


def test_the_limits_are_five_per_address_and_twenty_per_account():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.MIMAMORI_ACCOUNT_FAILURE_LIMIT == 20
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"], "username"]


def test_five_wrong_passwords_from_one_address_lock_that_address_out(caseworker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("cw_a", "wrong", "192.0.2.10")
    assert locked(attempt("cw_a", PASSWORD, "192.0.2.10"))


def test_a_stranger_cannot_lock_a_caseworker_out_from_another_machine(caseworker):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        attempt("cw_a", "wrong", "192.0.2.66")
    assert locked(attempt("cw_a", PASSWORD, "192.0.2.66"))
    response = attempt("cw_a", PASSWORD, "192.0.2.10")  # the caseworker's own desk
    assert response.status_code == 302


def test_twenty_failures_from_many_addresses_lock_the_account_everywhere(caseworker):
    limit = settings.MIMAMORI_ACCOUNT_FAILURE_LIMIT
    for i in range(limit - 1):
        attempt("cw_a", "wrong", f"198.51.100.{i % 4 + 1}")  # 4 addresses, under 5 each…
    assert attempt("cw_a", PASSWORD, "192.0.2.10").status_code == 302  # …19: still open
    Client(REMOTE_ADDR="192.0.2.10").post(reverse("logout"))
    attempt("cw_a", "wrong", "198.51.100.9")  # the twentieth
    assert locked(attempt("cw_a", PASSWORD, "192.0.2.10"))


def test_a_success_forgives_only_the_failures_from_the_users_own_address(caseworker):
    from axes.models import AccessAttempt

    for i in range(18):
        attempt("cw_a", "wrong", f"198.51.100.{i % 6 + 1}")  # strangers: 3 from each of 6
    attempt("cw_a", "wrong", "192.0.2.10")  # the caseworker mistypes once: 19
    assert attempt("cw_a", PASSWORD, "192.0.2.10").status_code == 302
    assert not AccessAttempt.objects.filter(ip_address="192.0.2.10").exists()
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 18
    for _ in range(2):
        attempt("cw_a", "wrong", "198.51.100.9")  # the strangers' 19th and 20th
    assert locked(attempt("cw_a", PASSWORD, "192.0.2.10"))


def test_many_staff_behind_one_address_do_not_lock_each_other_out(caseworker, coworker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("cw_a", "wrong", "192.0.2.1")
    assert attempt("cw_a2", PASSWORD, "192.0.2.1").status_code == 302


def test_the_forwarded_header_is_ignored_without_a_trusted_proxy():
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "192.0.2.5"


@override_settings(MIMAMORI_TRUSTED_PROXIES=[PROXY])
def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw():
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "203.0.113.9"
    # A client that writes the header itself cannot choose its address: the proxy appends
    # the real one, and the address is read from the right.
    forged = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_ip(forged) == "203.0.113.9"
    # Not from the proxy: the header is not believed.
    direct = factory.get("/", REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(direct) == "192.0.2.5"
    garbage = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(garbage) == PROXY


@override_settings(MIMAMORI_TRUSTED_PROXIES=[PROXY])
def test_behind_the_proxy_the_lockout_counts_each_client_address_apart(caseworker):
    def via_proxy(client_address: str, password: str):
        return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address).post(
            reverse("login"), {"username": "cw_a", "password": password}
        )

    for _ in range(settings.AXES_FAILURE_LIMIT):
        via_proxy("203.0.113.66", "wrong")
    assert locked(via_proxy("203.0.113.66", PASSWORD))
    assert via_proxy("203.0.113.10", PASSWORD).status_code == 302
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
