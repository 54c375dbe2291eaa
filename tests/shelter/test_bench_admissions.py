"""Measure (ISSUE 5): 50 concurrent admission requests over HTTP against PostgreSQL.

The app is served by Django's live server (its threaded WSGI server) on loopback, with a listen
backlog of 128 instead of the development server's 10 (with 10, the kernel resets most of 50
simultaneous connections before Django sees them; gunicorn's default is 2048). Each request
comes from its own staff session with its own CSRF token, taken from the admission page as a
browser would. All 50 are released together by a barrier. Printed: admissions that succeeded
(must equal the free beds), refusals, server errors (must be 0) and latency (p50, p95, max).
No timing is asserted. Run: `pytest -m benchmark tests/shelter/test_bench_admissions.py -s`.
"""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
from datetime import date, timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlparse

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test import Client
from django.test.testcases import LiveServerThread, _StaticFilesHandler
from django.utils import timezone

from shelter import services
from shelter.choices import Grounds
from shelter.layout import ensure_default_layout
from shelter.models import Bed, Stay
from tests.factories import ChildFactory, TeamFactory, UserFactory, member_of, open_case

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.pg,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="measured on PostgreSQL"),
]

REQUESTS = 50
FREE_BEDS = 4
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class BackloggedServer(ThreadedWSGIServer):
    request_queue_size = 128


class BenchServerThread(LiveServerThread):
    server_class = BackloggedServer


@pytest.fixture
def server_url():
    thread = BenchServerThread("127.0.0.1", _StaticFilesHandler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


class Session:
    """One member of staff's browser: session and CSRF cookies, over http.client."""

    def __init__(self, base: str, user) -> None:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        self.host = urlparse(base).netloc
        self.cookies = {"sessionid": client.cookies["sessionid"].value}
        self.token = ""

    def _headers(self, extra: dict | None = None) -> dict:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie, **(extra or {})}

    def _keep(self, response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    def get(self, path: str) -> str:
        conn = http.client.HTTPConnection(self.host, timeout=60)
        conn.request("GET", path, headers=self._headers())
        response = conn.getresponse()
        body = response.read().decode()
        self._keep(response)
        conn.close()
        match = TOKEN.search(body)
        if match:
            self.token = match[1]
        return body

    def post(self, path: str, data: dict) -> tuple[int, str, float]:
        body = urlencode({**data, "csrfmiddlewaretoken": self.token})
        headers = self._headers({"Content-Type": "application/x-www-form-urlencoded"})
        conn = http.client.HTTPConnection(self.host, timeout=60)
        started = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        elapsed = time.perf_counter() - started
        conn.close()
        return response.status, text, elapsed


def test_fifty_concurrent_admission_requests_fill_exactly_the_free_beds(server_url):
    ensure_default_layout()
    team = TeamFactory(name="計測係")
    supervisor = member_of(
        UserFactory(username="sv_bench", roles=["supervisor"]), team, supervisor=True
    )
    lead = member_of(UserFactory(username="cw_bench", roles=["caseworker"]), team)
    staff = [UserFactory(username=f"shelter_bench{i}", roles=["shelter"]) for i in range(5)]

    def new_case():
        return open_case(
            actor=supervisor, child=ChildFactory(), team=team, lead=lead, opened_on=date(2026, 1, 5)
        )

    beds = list(Bed.objects.filter(active=True).order_by("pk"))
    for bed in beds[: len(beds) - FREE_BEDS]:
        services.stay_admit(
            actor=staff[0],
            case=new_case(),
            grounds=Grounds.ABUSE,
            started_on=timezone.localdate() - timedelta(days=10),
            parental_consent=False,
            bed=bed,
        )
    cases = [new_case() for _ in range(REQUESTS)]
    sessions = []
    for i, case in enumerate(cases):
        session = Session(server_url, staff[i % len(staff)])
        session.get(f"/shelter/admit/?{urlencode({'case_number': case.number})}")
        assert session.token, "the admission page offers a CSRF token"
        sessions.append(session)

    barrier = threading.Barrier(REQUESTS)
    results: list[tuple[int, str, float]] = [None] * REQUESTS  # type: ignore[list-item]

    def send(i: int) -> None:
        form = {
            "case_number": cases[i].number,
            "kind": "shelter",
            "bed": "",
            "entrusted_to": "",
            "grounds": "abuse",
            "started_on": timezone.localdate().isoformat(),
            "parental_consent": "no",
        }
        barrier.wait()
        results[i] = sessions[i].post("/shelter/admit/", form)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(REQUESTS)]
    wall = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    wall = time.perf_counter() - wall

    statuses = [status for status, _text, _t in results]
    latencies = sorted(t for _s, _text, t in results)
    succeeded = statuses.count(302)
    refused = [text for status, text, _t in results if status == 400]
    server_errors = sum(1 for s in statuses if s >= 500)
    p95 = latencies[int(round(0.95 * len(latencies))) - 1]
    print(
        f"\n[bench] {REQUESTS} concurrent admissions over HTTP, {FREE_BEDS} free beds: "
        f"succeeded={succeeded} refused={len(refused)} (満床 "
        f"{sum('満床' in t for t in refused)}) 5xx={server_errors} "
        f"p50={statistics.median(latencies) * 1000:.0f}ms p95={p95 * 1000:.0f}ms "
        f"max={latencies[-1] * 1000:.0f}ms wall={wall:.2f}s"
    )
    assert server_errors == 0
    assert succeeded == FREE_BEDS
    assert len(refused) == REQUESTS - FREE_BEDS
    assert all("満床" in text or "ベッド使用中" in text for text in refused)
    assert Stay.objects.in_house().count() == len(beds)
