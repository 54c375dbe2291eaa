"""Fill the name-search indexes of children saved before they existed (an upgrade step):
`manage.py reindex_children`. Streams the table; safe to run again (it rewrites the same
hashes). Run it after `migrate` when upgrading, and after changing the blind-index key."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from casework.models import Child
from casework.models.children import kana_indexes

FIELDS = ["kana_family_index", "kana_given_index", "kana_full_index"]


class Command(BaseCommand):
    help = "児童の氏名検索用の索引（照合用ハッシュ）を作り直します。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--chunk", type=int, default=2000)

    def handle(self, *args, chunk: int, **options) -> None:
        done = 0
        batch: list[Child] = []
        for child in Child.objects.order_by("pk").iterator(chunk_size=chunk):
            for name, value in kana_indexes(child.family_name_kana, child.given_name_kana).items():
                setattr(child, name, value)
            batch.append(child)
            if len(batch) >= chunk:
                Child.objects.bulk_update(batch, FIELDS)  # bookkeeping: no history row
                done += len(batch)
                batch = []
        if batch:
            Child.objects.bulk_update(batch, FIELDS)
            done += len(batch)
        self.stdout.write(f"児童 {done} 人の検索索引を更新しました。")
