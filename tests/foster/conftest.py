"""Helpers for the foster tests: applications taken through the stages by the services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from foster import services
from foster.choices import Course, Stage, StepOutcome
from foster.models import Applicant, CouncilSession, Home

START = date(2026, 4, 1)


def new_applicant(actor, *, foster_type="nurturing", opened_on=START, name="里親 一郎", **kw):
    data = services.ApplicantData(
        name=name,
        name_kana="さとおや いちろう",
        phone="03-0000-0000",
        email="satooya@example.jp",
        address="1-2-3",
        town=kw.pop("town", "白金"),
        foster_type=foster_type,
        heard_from="leaflet",
        worker=kw.pop("worker", actor),
        opened_on=opened_on,
    )
    return services.applicant_create(actor=actor, data=data, **kw)


def session_on(actor, held_on: date) -> CouncilSession:
    return services.council_session_create(actor=actor, held_on=held_on, title="児童福祉審議会")


def take_to(actor, applicant: Applicant, upto: int, *, capacity=None, session=None) -> Applicant:
    """Record every stage up to `upto`, with what each needs (courses, a visit, a session):
    stage n on the opening day + 10·n days (the council on its session's day)."""
    base = applicant.opened_on
    for stage in range(applicant.stage + 1, upto + 1):
        on = base + timedelta(days=10 * stage)
        kw = {}
        if stage == Stage.TRAINING:
            for course in (Course.BASIC, Course.PRE_REGISTRATION):
                services.training_record(
                    actor=actor, applicant=applicant, course=course, attended_on=on
                )
        if stage == Stage.HOME_STUDY:
            services.study_visit_add(
                actor=actor, applicant=applicant, visited_on=on, findings="住環境は良好"
            )
        if stage == Stage.COUNCIL:
            kw = {
                "session": session or session_on(actor, on),
                "outcome": StepOutcome.APPROVED,
            }
        if stage == Stage.CERTIFICATION:
            kw = {"capacity": capacity}
        services.step_record(actor=actor, applicant=applicant, stage=stage, done_on=on, **kw)
    return Applicant.objects.get(pk=applicant.pk)


def certified_home(actor, *, foster_type="nurturing", opened_on=START, capacity=None, **kw) -> Home:
    applicant = new_applicant(actor, foster_type=foster_type, opened_on=opened_on, **kw)
    take_to(actor, applicant, Stage.CERTIFICATION, capacity=capacity)
    return Home.objects.get(applicant=applicant)


@pytest.fixture
def home(foster_user) -> Home:
    """A 養育里親 home registered on 2026-05-31 (4 places)."""
    return certified_home(foster_user)
