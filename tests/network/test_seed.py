"""seed_demo's register (issue 14 §1 item 5): the agencies, network1 in the centre's team, ten
entries of the three kinds (some due), a held session with reviews and one planned for today;
the reviews on the ledger; a second run adds nothing."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from casework.models import Deadline, User
from network.models import Agency, Entry, Review, Session

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_register_pages(capsys, login):
    call_command("seed_demo", cases=20, password="demo-pass-for-tests-1")
    assert "要対協:" in capsys.readouterr().out
    assert Agency.objects.count() >= 9
    assert Entry.objects.count() == 10
    assert set(Entry.objects.values_list("kind", flat=True)) == {
        "protection",
        "support",
        "pregnant",
    }
    assert set(Entry.objects.values_list("state", flat=True)) == {"open", "ended"}
    assert set(Session.objects.values_list("state", flat=True)) == {"held", "planned"}
    assert Review.objects.exists()
    assert Deadline.objects.filter(kind="network_review", state="open").count() == 9
    network1 = User.objects.get(username="network1")
    client = login(network1)
    assert client.get("/")["Location"] == reverse("network:register")
    planned = Session.objects.get(state="planned")
    assert planned.items.filter(active=True).exists()  # some entries are due today
    for url in (
        reverse("network:register"),
        reverse("network:session_list"),
        reverse("network:session_detail", args=[planned.pk]),
        reverse("network:entry_detail", args=[Entry.objects.first().pk]),
        reverse("casework:reminders"),
    ):
        assert client.get(url).status_code == 200, url
    before = Entry.objects.count()
    call_command("seed_demo", cases=20, password="demo-pass-for-tests-1")
    assert Entry.objects.count() == before
