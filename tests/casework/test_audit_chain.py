"""The audit chain and `verify_audit` (PRODUCT §5): clean history passes, tampering is named."""

from __future__ import annotations

import threading

import pgtrigger
import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from casework.audit.chain import bulk_create_chained, history_models, link_rows, verify
from casework.models import AuditLink, ChainHead, Child, Team
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db
K1 = "k1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


def tampering():
    """Switch off the append-only triggers (PostgreSQL) so a test can play the attacker."""
    uris = [f"{m._meta.label}:history_append_only" for m in history_models()]
    uris += ["casework.AuditLink:append_only", "casework.ChainHead:keep_chain_head"]
    return pgtrigger.ignore(*uris)


def sql(statement: str, *params) -> None:
    with tampering(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def run_verify(capsys) -> tuple[int, str]:
    try:
        call_command("verify_audit")
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def history(supervisor):
    """A few saves across models: every one of them joins the chain."""
    team = Team.objects.create(name="監査テスト係")
    team.name = "監査テスト係（改称）"
    team.save()
    child = ChildFactory(family_name="鎖川")
    child.school = "港区立青山小学校"
    child.save()
    return {"team": team, "child": child}


def test_a_clean_history_passes_with_exit_0_and_a_japanese_summary(history, capsys):
    code, output = run_verify(capsys)
    links = AuditLink.objects.count()
    assert code == 0
    assert f"監査チェーン: {links} 件の履歴を検証しました。改ざんは見つかりませんでした。" in output
    assert "内訳:" in output
    assert not any(word in output for word in ("link", "row", "altered", "deleted"))


def test_every_history_row_is_linked_in_order_and_the_head_follows(history):
    links = list(AuditLink.objects.order_by("seq"))
    rows = sum(m.objects.count() for m in history_models())
    assert [link.seq for link in links] == list(range(1, rows + 1))
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.mac) == (links[-1].seq, links[-1].mac)


def test_an_edited_history_row_is_named_as_altered(history, capsys):
    row = Team.history.filter(id=history["team"].pk).earliest()
    link = AuditLink.objects.get(history_label="casework.HistoricalTeam", history_id=row.pk)
    sql("UPDATE casework_historicalteam SET name = %s WHERE history_id = %s", "偽係", row.pk)
    code, output = run_verify(capsys)
    assert code == 1
    first = output.split("最初の破損箇所:")[1].splitlines()[0]
    assert f"#{link.seq}" in first
    assert "casework.HistoricalTeam" in first
    assert f"履歴ID {row.pk}" in first
    assert "【改ざん】" in first


def test_a_tampered_encrypted_value_is_reported_not_crashed_on(history, capsys):
    row = Child.history.filter(id=history["child"].pk).latest()
    sql(
        "UPDATE casework_historicalchild SET school = %s WHERE history_id = %s",
        "mm1$k2$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0NTY3ODkwYWJjZA==",
        row.pk,
    )
    result = verify()
    assert [(p.kind, p.history_id) for p in result.problems] == [("altered", row.pk)]
    assert "復号できません" in result.problems[0].message


def test_a_missing_key_is_reported_as_unverifiable_not_as_tampering(history, capsys):
    with override_settings(MIMAMORI_FIELD_KEYS=[K1]):
        code, output = run_verify(capsys)
    assert code == 1
    assert "【鍵がなく検証不能】" in output
    assert "【改ざん】" not in output
    assert "MIMAMORI_FIELD_KEYS" in output


def test_a_deleted_history_row_is_reported(history, capsys):
    row = Team.history.filter(id=history["team"].pk).latest()
    sql("DELETE FROM casework_historicalteam WHERE history_id = %s", row.pk)
    code, output = run_verify(capsys)
    assert code == 1
    assert "【削除】" in output
    assert f"履歴ID {row.pk}" in output


def test_a_history_row_inserted_without_a_link_is_reported(history, capsys):
    team = history["team"]
    forged = Team.history.model.objects.create(
        id=team.pk,
        name="後から足した係",
        active=True,
        history_date=timezone.now(),
        history_type="~",
        history_change_reason="",
    )
    code, output = run_verify(capsys)
    assert code == 1
    assert "【挿入】" in output
    assert f"履歴ID {forged.pk}" in output
    assert "チェーン外" in output


def test_a_deleted_link_is_reported_as_missing(history, capsys):
    link = AuditLink.objects.order_by("seq")[1]
    sql("DELETE FROM casework_auditlink WHERE seq = %s", link.seq)
    code, output = run_verify(capsys)
    assert code == 1
    assert "【リンク欠落】" in output
    assert f"#{link.seq}" in output
    assert "【挿入】" in output  # its history row is now outside the chain


def test_a_truncated_chain_tail_disagrees_with_the_head(history, capsys):
    last = AuditLink.objects.order_by("-seq").first()
    sql("DELETE FROM casework_auditlink WHERE seq = %s", last.seq)
    result = verify()
    kinds = {p.kind for p in result.problems}
    assert {"link_missing", "inserted"} <= kinds


def test_a_forged_link_mac_is_reported(history):
    link = AuditLink.objects.order_by("seq")[2]
    sql("UPDATE casework_auditlink SET mac = %s WHERE seq = %s", "f" * 64, link.seq)
    result = verify()
    assert result.problems[0].seq == link.seq
    assert result.problems[0].kind == "altered"


def test_bulk_rows_must_be_linked_and_link_rows_does_it(history, capsys):
    created = bulk_create_with_history([Team(name=f"一括{i}係") for i in range(3)], Team)
    result = verify()
    assert [p.kind for p in result.problems] == ["inserted"] * 3
    ids = Team.history.filter(id__in=[t.pk for t in created]).values_list("history_id", flat=True)
    link_rows(Team.history.model, sorted(ids))
    assert verify().ok


def test_bulk_create_chained_links_as_it_creates(history):
    bulk_create_chained([Team(name=f"連鎖{i}係") for i in range(5)], Team, default_user=None)
    assert verify().ok


def test_the_report_is_capped_at_about_fifty_lines(history, capsys):
    bulk_create_with_history([Team(name=f"大量{i}係") for i in range(80)], Team)
    code, output = run_verify(capsys)
    assert code == 1
    assert "80 件の問題" in output
    assert len(output.strip().splitlines()) <= 50
    assert "ほか" in output


@pg_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_keep_one_linear_chain():
    """Eight threads, each with its own connection, save at once: no fork, no gap."""
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(3):
                Team.objects.create(name=f"並行{n}-{i}係")
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(AuditLink.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert Team.history.filter(name__startswith="並行").count() == 24
    result = verify()
    assert result.ok, [str(p) for p in result.problems]
