"""seed_demo adds consultations in every category and route in two fiscal years, with abuse
reports whose clocks are running, overdue and stopped; a second run adds nothing."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from casework.rules import fiscal_year_of
from intake.models import Consultation, LegalStep, Route, SafetyConfirmation
from intake.statistics import consultation_table

pytestmark = pytest.mark.django_db


def test_seed_demo_covers_every_category_and_route_in_two_fiscal_years(capsys):
    call_command("seed_demo", cases=60, password="demo-pass-for-tests-1")
    assert "相談受付:" in capsys.readouterr().out
    current = fiscal_year_of(timezone.localdate())
    routes = Route.objects.count()
    for year in (current - 1, current):
        table = consultation_table(year)
        categories = [r for r in table.rows if r.kind == "category"]
        assert all(row.total for row in categories), year
        column_totals = table.rows[-1].cells
        assert len(column_totals) == routes and all(column_totals), year
    clocks = Consultation.objects.open_clocks()
    now = timezone.now()
    assert clocks.filter(safety_due_at__gt=now).exists()
    assert clocks.filter(safety_due_at__lt=now).exists()
    assert Consultation.objects.filter(safety_confirmed_at__isnull=False).exists()
    assert SafetyConfirmation.objects.filter(agency="partner").exists()
    assert Consultation.objects.filter(status="accepted", case__isnull=False).exists()
    assert set(Consultation.objects.exclude(outcome="").values_list("outcome", flat=True)) == {
        "advice",
        "referral",
        "out_of_scope",
    }
    assert Consultation.objects.filter(reporter_anonymous=True).exists()
    # the ladder (issue 14 item 3): an open report with a failed visit and a 出頭要求 pending
    pending = LegalStep.objects.get(kind="appearance", outcome="")
    assert pending.consultation.clock_open
    assert pending.consultation.safety_confirmations.filter(outcome="absent").exists()
    before = Consultation.objects.count()
    call_command("seed_demo", cases=60, password="demo-pass-for-tests-1")
    assert Consultation.objects.count() == before
    assert LegalStep.objects.count() == 1


def test_seeded_history_passes_the_audit_check():
    call_command("seed_demo", cases=30, password="demo-pass-for-tests-1")
    call_command("verify_audit")  # exits 1 on a broken or incomplete chain
