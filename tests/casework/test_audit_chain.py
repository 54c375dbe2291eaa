"""The audit chain and `verify_audit` (PRODUCT §5): clean history passes, tampering is named,
and the witness outside the database catches a cut tail, a rewound head and a wiped history."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pgtrigger
import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from casework.audit.chain import (
    bulk_create_chained,
    history_models,
    link_rows,
    seal,
    seal_recent,
    verify,
)
from casework.models import AccessLog, AuditLink, ChainHead, Child, Team
from tests.conftest import as_owner
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db
K1 = "k1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


def tampering():
    """Switch off the append-only triggers (PostgreSQL) so a test can play the attacker."""
    uris = [f"{m._meta.label}:history_append_only" for m in history_models()]
    uris += ["casework.AuditLink:append_only", "casework.ChainHead:keep_chain_head"]
    uris += ["casework.AccessLog:append_only"]
    return pgtrigger.ignore(*uris)


def sql(statement: str, *params) -> None:
    """Raw SQL as an attacker with the owner's access (the application's role may not)."""
    with as_owner(), tampering(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def run_verify(capsys, *args) -> tuple[int, str]:
    try:
        call_command("verify_audit", *args)
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def history(supervisor):
    """A few saves across models, then sealed as they would be after commit (the test's own
    transaction never commits)."""
    team = Team.objects.create(name="監査テスト係")
    team.name = "監査テスト係（改称）"
    team.save()
    child = ChildFactory(family_name="鎖川")
    child.school = "港区立青山小学校"
    child.save()
    seal()
    return {"team": team, "child": child}


def witness_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def cut_tail(keep: int) -> None:
    """The attack of issue 9: delete the newest history rows and their links, then set the
    head back to the last remaining link, so that the chain on its own looks whole."""
    for link in AuditLink.objects.filter(seq__gt=keep):
        table = next(m for m in history_models() if m._meta.label == link.history_label)
        sql(f"DELETE FROM {table._meta.db_table} WHERE history_id = %s", link.history_id)
    sql("DELETE FROM casework_auditlink WHERE seq > %s", keep)
    last = AuditLink.objects.get(seq=keep)
    sql("UPDATE casework_chainhead SET seq = %s, mac = %s WHERE id = 1", keep, last.mac)


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
        "mm2$k2$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0NTY3ODkwYWJjZA==",
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


def test_a_backdated_history_row_outside_the_chain_is_reported_as_sealed_late(history, capsys):
    team = history["team"]
    forged = Team.history.model.objects.create(
        id=team.pk,
        name="後から足した係",
        active=True,
        history_date=timezone.now() - timedelta(minutes=6),
        history_type="~",
        history_change_reason="",
    )
    code, output = run_verify(capsys)
    assert code == 1
    assert "【封印の遅れ】" in output
    assert f"履歴ID {forged.pk}" in output
    assert "5 分を超えて" in output
    code, _ = run_verify(capsys)
    assert code == 0  # reported once, and sealed from then on


def test_the_limit_for_unsealed_rows_is_a_setting(history, settings):
    Team.history.model.objects.create(
        id=history["team"].pk,
        name="遅い係",
        active=True,
        history_date=timezone.now() - timedelta(minutes=3),
        history_type="~",
    )
    settings.MIMAMORI_AUDIT_UNSEALED_MAX_SECONDS = 60
    assert [p.kind for p in verify().problems] == ["unsealed"]


def test_a_deleted_link_is_reported_as_missing(history, capsys):
    link = AuditLink.objects.order_by("seq")[1]
    sql("DELETE FROM casework_auditlink WHERE seq = %s", link.seq)
    code, output = run_verify(capsys)
    assert code == 1
    assert "【リンク欠落】" in output
    assert f"#{link.seq}" in output


def test_a_deleted_last_link_disagrees_with_the_head(history, capsys):
    last = AuditLink.objects.order_by("-seq").first()
    sql("DELETE FROM casework_auditlink WHERE seq = %s", last.seq)
    result = verify()
    kinds = {p.kind for p in result.problems}
    assert "link_missing" in kinds or "witness" in kinds


# --- the witness ----------------------------------------------------------------------------


def test_rows_are_not_sealed_inside_the_business_transaction(
    db, django_capture_on_commit_callbacks
):
    before = AuditLink.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Team.objects.create(name="未確定係")
        Team.objects.create(name="未確定係2")
        assert AuditLink.objects.count() == before
    # One callback for the level the rows were written at, then the one sealing run.
    assert [type(c).__name__ for c in callbacks] == ["_SealOnCommit", "_Sealer"]
    for callback in callbacks:
        callback()
    assert AuditLink.objects.count() == before + 2


def test_each_sealing_run_appends_the_head_to_the_witness(history, audit_witness):
    head = ChainHead.objects.get(pk=1)
    last = witness_lines(audit_witness)[-1]
    assert (last["seq"], last["mac"], last["by"]) == (head.seq, head.mac, "seal")


def test_a_clean_verification_appends_the_head_too(history, audit_witness, capsys):
    assert run_verify(capsys)[0] == 0
    assert witness_lines(audit_witness)[-1]["by"] == "verify"


def test_a_cut_tail_with_the_head_set_back_is_caught_by_the_witness(history, capsys):
    head = ChainHead.objects.get(pk=1).seq
    cut_tail(keep=head - 2)
    code, output = run_verify(capsys)
    assert code == 1
    assert "【外部の控えとの不一致】" in output
    assert f"#{head - 2} までしかありません" in output
    assert f"#{head} まで記録されています" in output


def test_a_rewound_head_is_caught_even_after_new_links_reuse_the_numbers(history, capsys):
    """The tail is cut and new rows are written after it: the numbers are back where the
    witness saw them, but the MACs are not."""
    head = ChainHead.objects.get(pk=1).seq
    cut_tail(keep=head - 2)
    for name in ("新1係", "新2係", "新3係"):
        Team.objects.create(name=name)
    seal()
    result = verify()
    assert not result.ok
    assert any(p.kind == "witness" and "MAC と一致しません" in p.message for p in result.problems)


def test_a_wholly_erased_history_is_caught_by_the_witness(history, capsys):
    for model in history_models():
        sql(f"DELETE FROM {model._meta.db_table}")
    sql("DELETE FROM casework_accesslog")
    sql("DELETE FROM casework_auditlink")
    sql("UPDATE casework_chainhead SET seq = 0, mac = '' WHERE id = 1")
    code, output = run_verify(capsys)
    assert code == 1
    assert "#0 までしかありません" in output
    assert "全消去" in output


def test_since_checks_against_a_checkpoint_kept_elsewhere(history, audit_witness, capsys):
    head = ChainHead.objects.get(pk=1)
    kept = f"{head.seq}:{head.mac}"
    cut_tail(keep=head.seq - 1)
    audit_witness.unlink()  # the attacker could reach the witness file too
    assert run_verify(capsys)[0] == 0  # …so without the kept checkpoint nothing is seen
    cut_tail(keep=head.seq - 2)
    code, output = run_verify(capsys, "--since", kept)
    assert code == 1
    assert f"--since {kept}" in output


def test_since_refuses_a_malformed_checkpoint(history):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="通番:MAC"):
        call_command("verify_audit", "--since", "12:not-a-mac")


def test_an_unreadable_witness_line_is_a_finding(history, audit_witness):
    with audit_witness.open("a") as handle:
        handle.write("{garbage\n")
    assert [p.kind for p in verify().problems] == ["witness"]


def test_run_reminders_seals_recent_rows_and_leaves_old_ones_for_verify(supervisor):
    Team.objects.create(name="最近の係")  # not committed in this test: still unsealed
    old = Team.history.model.objects.create(
        id=Team.objects.create(name="古い係").pk,
        name="古い係",
        active=True,
        history_date=timezone.now() - timedelta(hours=1),
        history_type="~",
    )
    seal_recent()
    unsealed = Team.history.exclude(
        history_id__in=AuditLink.objects.filter(history_label="casework.HistoricalTeam").values(
            "history_id"
        )
    )
    assert list(unsealed.values_list("history_id", flat=True)) == [old.pk]


# --- the access log is chained too ----------------------------------------------------------


def test_access_log_entries_are_sealed_and_a_deleted_one_is_caught(history, caseworker, capsys):
    entry = AccessLog.objects.create(
        user=caseworker, record_type="casework.Child", record_id="1", path="/children/1/"
    )
    seal()
    assert AuditLink.objects.filter(history_label="casework.AccessLog", history_id=entry.pk)
    sql("DELETE FROM casework_accesslog WHERE id = %s", entry.pk)
    code, output = run_verify(capsys)
    assert code == 1
    assert "【削除】" in output
    assert "casework.AccessLog" in output


def test_an_edited_access_log_entry_is_caught(history, caseworker):
    entry = AccessLog.objects.create(
        user=caseworker,
        record_type="intake.Consultation",
        record_id="7",
        action="reveal",
        path="/intake/7/",
    )
    seal()
    sql("UPDATE casework_accesslog SET user_id = NULL WHERE id = %s", entry.pk)
    assert [p.kind for p in verify().problems] == ["altered"]


def test_a_forged_link_mac_is_reported(history):
    link = AuditLink.objects.order_by("seq")[2]
    sql("UPDATE casework_auditlink SET mac = %s WHERE seq = %s", "f" * 64, link.seq)
    result = verify()
    assert result.problems[0].seq == link.seq
    assert result.problems[0].kind == "altered"


def test_link_rows_seals_bulk_rows_at_once(history):
    created = bulk_create_with_history([Team(name=f"一括{i}係") for i in range(3)], Team)
    ids = Team.history.filter(id__in=[t.pk for t in created]).values_list("history_id", flat=True)
    link_rows(Team.history.model, sorted(ids))
    assert AuditLink.objects.filter(history_id__in=list(ids)).count() == 3
    assert verify().ok


def test_bulk_create_chained_seals_on_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bulk_create_chained([Team(name=f"連鎖{i}係") for i in range(5)], Team, default_user=None)
    assert AuditLink.objects.count() == 5
    assert verify().ok


def test_the_report_is_capped_at_about_fifty_lines(history, capsys):
    old = timezone.now() - timedelta(hours=1)
    bulk_create_with_history([Team(name=f"大量{i}係") for i in range(80)], Team, default_date=old)
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


def test_a_transaction_is_sealed_in_one_run_whatever_its_savepoints(caseworker, audit_witness):
    """Rows written at several savepoint levels are sealed together after the commit (one head
    in the witness), and a rolled-back savepoint's rows are not sealed."""

    def entry() -> AccessLog:
        return AccessLog.objects.create(
            user=caseworker, record_type="casework.Child", record_id="1", path="/"
        )

    before = audit_witness.read_text().count("\n") if audit_witness.exists() else 0
    earlier = {id(func) for _s, func, _r in connection.run_on_commit}  # the fixtures' writes
    with transaction.atomic():
        kept = [entry()]
        with transaction.atomic():
            kept.append(entry())
        try:
            with transaction.atomic():
                entry()
                raise RuntimeError
        except RuntimeError:
            pass
        kept.append(entry())
        callbacks = [func for _s, func, _r in connection.run_on_commit]
    sealer = callbacks[-1]  # runs last, after every level has handed its rows over
    levels = [f for f in callbacks[:-1] if id(f) not in earlier]
    assert len(levels) == 2  # the outer level and the released savepoint; not the rolled back
    for callback in levels:
        callback()
    assert sorted(sealer.rows[AccessLog]) == sorted(e.pk for e in kept)
    sealer()
    linked = AuditLink.objects.filter(history_label="casework.AccessLog")
    assert set(linked.values_list("history_id", flat=True)) == {e.pk for e in kept}
    assert audit_witness.read_text().count("\n") == before + 1  # one sealing run


def test_a_row_a_sweep_linked_meanwhile_is_not_linked_twice(caseworker):
    from casework.audit.chain import seal

    entry = AccessLog.objects.create(
        user=caseworker, record_type="casework.Child", record_id="1", path="/"
    )
    seal()  # the sweep gets there first
    head = seal({AccessLog: [entry.pk]})  # then the request's own sealing
    assert AuditLink.objects.filter(history_label="casework.AccessLog").count() == 1
    assert head.seq == AuditLink.objects.count()
