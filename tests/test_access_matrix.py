"""The access matrix (PRODUCT §2), generated from the URLconf: every route, GET and POST, every
persona. A route that is not in MATRIX fails the suite, so a new page cannot ship without
saying who may use it.

Expected answers: 200 a page; 302 a redirect (to the login page for anonymous users, to the
record's page for a GET on an action URL); 400 a refused form (an empty POST changes
nothing); 403 the role may not do this; 404 the record is outside the user's scope (its
existence is not revealed); 405 a read-only page does not take a POST.

The world (see `world`): team A's case led by `caseworker`, accepted from an abuse report team
A's intake received, its child in the shelter (with a pending extension), shared read-only
with a worker outside the personas; a second team-A case with a protection decision waiting
for admission; a household member of the first child.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PERSONAS, rolled_back

pytestmark = pytest.mark.django_db

USERS = tuple(p for p in PERSONAS if p != "anonymous")


def expect(default: int, **overrides: int) -> dict[str, int]:
    """Codes for the logged-in personas; anonymous users always go to the login page."""
    table = dict.fromkeys(USERS, default)
    table.update(overrides)
    table["anonymous"] = 302
    return table


def read_only_post() -> dict[str, int]:
    """A read-only page refuses a POST (405); the auditor's POST is refused before (403)."""
    return expect(405, auditor=403)


def action_get(default: int = 302, **overrides: int) -> dict[str, int]:
    """A GET on an action URL sends the user back to the record's page."""
    return expect(default, **overrides)


@dataclass(frozen=True)
class Route:
    kwargs: Callable[[dict], dict] = lambda w: {}
    get: dict[str, int] = field(default_factory=dict)
    post: dict[str, int] = field(default_factory=dict)


def legal_step(w: dict):
    """A 出頭要求 pending on the world's report, after a failed visit (saved as the services
    would; the world's child has since been taken into protection, which ended the ladder)."""
    from datetime import timedelta

    from django.utils import timezone

    from casework.writes import save_with_history
    from intake.models import LegalStep, SafetyConfirmation

    if "legal_step" not in w:
        consultation = w["consultation"]
        lead = w["case"].lead
        at = consultation.received_at + timedelta(hours=1)
        save_with_history(
            SafetyConfirmation(
                consultation=consultation,
                seen_at=at,
                seen_by="職員",
                agency="centre",
                place="自宅",
                method="visit_absent",
                outcome="absent",
                recorded_by=lead,
            ),
            actor=lead,
            reason="試み",
        )
        w["legal_step"] = LegalStep(
            consultation=consultation,
            case=w["case"],
            kind="appearance",
            decided_on=timezone.localdate(),
            scheduled_at=at + timedelta(days=1),
            addressee="山田 花子",
            place="港区児童相談所",
            worker=lead,
            recorded_by=lead,
        )
        save_with_history(w["legal_step"], actor=lead, reason="出頭要求")
    return w["legal_step"]


CASE_READERS = dict(caseworker=200, supervisor=200, coworker=404, other_worker=404)
CASE_READERS |= dict(other_supervisor=404)
CASE_ROLES_403 = dict(intake_user=403, other_intake=403, shelter_user=403, foster_user=403)
CASE_ROLES_403 |= dict(auditor=403, admin_user=403)


def case_action(need: str) -> Route:
    """An action on team A's case: `change` (its worker, its supervisor) or `supervise`."""
    post = expect(403, supervisor=400, coworker=404, other_worker=404, other_supervisor=404)
    post["caseworker"] = 400 if need == "change" else 403
    get = action_get(403, caseworker=302, coworker=302, other_worker=302)
    get |= dict(supervisor=302, other_supervisor=302)
    return Route(lambda w: {"pk": w["case"].pk}, get, post)


def stay_manage() -> Route:
    """Move, discharge: shelter staff and supervisors (the shelter is shared by the teams)."""
    get = action_get(403, shelter_user=302, supervisor=302, other_supervisor=302)
    post = expect(403, shelter_user=400, supervisor=400, other_supervisor=400)
    return Route(lambda w: {"pk": w["stay"].pk}, get, post)


def stay_record(**kwargs) -> Route:
    """Consent, warrant, appeal, extension, school: the board's roles and the case's workers."""
    post = expect(404, caseworker=400, supervisor=400, other_supervisor=400, shelter_user=400)
    post["auditor"] = 403
    return Route(
        lambda w: {"pk": w["stay"].pk, **kwargs.get("extra", lambda w: {})(w)}, action_get(), post
    )


def child_change() -> Route:
    """Identity and household: those who may change one of the child's open cases."""
    post = expect(404, caseworker=400, supervisor=400, shelter_user=403, intake_user=403)
    post["auditor"] = 403
    return Route(lambda w: {"pk": w["case"].child_id}, action_get(), post)


REMINDER_USERS = (
    "caseworker",
    "coworker",
    "other_worker",
    "supervisor",
    "other_supervisor",
    "intake_user",
    "other_intake",
    "foster_user",
    "network_user",
)
INTAKE_PAGE = expect(403, intake_user=200, other_intake=200, supervisor=200)
INTAKE_PAGE["other_supervisor"] = 200
BOARD_PAGE = expect(403, shelter_user=200, supervisor=200, other_supervisor=200)
CASE_LIST = expect(403, caseworker=200, coworker=200, other_worker=200, supervisor=200)
CASE_LIST["other_supervisor"] = 200

FOSTER_PAGE = expect(403, foster_user=200, supervisor=200, other_supervisor=200)
FOSTER_ACTION = Route(get=action_get(403, foster_user=302), post=expect(403, foster_user=400))


NETWORK_PAGE = expect(403, network_user=200, supervisor=200, other_supervisor=200)


def network_record(record: str, *, get: int = 200, post: int = 400) -> Route:
    """A page or an action on a register entry or session of the world: the centre's worker;
    nobody else learns it exists (404), whatever their role."""
    # an action URL: a GET goes back to the record's page, for everyone
    gets = action_get(302) if get == 302 else expect(404, network_user=get)
    return Route(lambda w: {"pk": w[record].pk}, gets, expect(404, network_user=post, auditor=403))


def foster_action(record: str) -> Route:
    """An action of the foster team on an applicant, a home or a placement of the world."""
    return Route(lambda w: {"pk": w[record].pk}, FOSTER_ACTION.get, FOSTER_ACTION.post)


MATRIX: dict[str, Route] = {
    # --- the frame -------------------------------------------------------------------------
    "home": Route(get=expect(302), post=read_only_post()),
    "login": Route(
        get=expect(302) | {"anonymous": 200},
        post=expect(302, auditor=403) | {"anonymous": 200},
    ),
    "logout": Route(get=expect(405) | {"anonymous": 302}, post=expect(302)),
    # The second factor: the code page belongs to a password step in progress (anyone else is
    # sent on); enrolment and backup codes are each user's own (auditors included: signing in
    # is not a change); the reset is the administrator's.
    "login_verify": Route(get=expect(302), post=expect(302, auditor=403)),
    "two_factor": Route(get=expect(200), post=expect(400)),
    "two_factor_codes": Route(get=expect(405), post=expect(302)),
    "two_factor_reset": Route(
        lambda w: {"pk": w["case"].lead_id},
        get=expect(403, admin_user=200),
        post=expect(403, admin_user=400, auditor=403),
    ),
    "set_language": Route(get=expect(302), post=expect(302)),
    # --- cases -----------------------------------------------------------------------------
    "casework:case_list": Route(  # POST: the name search, then back to the list
        get=CASE_LIST, post={**CASE_LIST, **{k: 302 for k, v in CASE_LIST.items() if v == 200}}
    ),
    "casework:case_detail": Route(
        lambda w: {"pk": w["case"].pk},
        # the centre's worker reads a case only once it is shared with them (404 until then)
        expect(403, **CASE_READERS, network_user=404),
        read_only_post(),
    ),
    "casework:note_add": case_action("change"),
    "casework:status_move": case_action("change"),
    "casework:plan_propose": case_action("change"),
    "casework:closure_request": case_action("change"),
    "casework:school_add": case_action("change"),
    "casework:plan_decide": case_action("supervise"),
    "casework:closure_decide": case_action("supervise"),
    "casework:transfer": case_action("supervise"),
    "casework:worker_add": case_action("supervise"),
    "casework:share_add": case_action("supervise"),
    "casework:share_end": Route(
        lambda w: {"pk": w["case"].pk, "share_pk": w["share"].pk},
        case_action("supervise").get,
        # no form: the button ends the share (a supervisor's act, then back to the case file)
        case_action("supervise").post | {"supervisor": 302},
    ),
    # 意見聴取 (DOMAIN §11): the views heard afterwards and the feedback to the child, on a
    # hearing of team A's waiting case — whoever may change the case
    "casework:views_afterwards": Route(
        lambda w: {"pk": w["hearing"].case_id, "hearing_pk": w["hearing"].pk},
        case_action("change").get,
        case_action("change").post,
    ),
    "casework:views_feedback": Route(
        lambda w: {"pk": w["hearing"].case_id, "hearing_pk": w["hearing"].pk},
        case_action("change").get,
        case_action("change").post,
    ),
    "casework:dashboard": Route(
        get=expect(403, supervisor=200, other_supervisor=200), post=read_only_post()
    ),
    # --- children --------------------------------------------------------------------------
    "casework:child_detail": Route(
        lambda w: {"pk": w["case"].child_id},
        # intake: the child their team registered; shelter: the child in its care
        expect(404, caseworker=200, supervisor=200, intake_user=200, shelter_user=200),
        read_only_post(),
    ),
    "casework:child_edit": Route(
        lambda w: {"pk": w["case"].child_id},
        expect(404, caseworker=200, supervisor=200, shelter_user=403, intake_user=403),
        child_change().post,
    ),
    "casework:household_add": child_change(),
    "casework:household_end": Route(
        lambda w: {"pk": w["case"].child_id, "member_id": w["member"].pk},
        child_change().get,
        child_change().post,
    ),
    # --- intake ----------------------------------------------------------------------------
    "intake:queue": Route(get=INTAKE_PAGE, post=read_only_post()),
    "intake:new": Route(
        get=INTAKE_PAGE,
        post=expect(403, intake_user=400, other_intake=400, supervisor=400, other_supervisor=400),
    ),
    "intake:detail": Route(
        lambda w: {"pk": w["consultation"].pk},
        expect(403, intake_user=200, supervisor=200, caseworker=200, other_intake=404)
        | dict(other_supervisor=404, coworker=404, other_worker=404),
        read_only_post(),
    ),
    "intake:reveal_reporter": Route(
        lambda w: {"pk": w["consultation"].pk},
        action_get(403, intake_user=302, other_intake=302, supervisor=302)
        | dict(other_supervisor=302, caseworker=302, coworker=302, other_worker=302),
        # the receiving team's supervisor and the case's lead; intake staff may not
        expect(403, supervisor=200, caseworker=200, other_intake=404, other_supervisor=404)
        | dict(coworker=404, other_worker=404),
    ),
    "intake:accept": Route(
        lambda w: {"pk": w["consultation"].pk},
        action_get(403, supervisor=302, other_supervisor=302),
        expect(403, supervisor=400, other_supervisor=404),
    ),
    "intake:decline": Route(
        lambda w: {"pk": w["consultation"].pk},
        action_get(403, supervisor=302, other_supervisor=302),
        expect(403, supervisor=400, other_supervisor=404),
    ),
    "intake:safety_add": Route(
        lambda w: {"pk": w["consultation"].pk},
        action_get(403, supervisor=302, other_supervisor=302, caseworker=302)
        | dict(coworker=302, other_worker=302),
        expect(403, supervisor=400, caseworker=400, other_supervisor=404)
        | dict(coworker=404, other_worker=404),
    ),
    # the ladder (issue 14 item 3): who records a step is who records a safety confirmation;
    # who sees the report sees its steps and their documents
    "intake:step_new": Route(
        lambda w: {"pk": w["consultation"].pk, "kind": "appearance"},
        expect(403, supervisor=200, caseworker=200, other_supervisor=404)
        | dict(coworker=404, other_worker=404),
        expect(403, supervisor=400, caseworker=400, other_supervisor=404)
        | dict(coworker=404, other_worker=404),
    ),
    "intake:step_detail": Route(
        lambda w: {"pk": legal_step(w).pk},
        expect(403, intake_user=200, supervisor=200, caseworker=200, other_intake=404)
        | dict(other_supervisor=404, coworker=404, other_worker=404),
        read_only_post(),
    ),
    "intake:step_print": Route(
        lambda w: {"pk": legal_step(w).pk},
        expect(403, intake_user=200, supervisor=200, caseworker=200, other_intake=404)
        | dict(other_supervisor=404, coworker=404, other_worker=404),
        read_only_post(),
    ),
    "intake:step_outcome": Route(
        lambda w: {"pk": legal_step(w).pk},
        action_get(403, supervisor=302, other_supervisor=302, caseworker=302)
        | dict(coworker=302, other_worker=302),
        expect(403, supervisor=400, caseworker=400, other_supervisor=404)
        | dict(coworker=404, other_worker=404),
    ),
    "reports:consultations": Route(get=INTAKE_PAGE | {"auditor": 200}, post=read_only_post()),
    # --- shelter ---------------------------------------------------------------------------
    "shelter:board": Route(get=BOARD_PAGE, post=read_only_post()),
    "shelter:admit": Route(get=BOARD_PAGE, post=read_only_post()),
    "shelter:admit_decision": Route(
        lambda w: {"pk": w["decision"].pk},
        expect(403, shelter_user=200, supervisor=200, other_supervisor=404),
        expect(403, shelter_user=400, supervisor=400, other_supervisor=404),
    ),
    "shelter:decision_add": case_action("change"),
    "shelter:decision_cancel": Route(
        lambda w: {"pk": w["decision"].pk},
        action_get(403, caseworker=302, supervisor=302, coworker=404, other_worker=404)
        | {"other_supervisor": 404},
        expect(403, caseworker=400, supervisor=400, coworker=404, other_worker=404)
        | {"other_supervisor": 404},
    ),
    "shelter:stay_detail": Route(
        lambda w: {"pk": w["stay"].pk},
        expect(404, caseworker=200, supervisor=200, other_supervisor=200, shelter_user=200),
        read_only_post(),
    ),
    "shelter:move": stay_manage(),
    "shelter:discharge": stay_manage(),
    "shelter:consent": stay_record(),
    "shelter:warrant_request": stay_record(),
    "shelter:warrant_decision": stay_record(),
    "shelter:appeal": stay_record(),
    "shelter:extension_add": stay_record(),
    "shelter:extension_decide": stay_record(extra=lambda w: {"extension_pk": w["extension"].pk}),
    "shelter:school": stay_record(),
    # --- deadlines (the ledger), 愛の手帳, notices to the branch offices ---------------------
    "casework:reminders": Route(
        get=expect(403, **dict.fromkeys(REMINDER_USERS, 200)), post=read_only_post()
    ),
    "casework:deadline_acknowledge": Route(
        lambda w: {"pk": w["deadline"].pk},
        action_get(403, **dict.fromkeys(REMINDER_USERS, 302)),
        expect(403, **dict.fromkeys(REMINDER_USERS, 404)) | {"caseworker": 400, "supervisor": 400},
    ),
    "casework:deadline_dismiss": Route(
        lambda w: {"pk": w["deadline"].pk},
        action_get(403, **dict.fromkeys(REMINDER_USERS, 302)),
        # the owner may acknowledge, only a supervisor of the team may dismiss
        expect(403, **dict.fromkeys(REMINDER_USERS, 404)) | {"caseworker": 403, "supervisor": 400},
    ),
    "casework:handbook_register": child_change(),
    "casework:handbook_judge": child_change(),
    "casework:handbook_change": child_change(),
    "casework:handbook_refer": child_change(),
    "intake:notices": Route(get=INTAKE_PAGE, post=read_only_post()),
    "intake:notice_sent": Route(
        lambda w: {"pk": w["notice"].pk},
        action_get(403, intake_user=302, other_intake=302, supervisor=302, other_supervisor=302),
        # a button: marks the notice sent (the intake desk of the centre, whichever team)
        expect(403, intake_user=302, other_intake=302, supervisor=302, other_supervisor=302),
    ),
    "audit:deadlines": Route(get=expect(403, auditor=200), post=expect(405, auditor=403)),
    "audit:views": Route(get=expect(403, auditor=200), post=expect(405, auditor=403)),
    # --- foster: foster staff change, supervisors read; placements from the case file ------
    "foster:pipeline": Route(get=FOSTER_PAGE, post=read_only_post()),
    "foster:home_list": Route(get=FOSTER_PAGE, post=read_only_post()),
    "foster:applicant_new": Route(get=expect(403, foster_user=200), post=FOSTER_ACTION.post),
    "foster:session_add": FOSTER_ACTION,
    "foster:applicant_detail": Route(
        lambda w: {"pk": w["applicant"].pk}, FOSTER_PAGE, read_only_post()
    ),
    "foster:step_record": foster_action("applicant"),
    "foster:training_add": foster_action("applicant"),
    "foster:study_visit_add": foster_action("applicant"),
    "foster:member_add": foster_action("applicant"),
    "foster:applicant_close": foster_action("applicant"),
    "foster:applicant_reopen": foster_action("applicant"),
    "foster:home_detail": Route(lambda w: {"pk": w["home"].pk}, FOSTER_PAGE, read_only_post()),
    "foster:home_capacity": foster_action("home"),
    "foster:renewal_training": foster_action("home"),
    "foster:home_renew": foster_action("home"),
    "foster:home_visit_add": foster_action("home"),
    "foster:placement_propose": case_action("change"),
    "foster:placement_confirm": foster_action("proposal"),
    "foster:placement_end": foster_action("placement"),
    "foster:placement_withdraw": Route(
        lambda w: {"pk": w["proposal"].pk},
        # the foster team, and whoever may change the proposal's case
        action_get(403, foster_user=302, caseworker=302, supervisor=302)
        | dict(coworker=404, other_worker=404, other_supervisor=404),
        expect(403, foster_user=400, caseworker=400, supervisor=400)
        | dict(coworker=404, other_worker=404, other_supervisor=404),
    ),
    # --- network: the 要対協 register of the centre's team -----------------------------------
    "network:register": Route(get=NETWORK_PAGE, post=read_only_post()),
    "network:session_list": Route(get=NETWORK_PAGE, post=read_only_post()),
    "network:entry_new": Route(
        get=expect(403, network_user=200), post=expect(403, network_user=400)
    ),
    "network:session_new": Route(
        get=action_get(403, network_user=302), post=expect(403, network_user=400)
    ),
    "network:entry_detail": Route(
        lambda w: {"pk": w["entry"].pk}, expect(404, network_user=200), read_only_post()
    ),
    "network:entry_edit": network_record("entry"),
    "network:entry_end": network_record("entry", get=302),
    "network:session_detail": Route(
        lambda w: {"pk": w["session"].pk}, expect(404, network_user=200), read_only_post()
    ),
    # buttons: the refresh and "held" succeed on an empty POST (then back to the session)
    "network:session_refresh": network_record("session", get=302, post=302),
    "network:session_hold": network_record("session", get=302, post=302),
    # GET without a recipient goes back to the session; POST prints (and records) the handout
    "network:handout": network_record("session", get=302),
    "network:review_add": network_record("agenda_item", get=302),
    # --- audit -----------------------------------------------------------------------------
    "audit:changes": Route(get=expect(403, auditor=200), post=expect(405, auditor=403)),
    "audit:access": Route(get=expect(403, auditor=200), post=expect(405, auditor=403)),
}
# Served the same to everyone, outside the login wall.
EXEMPT = {"favicon.ico"}


def url_names() -> list[str]:
    """Every named route of the project except the Django admin (tested below)."""
    names = []

    def walk(patterns, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                walk(
                    pattern.url_patterns,
                    f"{namespace}:{inner}" if namespace and inner else inner or namespace,
                )
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                names.append(name or str(pattern.pattern))

    walk(get_resolver().url_patterns, None)
    return sorted(n for n in set(names) if not n.startswith("admin:"))


def test_every_route_is_in_the_matrix_and_every_entry_is_a_route():
    routes = set(url_names()) - EXEMPT
    assert routes - set(MATRIX) == set(), "routes without an access-matrix entry"
    assert set(MATRIX) - routes == set(), "matrix entries for routes that no longer exist"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_route_answers_each_persona_as_the_matrix_says(name, world, persona, login):
    route = MATRIX[name]
    url = reverse(name, kwargs=route.kwargs(world))
    wrong = []
    for who in PERSONAS:
        client = login(persona(who))
        for method, table in (("GET", route.get), ("POST", route.post)):
            with rolled_back():
                response = client.get(url) if method == "GET" else client.post(url, {})
            if response.status_code != table[who]:
                wrong.append(f"{method} {who}: {response.status_code} (expected {table[who]})")
            elif (
                who == "anonymous"
                and table[who] == 302
                and name != "logout"
                and not response["Location"].startswith(reverse("login"))
            ):
                wrong.append(f"{method} anonymous: sent to {response['Location']}")
    assert not wrong, f"{name} {url}\n" + "\n".join(wrong)


def admin_urls() -> list[str]:
    """The admin's index, changelists and add pages (no object needed)."""
    urls = []
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "admin":
            names = {p.name for p in _flatten(pattern.url_patterns) if p.name}
            for name in names - {"login", "logout"}:  # the admin's own sign-in page is open
                try:
                    urls.append(reverse(f"admin:{name}"))
                except Exception:  # noqa: BLE001,S112 - routes that need arguments are skipped
                    continue
    return sorted(set(urls))


def _flatten(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _flatten(pattern.url_patterns)
        else:
            yield pattern


def test_the_admin_is_closed_to_every_role_but_the_administrator(persona, login, admin_user):
    urls = admin_urls()
    assert reverse("admin:index") in urls and len(urls) > 5
    for who in PERSONAS:
        if who == "admin_user":
            continue
        client = login(persona(who))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, (who, url)
            assert "/login/" in response["Location"], (who, url)
    assert login(admin_user).get(reverse("admin:index")).status_code == 200


LANDING = {
    "caseworker": "casework:case_list",
    "coworker": "casework:case_list",
    "other_worker": "casework:case_list",
    "supervisor": "casework:dashboard",
    "other_supervisor": "casework:dashboard",
    "intake_user": "intake:queue",
    "other_intake": "intake:queue",
    "shelter_user": "shelter:board",
    "foster_user": "foster:pipeline",
    "network_user": "network:register",
    "auditor": "audit:changes",
    "admin_user": "admin:index",
}


@pytest.mark.parametrize("who", USERS)
def test_home_sends_each_role_to_its_own_page(who, persona, login):
    from django.urls import NoReverseMatch

    response = login(persona(who)).get("/")
    try:
        landing = reverse(LANDING[who])
    except NoReverseMatch:  # the role's pages have not shipped yet: a clear page, not an error
        assert response.status_code == 200
        assert "利用できる画面がありません" in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"] == landing


def test_shelter_staff_see_daily_care_facts_but_not_address_or_cases(world, shelter_user, login):
    case = world["case"]
    page = login(shelter_user).get(reverse("casework:child_detail", args=[case.child_id]))
    text = page.content.decode()
    assert case.child.allergies in text and case.child.school in text
    assert case.child.address not in text and "住所" not in text
    assert case.number not in text and "世帯" not in text
