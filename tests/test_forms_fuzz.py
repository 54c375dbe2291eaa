"""Every form in the project, as every persona allowed to use it, posted with generated values
(issue 8): overlong text, NUL bytes, wrong types, impossible and extreme dates, markup,
formula-like text and duplicated fields.

The forms are found, not listed: each page below is rendered as the persona and every form on
it (its action, its fields and their options) is read from the HTML. A test checks that the
forms found cover every action route of the URLconf that takes a form, so a new form cannot be
missed. For each example: never a 500; a refusal (400) saves nothing (no history row is
written) and says why in Japanese, next to the field or at the top of the form; GET filter
forms never break their list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.audit.chain import history_models
from tests.conftest import rolled_back

pytestmark = pytest.mark.django_db

EXAMPLES = 12


# --- finding the forms ---------------------------------------------------------------------


@dataclass
class FoundForm:
    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> offered values
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type / select / textarea

    @property
    def route(self) -> str:
        match = resolve(urlparse(self.action).path)
        return match.view_name


class FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[FoundForm] = []
        self.current: FoundForm | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or self.page_url
            self.current = FoundForm((attrs.get("method") or "get").lower(), action)
            self.forms.append(self.current)
            return
        if self.current is None:
            return
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = attrs.get("type", "text")
            self.current.kinds.setdefault(name, kind)
            values = self.current.fields.setdefault(name, [])
            if attrs.get("value") is not None:
                values.append(attrs["value"])
        elif tag in ("select", "textarea") and name:
            self.current.kinds.setdefault(name, tag)
            self.current.fields.setdefault(name, [])
            self.select = name if tag == "select" else None
        elif tag == "option" and self.select:
            self.current.fields[self.select].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def forms_on(client, url: str) -> list[FoundForm]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = FormParser(url)
    parser.feed(response.content.decode())
    return [f for f in parser.forms if f.fields or f.method == "post"]


# Pages that host every form of the project, and who uses them there.
PAGES = [
    ("caseworker", lambda w: reverse("casework:case_detail", args=[w["case"].pk])),
    ("supervisor", lambda w: reverse("casework:case_detail", args=[w["case"].pk])),
    ("supervisor", lambda w: reverse("casework:case_detail", args=[w["waiting"].pk])),
    ("caseworker", lambda w: reverse("casework:case_detail", args=[w["judged"].pk])),
    ("supervisor", lambda w: reverse("casework:case_detail", args=[w["deciding"].pk])),
    ("caseworker", lambda w: reverse("casework:child_detail", args=[w["case"].child_id])),
    ("caseworker", lambda w: reverse("casework:child_edit", args=[w["case"].child_id])),
    ("caseworker", lambda w: reverse("casework:child_detail", args=[w["judged"].child_id])),
    ("supervisor", lambda w: reverse("casework:reminders")),
    ("intake_user", lambda w: reverse("intake:notices")),
    ("auditor", lambda w: reverse("audit:deadlines")),
    ("caseworker", lambda w: reverse("casework:case_list")),
    ("supervisor", lambda w: reverse("casework:case_list")),
    ("intake_user", lambda w: reverse("intake:new")),
    ("intake_user", lambda w: reverse("intake:queue")),
    ("supervisor", lambda w: reverse("intake:detail", args=[w["open_report"].pk])),
    ("caseworker", lambda w: reverse("intake:detail", args=[w["consultation"].pk])),
    ("supervisor", lambda w: reverse("intake:step_new", args=[w["open_report"].pk, "entry"])),
    ("supervisor", lambda w: reverse("intake:step_detail", args=[w["open_step"].pk])),
    ("supervisor", lambda w: reverse("reports:consultations")),
    ("shelter_user", lambda w: reverse("shelter:stay_detail", args=[w["stay"].pk])),
    ("caseworker", lambda w: reverse("shelter:stay_detail", args=[w["stay"].pk])),
    ("shelter_user", lambda w: reverse("shelter:stay_detail", args=[w["refused_stay"].pk])),
    ("shelter_user", lambda w: reverse("shelter:stay_detail", args=[w["requested_stay"].pk])),
    ("shelter_user", lambda w: reverse("shelter:admit_decision", args=[w["decision"].pk])),
    ("auditor", lambda w: reverse("audit:changes")),
    ("auditor", lambda w: reverse("audit:access")),
    ("anonymous", lambda w: reverse("login")),
    ("supervisor", lambda w: reverse("two_factor")),
    ("auditor", lambda w: reverse("two_factor")),
    ("admin_user", lambda w: reverse("two_factor_reset", args=[w["case"].lead_id])),
    ("foster_user", lambda w: reverse("foster:pipeline")),
    ("foster_user", lambda w: reverse("foster:applicant_new")),
    ("foster_user", lambda w: reverse("foster:applicant_detail", args=[w["applicant"].pk])),
    ("foster_user", lambda w: reverse("foster:applicant_detail", args=[w["withdrawn"].pk])),
    ("foster_user", lambda w: reverse("foster:home_list")),
    ("foster_user", lambda w: reverse("foster:home_detail", args=[w["home"].pk])),
    ("caseworker", lambda w: reverse("casework:case_detail", args=[w["proposal"].case_id])),
    ("network_user", lambda w: reverse("network:register")),
    ("network_user", lambda w: reverse("network:entry_new")),
    ("network_user", lambda w: reverse("network:entry_detail", args=[w["entry"].pk])),
    ("network_user", lambda w: reverse("network:entry_edit", args=[w["entry"].pk])),
    ("network_user", lambda w: reverse("network:session_list")),
    ("network_user", lambda w: reverse("network:session_detail", args=[w["session"].pk])),
    ("caseworker", lambda w: reverse("casework:case_detail", args=[w["views_owed"].pk])),
    ("auditor", lambda w: reverse("audit:views")),
]
# Action routes with no form of their own fields (a button): nothing to fuzz but the click.
BUTTONS = {
    "logout",
    "intake:reveal_reporter",
    "casework:share_end",
    "casework:household_end",
    "set_language",
    "intake:notice_sent",
    "network:session_refresh",
    "network:session_hold",
}


@pytest.fixture
def fuzz_world(world, supervisor, intake_user, shelter_user, team_a, caseworker):
    """The access matrix's world, plus an open abuse report (accept, decline and the safety
    form are offered on it) and a stay whose warrant was refused (the appeal form)."""
    from datetime import timedelta

    from django.utils import timezone

    from casework import services as casework_services
    from intake import services as intake_services
    from intake.models import Route as ReferralRoute
    from shelter import services as shelter_services
    from tests.factories import ChildFactory, decide_and_admit, open_case

    now = timezone.now()
    data = intake_services.ConsultationData(
        team=team_a,
        received_at=now - timedelta(hours=1),
        channel="phone",
        route=ReferralRoute.objects.effective_on(now.date()).first(),
        category=1,
        urgency="high",
        summary="学校から通告",
        abuse_types=["neglect"],
        reporter=intake_services.Reporter(anonymous=True),
    )
    report = intake_services.consultation_create(
        actor=intake_user, data=data, new_child=ChildFactory.build()
    )
    refused_case = open_case(actor=supervisor, team=team_a, lead=caseworker)
    today = timezone.localdate()
    stay = decide_and_admit(
        actor=shelter_user,
        case=refused_case,
        started_on=today - timedelta(days=2),
        parental_consent=False,
    )
    shelter_services.stay_record_warrant_request(actor=shelter_user, stay=stay, requested_on=today)
    shelter_services.stay_record_warrant_decision(
        actor=shelter_user, stay=stay, result="refused", decided_on=today
    )
    requested = decide_and_admit(
        actor=shelter_user,
        case=open_case(actor=supervisor, team=team_a, lead=caseworker),
        started_on=today - timedelta(days=1),
        parental_consent=False,
    )
    shelter_services.stay_record_warrant_request(
        actor=shelter_user, stay=requested, requested_on=today
    )
    judged = open_case(actor=supervisor, team=team_a, lead=caseworker)
    for step in ("investigation", "judgment"):
        judged = casework_services.case_move_status(
            actor=caseworker, case=judged, to=step, reason="判定会議"
        )
    deciding = open_case(actor=supervisor, team=team_a, lead=caseworker)
    for step in ("investigation", "judgment"):
        deciding = casework_services.case_move_status(
            actor=caseworker, case=deciding, to=step, reason="判定会議"
        )
    casework_services.case_propose_plan(
        actor=caseworker, case=deciding, kind="home", detail="在宅での支援"
    )
    casework_services.case_request_closure(
        actor=caseworker, case=deciding, outcome="home", reason="助言で終了"
    )
    from foster import services as foster_services
    from tests.foster.conftest import new_applicant

    withdrawn = new_applicant(world["home"].worker, name="辞退 太郎")
    foster_services.applicant_close(
        actor=world["home"].worker,
        applicant=withdrawn,
        status="withdrawn",
        closed_on=withdrawn.opened_on,
        reason="転居",
    )
    # The ladder (issue 14 item 3): a failed visit to the open report, a 出頭要求 pending.
    intake_services.safety_confirm(
        actor=supervisor,
        consultation=report,
        seen_at=now - timedelta(minutes=30),
        seen_by="職員",
        agency="centre",
        place="自宅",
        method="visit_absent",
        outcome="absent",
    )
    open_step = intake_services.legal_step_record(
        actor=supervisor,
        consultation=report,
        kind="appearance",
        decided_on=timezone.localdate(),
        scheduled_at=now + timedelta(days=1),
        addressee="山田 花子",
        place="港区児童相談所",
        worker=supervisor,
    )
    # a 一時保護 decided before the child could be heard: the views are owed (意見聴取)
    from tests.factories import decide_protection, views_after

    views_owed = open_case(actor=supervisor, team=team_a, lead=caseworker)
    decide_protection(
        actor=caseworker,
        case=views_owed,
        decided_on=views_owed.opened_on,
        grounds="abuse",
        views=views_after(),
    )
    return {
        **world,
        "views_owed": views_owed,
        "withdrawn": withdrawn,
        "open_report": report,
        "open_step": open_step,
        "refused_stay": stay,
        "requested_stay": requested,
        "waiting": world["decision"].case,
        "judged": judged,
        "deciding": deciding,
    }


def test_the_pages_offer_every_form_of_the_urlconf(fuzz_world, persona, login):
    from tests.test_access_matrix import MATRIX

    found = set()
    for who, build in PAGES:
        for form in forms_on(login(persona(who)), build(fuzz_world)):
            if form.method == "post":
                found.add(form.route)
    takes_a_form = {
        name for name, route in MATRIX.items() if 400 in route.post.values() and name != "login"
    }
    missing = takes_a_form - found - BUTTONS
    assert not missing, f"forms not reached by any page in PAGES: {sorted(missing)}"


# --- the values ----------------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "\x00",
    "abc\x00def",
    "a" * 5000,
    "あ" * 3000,
    "<script>alert(1)</script>",
    "=cmd|'/C calc'!A0",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "１２３",
    "0001-01-01",
    "1872-12-31",
    "1873-01-01",
    "1926-12-24",
    "1900-02-29",
    "2026-02-30",
    "2026-11-20",
    "2100-12-31",
    "2101-01-01",
    "9999-12-31",
    "2026-11-20T10:00",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "R8-000001",
    "true",
    "on",
]


def value_for(form: FoundForm, name: str) -> st.SearchStrategy:
    offered = [v for v in form.fields.get(name, []) if v is not None]
    single = st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(offered) if offered else st.nothing(),
        st.text(max_size=12),
    )
    # A field sent twice, or not at all.
    return st.one_of(single, st.lists(single, min_size=2, max_size=3), st.just(None))


def payloads(form: FoundForm) -> st.SearchStrategy:
    return st.fixed_dictionaries({name: value_for(form, name) for name in form.fields}).map(
        lambda d: {k: v for k, v in d.items() if v is not None}
    )


def history_rows() -> int:
    """Every history row of the project, in one query."""
    tables = [m._meta.db_table for m in history_models()]
    sql = " + ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}")  # noqa: S608 - table names from the app registry
        return cursor.fetchone()[0]


ERROR_TEXT = re.compile(
    r'class="field__error"[^>]*>(.*?)</p>|<div class="error-summary".*?<ul>(.*?)</ul>', re.S
)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH_DJANGO = (
    "This field",
    "Enter a valid",
    "Select a valid",
    "Ensure this value",
    "このフィールドは必須です",  # Django's generic words: a field says what to do instead
)


def check_refusal(body: str, before: int) -> None:
    assert history_rows() == before, "a refused form saved something"
    messages = [m for pair in ERROR_TEXT.findall(body) for m in pair if m.strip()]
    assert messages, "a refused form without a message"
    text = " ".join(messages)
    assert JAPANESE.search(text), text[:200]
    assert not any(english in text for english in ENGLISH_DJANGO), text[:200]


@pytest.mark.parametrize("page", PAGES, ids=[f"{who}-{i}" for i, (who, _b) in enumerate(PAGES)])
def test_generated_values_never_break_a_form(page, fuzz_world, persona, login):
    who, build = page
    client = login(persona(who))
    for form in forms_on(client, build(fuzz_world)):
        if form.route not in ("logout", "set_language"):  # Django's own, in every footer
            fuzz(client, form)


def fuzz(client, form: FoundForm) -> None:
    """Post generated values to one form, each example in a block that is rolled back."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=payloads(form))
    def attempt(data):
        with rolled_back():
            before = history_rows()
            if form.method == "get":
                response = client.get(form.action, data)
                assert response.status_code in (200, 400), (form.action, response.status_code)
                return
            response = client.post(form.action, data)
            status = response.status_code
            assert status in (200, 302, 400, 403, 404, 429), (form.route, status)
            if status == 400:
                check_refusal(response.content.decode(), before)
            elif status != 302:
                assert history_rows() == before, (form.route, status)

    attempt()


GENERIC_REQUIRED = "このフィールドは必須です"


@pytest.mark.parametrize("page", PAGES, ids=[f"{who}-{i}" for i, (who, _b) in enumerate(PAGES)])
def test_an_empty_submit_names_each_missing_field(page, fuzz_world, persona, login):
    """Issue 12 item 1: 性別, 町名, 続柄 answered 「このフィールドは必須です。」. An empty POST
    to every form of every page now says which field and what to do, and changes nothing."""
    who, build = page
    client = login(persona(who))
    for form in forms_on(client, build(fuzz_world)):
        if form.method == "get" or form.route in ("logout", "set_language"):
            continue
        with rolled_back():
            before = history_rows()
            response = client.post(form.action, {})
            body = response.content.decode()
            assert GENERIC_REQUIRED not in body, form.route
            if response.status_code == 400:
                check_refusal(body, before)
