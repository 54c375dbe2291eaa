"""run_reminders: bring the deadline ledger up to date and send what has fallen due (PRODUCT §5).

Idempotent and safe from cron every few minutes, and from two processes at once: deadlines and
notifications have unique keys, the ledger is brought up to date under one lock at a time, and
each e-mail is claimed before it is sent. Records are streamed, never loaded all at once.

    */5 * * * *  cd /srv/mimamori && .venv/bin/python manage.py run_reminders
"""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from casework.audit.chain import seal_recent
from casework.deadlines import open_escalations, send_notification_mail, sources


def parse_now(value: str | None) -> datetime:
    if not value:
        return timezone.now()
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError("--now は 2026-12-01T09:00+09:00 の形で指定してください。")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = "期限の台帳を最新にし、期限の近いもの・過ぎたものを担当者と係に通知します。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--now", help="この日時として実行する（ISO 8601、試験・再実行用）")

    def handle(self, *args, now: str | None = None, **options) -> None:
        moment = parse_now(now)
        opened: dict[str, int] = {}
        for source in sources():
            for label, count in source(moment).items():
                opened[label] = opened.get(label, 0) + count
        notified = open_escalations(moment)
        mailed = send_notification_mail()
        sealed = seal_recent()
        parts = "、".join(f"{label} {count}" for label, count in opened.items())
        local = timezone.localtime(moment)
        self.stdout.write(
            f"run_reminders {local:%Y-%m-%d %H:%M}: 期限を追加 {sum(opened.values())} 件"
            f"（{parts}）、通知 {notified} 件、メール {mailed} 件、監査チェーン #{sealed.seq}"
        )
