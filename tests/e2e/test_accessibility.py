"""Accessibility checked by a machine (issue 12 item 14): axe-core runs in Chromium on every page
each role may open — the pages come from the generated access matrix, so a new route is checked
as soon as it is listed there — and on the main forms in their error state. Any violation fails,
whatever its impact: serious and critical ones are the floor, zero is the goal we hold.

(The browser fixtures come first in each signature: with the database fixtures first,
pytest-django's serialized rollback did not put back the migrated rows for the next test.)

Screenshots of each page at 1366×768 go to test-results/a11y/ for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.urls import reverse

from tests.test_access_matrix import MATRIX

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "a11y"
ROLES = (
    "caseworker",
    "supervisor",
    "intake_user",
    "shelter_user",
    "foster_user",
    "auditor",
    "admin_user",
)
# Pages that answer 200 but are downloads or partials, not screens.
NOT_SCREENS = {"intake:statistics_csv", "audit:deadlines_csv"}


def sign_in(page, live_server, user) -> None:
    """A session made by Django's test client, handed to the browser (the login form itself is
    checked by the anonymous pass and the login journey)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def screens_for(who: str, world: dict) -> list[tuple[str, str]]:
    found = []
    for name, route in sorted(MATRIX.items()):
        if route.get.get(who) != 200 or name in NOT_SCREENS:
            continue
        found.append((name, reverse(name, kwargs=route.kwargs(world))))
    return found


@pytest.fixture
def centre(supervisor, caseworker, intake_user, shelter_user, team_a) -> dict:
    """The records the detail pages show: a report accepted into a case, the child in the
    shelter, another case waiting for admission, the foster programme's application, home,
    placement and proposal. (The suite's `world` fixture leaves rows that
    a transactional test's flush and restore trip over, so the browser tests build their own.)"""
    from django.utils import timezone

    from intake import services as intake_services
    from intake.models import Route as ReferralRoute
    from shelter.layout import ensure_default_layout
    from tests.factories import ChildFactory, decide_and_admit, decide_protection, open_case

    ensure_default_layout()
    now = timezone.now()
    data = intake_services.ConsultationData(
        team=team_a,
        received_at=now - timedelta(hours=3),
        channel="hotline",
        route=ReferralRoute.objects.effective_on(now.date()).first(),
        category=1,
        urgency="high",
        summary="近隣から泣き声の通報",
        abuse_types=["physical"],
        reporter=intake_services.Reporter(name="近隣 住民"),
    )
    consultation = intake_services.consultation_create(
        actor=intake_user, data=data, new_child=ChildFactory.build()
    )
    case = intake_services.consultation_accept(
        actor=supervisor, consultation=consultation, team=team_a, lead=caseworker
    )
    stay = decide_and_admit(
        actor=shelter_user, case=case, started_on=case.opened_on, parental_consent=False
    )
    waiting = open_case(actor=supervisor, child=ChildFactory(), team=team_a, lead=caseworker)
    decision = decide_protection(
        actor=caseworker, case=waiting, decided_on=waiting.opened_on, grounds="abuse"
    )
    from tests.conftest import foster_records

    foster = foster_records(supervisor=supervisor, team=team_a, lead=caseworker)
    return {
        "case": case,
        "consultation": consultation,
        "stay": stay,
        "decision": decision,
        **foster,
    }


# Every WCAG 2.2 A/AA rule and axe's best practices (target-size is WCAG 2.2, off by default).
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}


def violations(page) -> list[str]:
    result = Axe().run(page, options=AXE_OPTIONS)
    assert result.response["passes"], "axe did not run"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in result.response["violations"]
    ]


@pytest.mark.parametrize("who", (*ROLES, "anonymous"))
def test_every_page_each_role_opens_passes_axe(page, live_server, who, centre, persona):
    user = persona(who)
    if user is not None:
        sign_in(page, live_server, user)
    screens = screens_for(who, centre) if user is not None else [("login", reverse("login"))]
    if who == "admin_user":  # the administrator's screens are Django's admin
        screens += [("admin", "/admin/"), ("admin-users", "/admin/casework/user/")]
    assert screens, who
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for name, url in screens:
        response = page.goto(f"{live_server.url}{url}")
        if response is None or response.headers.get("content-type", "").startswith("text/html"):
            page.screenshot(path=SHOTS / f"{who}-{name.replace(':', '_')}.png", full_page=False)
            problems = violations(page)
            if problems:
                found[f"{name} {url}"] = problems
    assert not found, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())


ERROR_STATES = [
    # (who, url name, kwargs from world, the submit button's name)
    ("intake_user", "intake:new", lambda w: {}, "受け付ける"),
    ("caseworker", "casework:case_detail", lambda w: {"pk": w["case"].pk}, "記録を保存"),
]


@pytest.mark.parametrize("state", ERROR_STATES, ids=[s[1] for s in ERROR_STATES])
def test_forms_in_their_error_state_pass_axe_and_focus_the_summary(
    page, live_server, state, centre, persona
):
    who, name, kwargs, button = state
    sign_in(page, live_server, persona(who))
    page.goto(f"{live_server.url}{reverse(name, kwargs=kwargs(centre))}")
    for details in page.locator("details.action").all():
        if details.locator("button", has_text=button).count():
            details.locator("summary").click()
            break
    page.get_by_role("button", name=button).first.click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')"), (
        "focus did not move to the error summary"
    )
    problems = violations(page)
    assert not problems, "\n".join(problems)
