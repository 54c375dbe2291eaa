from django.urls import path

from casework.views import cases, children, dashboard, hearings, reminders

app_name = "casework"
urlpatterns = [
    path("cases/", cases.case_list, name="case_list"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/notes/", cases.note_add, name="note_add"),
    path("cases/<int:pk>/status/", cases.status_move, name="status_move"),
    path("cases/<int:pk>/plan/", cases.plan_propose, name="plan_propose"),
    path("cases/<int:pk>/plan/decide/", cases.plan_decide, name="plan_decide"),
    path("cases/<int:pk>/closure/", cases.closure_request, name="closure_request"),
    path("cases/<int:pk>/closure/decide/", cases.closure_decide, name="closure_decide"),
    path("cases/<int:pk>/transfer/", cases.transfer, name="transfer"),
    path("cases/<int:pk>/workers/", cases.worker_add, name="worker_add"),
    path("cases/<int:pk>/school/", cases.school_add, name="school_add"),
    path("cases/<int:pk>/shares/", cases.share_add, name="share_add"),
    path("cases/<int:pk>/shares/<int:share_pk>/end/", cases.share_end, name="share_end"),
    path(
        "cases/<int:pk>/views/<int:hearing_pk>/afterwards/",
        hearings.views_afterwards,
        name="views_afterwards",
    ),
    path(
        "cases/<int:pk>/views/<int:hearing_pk>/feedback/",
        hearings.views_feedback,
        name="views_feedback",
    ),
    path("children/<int:pk>/", children.child_detail, name="child_detail"),
    path("children/<int:pk>/edit/", children.child_edit, name="child_edit"),
    path("children/<int:pk>/household/", children.household_add, name="household_add"),
    path(
        "children/<int:pk>/household/<int:member_id>/end/",
        children.household_end,
        name="household_end",
    ),
    path("children/<int:pk>/handbook/", children.handbook_register, name="handbook_register"),
    path("children/<int:pk>/handbook/judgment/", children.handbook_judge, name="handbook_judge"),
    path("children/<int:pk>/handbook/change/", children.handbook_change, name="handbook_change"),
    path("children/<int:pk>/handbook/referral/", children.handbook_refer, name="handbook_refer"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("reminders/", reminders.reminders, name="reminders"),
    path("reminders/<int:pk>/acknowledge/", reminders.acknowledge, name="deadline_acknowledge"),
    path("reminders/<int:pk>/dismiss/", reminders.dismiss, name="deadline_dismiss"),
]
