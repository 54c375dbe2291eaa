"""seed_demo: idempotent demo data (PRODUCT §5). `--cases N` tops the case count up to N."""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils import timezone

from casework.registry import seeders
from casework.seed.cases import seed_cases
from casework.seed.core import seed_staff

DEFAULT_CASES = 200
DEFAULT_PASSWORD = "mimamori-demo-2026"  # noqa: S105 - the documented demo password


class Command(BaseCommand):
    help = "デモ用の職員・児童・ケースなどを作成します（何度実行しても重複しません）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="デモ利用者のパスワード")
        parser.add_argument(
            "--cases", type=int, default=DEFAULT_CASES, help="ケースの総数（不足分だけ追加します）"
        )
        parser.add_argument("--seed", type=int, default=20261129, help="乱数の種")

    def handle(self, *args, password: str, cases: int, seed: int, **options) -> None:
        started = time.monotonic()
        today = timezone.localdate()
        users = seed_staff(password, cases)
        self.stdout.write(f"職員: {len(users)} 名（デモ利用者 8 名）")
        # Each run continues the random stream from the current size, so reruns add, not repeat.
        from casework.models import Case

        rng = random.Random(seed + Case.objects.count())

        def progress(done: int, total: int) -> None:
            if total >= 10000:
                self.stdout.write(
                    f"  ケース {done}/{total} 件 ({time.monotonic() - started:.0f} 秒)"
                )

        added = seed_cases(target=cases, rng=rng, today=today, progress=progress)
        self.stdout.write(f"ケース: {added} 件を追加（合計 {Case.objects.count()} 件）")
        if added and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics after a bulk load: good plans
        context = {"rng": rng, "today": today, "users": users, "password": password}
        for seeder in seeders():
            self.stdout.write(seeder(context))
        # The ledger brought up to date for what was seeded, as cron would do every few minutes.
        from django.core.management import call_command

        call_command("run_reminders", stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"デモデータの準備ができました（{time.monotonic() - started:.1f} 秒）。"
            )
        )
