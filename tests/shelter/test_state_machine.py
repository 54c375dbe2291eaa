"""Hypothesis state machine: any sequence of admit / move / discharge keeps the invariants —
one child per bed, one active stay per child, never more children than beds — and every
refusal is the right Japanese message (ISSUE 5, "Done when")."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from shelter import services
from shelter.choices import Grounds
from shelter.models import Bed, BedAssignment, Stay
from shelter.services import StayRuleError
from tests.factories import decide_and_admit

pytestmark = pytest.mark.django_db

CHILDREN = 6
CAPACITY = 3


def machine_for(cases, beds, actor, today):
    """A machine over these cases and beds (the first CAPACITY beds active, one inactive)."""
    active_ids = {b.pk for b in beds[:CAPACITY]}

    class ShelterMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic._from_testcase = True  # durable services may run inside (rolled_back)
            self.atomic.__enter__()  # each example starts from an empty house, rolled back after
            self.where: dict[int, int] = {}  # child index -> bed id, as the model expects

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def _stay(self, i: int) -> Stay:
            return Stay.objects.active().get(child_id=cases[i].child_id)

        @rule(i=st.integers(0, CHILDREN - 1), b=st.one_of(st.none(), st.integers(0, len(beds) - 1)))
        def admit(self, i, b):
            bed = None if b is None else beds[b]
            try:
                stay = decide_and_admit(
                    actor=actor,
                    case=cases[i],
                    grounds=Grounds.ABUSE,
                    started_on=today,
                    parental_consent=False,
                    bed=bed,
                )
            except StayRuleError as error:
                message = error.messages[0]
                if i in self.where:
                    assert "すでに一時保護中" in message
                elif len(self.where) >= CAPACITY:
                    assert "満床" in message
                elif bed.pk not in active_ids:
                    assert "使用できない" in message
                else:
                    assert "ベッド使用中" in message and bed.pk in self.where.values()
            else:
                assert i not in self.where and len(self.where) < CAPACITY
                assert bed is None or bed.pk not in self.where.values()
                assert stay.bed_id in active_ids
                self.where[i] = stay.bed_id

        @rule(i=st.integers(0, CHILDREN - 1), b=st.integers(0, len(beds) - 1))
        def move(self, i, b):
            if i not in self.where:
                return
            bed = beds[b]
            try:
                services.stay_move(actor=actor, stay=self._stay(i), bed=bed, moved_on=today)
            except StayRuleError as error:
                message = error.messages[0]
                if bed.pk == self.where[i]:
                    assert "同じベッド" in message
                elif bed.pk not in active_ids:
                    assert "使用できない" in message
                else:
                    assert "ベッド使用中" in message and bed.pk in self.where.values()
            else:
                assert bed.pk not in self.where.values() and bed.pk in active_ids
                self.where[i] = bed.pk

        @rule(i=st.integers(0, CHILDREN - 1))
        def discharge(self, i):
            if i not in self.where:
                return
            services.stay_discharge(
                actor=actor, stay=self._stay(i), ended_on=today, destination="home", reason="帰宅"
            )
            del self.where[i]

        @invariant()
        def database_agrees_with_the_model(self):
            active = list(Stay.objects.active().values_list("child_id", "bed_id"))
            by_child = {cases[i].child_id: bed for i, bed in self.where.items()}
            assert dict(active) == by_child
            assert len(active) <= Bed.objects.filter(active=True).count()  # never more than beds
            beds_in_use = [bed for _child, bed in active]
            assert len(beds_in_use) == len(set(beds_in_use))  # one child per bed
            open_assignments = set(
                BedAssignment.objects.filter(to_date__isnull=True).values_list(
                    "stay__child_id", "bed_id"
                )
            )
            assert open_assignments == set(by_child.items())

    return ShelterMachine


def test_admit_move_discharge_keep_the_invariants(new_case, layout, shelter_user, today):
    cases = [new_case() for _ in range(CHILDREN)]
    beds = layout[: CAPACITY + 1]
    Bed.objects.exclude(pk__in=[b.pk for b in layout[:CAPACITY]]).update(active=False)
    machine = machine_for(cases, beds, shelter_user, today)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )
