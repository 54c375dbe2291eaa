"""The loopback load test of `make bench` (issue 13): gunicorn with the production configuration
(config/gunicorn.conf.py) on 127.0.0.1, driven by wrk (Debian's package) for a bounded time.

Scenarios, each its own wrk run against the same server:
- the login page, anonymous (the baseline: the cheapest page the server has);
- a caseworker's case page and case list (signed in over HTTP like a browser);
- 20 intake clients recording abuse reports at once (each POST a new child and its 48-hour
  clock; counted only when the answer is the redirect to the new record).

Run on a copy of the bench database (`CREATE DATABASE … TEMPLATE …`) with a copy of its audit
witness, so that what the load writes never touches the database the page measurements and
`verify_audit` use. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "mimamori-demo-2026"  # noqa: S105 - seed_demo's documented demo password

# wrk reports through Lua: every thread counts the answers it got by status, and `done` prints
# one JSON line (throughput, latency percentiles in ms, answers that were not the expected one).
LUA = r"""
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  good = 0
  bad = 0
  n = 0
  last_bad = 0
end
EXPECT = tonumber(os.getenv("WRK_EXPECT") or "200")
BODY = os.getenv("WRK_BODY")
function request()
  if BODY == nil or BODY == "" then
    return wrk.request()
  end
  n = n + 1
  -- a different child each time: the birth date moves by a day per request and thread
  local day = (id * 997 + n) % 5000
  local t = os.time({year = 2010, month = 1, day = 1, hour = 12}) + day * 86400
  local body = BODY:gsub("BIRTHDATE", os.date("!%Y-%m-%d", t))
  return wrk.format("POST", nil, nil, body)
end
function response(status, headers, body)
  if status == EXPECT then good = good + 1 else
    bad = bad + 1
    last_bad = status
  end
end
function done(summary, latency, requests)
  local good_total, bad_total, last = 0, 0, 0
  for _, t in ipairs(threads) do
    good_total = good_total + t:get("good")
    bad_total = bad_total + t:get("bad")
    if t:get("last_bad") ~= 0 then last = t:get("last_bad") end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '@@ {"requests": %d, "seconds": %.2f, "rps": %.1f, "p50_ms": %.1f, "p95_ms": %.1f,' ..
    ' "p99_ms": %.1f, "good": %d, "bad": %d, "bad_status": %d, "socket_errors": %d}\n',
    summary.requests, seconds, good_total / seconds, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, good_total, bad_total, last,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Signs in over HTTP like a browser and keeps the cookies."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=60) as response:  # noqa: S310 - loopback
            return response.geturl(), response.read().decode()

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def login(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        data = urllib.parse.urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookie("csrftoken"),
            }
        ).encode()
        request = urllib.request.Request(self.base + "/accounts/login/", data=data)  # noqa: S310
        request.add_header("Referer", self.base + "/accounts/login/")
        with self.opener.open(request, timeout=60) as response:  # noqa: S310 - loopback
            landed = response.geturl()
        if "/accounts/login/" in landed or "two-factor" in landed:
            raise RuntimeError(f"{username}: sign-in did not complete (landed on {landed})")

    def header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def first_option(name: str, html: str) -> str:
    """The first real choice of the form's <select name=…> (optgroups allowed)."""
    select = first(rf'(<select[^>]*name="{name}".*?</select>)', html, f"the field {name}")
    return first(r'<option value="(\d+)"', select, f"a choice for {name}")


def first(pattern: str, html: str, what: str) -> str:
    match = re.search(pattern, html, re.S)
    if not match:
        raise RuntimeError(f"load test: {what} not found on the page")
    return match.group(1)


def wrk(
    url: str,
    *,
    seconds: int,
    connections: int,
    cookie: str = "",
    body: str = "",
    expect: int = 200,
    csrf: str = "",
) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s"]
    command += ["-s", script.name]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if body:
        command += ["-H", "Content-Type: application/x-www-form-urlencoded"]
        command += ["-H", f"X-CSRFToken: {csrf}", "-H", f"Referer: {url}"]
    env = {"PATH": "/usr/bin:/bin", "WRK_EXPECT": str(expect), "WRK_BODY": body}
    done = subprocess.run([*command, url], env=env, capture_output=True, text=True)  # noqa: S603
    Path(script.name).unlink(missing_ok=True)
    lines = [x for x in done.stdout.splitlines() if x.startswith("@@ ")]
    if done.returncode or not lines:
        raise RuntimeError(f"wrk failed: {done.stdout[-500:]} {done.stderr[-500:]}")
    result = json.loads(lines[-1][3:])
    result["connections"] = connections
    return result


def copy_database(conn_url_admin: str, source: str, target: str) -> None:
    import psycopg

    with psycopg.connect(conn_url_admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def drop_database(conn_url_admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(conn_url_admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(
    *,
    python: str,
    env: dict[str, str],
    admin_url: str,
    database_url: str,
    source: str,
    witness: Path,
    seconds: int,
) -> dict:
    """Copy `source`, serve the copy with gunicorn, run the scenarios, drop the copy."""
    target = f"{source}_load"
    copy_database(admin_url, source, target)
    load_witness = witness.with_name(f"{witness.stem}-load.log")
    if witness.exists():
        shutil.copyfile(witness, load_witness)
    else:
        load_witness.unlink(missing_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_env = dict(env)
    server_env.update(
        DATABASE_URL=database_url.rsplit("/", 1)[0] + "/" + target,
        MIMAMORI_AUDIT_WITNESS=str(load_witness),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_ACCESS_LOG="/dev/null",
        GUNICORN_LOG_LEVEL="warning",
    )
    gunicorn = str(Path(python).with_name("gunicorn"))
    server = subprocess.Popen(  # noqa: S603
        [gunicorn, "-c", "config/gunicorn.conf.py", "config.wsgi"], env=server_env, cwd=ROOT
    )
    results: dict = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                Browser(base).get("/accounts/login/")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not answer") from None
                time.sleep(0.5)
        results["workers"] = _workers()
        caseworker = Browser(base)
        caseworker.login("caseworker1", DEMO_PASSWORD)
        _, listing = caseworker.get("/cases/")
        case_path = first(r'href="(/cases/\d+/)"', listing, "a case on caseworker1's list")
        intake = Browser(base)
        intake.login("intake1", DEMO_PASSWORD)
        _, form = intake.get("/intake/new/")
        team = first_option("team", form)
        route = first_option("route", form)
        body = urllib.parse.urlencode(
            {
                "team": team,
                "received_at": "2026-11-28T23:40",
                "channel": "hotline",
                "route": route,
                "category": "1",
                "abuse_types": "physical",
                "urgency": "high",
                "summary": "夜中に子どもの叫び声と物が壊れる音がする。",
                "reporter_anonymous": "on",
                "child-family_name": "負荷",
                "child-given_name": "試験",
                "child-family_name_kana": "ふか",
                "child-given_name_kana": "しけん",
                "child-birth_date": "BIRTHDATE",
                "child-sex": "F",
                "child-town": "芝浦",
                "csrfmiddlewaretoken": intake.cookie("csrftoken"),
            }
        )
        scenarios = [
            ("login page (anonymous)", "/accounts/login/", "", "", 200, 8),
            ("case page (caseworker1)", case_path, caseworker.header(), "", 200, 8),
            ("case list (caseworker1)", "/cases/", caseworker.header(), "", 200, 8),
            (
                "20 intake clients: new abuse report (intake1)",
                "/intake/new/",
                intake.header(),
                body,
                302,
                20,
            ),
        ]
        for label, path, cookie, post, expect, connections in scenarios:
            print(f"load test: {label} …", flush=True)
            results[label] = wrk(
                base + path,
                seconds=seconds,
                connections=connections,
                cookie=cookie,
                body=post,
                expect=expect,
                csrf=intake.cookie("csrftoken"),
            )
    finally:
        server.terminate()
        server.wait(timeout=60)
        drop_database(admin_url, target)
        load_witness.unlink(missing_ok=True)
    return results


def _workers() -> int:
    import multiprocessing
    import os

    return int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
