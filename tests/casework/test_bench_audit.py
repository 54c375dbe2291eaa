"""What encryption, history and the audit chain cost per save (printed, not asserted).

Run with `pytest -m benchmark tests/casework/test_bench_audit.py -s`.
"""

from __future__ import annotations

import statistics
import time
from datetime import date

import pytest
from django.db import connection
from simple_history.signals import post_create_historical_record

from casework.audit.signals import chain_history_row
from casework.models import AccessLog, SchoolLiaison

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

SAVES = 300


def per_save_ms(save) -> float:
    for _ in range(20):  # warm up: key ring, prepared plans, caches
        save()
    timings = []
    for _ in range(SAVES):
        started = time.perf_counter()
        save()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def test_cost_of_an_encrypted_chained_save_compared_with_a_plain_insert(case, caseworker):
    def plain() -> None:
        AccessLog.objects.create(
            user=caseworker, record_type="casework.Case", record_id=str(case.pk), path="/cases/"
        )

    def liaison() -> None:
        SchoolLiaison.objects.create(
            case=case,
            school="港区立芝浦小学校",
            contact_person="教頭 佐々木",
            agreed="登校時に担任が様子を確認し、気になる点は当日中に連絡する。",
            contacted_on=date(2026, 5, 1),
            author=caseworker,
        )

    base = per_save_ms(plain)
    post_create_historical_record.disconnect(dispatch_uid="mimamori_audit_chain")
    try:
        unchained = per_save_ms(liaison)
    finally:
        post_create_historical_record.connect(
            chain_history_row, dispatch_uid="mimamori_audit_chain"
        )
    full = per_save_ms(liaison)

    print(
        f"\n[{connection.vendor}] median per save over {SAVES} saves:"
        f"\n  AccessLog insert (no encryption, no history, no chain): {base:.3f} ms"
        f"\n  SchoolLiaison, 3 encrypted fields + history row:         {unchained:.3f} ms"
        f" ({unchained / base:.1f}x)"
        f"\n  SchoolLiaison, 3 encrypted fields + history + chain:     {full:.3f} ms"
        f" ({full / base:.1f}x)"
        "\n  The plain model is one INSERT. The full save is two INSERTs (row and history row)"
        "\n  with six AES-GCM encryptions (row and history copy), then under the chain-head lock"
        "\n  a read-back of the history row (three decryptions), an HMAC, the link INSERT and"
        "\n  the head UPDATE, inside a savepoint."
    )
    assert SchoolLiaison.history.count() == 2 * (SAVES + 20)
