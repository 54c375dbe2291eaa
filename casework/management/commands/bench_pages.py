"""bench_pages: server time and query count of the main pages on the current database.

Run after `seed_demo --cases 100000` (see `make bench`). Reports, never asserts: the numbers go
into the closing notes of the work that changes them.
"""

from __future__ import annotations

import statistics
import time

from django.core.management.base import BaseCommand, CommandParser
from django.core.paginator import Paginator
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import override_settings

from casework.models import Case, User

DEFAULT_PATHS = ["/cases/", "/cases/?status=open", "/dashboard/"]


def median_ms(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class Command(BaseCommand):
    help = "主要画面のサーバー処理時間（中央値）とクエリ数を計測します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--users", nargs="*", default=["supervisor1", "caseworker1"])
        parser.add_argument("--path", action="append", dest="paths")

    @override_settings(ALLOWED_HOSTS=["*"])
    def handle(self, *args, runs: int, users: list[str], paths: list[str] | None, **opts) -> None:
        self.stdout.write(f"database: {connection.vendor}, cases: {Case.objects.count()}")
        for username in users:
            user = User.objects.get(username=username)
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            for path in paths or DEFAULT_PATHS:
                response = client.get(path)  # warm up
                if response.status_code != 200:
                    self.stdout.write(f"{username:12} {path:28} HTTP {response.status_code}")
                    continue
                executed: list[str] = []

                def count(execute, sql, params, many, context, executed=executed):
                    executed.append(sql)
                    return execute(sql, params, many, context)

                with connection.execute_wrapper(count):
                    client.get(path)
                ms = median_ms(lambda c=client, p=path: c.get(p), runs)
                self.stdout.write(
                    f"{username:12} {path:28} median {ms:7.1f} ms  queries {len(executed)}"
                )
            self._scope_ratio(user, runs)
        reset_queries()

    def _scope_ratio(self, user: User, runs: int) -> None:
        """The scoped list's first page against the same page filtered by a plain foreign key."""

        def page(queryset):
            paginator = Paginator(queryset.for_list().order_by("-opened_on", "-seq"), 50)
            return list(paginator.get_page(1)), paginator.count

        if user.has_role("supervisor"):
            plain_qs = Case.objects.filter(team_id__in=sorted(user.supervises()))
        else:
            plain_qs = Case.objects.filter(lead=user)
        scoped = median_ms(lambda: page(Case.objects.visible_to(user)), runs)
        plain = median_ms(lambda: page(plain_qs), runs)
        self.stdout.write(
            f"{user.username:12} scoped page {scoped:.1f} ms vs plain FK page {plain:.1f} ms "
            f"(ratio {scoped / plain:.2f})"
        )
