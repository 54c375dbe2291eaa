"""The review cycle (DOMAIN §10; issue 14 item 1): the agenda of a 実務者会議 is every open entry
due by its day and only those; a review moves the entry to its next review, so it leaves the
next session's agenda until due again; the ledger's NETWORK_REVIEW deadline is opened with the
entry, met by the review (with the review as evidence) and opened for the next; ending the
entry closes it. A held session's agenda is fixed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from casework.deadlines import end_of_day
from casework.models import Deadline
from network import rules, services
from network.models import AgendaItem, Entry, Review
from network.services import NetworkRuleError
from tests.network.conftest import agency, child_entry, review, session_on

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def reviews_of(entry: Entry):
    return Deadline.objects.filter(kind="network_review", subject_id=str(entry.pk)).order_by("pk")


def test_the_agenda_is_built_from_the_entries_due_by_the_session_day_only(network_user):
    today = TODAY()
    due = child_entry(network_user, registered_on=today - timedelta(days=30))
    overdue = child_entry(
        network_user,
        registered_on=today - timedelta(days=60),
        next_review_on=today - timedelta(days=20),
    )
    later = child_entry(network_user, next_review_on=today + timedelta(days=1))
    ended = child_entry(network_user, registered_on=today - timedelta(days=10))
    services.entry_end(
        actor=network_user, entry=ended, end_kind="closed", ended_on=today, reason="改善"
    )
    session = session_on(network_user, today)
    on_agenda = set(session.items.filter(active=True).values_list("entry_id", flat=True))
    assert on_agenda == {due.pk, overdue.pk}
    assert later.pk not in on_agenda and ended.pk not in on_agenda


def test_a_session_agenda_holds_only_its_own_teams_entries(network_user, other_network_user):
    today = TODAY()
    mine = child_entry(network_user)
    theirs = child_entry(other_network_user)
    session = session_on(network_user, today)
    assert list(session.items.values_list("entry_id", flat=True)) == [mine.pk]
    assert theirs.pk not in set(AgendaItem.objects.values_list("entry_id", flat=True))


def test_a_review_moves_the_entry_and_it_leaves_the_next_agenda_until_due_again(network_user):
    today = TODAY()
    entry = child_entry(network_user, registered_on=today - timedelta(days=5))
    first = session_on(network_user, today)
    done = review(network_user, first, entry)
    entry.refresh_from_db()
    assert done.next_review_on == rules.next_review(today) == entry.next_review_on
    assert entry.reviews_done == 1
    # a session next month: not due (reviewed); one after the next review day: due again
    next_month = session_on(network_user, today + timedelta(days=30))
    assert not next_month.items.filter(entry=entry).exists()
    again = session_on(network_user, entry.next_review_on)
    assert again.items.filter(entry=entry, active=True).exists()


def test_a_review_takes_the_lead_agency_decided_and_may_set_its_own_next_date(network_user):
    today = TODAY()
    entry = child_entry(network_user)
    police = agency("高輪警察署", "police")
    session = session_on(network_user, today)
    done = review(
        network_user, session, entry, lead_agency=police, next_review_on=today + timedelta(days=14)
    )
    entry.refresh_from_db()
    assert entry.lead_agency == police and done.lead_agency == police
    assert entry.next_review_on == today + timedelta(days=14)


def test_the_ledger_holds_one_open_review_met_by_the_review_and_opened_again(network_user):
    today = TODAY()
    entry = child_entry(network_user, next_review_on=today + timedelta(days=3))
    (opened,) = reviews_of(entry)
    assert opened.state == "open" and opened.owner == network_user
    assert opened.team_id == entry.team_id and opened.due_at == end_of_day(entry.next_review_on)
    assert opened.case_id is None and opened.child_id is None  # no case or child link leaks
    session = session_on(network_user, today + timedelta(days=3))
    done = review(network_user, session, entry, today=today + timedelta(days=3))
    met, following = reviews_of(entry)
    assert met.pk == opened.pk and met.state == "met"
    assert (met.evidence_type, met.evidence_id) == ("network.Review", str(done.pk))
    assert following.state == "open"
    assert following.due_at == end_of_day(rules.next_review(today + timedelta(days=3)))
    assert Deadline.objects.filter(kind="network_review", state="open").count() == 1


def test_ending_an_entry_takes_its_review_off_the_ledger_and_the_next_agenda(network_user):
    today = TODAY()
    entry = child_entry(network_user, next_review_on=today + timedelta(days=7))
    services.entry_end(
        actor=network_user,
        entry=entry,
        end_kind="moved",
        ended_on=today,
        reason="区外へ転居",
        moved_to="川崎市",
        handover="経過と援助方針を文書で引継ぎ",
    )
    (closed,) = reviews_of(entry)
    assert closed.state == "dismissed" and "転出" in closed.reason
    entry.refresh_from_db()
    assert entry.state == "ended" and entry.moved_to == "川崎市"
    assert not session_on(network_user, today + timedelta(days=7)).items.exists()


def test_an_overdue_review_ended_is_recorded_as_missed(network_user):
    today = TODAY()
    entry = child_entry(
        network_user,
        registered_on=today - timedelta(days=40),
        next_review_on=today - timedelta(days=10),
    )
    services.entry_end(
        actor=network_user, entry=entry, end_kind="closed", ended_on=today, reason="改善"
    )
    assert reviews_of(entry).get().state == "missed"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"end_kind": "moved", "moved_to": "", "handover": "x"}, "moved_to"),
        ({"end_kind": "moved", "moved_to": "川崎市", "handover": ""}, "handover"),
        ({"end_kind": "transferred"}, "case_number"),
        ({"end_kind": "closed", "reason": " "}, "reason"),
    ],
)
def test_an_end_without_what_its_kind_needs_is_refused_in_japanese(network_user, kwargs, field):
    entry = child_entry(network_user)
    args = {"ended_on": TODAY(), "reason": "理由", **kwargs}
    with pytest.raises(NetworkRuleError) as refused:
        services.entry_end(actor=network_user, entry=entry, **args)
    assert refused.value.field == field
    entry.refresh_from_db()
    assert entry.state == "open"


def test_transfer_to_the_childs_case_links_it_and_anothers_case_is_refused(
    network_user, case, other_case
):
    entry = services.entry_create(
        actor=network_user,
        data=services.EntryData(
            kind="protection",
            lead_agency=agency(),
            reason="通告",
            registered_on=TODAY(),
            next_review_on=TODAY(),
            worker=network_user,
            team=network_user.teams.get(),
        ),
        new_child=services.NewChild(
            case.child.family_name,
            case.child.given_name,
            case.child.family_name_kana,
            case.child.given_name_kana,
            case.child.birth_date,
            case.child.sex,
            case.child.town,
        ),
    )
    assert entry.child_id == case.child_id  # the same child (blind index), not a duplicate
    with pytest.raises(NetworkRuleError):
        services.entry_end(
            actor=network_user,
            entry=entry,
            end_kind="transferred",
            ended_on=TODAY(),
            reason="移行",
            case=other_case,
        )
    services.entry_end(
        actor=network_user,
        entry=entry,
        end_kind="transferred",
        ended_on=TODAY(),
        reason="児童相談所で受理",
        case=case,
    )
    entry.refresh_from_db()
    assert entry.case == case and entry.get_end_kind_display() == "児童相談所のケースへ移行"


def test_a_held_sessions_agenda_is_fixed_and_a_planned_one_follows_the_register(network_user):
    today = TODAY()
    first = child_entry(network_user)
    session = session_on(network_user, today)
    second = child_entry(network_user)  # registered after the agenda was built
    assert services.session_refresh(actor=network_user, session=session) == (1, 0)
    assert session.items.filter(entry=second).exists()
    review(network_user, session, first)
    services.entry_end(
        actor=network_user, entry=second, end_kind="closed", ended_on=today, reason="改善"
    )
    assert services.session_refresh(actor=network_user, session=session) == (0, 1)
    assert session.items.filter(active=True).count() == 1  # the reviewed one stays
    services.session_hold(actor=network_user, session=session)
    child_entry(network_user)
    with pytest.raises(NetworkRuleError):
        services.session_refresh(actor=network_user, session=session)
    assert session.items.filter(active=True).count() == 1


def test_a_review_is_refused_before_the_session_and_twice(network_user):
    today = TODAY()
    entry = child_entry(network_user, next_review_on=today + timedelta(days=5))
    future = session_on(network_user, today + timedelta(days=5))
    with pytest.raises(NetworkRuleError, match="開催日"):
        review(network_user, future, entry, today=today)
    entry2 = child_entry(network_user)
    now = session_on(network_user, today)
    review(network_user, now, entry2)
    with pytest.raises(NetworkRuleError, match="すでに記録"):
        services.review_record(
            actor=network_user,
            item=now.items.get(entry=entry2),
            situation="再",
            lead_agency=entry2.lead_agency,
            policy="再",
        )
    assert Review.objects.filter(entry=entry2).count() == 1


def test_the_next_review_must_fall_after_the_session(network_user):
    entry = child_entry(network_user)
    session = session_on(network_user, TODAY())
    with pytest.raises(NetworkRuleError) as refused:
        review(network_user, session, entry, next_review_on=TODAY())
    assert refused.value.field == "next_review_on"


def test_only_the_centres_workers_register_and_only_in_their_own_team(
    network_user, caseworker, team_a
):
    with pytest.raises(PermissionDenied):
        child_entry(caseworker, team=team_a)
    with pytest.raises(NetworkRuleError) as refused:
        child_entry(network_user, team=team_a)
    assert refused.value.field == "team"


def test_a_pregnant_woman_is_registered_without_a_child(network_user):
    entry = services.entry_create(
        actor=network_user,
        data=services.EntryData(
            kind="pregnant",
            lead_agency=agency("みなと保健所", "health"),
            reason="若年妊娠",
            registered_on=TODAY(),
            next_review_on=TODAY(),
            worker=network_user,
            team=network_user.teams.get(),
            mother_name="松田 美咲",
            mother_name_kana="まつだ みさき",
            expected_month=date(2027, 3, 1),
        ),
    )
    assert entry.child is None and entry.initials == "ま・み"
    with pytest.raises(NetworkRuleError) as refused:
        services.entry_create(
            actor=network_user,
            data=services.EntryData(
                kind="pregnant",
                lead_agency=entry.lead_agency,
                reason="x",
                registered_on=TODAY(),
                next_review_on=TODAY(),
                worker=network_user,
                team=network_user.teams.get(),
            ),
        )
    assert refused.value.field == "mother_name"


def test_run_reminders_opens_missing_reviews_once_and_closes_ended_ones(network_user):
    entry = child_entry(network_user)
    other = child_entry(network_user)
    Deadline.objects.filter(kind="network_review").delete()  # entries from before the ledger
    now = timezone.now()
    assert services.sync_network_deadlines(now) == {"要対協の進行管理": 2}
    assert services.sync_network_deadlines(now) == {"要対協の進行管理": 0}
    Entry.objects.filter(pk=other.pk).update(
        state="ended", end_kind="closed", ended_on=TODAY()
    )  # ended behind the ledger's back
    services.sync_network_deadlines(now)
    assert reviews_of(entry).get().state == "open"
    assert reviews_of(other).get().state in ("dismissed", "missed")


def test_the_review_ladder_warns_two_weeks_ahead_and_weekly_when_overdue():
    from casework.deadlines import ladder

    steps = {s.name: s for s in ladder("network_review")}
    assert steps["14d"].before_due == timedelta(days=14)
    assert steps["overdue"].repeat == timedelta(days=7)
