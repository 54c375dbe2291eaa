"""bench_pages: server time and query count of the main pages, per role, on the current database.

Run after `seed_demo --cases N` (`make bench` does both, see scripts/bench.py). Reports, never
asserts. For each page: median and p95 of the server time (the Django test client: middleware,
view, template; no network) and the number of queries. With `--ratios`, the comparisons of
issue 13, each measured in one run with interleaved repetitions:

- the supervisor's dashboard against the same aggregates in hand-written SQL;
- a caseworker's scoped case list (its first page and count) against the same page selected by
  a plain foreign key (`lead_id`).

`--json PATH` writes the results for scripts/bench.py, which writes BENCHMARKS.md.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.core.paginator import Paginator
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from casework.models import Case, User

# role user -> pages (paths; {case}, {child}, {consultation} filled from what the user may see)
PAGES: dict[str, list[str]] = {
    "supervisor1": [
        "/dashboard/",
        "/cases/",
        "/cases/?status=open",
        "/cases/?district=芝浦港南",
        "/cases/?page=40",
        "/cases/{case}/",
        "/children/{child}/",
        "/intake/",
        "/intake/{consultation}/",
        "/reminders/?state=all",
    ],
    "caseworker1": ["/cases/", "/cases/{case}/", "/children/{child}/", "/reminders/"],
    "intake1": ["/intake/", "/intake/?status=all&page=20"],
    "auditor1": ["/audit/", "/audit/access/", "/audit/deadlines/"],
    "shelter1": ["/shelter/"],
    "foster1": ["/foster/"],
}


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


def interleaved(a: Callable[[], object], b: Callable[[], object], runs: int) -> dict:
    """Median of each, alternating a and b so that both see the same machine load."""
    first, second = [], []
    for _ in range(runs):
        first.append(timed(a))
        second.append(timed(b))
    ma, mb = statistics.median(first), statistics.median(second)
    return {"a_ms": round(ma, 1), "b_ms": round(mb, 1), "ratio": round(ma / mb, 2)}


def count_queries(fn: Callable[[], object]) -> int:
    executed: list[str] = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fn()
    return len(executed)


class Command(BaseCommand):
    help = "主要画面のサーバー処理時間（中央値・p95）とクエリ数を役割ごとに計測します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=15)
        parser.add_argument("--users", nargs="*", default=list(PAGES))
        parser.add_argument("--path", action="append", dest="paths", help="計測する画面だけ")
        parser.add_argument("--ratios", action="store_true", help="issue 13 の比も計測する")
        parser.add_argument("--json", dest="json_path", help="結果を JSON で書き出す")

    @override_settings(ALLOWED_HOSTS=["*"])
    def handle(self, *args, runs: int, users, paths, ratios: bool, json_path, **opts) -> None:
        cases = Case.objects.count()
        self.stdout.write(f"database: {connection.vendor}, cases: {cases}")
        results: dict = {"cases": cases, "pages": [], "ratios": {}}
        for username in users:
            user = User.objects.filter(username=username).first()
            if user is None:
                continue
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            for template in paths or PAGES.get(username, []):
                path = self._fill(template, user)
                if path is None:
                    continue
                row = self._page(client, username, template, path, runs)
                results["pages"].append(row)
                reset_queries()
        if ratios:
            results["ratios"]["dashboard_vs_sql"] = self._dashboard_ratio(runs)
            results["ratios"]["scoped_vs_plain"] = self._scope_ratio(runs)
        if json_path:
            with open(json_path, "w", encoding="utf-8") as out:
                json.dump(results, out, ensure_ascii=False, indent=1)

    def _fill(self, template: str, user: User) -> str | None:
        """The page's path with the ids of records this user may open (the newest)."""
        if "{" not in template:
            return template
        # By name: casework never imports the apps built on it (the bench visits their pages).
        consultations = apps.get_model("intake", "Consultation").objects
        case = Case.objects.visible_to(user).order_by("-pk").first()
        consultation = consultations.visible_to(user).order_by("-pk").first()
        ids = {
            "case": case.pk if case else None,
            "child": case.child_id if case else None,
            "consultation": consultation.pk if consultation else None,
        }
        key = template.split("{")[1].split("}")[0]
        return None if ids[key] is None else template.format(**{key: ids[key]})

    def _page(self, client: Client, username: str, template: str, path: str, runs: int) -> dict:
        response = client.get(path)  # warm up
        if response.status_code != 200:
            self.stdout.write(f"{username:12} {path:32} HTTP {response.status_code}")
            return {"user": username, "page": template, "status": response.status_code}
        queries = count_queries(lambda: client.get(path))
        stats = summary([timed(lambda: client.get(path)) for _ in range(runs)])
        self.stdout.write(
            f"{username:12} {path:32} median {stats['median_ms']:7.1f} ms"
            f"  p95 {stats['p95_ms']:7.1f} ms  queries {queries}"
        )
        return {"user": username, "page": template, "status": 200, "queries": queries, **stats}

    def _dashboard_ratio(self, runs: int) -> dict:
        """supervisor1's dashboard page against its aggregates as hand-written SQL."""
        user = User.objects.get(username="supervisor1")
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        client.get("/dashboard/")
        teams = sorted(user.supervises())
        now = timezone.now()
        quiet_since = now - timedelta(days=30)
        statements = [
            (
                "SELECT c.lead_id, u.display_name, u.username, c.status, count(*)"
                " FROM casework_case c JOIN casework_user u ON u.id = c.lead_id"
                " WHERE c.team_id = ANY(%s) GROUP BY 1, 2, 3, 4",
                [teams],
            ),
            (
                "SELECT c.id, c.opened_on, (SELECT max(n.occurred_at) FROM casework_casenote n"
                " WHERE n.case_id = c.id) AS last_record, count(*) OVER () AS total"
                " FROM casework_case c WHERE c.team_id = ANY(%s) AND c.status <> 'closed'"
                " AND c.opened_on <= %s AND NOT EXISTS (SELECT 1 FROM casework_casenote n"
                " WHERE n.case_id = c.id AND n.occurred_at >= %s)"
                " ORDER BY coalesce((SELECT max(n.occurred_at) FROM casework_casenote n"
                " WHERE n.case_id = c.id), c.opened_on::timestamptz), c.id LIMIT 20",
                [teams, quiet_since.date(), quiet_since],
            ),
            (
                "SELECT k.id, k.safety_due_at, k.child_id, c.lead_id, count(*) OVER () AS total"
                " FROM intake_consultation k LEFT JOIN casework_case c ON c.id = k.case_id"
                " WHERE (k.team_id = ANY(%s) OR c.team_id = ANY(%s))"
                " AND k.safety_due_at IS NOT NULL AND k.safety_confirmed_at IS NULL"
                " ORDER BY k.safety_due_at LIMIT 50",
                [teams, teams],
            ),
            (
                "SELECT d.id, d.kind, d.due_at, count(*) OVER () AS total FROM casework_deadline d"
                " WHERE d.state = 'open' AND d.opens_at <= %s"
                " AND (d.team_id = ANY(%s) OR d.owner_id = %s) ORDER BY d.due_at, d.id LIMIT 10",
                [now, teams, user.pk],
            ),
            (
                "SELECT d.id, d.case_id, d.due_at FROM casework_deadline d"
                " WHERE d.state = 'open' AND d.kind IN ('plan_approval', 'closure_approval')"
                " AND d.team_id = ANY(%s) ORDER BY d.due_at, d.id LIMIT 20",
                [teams],
            ),
        ]

        def by_hand() -> None:
            with connection.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
                    cursor.fetchall()

        result = interleaved(lambda: client.get("/dashboard/"), by_hand, runs)
        self.stdout.write(
            f"dashboard {result['a_ms']} ms vs hand-written SQL {result['b_ms']} ms"
            f" (ratio {result['ratio']})"
        )
        return result

    def _scope_ratio(self, runs: int) -> dict:
        """caseworker1's scoped case list (first page and count) against a plain FK page."""
        user = User.objects.get(username="caseworker1")

        def page(queryset) -> None:
            paginator = Paginator(queryset.for_list().order_by("-opened_on", "-seq"), 50)
            list(paginator.get_page(1))
            _ = paginator.count

        result = interleaved(
            lambda: page(Case.objects.visible_to(user)),
            lambda: page(Case.objects.filter(lead=user)),
            runs,
        )
        self.stdout.write(
            f"caseworker1 scoped page {result['a_ms']} ms vs plain FK page {result['b_ms']} ms"
            f" (ratio {result['ratio']})"
        )
        return result
