"""One access matrix for every page (PRODUCT §2): who gets 200, 403 (role), 404 (scope) or login.

Every new view adds a row here. Objects: `case` is a team-A case led by `caseworker`.
"""

import pytest
from django.urls import NoReverseMatch, reverse

pytestmark = pytest.mark.django_db

ALL = (
    "caseworker",
    "coworker",
    "other_worker",
    "supervisor",
    "other_supervisor",
    "intake_user",
    "shelter_user",
    "foster_user",
    "auditor",
    "admin_user",
)


def expect(default: int, **overrides: int) -> dict[str, int]:
    table = dict.fromkeys(ALL, default)
    table.update(overrides)
    table["anonymous"] = 302
    return table


# name -> (url builder taking the fixtures dict, expected status per persona)
MATRIX = {
    "case_list": (
        lambda o: reverse("casework:case_list"),
        expect(
            403,
            caseworker=200,
            coworker=200,
            other_worker=200,
            supervisor=200,
            other_supervisor=200,
        ),
    ),
    "case_detail": (
        lambda o: reverse("casework:case_detail", args=[o["case"].pk]),
        expect(
            403,
            caseworker=200,
            supervisor=200,
            coworker=404,
            other_worker=404,
            other_supervisor=404,
        ),
    ),
    "child_detail": (
        lambda o: reverse("casework:child_detail", args=[o["case"].child_id]),
        # The child is in the shelter (the `stay` fixture): shelter staff may open the page.
        expect(404, caseworker=200, supervisor=200, shelter_user=200),
    ),
    "dashboard": (
        lambda o: reverse("casework:dashboard"),
        expect(403, supervisor=200, other_supervisor=200),
    ),
    "intake_queue": (
        lambda o: reverse("intake:queue"),
        expect(403, intake_user=200, supervisor=200, other_supervisor=200),
    ),
    "intake_new": (
        lambda o: reverse("intake:new"),
        expect(403, intake_user=200, supervisor=200, other_supervisor=200),
    ),
    "consultation_statistics": (
        lambda o: reverse("reports:consultations"),
        expect(403, intake_user=200, supervisor=200, other_supervisor=200, auditor=200),
    ),
    "shelter_board": (
        lambda o: reverse("shelter:board"),
        expect(403, shelter_user=200, supervisor=200, other_supervisor=200),
    ),
    "stay_detail": (
        lambda o: reverse("shelter:stay_detail", args=[o["stay"].pk]),
        expect(
            404,
            caseworker=200,
            supervisor=200,
            other_supervisor=200,
            shelter_user=200,  # supervisors and shelter staff share the one shelter
        ),
    ),
    "audit_changes": (lambda o: reverse("audit:changes"), expect(403, auditor=200)),
    "audit_access": (lambda o: reverse("audit:access"), expect(403, auditor=200)),
}

CASES = [(page, who) for page in MATRIX for who in (*ALL, "anonymous")]


@pytest.fixture
def stay(case, shelter_user):
    from shelter.layout import ensure_default_layout
    from tests.factories import decide_and_admit

    ensure_default_layout()
    return decide_and_admit(
        actor=shelter_user, case=case, started_on=case.opened_on, parental_consent=False
    )


@pytest.mark.parametrize(("page", "who"), CASES)
def test_access_matrix(page, who, case, stay, persona, login):
    build, expected = MATRIX[page]
    response = login(persona(who)).get(build({"case": case, "stay": stay}))
    assert response.status_code == expected[who], f"{who} on {page}"
    if expected[who] == 302:
        assert response["Location"].startswith(reverse("login"))


LANDING = {
    "caseworker": "casework:case_list",
    "coworker": "casework:case_list",
    "other_worker": "casework:case_list",
    "supervisor": "casework:dashboard",
    "other_supervisor": "casework:dashboard",
    "intake_user": "intake:queue",
    "shelter_user": "shelter:board",
    "foster_user": "foster:pipeline",
    "auditor": "audit:changes",
    "admin_user": "admin:index",
}


@pytest.mark.parametrize("who", [*ALL])
def test_home_sends_each_role_to_its_own_page(who, persona, login):
    response = login(persona(who)).get("/")
    try:
        landing = reverse(LANDING[who])
    except NoReverseMatch:  # the role's pages have not shipped yet: a clear page, not an error
        assert response.status_code == 200
        assert "利用できる画面がありません" in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"] == landing


def test_anonymous_is_sent_to_login_from_home(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/", "/cases/", "/audit/", "/dashboard/", "/accounts/logout/"])
def test_auditor_cannot_post_anywhere(path, auditor, login):
    client = login(auditor)
    response = client.post(path, {"x": "1"})
    if path == "/accounts/logout/":
        assert response.status_code == 302  # leaving is always allowed
    else:
        assert response.status_code == 403


def test_shelter_staff_see_daily_care_facts_but_not_address_or_cases(
    case, stay, shelter_user, login
):
    page = login(shelter_user).get(reverse("casework:child_detail", args=[case.child_id]))
    text = page.content.decode()
    assert case.child.allergies in text and case.child.school in text
    assert case.child.address not in text and "住所" not in text
    assert case.number not in text and "世帯" not in text
