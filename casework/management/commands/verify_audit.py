"""Check that the change history and the access log have not been altered, removed or truncated
(PRODUCT §5). Exit 1 with a report if they have.

First seals what is waiting; then every chained row must be in the audit chain with a MAC that
still matches its decrypted content, links numbered without gaps up to the chain head, and the
head at or past every checkpoint of the witness file (and of `--since SEQ:MAC`, a checkpoint
the operator kept elsewhere) with the same MACs. Rows left unsealed too long are reported.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from casework.audit.chain import (
    KIND_LABELS,
    NO_KEY,
    UNSEALED,
    Verification,
    chained_models,
    verify,
)
from casework.audit.rows import record_type_label
from casework.audit.witness import parse_checkpoint

MAX_LINES = 50


class Command(BaseCommand):
    help = "変更履歴の監査チェーンを検証します。改ざんがあれば報告して終了コード 1 で終わります。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--since",
            action="append",
            default=[],
            metavar="SEQ:MAC",
            help="別の場所に保管したチェーン先頭の控え（通番:MAC）。これと一致しなければ失敗します。",
        )

    def handle(self, *args, batch_size: int, since: list[str], **options) -> None:
        try:
            checkpoints = [parse_checkpoint(text, f"--since {text}") for text in since]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        result = verify(batch_size=batch_size, since=checkpoints)
        if result.ok:
            self.stdout.write(
                f"監査チェーン: {result.checked} 件の履歴を検証しました。"
                "改ざんは見つかりませんでした。"
            )
            self._breakdown(result)
            return
        self.stderr.write(self._report(result))
        sys.exit(1)

    def _breakdown(self, result: Verification) -> None:
        titles = {m._meta.label: record_type_label(m) for m in chained_models()}
        parts = [
            f"{titles.get(label, label)} {count} 件"
            for label, count in sorted(result.per_label.items())
        ]
        if parts:
            self.stdout.write("内訳: " + "、".join(parts))

    def _report(self, result: Verification) -> str:
        titles = {m._meta.label: record_type_label(m) for m in chained_models()}
        first = result.problems[0]
        lines = [
            f"監査チェーン: {result.checked} 件の履歴を検証し、"
            f"{result.total_problems} 件の問題が見つかりました。",
            "最初の破損箇所: " + self._describe(first, titles),
            "種類別: " + "、".join(f"{KIND_LABELS[k]} {n} 件" for k, n in result.per_kind.items()),
            "問題の一覧:",
        ]
        if result.per_kind.get(NO_KEY):
            lines.insert(
                3, "暗号鍵の設定（MIMAMORI_FIELD_KEYS）を確認してから、もう一度実行してください。"
            )
        room = MAX_LINES - len(lines) - 1
        lines += ["  " + self._describe(p, titles) for p in result.problems[:room]]
        hidden = result.total_problems - min(room, len(result.problems))
        if hidden > 0:
            lines.append(f"  ……ほか {hidden} 件（表示を省略しました）")
        return "\n".join(lines)

    @staticmethod
    def _describe(problem, titles: dict[str, str]) -> str:
        where = [f"チェーン #{problem.seq}" if problem.seq is not None else "チェーン外"]
        if problem.kind == UNSEALED:
            where = ["封印前"]
        if problem.label:
            where.append(f"{titles.get(problem.label, problem.label)}（{problem.label}）")
        if problem.history_id is not None:
            where.append(f"履歴ID {problem.history_id}")
        return f"【{KIND_LABELS[problem.kind]}】{' '.join(where)}: {problem.message}"
