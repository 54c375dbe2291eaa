"""Races in casework on PostgreSQL, with real parallel connections (issue 8).

Before the services locked and re-read their row, each of these left the case wrong: two
simultaneous transfers left two active leads who both kept access; an approval and a return at
the same moment were both recorded; a closure could be approved twice; and a transfer working
from a copy loaded before the closure reopened the closed case. Each thread here has its own
database connection (as each request has), and all start together at a barrier.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections

from casework import services
from casework.choices import CaseStatus
from casework.models import Case, CaseEvent, CaseWorker
from casework.services import CaseRuleError
from tests.factories import ChildFactory, TeamFactory, UserFactory, member_of, open_case

pytestmark = [
    pytest.mark.pg,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL connections"),
]


def race(*calls: Callable[[], object]) -> tuple[list[object], Counter]:
    """Run the calls at the same moment, each on its own connection; (results, refusals)."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = []
    refusals: Counter = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call) -> None:
        try:
            barrier.wait()
            result = call()
            with lock:
                results.append(result)
        except (CaseRuleError, PermissionDenied) as refused:
            with lock:
                refusals[type(refused).__name__] += 1
        except BaseException as error:  # noqa: BLE001 - any other error fails the test
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results, refusals


@pytest.fixture
def centre():
    """Two teams, each with two supervisors and two workers; a team-A case led by worker a1."""
    a, b = TeamFactory(name="競合第一係"), TeamFactory(name="競合第二係")
    people = {}
    for team, tag in ((a, "a"), (b, "b")):
        for i in (1, 2):
            people[f"sv_{tag}{i}"] = member_of(
                UserFactory(username=f"sv_{tag}{i}", roles=["supervisor"]), team, supervisor=True
            )
            people[f"cw_{tag}{i}"] = member_of(
                UserFactory(username=f"cw_{tag}{i}", roles=["caseworker"]), team
            )
    case = open_case(actor=people["sv_a1"], child=ChildFactory(), team=a, lead=people["cw_a1"])
    return {"a": a, "b": b, "case": case, **people}


def active_leads(case: Case) -> list[str]:
    workers = CaseWorker.objects.filter(case=case, active=True, is_lead=True)
    return sorted(w.user.username for w in workers.select_related("user"))


def test_two_simultaneous_transfers_leave_one_lead_with_access(centre):
    case = centre["case"]
    results, refusals = race(
        lambda: services.case_transfer(
            actor=centre["sv_a1"],
            case=case,
            new_lead=centre["cw_b1"],
            team=centre["b"],
            reason="転居",
            expected_lead=centre["cw_a1"].pk,  # what each supervisor's page showed
        ),
        lambda: services.case_transfer(
            actor=centre["sv_a2"],
            case=case,
            new_lead=centre["cw_a2"],
            team=centre["a"],
            reason="交代",
            expected_lead=centre["cw_a1"].pk,
        ),
    )
    case.refresh_from_db()
    assert len(results) == 1 and sum(refusals.values()) == 1
    assert active_leads(case) == [case.lead.username]
    holders = [
        u for u in ("cw_a1", "cw_a2", "cw_b1") if Case.objects.visible_to(centre[u]).exists()
    ]
    assert holders == [case.lead.username]
    assert CaseEvent.objects.filter(case=case, kind="transferred").count() == 1


def test_a_simultaneous_approval_and_return_of_a_plan_record_one_decision(centre):
    case = centre["case"]
    services.case_move_status(actor=centre["cw_a1"], case=case, to=CaseStatus.INVESTIGATION)
    services.case_move_status(
        actor=centre["cw_a1"], case=case, to=CaseStatus.JUDGMENT, reason="判定会議（所内）"
    )
    services.case_propose_plan(actor=centre["cw_a1"], case=case, kind="home", detail="在宅支援")
    results, refusals = race(
        lambda: services.case_decide_plan(actor=centre["sv_a1"], case=case, approve=True),
        lambda: services.case_decide_plan(actor=centre["sv_a2"], case=case, approve=False),
    )
    assert len(results) == 1 and refusals == Counter({"CaseRuleError": 1})
    assert CaseEvent.objects.filter(case=case, kind="plan_decided").count() == 1


def test_a_closure_is_approved_once_however_many_supervisors_click(centre):
    case = centre["case"]
    services.case_request_closure(actor=centre["cw_a1"], case=case, outcome="home", reason="終了")
    results, refusals = race(
        lambda: services.case_decide_closure(actor=centre["sv_a1"], case=case, approve=True),
        lambda: services.case_decide_closure(actor=centre["sv_a2"], case=case, approve=True),
    )
    assert len(results) == 1 and refusals == Counter({"CaseRuleError": 1})
    assert CaseEvent.objects.filter(case=case, kind="closure_decided").count() == 1
    assert Case.history.filter(id=case.pk, status=CaseStatus.CLOSED).count() == 1


def test_a_transfer_from_a_copy_loaded_before_the_closure_does_not_reopen_the_case(centre):
    case = centre["case"]
    stale = Case.objects.get(pk=case.pk)  # the transfer page was opened before the closure
    services.case_request_closure(actor=centre["cw_a1"], case=case, outcome="home", reason="終了")
    services.case_decide_closure(actor=centre["sv_a1"], case=case, approve=True)
    with pytest.raises(CaseRuleError):
        services.case_transfer(
            actor=centre["sv_a2"],
            case=stale,
            new_lead=centre["cw_a2"],
            team=centre["a"],
            reason="交代",
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.lead == centre["cw_a1"]


def test_simultaneous_acceptances_number_cases_without_a_gap_or_a_clash(centre):
    children = [ChildFactory() for _ in range(8)]
    results, refusals = race(
        *[
            (
                lambda child=child: services.case_open(
                    actor=centre["sv_a1"],
                    child=child,
                    team=centre["a"],
                    lead=centre["cw_a1"],
                    category=1,
                    opened_on=centre["case"].opened_on,
                )
            )
            for child in children
        ]
    )
    assert not refusals and len(results) == 8
    seqs = sorted(
        Case.objects.filter(fiscal_year=centre["case"].fiscal_year).values_list("seq", flat=True)
    )
    assert seqs == list(range(1, 10))
