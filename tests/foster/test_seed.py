"""seed_demo's foster programme (issue 10 §7): applicants at every stage, withdrawn, declined and
reopened ones, a council session, homes of each type with some expiring soon, current, ended and
proposed placements; the renewals on the ledger; a second run adds nothing."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from casework.models import Deadline, User
from foster.models import Applicant, CouncilSession, Home, Placement

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_foster_pages(capsys, login):
    call_command("seed_demo", cases=40, password="demo-pass-for-tests-1")
    assert "里親:" in capsys.readouterr().out
    active = Applicant.objects.filter(status="active")
    assert set(active.values_list("stage", flat=True)) >= {0, 1, 2, 3, 4, 5}
    assert set(Applicant.objects.values_list("status", flat=True)) == {
        "active",
        "certified",
        "withdrawn",
        "declined",
    }
    assert Applicant.objects.filter(previous__isnull=False).exists()
    assert CouncilSession.objects.filter(steps__isnull=False).exists()
    assert set(Home.objects.values_list("foster_type", flat=True)) == {
        "nurturing",
        "specialist",
        "adoptive",
        "kinship",
    }
    soon = timezone.localdate() + timedelta(days=183)
    assert Home.objects.filter(expires_on__lte=soon).count() >= 2
    assert set(Placement.objects.values_list("state", flat=True)) == {"active", "ended", "proposed"}
    assert Deadline.objects.filter(kind="foster_renewal", state="open").count() >= 4
    foster1 = User.objects.get(username="foster1")
    client = login(foster1)
    assert client.get("/")["Location"] == reverse("foster:pipeline")
    for url in (
        reverse("foster:pipeline"),
        reverse("foster:home_list"),
        reverse("casework:reminders"),
    ):
        assert client.get(url).status_code == 200
    reminders = client.get(reverse("casework:reminders")).content.decode()
    assert "里親登録の更新" in reminders and "/foster/homes/" in reminders
    before = Applicant.objects.count()
    call_command("seed_demo", cases=40, password="demo-pass-for-tests-1")
    assert Applicant.objects.count() == before
